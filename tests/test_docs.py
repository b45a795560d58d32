"""Docs as tests: the README's public-views table is the views' real columns, and every measure in the catalogue
is documented in docs/measures.md with its catalogue label, unit and direction."""

from __future__ import annotations

import re
from pathlib import Path

from cspdash.metrics.catalogue import MEASURES
from cspdash.store.versions import Store

ROOT = Path(__file__).resolve().parent.parent


def _table(text: str, heading: str) -> list[list[str]]:
    """The cells of the first markdown table after ``heading`` (header and rule rows left out)."""
    section = text[text.index(heading):]
    rows = []
    for line in section.splitlines()[1:]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    return rows[2:]


def test_readme_public_views_are_the_real_columns(tmp_path: Path) -> None:
    store = Store(tmp_path / "empty.duckdb")
    with store.write():
        pass
    con = store.connect_read()
    try:
        real = {view: list(columns) for view, columns in con.execute(
            "SELECT table_name, list(column_name ORDER BY ordinal_position) FROM information_schema.columns"
            " WHERE table_name IN (SELECT view_name FROM duckdb_views() WHERE NOT internal) GROUP BY 1").fetchall()}
    finally:
        con.close()
    documented = {row[0].strip("`"): [c.strip() for c in re.sub(r"\s*\([^)]*\)", "", row[2]).split(",")]
                  for row in _table((ROOT / "README.md").read_text(encoding="utf-8"), "## Public views")}
    assert documented == real


def test_the_view_table_check_can_fail() -> None:
    rows = _table("## Public views\n\n| view | one row per | columns |\n|---|---|---|\n| `a` | x | b, c |\n",
                  "## Public views")
    assert rows == [["`a`", "x", "b, c"]]


def test_every_measure_is_documented() -> None:
    rows = _table((ROOT / "docs" / "measures.md").read_text(encoding="utf-8"), "# Measures")
    better = {True: "higher", False: "lower", None: "neither (context)"}
    documented = {row[0].strip("`"): tuple(row[1:4]) for row in rows}
    assert documented == {m.name: (m.label, m.unit, better[m.higher_is_better]) for m in MEASURES.values()}
    assert all(row[4] for row in rows), "each measure says what it counts"
