"""Malformed input across every loader, through the one public entry point (load_paths), as an analyst would.

tests/ingest/ already holds the per-loader cases (police.uk: 17 whole-file + 13 row cases; geography: 8;
action plan: the MALFORMED table and 6 more; indicators: 3). These are the rest: files that arrive broken in
ways the per-loader tests don't try — wrong encodings, web pages saved as CSV, compressed or renamed files,
hostile zips — for police.uk, geography, the action plan, indicators and zips. Every case must end in a
LoadError whose message names the file and says what was expected, with every table of the store unchanged.
"""

from __future__ import annotations

import gzip
import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from cspdash.ingest.load import load_paths
from cspdash.ingest.report import LoadError
from cspdash.store.versions import Store
from tests.conftest import store_checksums

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
JAN = FIXTURES / "police_uk" / "2024-01"
STREET = (JAN / "2024-01-gwent-street.csv").read_text(encoding="utf-8")
OUTCOMES = (JAN / "2024-01-gwent-outcomes.csv").read_text(encoding="utf-8")
STOP_SEARCH = (JAN / "2024-01-gwent-stop-and-search.csv").read_text(encoding="utf-8")
TEMPLATE_XLSX = ROOT / "data" / "templates" / "action_plan_template.xlsx"
INDICATOR_HEADER = "indicator,area_code,period,value"

Maker = Callable[[Path], Path]


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _zip(folder: Path, name: str, members: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def _header_of(text: str) -> str:
    return text.splitlines()[0]


def _truncated_real_zip(folder: Path) -> Path:
    whole = io.BytesIO()
    with zipfile.ZipFile(whole, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("2024-01/2024-01-gwent-street.csv", STREET * 20)
    return _write(folder, "police-download.zip", whole.getvalue()[: len(whole.getvalue()) // 2])


def _xlsx_without_sheets(folder: Path) -> Path:
    return _zip(folder, "action_plan.xlsx", {"[Content_Types].xml": b"<Types/>", "docProps/app.xml": b"<x/>"})


def _truncated_xlsx(folder: Path) -> Path:
    data = TEMPLATE_XLSX.read_bytes()
    return _write(folder, "action_plan.xlsx", data[: len(data) // 3])


MALFORMED: list = [  # (case, file maker, words the message must contain)
    # police.uk street / outcomes / stop-and-search
    ("street file saved as UTF-16", lambda d: _write(d, "2024-01-gwent-street.csv", STREET.encode("utf-16")),
     ["2024-01-gwent-street.csv"]),
    ("street file that is a web error page", lambda d: _write(
        d, "2024-01-gwent-street.csv", "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>\n"),
     ["2024-01-gwent-street.csv", "line 1"]),
    ("street file of blank lines", lambda d: _write(d, "2024-01-gwent-street.csv", "\n\n\n   \n"),
     ["2024-01-gwent-street.csv"]),
    ("street file separated by semicolons", lambda d: _write(
        d, "2024-01-gwent-street.csv", STREET.replace(",", ";")), ["2024-01-gwent-street.csv", "line 1"]),
    ("street file gzipped but named .csv", lambda d: _write(
        d, "2024-01-gwent-street.csv", gzip.compress(STREET.encode())), ["2024-01-gwent-street.csv"]),
    ("street file with NUL bytes", lambda d: _write(
        d, "2024-01-gwent-street.csv", STREET.replace("Gwent Police", "Gwent\x00Police", 3)),
     ["2024-01-gwent-street.csv"]),
    ("outcomes file holding street rows", lambda d: _write(d, "2024-01-gwent-outcomes.csv", STREET),
     ["2024-01-gwent-outcomes.csv", "line 1", "Outcome type"]),
    ("outcomes file with header only and a wrong column", lambda d: _write(
        d, "2024-01-gwent-outcomes.csv", _header_of(OUTCOMES).replace("Outcome type", "Result") + "\n"),
     ["2024-01-gwent-outcomes.csv", "Outcome type"]),
    ("stop-and-search without its Object of search column", lambda d: _write(
        d, "2024-01-gwent-stop-and-search.csv", STOP_SEARCH.replace("Object of search,", "", 1)),
     ["2024-01-gwent-stop-and-search.csv", "Object of search"]),
    ("stop-and-search that is a spreadsheet", lambda d: _write(
        d, "2024-01-gwent-stop-and-search.csv", TEMPLATE_XLSX.read_bytes()), ["2024-01-gwent-stop-and-search.csv"]),
    # zips
    ("zip cut off half way", _truncated_real_zip, ["police-download.zip", "zip"]),
    ("zip escaping its folder", lambda d: _zip(d, "police.zip", {"../../outside.csv": STREET.encode()}),
     ["police.zip", "../../outside.csv"]),
    ("zip holding a stray text file", lambda d: _zip(
        d, "police.zip", {"2024-01/2024-01-gwent-street.csv": STREET.encode(), "2024-01/notes.txt": b"hello"}),
     ["police.zip:2024-01/notes.txt"]),
    ("zip inside a zip", lambda d: _zip(d, "outer.zip", {"inner.zip": b"PK\x05\x06" + b"\x00" * 18}),
     ["outer.zip:inner.zip"]),
    # geography
    ("boundaries that are a JSON list", lambda d: _write(d, "lsoa.geojson", "[1, 2, 3]"), ["lsoa.geojson"]),
    ("boundaries that are an empty object", lambda d: _write(d, "ward.geojson", "{}"), ["ward.geojson"]),
    ("boundaries not in UTF-8", lambda d: _write(d, "msoa.geojson", b'{"type": "FeatureCollection\xff\xfe"}'),
     ["msoa.geojson"]),
    ("population with header only", lambda d: _write(
        d, "population.csv", _header_of((FIXTURES / "geography" / "population.csv").read_text()) + "\n"),
     ["population.csv"]),
    # action plan
    ("action plan that is CSV text renamed .xlsx", lambda d: _write(
        d, "action_plan.xlsx", "priority_id,priority\nP1,ASB\n"), ["action_plan.xlsx"]),
    ("action plan zip that is not a workbook", _xlsx_without_sheets, ["action_plan.xlsx"]),
    ("action plan workbook cut off", _truncated_xlsx, ["action_plan.xlsx"]),
    # partner indicators
    ("indicators with header only", lambda d: _write(d, "indicators.csv", INDICATOR_HEADER + "\n"),
     ["indicators.csv", "at least one data row", "no data rows"]),
    ("indicators with a column named twice", lambda d: _write(
        d, "indicators.csv", INDICATOR_HEADER + ",value\nASB_REPORTS,W06000022,2024-04,120,121\n"),
     ["indicators.csv", "'value' is named 2 times"]),
]

#: malformed rows inside an otherwise good file: that row is rejected with its line (nothing lost), the rest loads
ROW_LEVEL: list[tuple[str, Maker, int, str, str]] = [
    ("lookup with its header twice", lambda d: _write(
        d, "lsoa_to_ward.csv", "lsoa_code,ward_code\nlsoa_code,ward_code\nW01000001,W05000001\n"),
     2, "lsoa_code", "lsoa_code"),
    ("indicators with an unclosed quote", lambda d: _write(
        d, "indicators.csv", INDICATOR_HEADER + '\nASB_REPORTS,W06000022,2024-04,"120\nX,W06000022,2024-05,1\n'),
     3, "value", "120\nX,W06000022,2024-05,1"),
    ("street row with a latitude in words", lambda d: _write(
        d, "2024-01-gwent-street.csv", STREET.replace("51.", "fifty-one.", 1)), 2, "Latitude", "fifty-one."),
]


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small store holding January's police.uk fixture files and the fixture geography."""
    path = tmp_path_factory.mktemp("malformed") / "base.duckdb"
    geography = FIXTURES / "geography"
    load_paths(Store(path), [JAN / "2024-01-gwent-street.csv", JAN / "2024-01-gwent-outcomes.csv",
                             geography / "lsoa_to_ward.csv", geography / "population.csv"])
    return path


@pytest.mark.parametrize(("case", "make", "words"), MALFORMED,
                         ids=[str(c.values[0]) if hasattr(c, "values") else c[0] for c in MALFORMED])
def test_malformed_file_is_refused_plainly_and_changes_nothing(
    base_store: Path, tmp_path: Path, case: str, make: Maker, words: list[str]
) -> None:
    """A LoadError naming the file and what was expected; no Python exception text; every table unchanged."""
    target = tmp_path / "store.duckdb"
    shutil.copyfile(Store(base_store).current_version(), target)  # type: ignore[arg-type]
    store = Store(target)
    before = store_checksums(store)
    bad = make(tmp_path / "incoming")
    with pytest.raises(LoadError) as caught:
        load_paths(store, [bad], user="analyst")
    message = caught.value.message()
    for word in words:
        assert word in message, (word, message)
    assert "expected" in message
    assert "Traceback" not in message and "Error:" not in message.split("\n")[0]
    assert message.endswith("Nothing was loaded; the store is unchanged.")
    assert store_checksums(store) == before


@pytest.mark.parametrize(("case", "make", "line", "column", "value_start"), ROW_LEVEL, ids=[c[0] for c in ROW_LEVEL])
def test_malformed_row_is_rejected_with_its_line(
    base_store: Path, tmp_path: Path, case: str, make: Maker, line: int, column: str, value_start: str
) -> None:
    """The bad row is in the report and in load_reject with its line, column and value."""
    target = tmp_path / "store.duckdb"
    shutil.copyfile(Store(base_store).current_version(), target)  # type: ignore[arg-type]
    store = Store(target)
    [report] = load_paths(store, [make(tmp_path / "incoming")], user="analyst")
    assert report.rows_rejected >= 1
    problem = report.problems[0]
    assert (problem.line, problem.column) == (line, column)
    assert str(problem.value).startswith(value_start)
    con = store.connect_read()
    try:
        rejects = con.execute("SELECT line, column_name, value FROM load_reject WHERE load_id = "
                              "(SELECT max(load_id) FROM load_log)").fetchall()
        loaded_by = con.execute("SELECT loaded_by FROM load_log ORDER BY load_id DESC LIMIT 1").fetchone()
    finally:
        con.close()
    assert (line, column) == rejects[0][:2]
    assert loaded_by == ("analyst",)  # the load log names who loaded it


def test_at_least_forty_malformed_files_are_tested() -> None:
    """The issue asks for 40+ malformed files across all loaders: count this table and tests/ingest's."""
    import importlib

    police = importlib.import_module("tests.ingest.test_police_uk")
    counted = len(MALFORMED) + len(ROW_LEVEL) + len(police.FATAL) + len(police.ROW_REJECTS)
    assert counted >= 40, counted
