"""How recent and complete the force's published data is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from cspdash.metrics.memo import per_store_version
from cspdash.metrics.period import month_label


# ---------------------------------------------------------------------------------------------- freshness
@dataclass(frozen=True)
class Freshness:
    """How current the force's data is and which months are incomplete."""

    latest_month: date | None
    last_loaded: str | None
    incomplete: tuple[tuple[date, str], ...]  # (month, status) for status 'missing' or 'low'

    @property
    def sentence(self) -> str:
        """One line for the banner."""
        if self.latest_month is None:
            return "No police.uk street data is loaded for this force yet."
        text = f"Police.uk data to {month_label(self.latest_month)}"
        if self.last_loaded:
            text += f" (loaded {self.last_loaded})"
        return text + "."


@per_store_version(maxsize=64)
def freshness(con: duckdb.DuckDBPyConnection, force: str) -> Freshness:
    """Latest published month, last load time and incomplete months (missing, or far below normal) for a force.

    Read once per store version (file) and force; an in-memory store is read every time.
    """
    latest = con.execute("SELECT max(month) FROM published_month WHERE source = 'street' AND force = ?",
                         [force]).fetchone()
    loaded = con.execute("SELECT max(loaded_at) FROM load_log WHERE source LIKE 'police_uk%'").fetchone()
    table = _completeness(con, force)
    table = table[(table["force"] == force) & (table["status"] != "ok")]
    incomplete = tuple((_as_date(m), str(s)) for m, s in zip(table["month"], table["status"], strict=True))
    last_loaded = f"{loaded[0]:%d %b %Y}" if loaded and loaded[0] else None
    return Freshness(latest[0] if latest else None, last_loaded, incomplete)


def _completeness(con: duckdb.DuckDBPyConnection, force: str) -> pd.DataFrame:
    """cspdash.store.completeness when present; otherwise gaps and months below half the force's median."""
    try:
        from cspdash.store import completeness as module
    except ImportError:
        module = None  # type: ignore[assignment]
    if module is not None:
        return module.completeness(con, source="street", force=force)  # type: ignore[no-any-return]
    return con.execute(
        """
        WITH bounds AS (SELECT force, min(month) AS first, max(month) AS last, median(rows) AS typical
                        FROM published_month WHERE source = 'street' GROUP BY force),
        grid AS (SELECT b.force, unnest(generate_series(b.first, b.last, INTERVAL 1 MONTH))::DATE AS month,
                        b.typical FROM bounds b)
        SELECT g.force, g.month, coalesce(p.rows, 0) AS rows,
               CASE WHEN p.month IS NULL THEN 'missing' WHEN p.rows < g.typical / 2 THEN 'low' ELSE 'ok' END
                   AS status
        FROM grid g LEFT JOIN published_month p ON p.source = 'street' AND p.force = g.force AND p.month = g.month
        ORDER BY g.force, g.month
        """).df()


def _dates(values: pd.Series) -> pd.Series:
    """A column of first-of-month python dates (DuckDB returns timestamps)."""
    return pd.Series([_as_date(v) for v in values], index=values.index, dtype=object)


def _as_date(value: object) -> date:
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return date(stamp.year, stamp.month, 1)
