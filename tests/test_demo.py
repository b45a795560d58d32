"""The embedded demo: built from data/demo in one write, with the figures in PROVENANCE.md."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import duckdb
import pytest

from cspdash.config import DEMO_DIR
from cspdash.demo import build_demo, demo_paths
from cspdash.ingest.report import LoadReport
from cspdash.metrics import context
from cspdash.store.versions import Store

GWENT = {"W06000018": "Caerphilly", "W06000019": "Blaenau Gwent", "W06000020": "Torfaen",
         "W06000021": "Monmouthshire", "W06000022": "Newport"}
# LSOA-name-prefix split of street rows per partnership (shared/data/PROVENANCE.md)
STREET_ROWS = {"W06000022": 65_433, "W06000018": 52_961, "W06000020": 32_376, "W06000019": 27_305,
               "W06000021": 20_211}


def test_police_zip_is_laid_out_like_the_police_uk_download() -> None:
    with zipfile.ZipFile(DEMO_DIR / "police_uk_gwent.zip") as archive:
        names = archive.namelist()
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())
    months = sorted({n.split("/")[0] for n in names})
    assert len(months) == 36 and months[0] == "2022-07" and months[-1] == "2025-06"
    assert len(names) == 72
    assert "2024-01/2024-01-gwent-street.csv" in names and "2024-01/2024-01-gwent-outcomes.csv" in names


def test_demo_paths_put_geography_first() -> None:
    paths = demo_paths()
    assert paths[0] == DEMO_DIR / "geography" and paths[1] == DEMO_DIR / "police_uk_gwent.zip"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, list[LoadReport]]:
    """A demo store built once for the module."""
    store = Store(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    seen: list[tuple[int, int]] = []
    reports = build_demo(store, progress=lambda done, total, _msg: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1]
    return store, reports


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


GWENT_COUNCILS = sorted(GWENT)


@pytest.mark.slow
def test_demo_has_the_five_gwent_partnerships(demo: tuple[Store, list[LoadReport]]) -> None:
    """Declared in data/demo/geography/partnerships.csv; they take the place of the shipped W14 partnerships."""
    store, _reports = demo
    with store.connect_read() as con:
        assert dict(_rows(con, "SELECT partnership_code, partnership_name FROM partnership "
                               "WHERE source = 'declared'")) == GWENT
        assert dict(_rows(con, "SELECT partnership_code, partnership_name FROM partnership_profiles "
                               "WHERE source = 'declared'")) == GWENT
        offered = context.partnerships(con)
        assert sorted(offered["partnership_code"]) == GWENT_COUNCILS
        assert set(offered["force"]) == {"Gwent Police"}
        assert sorted(_rows(con, "SELECT partnership_code, la_code FROM partnership_la "
                                 "WHERE partnership_code LIKE 'W06%'")) == [(code, code) for code in GWENT_COUNCILS]


@pytest.mark.slow
def test_demo_is_placed_by_the_shipped_geography(demo: tuple[Store, list[LoadReport]]) -> None:
    """No Welsh geography ships with the demo: LSOAs, wards, Census 2021 residents and shapes are national."""
    store, _reports = demo
    assert not list((DEMO_DIR / "geography").glob("*.geojson")) and not (DEMO_DIR / "geography" / "boundaries").exists()
    with store.connect_read() as con:
        councils = "('W06000018', 'W06000019', 'W06000020', 'W06000021', 'W06000022')"
        assert _rows(con, f"SELECT count(*) FROM boundary WHERE area_type = 'lsoa' AND la_code IN {councils}") == [
            (374,)]
        assert _rows(con, f"""SELECT count(*) FROM boundary b JOIN lsoa l ON l.lsoa_code = b.area_code
                             WHERE b.area_type = 'lsoa' AND l.la_code = b.la_code AND l.vintage = 2021
                               AND l.lsoa_name = b.area_name AND l.latitude IS NOT NULL
                               AND l.la_code IN {councils}""") == [(374,)]
        assert _rows(con, f"SELECT count(*) FROM boundary WHERE area_type = 'ward' AND la_code IN {councils}") == [
            (123,)]
        geometry = _rows(con, "SELECT geometry FROM boundary LIMIT 1")[0][0]
        assert json.loads(str(geometry))["type"] in {"Polygon", "MultiPolygon"}
        # Census 2021 usual residents (TS021 totals): Newport 159,569; all of Gwent 587,650
        assert _rows(con, "SELECT residents FROM partnership_profiles WHERE partnership_code = 'W06000022'") == [
            (159_569,)]
        assert _rows(con, f"SELECT sum(residents) FROM partnership_profiles WHERE partnership_code IN {councils}"
                     ) == [(587_650,)]


@pytest.mark.slow
def test_street_rows_split_by_partnership_as_in_provenance(demo: tuple[Store, list[LoadReport]]) -> None:
    store, _reports = demo
    with store.connect_read() as con:
        assert _rows(con, "SELECT count(*) FROM street_crime") == [(202_374,)]
        split = dict(_rows(con, """SELECT partnership_code, sum(crimes) FROM monthly_crime_counts
                                   WHERE partnership_code LIKE 'W06%' GROUP BY 1"""))
        assert split == STREET_ROWS
        assert _rows(con, "SELECT sum(crimes) FROM agg_crime_month_lsoa") == [(202_374,)]
        assert _rows(con, "SELECT count(*) FROM outcome") == [(142_755,)]
        # the 1,009 LSOA codes police.uk published (2011 and 2021 vintages) are 988 LSOAs of 2021
        assert _rows(con, "SELECT count(DISTINCT lsoa_code) FROM street_crime") == [(1_009,)]
        assert _rows(con, "SELECT count(DISTINCT lsoa_code) FROM agg_crime_month_lsoa") == [(988,)]


@pytest.mark.slow
def test_every_demo_file_was_logged_in_one_write(demo: tuple[Store, list[LoadReport]]) -> None:
    store, reports = demo
    assert len(store.versions()) == 1
    geography = [r for r in reports if r.source in {"geography", "population", "boundaries"}]
    assert [r.file_name for r in geography] == ["geography/partnerships.csv"]
    assert sum(r.rows_rejected for r in geography) == 0
    police = [r for r in reports if r.file_name.startswith("police_uk_gwent.zip:")]
    assert len(police) == 72
    with store.connect_read() as con:
        assert _rows(con, "SELECT count(*) FROM load_log") == [(len(reports),)]
        assert "35,672 LSOAs" in str(_rows(con, "SELECT detail FROM geography_release")[0][0])


def test_demo_files_are_small_enough_to_commit() -> None:
    sizes = {p.name: p.stat().st_size for p in Path(DEMO_DIR).rglob("*") if p.is_file()}
    assert sizes["police_uk_gwent.zip"] < 20_000_000
    assert sum(size for name, size in sizes.items() if name.endswith(".geojson")) < 2_500_000
