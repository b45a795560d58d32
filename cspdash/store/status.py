"""What the store holds: sources, months per force, gaps, last load (for the CLI and the Data page)."""

from __future__ import annotations

from typing import Any

import duckdb


def store_status(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """A summary of sources, force months with gaps and the last load."""
    sources = [
        {"source": s, "files": f, "rows": r, "last_load": str(t)}
        for s, f, r, t in con.execute(
            "SELECT source, count(*), sum(rows_loaded), max(loaded_at) FROM load_log GROUP BY 1 ORDER BY 1"
        ).fetchall()
    ]
    forces: list[dict[str, Any]] = []
    try:
        from cspdash.store.completeness import completeness

        table = completeness(con, source="street")
        for force, group in table.groupby("force"):
            forces.append({
                "force": force,
                "months": int((group["status"] != "missing").sum()),
                "first": str(group["month"].min())[:7],
                "last": str(group["month"].max())[:7],
                "gaps": [f"{str(m)[:7]} {s}" for m, s in zip(group["month"], group["status"], strict=True) if s != "ok"],
            })
    except ImportError:
        pass
    last = con.execute("SELECT max(loaded_at) FROM load_log").fetchone()
    return {"sources": sources, "forces": forces, "last_load": str(last[0]) if last and last[0] else None}
