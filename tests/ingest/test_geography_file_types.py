"""ONS files accepted as published, each type decided from the whole header; anything else refused with the
columns each type needs, the store unchanged. The documentation (data/templates/README.md) and the loader agree."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cspdash.config import TEMPLATES_DIR
from cspdash.ingest.geography import FILE_TYPES, KINDS, HeaderRefused, kind_from_header
from cspdash.ingest.load import load_paths
from cspdash.ingest.report import LoadError
from cspdash.store.versions import Store
from tests.conftest import store_checksums

ROOT = Path(__file__).resolve().parents[2]
CITY_STREET = ROOT / "tests" / "fixtures" / "police_uk_national" / "2024-01" / "2024-01-city-of-london-street.csv"
CITY = "E22000180"


# ---------------------------------------------------------------------------------------------- docs = loader
def _documented_types() -> dict[str, tuple[list[str], list[str]]]:
    readme = (TEMPLATES_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Geography files (CSV)", 1)[1]
    found = {}
    for line in section.splitlines():
        match = re.match(r"^\| `(\w+)` \| [^|]+ \| ([^|]*) \| ([^|]*) \|", line)
        if match:
            found[match.group(1)] = (re.findall(r"`([^`]+)`", match.group(2)), re.findall(r"`([^`]+)`", match.group(3)))
    return found


def test_every_accepted_geography_type_is_documented_with_its_columns() -> None:
    documented = _documented_types()
    assert set(documented) == {t.kind for t in FILE_TYPES} == set(KINDS) - {"boundaries"}
    for file_type in FILE_TYPES:
        assert documented[file_type.kind] == (list(file_type.required), list(file_type.optional))


@pytest.mark.parametrize("file_type", FILE_TYPES, ids=lambda t: t.kind)
def test_a_header_of_the_documented_columns_is_read_as_that_type(file_type) -> None:  # type: ignore[no-untyped-def]
    required, optional = _documented_types()[file_type.kind]
    header = ",".join(c.replace("yy", "25") for c in [*required, *optional])
    assert kind_from_header(header.lower()) == file_type.kind
    for left_out in required:  # every required column is needed
        partial = ",".join(c.replace("yy", "25") for c in [*required, *optional] if c != left_out)
        try:
            assert kind_from_header(partial.lower()) != file_type.kind
        except HeaderRefused:
            pass


# ---------------------------------------------------------------------------------------------- refusals
@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store made by loading one police.uk file (so the national geography is installed)."""
    store = Store(tmp_path_factory.mktemp("types") / "s.duckdb")
    load_paths(store, [CITY_STREET])
    return store


@pytest.fixture()
def store(national: Store, tmp_path: Path) -> Store:
    target = tmp_path / "copy.duckdb"
    shutil.copyfile(national.current_version(), target)  # type: ignore[arg-type]
    return Store(target)


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CSPDASH_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "cspdash", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_national_lookup_with_ladcd_ladnm_is_refused_not_read_as_council_names(store: Store, tmp_path: Path) -> None:
    """The failure: such a file was read as a council-names file (3,040 of 3,049 rows rejected, exit 0)."""
    path = tmp_path / "lsoa_lookup.csv"
    path.write_text("LSOA11CD,LSOA11NM,MSOA11CD,MSOA11NM,LADCD,LADNM\n"
                    "E01000001,City of London 001A,E02000001,City of London 001,E09000001,City of London\n")
    before = store_checksums(store)
    result = _cli("load", str(path), db=store.path)
    assert result.returncode == 2, result.stdout
    assert "lsoa_lookup.csv, line 1" in result.stderr
    assert "LSOA21CD, LSOA21NM, WDyyCD, WDyyNM, LADyyCD, LADyyNM" in result.stderr
    assert "Nothing was loaded" in result.stderr
    assert store_checksums(store) == before


def test_msoa_lookup_is_refused_with_the_columns_a_lookup_needs(tmp_path: Path) -> None:
    path = tmp_path / "msoa.csv"
    path.write_text("MSOA21CD,MSOA21NM,LAD22CD,LAD22NM\nE02000001,City of London 001,E09000001,City of London\n")
    with pytest.raises(LoadError) as refused:
        load_paths(Store(tmp_path / "s.duckdb"), [path])
    expected = refused.value.problems[0].expected
    assert "LSOA21CD, LSOA21NM, WDyyCD, WDyyNM, LADyyCD, LADyyNM" in expected
    assert "LADyyCD, LADyyNM, CSPyyCD, CSPyyNM, PFAyyCD, PFAyyNM" in expected


TS001_HEADER = ('date,geography,geography code,Residence type: Total; measures: Value,'
                'Residence type: Lives in a household; measures: Value,'
                'Residence type: Lives in a communal establishment; measures: Value')


def test_census_ts001_as_downloaded_replaces_residents(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "census2021-ts001-lsoa.csv"
    path.write_text(TS001_HEADER + "\n2021,City of London 001A,E01000001,1500,1480,20\n"
                                   "2021,City of London 001B,E01000002,1386,1386,0\n")
    [report] = load_paths(store, [path])
    assert report.source == "population" and report.rows_loaded == 2
    with store.connect_read() as con:
        assert con.execute("SELECT residents FROM partnership_profiles WHERE partnership_code = ?",
                           [CITY]).fetchone() == (8_588 - 1_474 + 1_500,)


@pytest.mark.parametrize(("row", "column", "value"), [
    ("2021,City of London 001A,E01000001,-5,0,0", "Residence type: Total; measures: Value", "-5"),
    ("2021,City of London 001A,E01000001,,0,0", "Residence type: Total; measures: Value", ""),
    ("2021,City of London 001A,E01000001,12.5,0,0", "Residence type: Total; measures: Value", "12.5"),
    ("2021,Nowhere,E01999999,100,100,0", "geography code", "E01999999"),
    ("2021,City of London,E09000001,8600,8500,100", "geography code", "E09000001"),
])
def test_bad_population_is_refused_with_line_and_value(store: Store, tmp_path: Path, row: str, column: str,
                                                       value: str) -> None:
    path = tmp_path / "census2021-ts001-lsoa.csv"
    path.write_text(TS001_HEADER + "\n2021,City of London 001B,E01000002,1386,1386,0\n" + row + "\n")
    before = store_checksums(store)
    with pytest.raises(LoadError) as refused:
        load_paths(store, [path])
    problem = refused.value.problems[0]
    assert (problem.file, problem.line, problem.column, problem.value) == (path.name, 3, column, value)
    assert "Nothing was loaded" in refused.value.message()
    assert store_checksums(store) == before


ONS_LOOKUP_HEADER = "LSOA21CD,LSOA21NM,WD25CD,WD25NM,WD25NMW,LAD25CD,LAD25NM,LAD25NMW,ObjectId"


def test_ons_lookup_of_a_new_ward_year_moves_lsoas_to_their_new_ward(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "LSOA21_WD25_LAD25_EW_LU.csv"
    path.write_text(ONS_LOOKUP_HEADER + "\nE01000001,City of London 001A,E05099999,New Ward,,E09000001,"
                                       "City of London,,1\n")
    [report] = load_paths(store, [path])
    assert "WD25CD" in report.detail
    with store.connect_read() as con:
        assert con.execute("SELECT ward_code, la_code FROM lsoa WHERE lsoa_code = 'E01000001'").fetchone() == (
            "E05099999", "E09000001")
        assert con.execute("SELECT ward_name FROM ward WHERE ward_code = 'E05099999'").fetchone() == ("New Ward",)


def test_ons_lookup_with_unknown_codes_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "lookup.csv"
    path.write_text(ONS_LOOKUP_HEADER + "\nE01000001,City of London 001A,E05009999,X,,E09000001,City of London,,1\n"
                                        "E01999999,Nowhere 001A,E05009999,X,,E09000001,City of London,,2\n"
                                        "E01000002,City of London 001B,X05009999,X,,E09000001,City of London,,3\n")
    before = store_checksums(store)
    with pytest.raises(LoadError) as refused:
        load_paths(store, [path])
    got = [(p.line, p.column, p.value) for p in refused.value.problems]
    assert got == [(3, "LSOA21CD", "E01999999"), (4, "WD25CD", "X05009999")]
    assert "known to the shipped 2021 geography" in refused.value.problems[0].expected
    assert store_checksums(store) == before


LAD_CSP_PFA_HEADER = "LAD24CD,LAD24NM,CSP24CD,CSP24NM,PFA24CD,PFA24NM,ObjectId"


def test_lad_csp_pfa_lookup_sets_partnerships_and_refuses_unknown_force_areas(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(LAD_CSP_PFA_HEADER + "\nE09000001,City of London,E22000180,City of London,E23000099,Nowhere,1\n")
    with pytest.raises(LoadError) as refused:
        load_paths(store, [bad])
    assert [(p.line, p.column, p.value) for p in refused.value.problems] == [(2, "PFA24CD", "E23000099")]
    good = tmp_path / "good.csv"
    good.write_text(LAD_CSP_PFA_HEADER + "\nE09000001,City of London,E22000180,The City,E23000034,"
                                         "\"London, City of\",1\n")
    [report] = load_paths(store, [good])
    assert "1 partnership, 1 local authority, 1 force area" in report.detail
    with store.connect_read() as con:
        assert con.execute("SELECT partnership_name, force FROM partnership WHERE partnership_code = ?",
                           [CITY]).fetchone() == ("The City", "City of London Police")
