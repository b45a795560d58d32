"""The hot spot page's queries (counts per LSOA of a scope kept per store version, one query per call) equal the
module as it was before (tests/metrics/hotspots_reference.py: every count joined to lsoa, boundary and population
in SQL, top locations and drill-down joined to a scope of every mapped LSOA)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cspdash.metrics import hotspots as hs
from tests.metrics import hotspots_reference as ref

NEWPORT = "W06000022"
# (start, end, previous start, previous end): a year on the year before, one month, months with no data
WINDOWS = [(date(2024, 1, 1), date(2024, 12, 1), date(2023, 1, 1), date(2023, 12, 1)),
           (date(2024, 6, 1), date(2024, 6, 1), date(2024, 5, 1), date(2024, 5, 1)),
           (date(2030, 1, 1), date(2030, 3, 1), date(2029, 10, 1), date(2029, 12, 1))]
TYPES = [(), ("Bicycle theft", "Anti-social behaviour")]


def _equal(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    # harm is summed per LSOA then per area (was: per area in one SQL sum), so it may differ in the last bits
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)


@pytest.fixture(scope="module")
def memory_con(demo_store_path: Path) -> duckdb.DuckDBPyConnection:
    """The demo store copied into memory (no file, so nothing is kept per version)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{demo_store_path}' AS demo (READ_ONLY)")
    con.execute("COPY FROM DATABASE demo TO memory")
    con.execute("DETACH demo")
    yield con
    con.close()


@pytest.mark.parametrize("level", ["lsoa", "ward"])
@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("types", TYPES)
def test_hot_spots_table_and_persistence_equal_the_joined_queries(demo_con: duckdb.DuckDBPyConnection, level: str,
                                                                  window: tuple[date, date, date, date],
                                                                  types: tuple[str, ...]) -> None:
    start, end, pstart, pend = window
    for measure, method in (("count", "boundary"), ("rate", "distance"), ("harm", "boundary")):
        args = (NEWPORT, level, start, end, pstart, pend, measure, method, types)
        spots = hs.hot_spots(demo_con, *args)
        _equal(spots, ref.hot_spots(demo_con, *args))
        codes = hs.top_hot_spot_codes(spots, measure, "95")
        got = hs.top_hot_spot_details(demo_con, NEWPORT, level, start, end, codes, types)
        expected = ref.top_hot_spot_details(demo_con, NEWPORT, level, start, end, codes, types)
        _equal(got[1], expected[1])  # the busiest locations, as top_locations ranked them
        for public in (False, True):
            _equal(hs.top_hot_spots_table(spots, got, measure, "95", public=public),
                   ref.top_hot_spots_table(spots, expected, measure, "95", public=public))
        for scheme in hs.PERSISTENCE_SCHEMES:
            _equal(hs.persistence_classes(demo_con, NEWPORT, level, end, scheme, measure, method, types),
                   ref.persistence_classes(demo_con, NEWPORT, level, end, scheme, measure, method, types))
    # overlapping windows take the query-per-window path
    _equal(hs.area_measures(demo_con, NEWPORT, level, start, end, start, end, types),
           ref.area_measures(demo_con, NEWPORT, level, start, end, start, end, types))


@pytest.mark.parametrize("level", ["lsoa", "ward"])
@pytest.mark.parametrize("types", TYPES)
def test_drilldown_equals_the_joined_query(demo_con: duckdb.DuckDBPyConnection,
                                           memory_con: duckdb.DuckDBPyConnection, level: str,
                                           types: tuple[str, ...]) -> None:
    codes = hs.areas(demo_con, NEWPORT, level)["area_code"].tolist()
    for con in (demo_con, memory_con):
        for code in [codes[0], codes[len(codes) // 2], "NOT_AN_AREA"]:
            for start, end, pstart, pend in WINDOWS:
                got = hs.area_drilldown(con, NEWPORT, level, code, date(2022, 7, 1), start, end, pstart, pend, types)
                expected = ref.area_drilldown(con, NEWPORT, level, code, date(2022, 7, 1), start, end, pstart, pend,
                                              types)
                for part in ("monthly", "mix", "outcomes"):
                    pd.testing.assert_frame_equal(getattr(got, part), getattr(expected, part))


def test_the_top_table_of_no_areas_reads_nothing(demo_con: duckdb.DuckDBPyConnection) -> None:
    mix, places = hs.top_hot_spot_details(demo_con, NEWPORT, "lsoa", *WINDOWS[0][:2], ())
    assert mix.empty and places.empty
    assert list(places.columns) == ["area_code", "location", "crimes", "rank"]


def test_the_scope_is_kept_only_for_store_files(demo_con: duckdb.DuckDBPyConnection,
                                                memory_con: duckdb.DuckDBPyConnection) -> None:
    hs._SCOPE_CACHE.clear()
    hs.area_measures(memory_con, NEWPORT, "lsoa", *WINDOWS[0])
    assert hs._SCOPE_CACHE == {}
    hs.area_measures(demo_con, NEWPORT, "lsoa", *WINDOWS[0])
    hs.area_measures(demo_con, NEWPORT, "lsoa", *WINDOWS[1])
    assert list(hs._SCOPE_CACHE) == [(hs._store_file(demo_con), NEWPORT, "lsoa")]


def test_the_store_file_is_asked_once_per_connection(demo_store_path: Path) -> None:
    from cspdash.store.versions import Store

    con = Store(demo_store_path).connect_read()
    statements: list[str] = []

    class Counting:
        def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
            statements.append(sql)
            return con.execute(sql, *args)

    counting = Counting()
    first = hs._store_file(counting)  # type: ignore[arg-type]
    assert first == str(Store(demo_store_path).current_version()) and hs._store_file(counting) == first  # type: ignore[arg-type]
    assert len(statements) == 1
    con.close()


@pytest.mark.parametrize(("partnership", "types"), [("NO_SUCH", ()), (NEWPORT, ("Possession of weapons",)),
                                                    (NEWPORT, ("No such crime type",))])
def test_few_or_no_areas_equal_the_joined_queries(demo_con: duckdb.DuckDBPyConnection, partnership: str,
                                                  types: tuple[str, ...]) -> None:
    """A partnership with no mapped areas, a rare crime type (periods with under three areas with crimes) and a
    crime type with no rows at all."""
    start, end, pstart, pend = WINDOWS[0]
    for level in hs.LEVELS:
        for measure in hs.MAP_MEASURES:
            args = (partnership, level, start, end, pstart, pend, measure, "boundary", types)
            spots = hs.hot_spots(demo_con, *args)
            _equal(spots, ref.hot_spots(demo_con, *args))
            codes = hs.top_hot_spot_codes(spots, measure, "95")
            _equal(hs.top_hot_spots_table(spots, hs.top_hot_spot_details(demo_con, partnership, level, start, end,
                                                                         codes, types), measure, "95"),
                   ref.top_hot_spots_table(spots, ref.top_hot_spot_details(demo_con, partnership, level, start, end,
                                                                           codes, types), measure, "95"))
            for scheme in hs.PERSISTENCE_SCHEMES:
                _equal(hs.persistence_classes(demo_con, partnership, level, end, scheme, measure, "boundary", types),
                       ref.persistence_classes(demo_con, partnership, level, end, scheme, measure, "boundary", types))


def test_rows_whose_council_differs_or_is_missing_still_count(demo_store_path: Path) -> None:
    """An LSOA whose rows name another council (by their LSOA name) or none at all: the councils read are those
    the rows carry, and rows with none are read too, so nothing is left out that the joins counted."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{demo_store_path}' AS demo (READ_ONLY)")
    con.execute("COPY FROM DATABASE demo TO memory")
    con.execute("DETACH demo")
    first, second = hs.areas(con, NEWPORT, "lsoa")["area_code"].iloc[:2]
    con.execute("UPDATE agg_crime_month_lsoa SET la_code = 'W06000021' WHERE lsoa_code = ?", [first])
    con.execute("UPDATE agg_crime_month_lsoa SET la_code = NULL WHERE lsoa_code = ? AND month >= '2024-06-01'",
                [second])
    scope = hs._scope(con, NEWPORT, "lsoa")
    assert "W06000021" in scope.las and scope.any_without_council
    start, end, pstart, pend = WINDOWS[0]
    for level in hs.LEVELS:
        for measure in hs.MAP_MEASURES:
            args = (NEWPORT, level, start, end, pstart, pend, measure, "boundary", ())
            spots = hs.hot_spots(con, *args)
            _equal(spots, ref.hot_spots(con, *args))
            _equal(hs.persistence_classes(con, NEWPORT, level, end, "quarters", measure, "boundary"),
                   ref.persistence_classes(con, NEWPORT, level, end, "quarters", measure, "boundary"))
        code = first if level == "lsoa" else hs.areas(con, NEWPORT, level)["area_code"].iat[0]
        got = hs.area_drilldown(con, NEWPORT, level, code, date(2022, 7, 1), start, end, pstart, pend)
        expected = ref.area_drilldown(con, NEWPORT, level, code, date(2022, 7, 1), start, end, pstart, pend)
        pd.testing.assert_frame_equal(got.mix, expected.mix)
    spots = hs.hot_spots(con, NEWPORT, "lsoa", start, end, pstart, pend, "count", "boundary")
    assert spots.loc[spots["area_code"] == first, "crimes"].iat[0] > 0
    codes = (first, second)
    _equal(hs.top_hot_spot_details(con, NEWPORT, "lsoa", start, end, codes)[1],
           ref.top_hot_spot_details(con, NEWPORT, "lsoa", start, end, codes)[1])
    con.close()
