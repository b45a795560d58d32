"""Geography loaders: each source kind, upserts, derived links, row-level rejects and whole-file errors."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from cspdash.ingest.geography import KINDS, HeaderRefused, kind_from_header, load_geography_file
from cspdash.ingest.report import LoadError, LoadReport
from cspdash.store.versions import Store, apply_schema

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "geography"
TABLES = ("lsoa", "ward", "local_authority", "population", "boundary", "partnership", "partnership_la", "load_reject")
BASE_FILES = ("lsoa_to_ward.csv", "wards.csv", "local_authorities.csv", "population.csv", "lsoa.geojson")
POLICE_STREET_HEADER = ("crime id,month,reported by,falls within,longitude,latitude,location,lsoa code,lsoa name,"
                        "crime type,last outcome category,context")


def _kind_of(path: Path) -> str:
    if path.suffix == ".geojson":
        return "boundaries"
    try:
        kind = kind_from_header(path.read_text(encoding="utf-8").splitlines()[0].lower())
    except HeaderRefused:
        return "refused"
    assert kind is not None, path
    return kind


def _load(con: duckdb.DuckDBPyConnection, name: str, kind: str | None = None) -> LoadReport:
    path = FIXTURES / name
    return load_geography_file(con, path, 1, name, kind or _kind_of(path))


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    return con.execute(sql, params or []).fetchall()


def _fingerprint(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[object, ...]]:
    return {t: con.execute(f"SELECT count(*), sum(hash(t)) FROM {t} t").fetchall()[0] for t in TABLES}


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    """A store holding the lookup, ward and LA names, population and LSOA boundaries."""
    store = Store(tmp_path / "store.duckdb")
    with store.write() as con:
        for name in BASE_FILES:
            _load(con, name)
    return store


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    """An in-memory store with the schema, the lookup, ward and LA names, population and LSOA boundaries."""
    connection = duckdb.connect()
    apply_schema(connection)
    for name in BASE_FILES:
        _load(connection, name)
    return connection


def test_kinds_detected_from_the_real_headers() -> None:
    headers = {
        "lsoa_code,ward_code": "lsoa_ward_lookup",
        "wdcd,wdnm,ladcd,ladnm,sourcefile,ladcd_active": "ward_names",
        "ladcd,ladnm,ladcd_active,ladnm_active,utlacd": "la_names",
        "lsoacd,latitude,longitude,lsoa11cd": "lsoa_centroids",
        "region code,region name,local authority code,local authority name,msoa code,msoa name,lsoa code,"
        "lsoa name,,persons,persons,persons,hectares,persons per hectare,households,persons per household":
            "population",
        "partnership_code,partnership_name,display_name,force,la_code": "partnerships",
    }
    for header, kind in headers.items():
        assert kind_from_header(header) == kind
        assert kind in KINDS
    assert kind_from_header(POLICE_STREET_HEADER) is None
    assert kind_from_header("indicator,area_code,period,value") is None


def test_lookup_loads_three_lsoas_of_vintage_2021(con: duckdb.DuckDBPyConnection) -> None:
    assert _rows(con, "SELECT lsoa_code, ward_code, vintage FROM lsoa WHERE vintage = 2021 ORDER BY 1") == [
        ("W01000001", "W05000001", 2021), ("W01000002", "W05000001", 2021), ("W01000003", "W05000002", 2021)]


def test_loading_twice_changes_nothing(con: duckdb.DuckDBPyConnection) -> None:
    before = _fingerprint(con)
    for name in BASE_FILES:
        report = _load(con, name)
        assert report.rows_rejected == 0
    assert _fingerprint(con) == before


def test_later_lookup_replaces_the_ward_of_the_same_lsoa(con: duckdb.DuckDBPyConnection) -> None:
    before = _fingerprint(con)
    report = _load(con, "lsoa_to_ward_moved.csv")
    assert _fingerprint(con)["lsoa"] != before["lsoa"]  # the fingerprint sees a changed value
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (1, 1, 0)
    assert _rows(con, "SELECT ward_code FROM lsoa WHERE lsoa_code = 'W01000001'") == [("W05000002",)]
    assert _rows(con, "SELECT count(*) FROM lsoa") == [(4,)]


def test_ward_names_take_the_latest_year_and_the_active_council(con: duckdb.DuckDBPyConnection) -> None:
    assert _rows(con, "SELECT ward_code, ward_name, la_code FROM ward ORDER BY 1") == [
        ("W05000001", "Castle", "W06000099"), ("W05000002", "Bridge, North", "W06000099")]


def test_lsoa_council_comes_from_ward_whatever_the_load_order() -> None:
    fresh = duckdb.connect()
    apply_schema(fresh)
    _load(fresh, "wards.csv")
    _load(fresh, "lsoa_to_ward.csv")
    assert _rows(fresh, "SELECT DISTINCT la_code FROM lsoa") == [("W06000099",)]


def test_former_council_code_sharing_a_name_is_marked(con: duckdb.DuckDBPyConnection) -> None:
    assert _rows(con, "SELECT la_code, la_name FROM local_authority ORDER BY 1") == [
        ("W06000097", "Otherton"),
        ("W06000098", "Testshire (former code, now W06000099)"),
        ("W06000099", "Testshire"),
    ]


def test_population_reads_thousands_separators_and_the_first_persons_column(con: duckdb.DuckDBPyConnection) -> None:
    assert _rows(con, "SELECT area_code, residents, households, year, area_type FROM population ORDER BY 1") == [
        ("W01000001", 1563, 666, 2011, "lsoa"),
        ("W01000002", 1379, 615, 2011, "lsoa"),
        ("W01000009", 982, 411, 2011, "lsoa"),
    ]


def test_2011_only_code_is_vintage_2011_and_2021_lsoa_without_census_has_no_population(
        con: duckdb.DuckDBPyConnection) -> None:
    assert _rows(con, "SELECT vintage, lsoa_name, msoa_code, la_code FROM lsoa WHERE lsoa_code = 'W01000009'") == [
        (2011, "Testshire 002C", "W02000002", "W06000099")]
    missing = _rows(con, """SELECT l.lsoa_code FROM lsoa l LEFT JOIN population p
                            ON p.area_code = l.lsoa_code AND p.area_type = 'lsoa'
                            WHERE l.vintage = 2021 AND p.residents IS NULL""")
    assert missing == [("W01000003",)]


def test_centroids_give_coordinates_and_2011_codes(con: duckdb.DuckDBPyConnection) -> None:
    report = _load(con, "lsoa_centroids.csv")
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 3, 0)
    assert _rows(con, "SELECT latitude, longitude, vintage FROM lsoa WHERE lsoa_code = 'W01000003'") == [
        (51.62, -3.02, 2021)]
    assert _rows(con, "SELECT vintage FROM lsoa WHERE lsoa_code = 'W01000009'") == [(2011,)]


def test_boundaries_store_geometry_name_and_council(con: duckdb.DuckDBPyConnection) -> None:
    rows = _rows(con, "SELECT area_code, area_type, area_name, la_code, geometry FROM boundary ORDER BY 1")
    assert [r[:4] for r in rows] == [("W01000001", "lsoa", "Testshire 001A", "W06000099"),
                                     ("W01000002", "lsoa", "Testshire 001B", "W06000099")]
    assert json.loads(str(rows[0][4]))["type"] == "Polygon"
    assert _rows(con, "SELECT lsoa_name FROM lsoa WHERE lsoa_code = 'W01000002'") == [("Testshire 001B",)]


def test_msoa_boundary_names_fill_msoa_code(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE lsoa SET msoa_code = NULL")
    report = _load(con, "msoa.geojson")
    assert report.rows_loaded == 1
    assert _rows(con, "SELECT lsoa_code, msoa_code FROM lsoa WHERE msoa_code IS NOT NULL ORDER BY 1") == [
        ("W01000001", "W02000001"), ("W01000002", "W02000001")]


def test_ward_boundaries_add_ward_names(con: duckdb.DuckDBPyConnection) -> None:
    _load(con, "ward.geojson")
    assert _rows(con, "SELECT ward_name, la_code FROM ward WHERE ward_code = 'W05000003'") == [("Riverside", "W06000099")]
    assert _rows(con, "SELECT area_type FROM boundary WHERE area_code = 'W05000003'") == [("ward",)]


def test_partnership_councils_are_replaced_as_a_whole(con: duckdb.DuckDBPyConnection) -> None:
    report = _load(con, "partnerships.csv")
    assert (report.rows_read, report.rows_loaded) == (2, 2)
    assert _rows(con, "SELECT partnership_code, partnership_name, force FROM partnership") == [
        ("TST", "Testshire", "Test Police")]
    assert _rows(con, "SELECT la_code FROM partnership_la ORDER BY 1") == [("W06000097",), ("W06000099",)]
    _load(con, "partnerships_one_la.csv")
    assert _rows(con, "SELECT la_code FROM partnership_la") == [("W06000099",)]


def test_bad_code_rejects_only_that_row(con: duckdb.DuckDBPyConnection) -> None:
    report = _load(con, "lsoa_to_ward_bad_code.csv")
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 2, 1)
    [problem] = report.problems
    assert (problem.line, problem.column, problem.value) == (3, "lsoa_code", "W0100002")
    assert "8 digits" in problem.expected


def test_non_numeric_population_rejects_only_that_row(con: duckdb.DuckDBPyConnection) -> None:
    report = _load(con, "population_bad_number.csv")
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (2, 1, 1)
    [problem] = report.problems
    assert (problem.line, problem.column, problem.value) == (3, "Persons", "n/a")
    assert "whole number" in problem.expected


def test_broken_geometry_refuses_the_file_naming_each_feature(store: Store) -> None:
    """A map with a hole where an area should be is worse than the previous map: the whole file is refused."""
    with store.connect_read() as before_con:
        before = _fingerprint(before_con)
    with pytest.raises(LoadError) as caught, store.write() as con:
        _load(con, "lsoa_broken_geometry.geojson")
    bowtie, truncated = caught.value.problems
    assert bowtie.file.endswith("feature 2") and bowtie.column == "geometry"
    assert "W01000002" in str(bowtie.value) and "Self-intersection" in str(bowtie.value)
    assert "valid polygon" in bowtie.expected
    assert truncated.file.endswith("feature 3") and "W01000003" in str(truncated.value)
    with store.connect_read() as after_con:
        assert _fingerprint(after_con) == before


@pytest.mark.parametrize(
    ("name", "kind", "needle"),
    [
        ("population_missing_households.csv", None, "LSOA Code, Persons, Households"),
        ("empty.csv", "lsoa_ward_lookup", "file is empty"),
        ("lsoa_to_ward_header_only.csv", None, "at least one data row"),
        ("lsoa_truncated.geojson", None, "valid GeoJSON"),
        ("no_code_property.geojson", None, "LSOA21CD"),
    ],
)
def test_whole_file_errors_leave_the_store_unchanged(store: Store, name: str, kind: str | None, needle: str) -> None:
    with store.connect_read() as before_con:
        before = _fingerprint(before_con)
    with pytest.raises(LoadError) as caught, store.write() as con:
        _load(con, name, kind)
    assert needle in caught.value.message()
    assert caught.value.problems[0].file == name
    assert "Nothing was loaded" in caught.value.message()
    with store.connect_read() as after_con:
        assert _fingerprint(after_con) == before
