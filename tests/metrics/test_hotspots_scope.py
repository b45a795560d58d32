"""The hot spot page's scope: the partnership's LSOA → area links kept per store version (never for in-memory
stores), the store file asked once per connection, and rows whose council is another or missing still counted
(checked against the rows themselves)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from cspdash.metrics import hotspots as hs
from cspdash.metrics import memo

NEWPORT = "W06000022"
YEAR = (date(2024, 1, 1), date(2024, 12, 1), date(2023, 1, 1), date(2023, 12, 1))
MONTH = (date(2024, 6, 1), date(2024, 6, 1), date(2024, 5, 1), date(2024, 5, 1))


def _in_memory(demo_store_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"ATTACH '{demo_store_path}' AS demo (READ_ONLY)")
    con.execute("COPY FROM DATABASE demo TO memory")
    con.execute("DETACH demo")
    return con


def test_the_top_table_of_no_areas_reads_nothing(demo_con: duckdb.DuckDBPyConnection) -> None:
    mix, places = hs.top_hot_spot_details(demo_con, NEWPORT, "lsoa", *YEAR[:2], ())
    assert mix.empty and places.empty
    assert list(places.columns) == ["area_code", "location", "crimes", "rank"]


def test_the_scope_is_kept_only_for_store_files(demo_con: duckdb.DuckDBPyConnection, demo_store_path: Path) -> None:
    memory = _in_memory(demo_store_path)
    hs._scope.clear()
    hs.area_measures(memory, NEWPORT, "lsoa", *YEAR)
    assert len(hs._scope) == 0
    hs.area_measures(demo_con, NEWPORT, "lsoa", *YEAR)
    hs.area_measures(demo_con, NEWPORT, "lsoa", *MONTH)  # another window: the same scope
    assert len(hs._scope) == 1 and hs._scope.holds(demo_con, NEWPORT, "lsoa") and hs._scope.hits >= 1
    memory.close()


def test_the_store_file_is_asked_once_per_connection(demo_store_path: Path) -> None:
    from cspdash.store.versions import Store

    con = Store(demo_store_path).connect_read()
    statements: list[str] = []

    class Counting:
        def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
            statements.append(sql)
            return con.execute(sql, *args)

    counting = Counting()
    first = memo.connection_file(counting)  # type: ignore[arg-type]
    assert first == str(Store(demo_store_path).current_version())
    assert memo.connection_file(counting) == first  # type: ignore[arg-type]
    assert len(statements) == 1
    con.close()


@pytest.mark.parametrize(("partnership", "types"), [("NO_SUCH", ()), (NEWPORT, ("No such crime type",))])
def test_no_areas_or_no_rows_give_empty_answers(demo_con: duckdb.DuckDBPyConnection, partnership: str,
                                                types: tuple[str, ...]) -> None:
    for level in hs.LEVELS:
        for measure in hs.MAP_MEASURES:
            spots = hs.hot_spots(demo_con, partnership, level, *YEAR, measure, "boundary", types)
            assert spots.empty or spots["crimes"].sum() == 0
            assert hs.top_hot_spot_codes(spots, measure, "95") == ()


def test_rows_whose_council_differs_or_is_missing_still_count(demo_store_path: Path) -> None:
    """One LSOA's rows name another council, another's name none from June 2024: each LSOA's count is still the
    sum of its own rows in the window."""
    con = _in_memory(demo_store_path)
    first, second = hs.areas(con, NEWPORT, "lsoa")["area_code"].iloc[:2]
    con.execute("UPDATE agg_crime_month_lsoa SET la_code = 'W06000021' WHERE lsoa_code = ?", [first])
    con.execute("UPDATE agg_crime_month_lsoa SET la_code = NULL WHERE lsoa_code = ? AND month >= '2024-06-01'",
                [second])
    scope = hs._scope(con, NEWPORT, "lsoa")
    assert "W06000021" in scope.las and scope.any_without_council
    start, end = YEAR[:2]
    spots = hs.hot_spots(con, NEWPORT, "lsoa", *YEAR, "count", "boundary").set_index("area_code")
    for code in (first, second):
        own = con.execute("SELECT sum(crimes) FROM agg_crime_month_lsoa WHERE lsoa_code = ? AND month BETWEEN ? AND ?",
                          [code, start, end]).fetchone()[0]  # type: ignore[index]
        assert own > 0 and spots.loc[code, "crimes"] == own
    con.close()
