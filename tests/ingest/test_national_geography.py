"""police.uk alone is enough: the shipped national geography places any force's records, gives every partnership
its Census 2021 residents, maps 2011 LSOA codes to 2021 ones, and refuses what it cannot place.

Hand-checked figures (Census 2021 usual residents, from ../shared/data/national/lsoa21_ward_lad_csp_pfa.csv):
City of London 8,588 (6 LSOAs); Leeds 812,017; Bradford 546,433; Cardiff 362,279; Cwm Taf 296,519 (Rhondda Cynon
Taf and Merthyr Tydfil); Leeds' E01035048 has 1,894 residents and E01035049 1,487; Cardiff's W01002023 1,814 and
W01002022 1,250.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from cspdash.ingest.load import load_paths
from cspdash.ingest.report import LoadError
from cspdash.metrics import context
from cspdash.metrics.catalogue import measure
from cspdash.store.versions import Store
from tests.conftest import store_checksums

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "police_uk_national"
STREET_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
                 "Crime type,Last outcome category,Context")

CITY, LEEDS, BRADFORD, CARDIFF, CWM_TAF = "E22000180", "E22000345", "E22000342", "W14000015", "W14000023"


@pytest.fixture(scope="module")
def national_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Three forces' police.uk files loaded into a new store with no geography file at all."""
    store = Store(tmp_path_factory.mktemp("national") / "s.duckdb")
    load_paths(store, [FIXTURES])
    return store


@pytest.fixture()
def con(national_store: Store) -> duckdb.DuckDBPyConnection:
    connection = national_store.connect_read()
    yield connection
    connection.close()


def _crimes(con: duckdb.DuckDBPyConnection, partnership: str) -> int:
    row = con.execute("SELECT coalesce(sum(crimes), 0) FROM monthly_crime_counts WHERE partnership_code = ?",
                      [partnership]).fetchone()
    return int(row[0]) if row else 0


def test_every_partnership_of_the_loaded_forces_is_selectable_grouped_by_force(con) -> None:
    offered = context.partnerships(con)
    by_force = offered.groupby("force")["partnership_name"].apply(list).to_dict()
    assert by_force == {
        "City of London Police": ["City of London"],
        "South Wales Police": ["Bridgend", "Cardiff", "Cwm Taf", "Neath Port Talbot", "Swansea", "Vale of Glamorgan"],
        "West Yorkshire Police": ["Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield"],
    }
    assert list(offered["force"]) == sorted(offered["force"])  # grouped: one force after another


@pytest.mark.parametrize(("partnership", "residents", "lsoas"), [
    (CITY, 8_588, 6), (LEEDS, 812_017, 488), (BRADFORD, 546_433, 312), (CARDIFF, 362_279, 218),
    (CWM_TAF, 296_519, None),
])
def test_partnership_residents_are_census_2021(con, partnership: str, residents: int, lsoas: int | None) -> None:
    row = con.execute("SELECT residents, lsoas FROM partnership_profiles WHERE partnership_code = ?",
                      [partnership]).fetchone()
    assert row[0] == residents
    if lsoas is not None:
        assert row[1] == lsoas


@pytest.mark.parametrize(("partnership", "crimes"), [
    (CITY, 5),       # 6 rows, one without a location; the British Transport Police row is counted nowhere
    (LEEDS, 8), (BRADFORD, 2), (CARDIFF, 3), (CWM_TAF, 2),
])
def test_crimes_and_rates_per_1000_residents(con, partnership: str, crimes: int) -> None:
    assert _crimes(con, partnership) == crimes
    rate = measure("crime_rate")
    frame = con.execute(rate.sql, {"partnership": partnership, "start": date(2024, 1, 1),
                                   "end": date(2024, 1, 1), "crime_types": []}).df()
    residents = {CITY: 8_588, LEEDS: 812_017, BRADFORD: 546_433, CARDIFF: 362_279, CWM_TAF: 296_519}[partnership]
    assert frame["value"].iloc[0] == pytest.approx(crimes * 1000 / residents)


def test_2011_codes_are_counted_once_in_their_2021_lsoa(con) -> None:
    """Merged 2011 LSOAs count in the merged 2021 one; a split 2011 LSOA in its most populous 2021 piece."""
    counts = dict(con.execute(
        "SELECT lsoa_code, sum(crimes)::INT FROM agg_crime_month_lsoa WHERE lsoa_code IS NOT NULL GROUP BY 1"
    ).fetchall())
    assert counts["E01035054"] == 4          # 2 under the 2021 code + 1 under E01033018 + 1 under E01033019
    assert counts["E01035048"] == 3          # the 2011 E01011490's three rows: the piece with 1,894 residents
    assert counts["E01035049"] == 1          # its own 2021 row only (1,487 residents)
    assert counts["W01002023"] == 2 and counts["W01002022"] == 1
    old_codes = {"E01033018", "E01033019", "E01011490", "W01001709"}
    assert not old_codes & set(counts), "a 2011 code survived into the analysis: one area under two vintages"
    outside = con.execute("SELECT count(*) FROM agg_crime_month_lsoa a WHERE lsoa_code IS NOT NULL AND NOT EXISTS "
                          "(SELECT 1 FROM lsoa_profile p WHERE p.lsoa_code = a.lsoa_code)").fetchone()
    assert outside[0] == 0
    # the raw rows keep the code as published
    assert con.execute("SELECT count(*) FROM crimes WHERE lsoa_code = 'E01011490'").fetchone()[0] == 3


def test_hot_spot_areas_are_2021_lsoas_only(con) -> None:
    """The hot-spot map's areas for Leeds: every 2021 LSOA once, no 2011 code beside its successor."""
    from cspdash.metrics import hotspots

    areas = hotspots.areas(con, LEEDS, "lsoa")
    assert len(areas) == 488 and areas["area_code"].is_unique
    assert "E01011490" not in set(areas["area_code"])
    assert areas["residents"].sum() == 812_017


def test_british_transport_police_is_kept_but_counted_in_no_partnership(con) -> None:
    assert con.execute("SELECT count(*) FROM crimes WHERE force = 'British Transport Police'").fetchone()[0] == 1
    row = con.execute("SELECT la_code FROM agg_crime_month_lsoa WHERE force = 'British Transport Police'").fetchone()
    assert row[0] is None


def test_boundaries_for_lsoas_wards_partnerships_and_forces(con) -> None:
    counts = dict(con.execute("SELECT area_type, count(*) FROM boundary GROUP BY 1").fetchall())
    assert counts == {"lsoa": 35_672, "ward": 7_536, "partnership": 314, "force": 43}
    wards = con.execute("SELECT count(*) FROM boundary WHERE area_type = 'ward' AND la_code IN "
                        "(SELECT la_code FROM partnership_la WHERE partnership_code = ?)", [CITY]).fetchone()
    assert wards[0] == 5  # the 2024 wards that City of London's 6 LSOAs best-fit into (of its 25)


def test_authority_with_several_partnerships_splits_into_its_parts(con) -> None:
    """Buckinghamshire (E06000060) holds four partnerships: each LSOA is in exactly one of them."""
    rows = con.execute(
        "SELECT partnership_code, count(*) FROM lsoa_profiles WHERE lad_code = 'E06000060' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert len(rows) == 4
    in_two = con.execute("""
        SELECT count(*) FROM (SELECT l.lsoa_code FROM lsoa l JOIN partnership_la pl USING (la_code)
                              JOIN partnership p USING (partnership_code) WHERE p.source = 'shipped'
                              GROUP BY 1 HAVING count(*) > 1)""").fetchone()
    assert in_two[0] == 0


# ---------------------------------------------------------------------------------------------- refusals
def _copy_fixture(tmp_path: Path) -> Path:
    target = tmp_path / "download"
    shutil.copytree(FIXTURES, target)
    return target


def test_force_name_typo_is_refused_with_the_known_names(tmp_path: Path) -> None:
    folder = tmp_path / "2024-01"
    folder.mkdir()
    (folder / "2024-01-gwent-street.csv").write_text(
        STREET_HEADER + "\n"
        ",2024-01,Gwent Police,Gwent Police,-3.0,51.6,On or near X,W01001600,Newport 020A,Anti-social behaviour,,\n"
        ",2024-01,Gwent Police,Gwent Polce,-3.0,51.6,On or near X,W01001600,Newport 020A,Anti-social behaviour,,\n")
    store = Store(tmp_path / "s.duckdb")
    with pytest.raises(LoadError) as refused:
        load_paths(store, [folder])
    problem = refused.value.problems[0]
    assert (problem.file, problem.line, problem.column, problem.value) == (
        "2024-01/2024-01-gwent-street.csv", 3, "Falls within", "Gwent Polce")
    assert "Gwent Police" in problem.expected and "Metropolitan Police Service" in problem.expected
    assert not store.exists()


def test_unknown_stop_and_search_force_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "2024-01-gwnet-stop-and-search.csv"
    path.write_text("Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,"
                    "Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,"
                    "Outcome linked to object of search,Removal of more than just outer clothing\n")
    with pytest.raises(LoadError) as refused:
        load_paths(Store(tmp_path / "s.duckdb"), [path])
    assert refused.value.problems[0].value == "gwnet"
    assert "gwent" in refused.value.problems[0].expected


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_declared_partnership_of_two_councils(national_store: Store, tmp_path: Path) -> None:
    """A merged partnership declared in a small CSV: checked against the shipped codes, residents summed."""
    store = Store(tmp_path / "copy.duckdb")
    shutil.copyfile(national_store.current_version(), tmp_path / "copy.duckdb")  # type: ignore[arg-type]
    declared = _write_csv(tmp_path / "partnerships.csv",
                          ["partnership_code", "partnership_name", "force", "la_code"],
                          [["LBX", "Leeds and Bradford", "West Yorkshire Police", "E08000035"],
                           ["LBX", "Leeds and Bradford", "West Yorkshire Police", "E08000032"]])
    load_paths(store, [declared])
    with store.connect_read() as con:
        row = con.execute("SELECT residents, source FROM partnership_profiles WHERE partnership_code = 'LBX'"
                          ).fetchone()
        assert row == (812_017 + 546_433, "declared")
        assert _crimes(con, "LBX") == 10
        offered = set(context.partnerships(con)["partnership_code"])
        assert "LBX" in offered and LEEDS not in offered and BRADFORD not in offered  # taken their place
        assert "E22000343" in offered  # Calderdale untouched


def test_declared_partnership_with_unknown_code_or_force_is_refused(national_store: Store, tmp_path: Path) -> None:
    store = Store(tmp_path / "copy.duckdb")
    shutil.copyfile(national_store.current_version(), tmp_path / "copy.duckdb")  # type: ignore[arg-type]
    before = store_checksums(store)
    declared = _write_csv(tmp_path / "partnerships.csv",
                          ["partnership_code", "partnership_name", "force", "la_code"],
                          [["LBX", "Leeds and Bradford", "West Yorkshire Police", "E08000035"],
                           ["LBX", "Leeds and Bradford", "West Yorkshire Polise", "E08009999"]])
    with pytest.raises(LoadError) as refused:
        load_paths(store, [declared])
    got = {(p.line, p.column, p.value) for p in refused.value.problems}
    assert got == {(3, "la_code", "E08009999"), (3, "force", "West Yorkshire Polise")}
    assert store_checksums(store) == before
