"""police.uk loaders end to end through load_paths: quirks, replacement, row rejects and whole-file errors."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from cspdash.ingest.load import load_paths
from cspdash.ingest.report import LoadError, LoadReport
from cspdash.store.versions import Store
from tests.conftest import store_checksums

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "police_uk"
JAN_STREET = FIXTURES / "2024-01" / "2024-01-gwent-street.csv"
JAN_OUTCOMES = FIXTURES / "2024-01" / "2024-01-gwent-outcomes.csv"
JAN_STOP_SEARCH = FIXTURES / "2024-01" / "2024-01-gwent-stop-and-search.csv"
FEB_STREET = FIXTURES / "2024-02" / "2024-02-gwent-street.csv"
MAR_STREET = FIXTURES / "2024-03" / "2024-03-gwent-street.csv"
HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
          "Last outcome category,Context")
GOOD_ROW = ",2024-01,Gwent Police,Gwent Police,-3.0,51.5,On or near A Road,W01001600,Newport 020A,Anti-social behaviour,,"
OUTCOME_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
                  "Outcome type")


def _store(tmp_path: Path) -> Store:
    """An empty store (the other tests start from ``national_store``: the geography the first load installs)."""
    return Store(tmp_path / "s.duckdb")


def _query(store: Store, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    con = store.connect_read()
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def _street(folder: Path, *rows: str, name: str = "2024-01-gwent-street.csv", header: str = HEADER) -> Path:
    return _write(folder, name, "\n".join((header, *rows)) + "\n")


# ---------------------------------------------------------------------------------------------- good files
def test_january_street_file_loads_every_row_with_asb_blank_location_and_out_of_area_rows(tmp_path: Path) -> None:
    """Seven hand-counted rows: 2 ASB without ids, 1 without location, 1 outside Gwent; all kept."""
    store = _store(tmp_path)  # an empty store: this first load also installs the national geography
    [report] = load_paths(store, [JAN_STREET])
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (7, 7, 0)
    assert report.detail == "month 2024-01 new (Gwent Police)"
    assert _query(store, "SELECT crime_type, count(*), count(crime_id) FROM crimes GROUP BY 1 ORDER BY 1") == [
        ("Anti-social behaviour", 2, 0), ("Burglary", 1, 1), ("Shoplifting", 1, 1),
        ("Vehicle crime", 1, 1), ("Violence and sexual offences", 2, 2),
    ]
    assert _query(store, "SELECT location, lsoa_code, longitude FROM crimes WHERE latitude IS NULL") == [
        ("No location", None, None)]
    assert _query(store, "SELECT location FROM crimes WHERE lsoa_code = 'W01001550'") == [
        ("On or near Station Road, Pontypool",)]
    assert _query(store, "SELECT DISTINCT force, month FROM crimes") == [("Gwent Police", date(2024, 1, 1))]
    assert _query(store, "SELECT last_outcome FROM crimes WHERE crime_type = 'Anti-social behaviour'") == [
        (None,), (None,)]
    assert _query(store, "SELECT source, force, month, rows FROM published_month") == [
        ("street", "Gwent Police", date(2024, 1, 1), 7)]


def test_crlf_bom_file_maps_historical_crime_type_names_and_keeps_the_published_name(national_store: Store) -> None:
    """February is CRLF with a UTF-8 BOM and uses 'Violent crime' and 'Public disorder and weapons'."""
    store = national_store
    [report] = load_paths(store, [FEB_STREET])
    assert report.rows_loaded == 4 and report.rows_rejected == 0
    assert _query(store, "SELECT crime_type, crime_type_published FROM street_crime ORDER BY 2") == [
        ("Anti-social behaviour", "Anti-social behaviour"),
        ("Public order", "Public disorder and weapons"),
        ("Public order", "Public order"),
        ("Violence and sexual offences", "Violent crime"),
    ]
    assert _query(store, "SELECT count(*) FROM street_crime WHERE crime_id LIKE '%\r%' OR context LIKE '%\r%'") == [(0,)]


def test_cp1252_file_is_read_with_its_curly_apostrophe(national_store: Store) -> None:
    """March was saved as cp1252: byte 0x92 is a right single quote, 0xE9 is é."""
    assert b"\x92" in MAR_STREET.read_bytes()
    store = national_store
    [report] = load_paths(store, [MAR_STREET])
    assert report.rows_loaded == 3
    assert _query(store, "SELECT DISTINCT location FROM crimes ORDER BY 1") == [
        ("On or near Caf\u00e9 Lane",), ("On or near St Mary\u2019s Road",)]


def test_outcomes_and_stop_search_files_load(national_store: Store) -> None:
    """Three outcome events and three searches, with booleans and local times as published."""
    store = national_store
    reports = load_paths(store, [JAN_OUTCOMES, JAN_STOP_SEARCH])
    assert [(r.source, r.rows_loaded) for r in reports] == [("police_uk_outcomes", 3), ("police_uk_stop_search", 3)]
    assert _query(store, "SELECT outcome_type, count(*) FROM outcomes GROUP BY 1 ORDER BY 1") == [
        ("Investigation complete; no suspect identified", 1), ("Unable to prosecute suspect", 1),
        ("Under investigation", 1)]
    rows = _query(store, "SELECT force, month, searched_at, part_of_operation, policing_operation, latitude, "
                         "outcome_linked_to_object, removal_of_more_than_outer_clothing FROM stop_searches "
                         "ORDER BY searched_at")
    assert [r[0] for r in rows] == ["Gwent Police"] * 3
    assert {r[1] for r in rows} == {date(2024, 1, 1)}
    assert str(rows[1][2]) == "2024-01-20 23:10:00"
    assert rows[1][3:] == (True, "Operation Example", None, True, None)
    assert (rows[0][3], rows[2][3]) == (False, None)
    assert _query(store, "SELECT source, rows FROM published_month ORDER BY 1") == [
        ("outcomes", 3), ("stop_search", 3)]


def test_police_uk_zip_of_month_folders_loads_everything(tmp_path: Path, national_store: Store) -> None:
    """A zip laid out like data.police.uk's download: YYYY-MM/ folders of CSVs."""
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(FIXTURES.rglob("*.csv")):
            zf.write(path, f"{path.parent.name}/{path.name}")
    store = national_store
    reports = load_paths(store, [archive])
    assert len(reports) == 5
    assert all(r.file_name.startswith("download.zip:2024-") for r in reports)
    assert _query(store, "SELECT strftime(month, '%Y-%m'), count(*) FROM crimes GROUP BY 1 ORDER BY 1") == [
        ("2024-01", 7), ("2024-02", 4), ("2024-03", 3)]


def test_loading_the_same_files_twice_never_doubles_counts(national_store: Store) -> None:
    """A re-published month replaces the old rows and says so."""
    store = national_store
    load_paths(store, [FIXTURES])
    first = store_checksums(store)
    reports = load_paths(store, [FIXTURES])
    assert _query(store, "SELECT count(*) FROM crimes") == [(14,)]
    assert _query(store, "SELECT count(*) FROM outcomes") == [(3,)]
    assert _query(store, "SELECT count(*) FROM stop_searches") == [(3,)]
    street = next(r for r in reports if r.file_name.endswith("2024-01-gwent-street.csv"))
    assert street.detail == "month 2024-01 replaced (Gwent Police; was 7 rows)"
    second = store_checksums(store)
    for table in ("street_crime", "outcome", "stop_search", "published_month", "agg_crime_month_lsoa"):
        assert first[table][0] == second[table][0], table


def test_republished_month_with_fewer_rows_replaces_the_old_one(tmp_path: Path, national_store: Store) -> None:
    """A corrected January with 1 row leaves exactly 1 January row."""
    store = national_store
    load_paths(store, [JAN_STREET, FEB_STREET])
    corrected = _street(tmp_path / "new", GOOD_ROW)
    [report] = load_paths(store, [corrected], replace=True)  # confirmed: fewer than half the rows
    assert report.detail == "month 2024-01 replaced (Gwent Police; was 7 rows)"
    assert _query(store, "SELECT strftime(month, '%Y-%m'), count(*) FROM crimes GROUP BY 1 ORDER BY 1") == [
        ("2024-01", 1), ("2024-02", 4)]


def test_header_only_file_is_a_published_empty_month(tmp_path: Path, national_store: Store) -> None:
    """A month published with no rows is recorded with rows = 0, and replaces an earlier load of it."""
    store = national_store
    load_paths(store, [JAN_STREET])
    [report] = load_paths(store, [_street(tmp_path / "empty")], replace=True)  # confirmed
    assert (report.rows_read, report.rows_loaded) == (0, 0)
    assert "recorded as published but empty" in report.detail
    assert _query(store, "SELECT force, month, rows FROM published_month") == [("Gwent Police", date(2024, 1, 1), 0)]
    assert _query(store, "SELECT count(*) FROM crimes") == [(0,)]


def test_two_files_for_one_month_in_one_load_keep_only_the_later(tmp_path: Path, national_store: Store) -> None:
    """The later file of the same force-month in one batch wins."""
    store = national_store
    again = _street(tmp_path / "b", GOOD_ROW, GOOD_ROW)
    with pytest.raises(LoadError, match="is it truncated"):  # 7 rows → 2 in one load needs confirming too
        load_paths(store, [JAN_STREET, again])
    load_paths(store, [JAN_STREET, again], replace=True)
    assert _query(store, "SELECT count(*) FROM crimes") == [(2,)]
    assert _query(store, "SELECT rows FROM published_month") == [(2,)]


def test_columns_in_another_order_are_read_by_name(tmp_path: Path, national_store: Store) -> None:
    """A re-saved file with its columns shuffled still loads by header name."""
    columns = HEADER.split(",")
    values = GOOD_ROW.split(",")
    order = list(reversed(range(len(columns))))
    path = _street(tmp_path, ",".join(values[i] for i in order), header=",".join(columns[i] for i in order))
    store = national_store
    [report] = load_paths(store, [path])
    assert report.rows_loaded == 1
    assert _query(store, "SELECT crime_type, lsoa_code, longitude FROM crimes") == [
        ("Anti-social behaviour", "W01001600", -3.0)]


def test_quoted_newline_inside_a_location_is_one_row(tmp_path: Path, national_store: Store) -> None:
    """A location with a line break inside quotes is valid CSV; line numbers after it stay physical."""
    bad_after = GOOD_ROW.replace("-3.0,", "east,")
    path = _street(tmp_path, GOOD_ROW.replace("On or near A Road", '"On or near\nA Road"'), bad_after)
    store = national_store
    [report] = load_paths(store, [path])
    assert report.rows_loaded == 1
    assert _query(store, "SELECT location FROM crimes") == [("On or near\nA Road",)]
    assert [(p.line, p.column, p.value) for p in report.problems] == [(4, "Longitude", "east")]


# ---------------------------------------------------------------------------------------------- row rejects
ROW_REJECTS = [
    ("bad month value", GOOD_ROW.replace("2024-01", "Jan 2024"), "Month", "Jan 2024", "YYYY-MM"),
    ("month with a day", GOOD_ROW.replace("2024-01", "2024-01-15"), "Month", "2024-01-15", "YYYY-MM"),
    ("blank month", GOOD_ROW.replace("2024-01", ""), "Month", "", "YYYY-MM"),
    ("one row of another month", GOOD_ROW.replace("2024-01", "2023-12"), "Month", "2023-12",
     "the month in the file name (2024-01)"),
    ("longitude not a number", GOOD_ROW.replace("-3.0,", "three west,"), "Longitude", "three west",
     "between -180 and 180"),
    ("latitude out of range", GOOD_ROW.replace("51.5,", "91.5,"), "Latitude", "91.5", "between -90 and 90"),
    ("longitude out of range", GOOD_ROW.replace("-3.0,", "-300,"), "Longitude", "-300", "between -180 and 180"),
    ("unknown crime type", GOOD_ROW.replace("Anti-social behaviour", "Fraud"), "Crime type", "Fraud",
     "one of police.uk's crime types"),
    ("blank crime type", GOOD_ROW.replace("Anti-social behaviour", ""), "Crime type", "", "crime types"),
    ("blank force", GOOD_ROW.replace("Gwent Police,Gwent Police", "Gwent Police,"), "Falls within", "",
     "police force"),
    ("truncated last line", GOOD_ROW[:40], None, GOOD_ROW[:40], "12 fields like the header, found 6"),
    ("row with an extra field", GOOD_ROW + ",surplus", None, GOOD_ROW + ",surplus",
     "12 fields like the header, found 13"),
]


@pytest.mark.parametrize(("case", "bad_row", "column", "value", "expected"), ROW_REJECTS,
                         ids=[c[0] for c in ROW_REJECTS])
def test_bad_row_is_rejected_with_its_line_and_the_good_rows_load(
    tmp_path: Path, national_store: Store, case: str, bad_row: str, column: str | None, value: str, expected: str
) -> None:
    """Line 3 is bad; lines 2 and 4 load; the reject is in the report and in load_reject."""
    path = _street(tmp_path, GOOD_ROW, bad_row, GOOD_ROW)
    store = national_store
    [report] = load_paths(store, [path])
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 2, 1)
    [problem] = report.problems
    assert (problem.file, problem.line, problem.column, problem.value) == ("2024-01-gwent-street.csv", 3, column, value)
    assert expected in problem.expected
    assert "line 3" in problem.message()
    assert _query(store, "SELECT count(*) FROM crimes") == [(2,)]
    assert _query(store, "SELECT line, column_name, value FROM load_reject") == [(3, column, value)]
    assert _query(store, "SELECT rows_read, rows_loaded, rows_rejected FROM load_history") == [(3, 2, 1)]


def test_outcome_without_crime_id_is_rejected(tmp_path: Path, national_store: Store) -> None:
    """Every outcome names its crime; a blank Crime ID is a row reject."""
    rows = [f"{'ab' * 32},2024-01,Gwent Police,Gwent Police,,,No location,,,Under investigation",
            ",2024-01,Gwent Police,Gwent Police,,,No location,,,Under investigation"]
    path = _write(tmp_path, "2024-01-gwent-outcomes.csv", "\n".join((OUTCOME_HEADER, *rows)) + "\n")
    store = national_store
    [report] = load_paths(store, [path])
    assert report.rows_loaded == 1
    assert [(p.line, p.column) for p in report.problems] == [(3, "Crime ID")]


# ---------------------------------------------------------------------------------------------- whole-file errors
def _not_a_zip(folder: Path) -> Path:
    return _write(folder, "download.zip", b"this is not a zip archive")


def _zip_without_csvs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "empty.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2024-01/", "")
    return archive


def _zip_with_bad_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(JAN_STREET, "2024-01/2024-01-gwent-street.csv")
        zf.writestr("2024-02/2024-02-gwent-street.csv", "Crime ID,Month\n,2024-02\n")
    return archive


FATAL: list[tuple[str, object, list[str]]] = [
    ("empty file", lambda d: _write(d, "2024-01-gwent-street.csv", b""), ["2024-01-gwent-street.csv", "empty (0 bytes)"]),
    ("wrong header", lambda d: _street(d, GOOD_ROW, header=HEADER.replace("Crime type", "Offence")),
     ["line 1", "missing column(s) 'Crime type'", "unexpected column(s) 'Offence'"]),
    ("missing column", lambda d: _street(d, header=HEADER.replace(",Context", "")),
     ["line 1", "missing column(s) 'Context'", "got 'Crime ID,Month"]),
    ("extra column", lambda d: _street(d, header=HEADER + ",Notes"), ["unexpected column(s) 'Notes'"]),
    ("column named twice", lambda d: _street(d, header=HEADER + ",Context"), ["a column named twice"]),
    ("no header, data only", lambda d: _write(d, "2024-01-gwent-street.csv", GOOD_ROW + "\n"),
     ["line 1", "missing column(s) 'Crime ID'"]),
    ("binary garbage", lambda d: _write(d, "2024-01-gwent-street.csv", bytes(range(256)) * 4),
     ["binary data"]),
    ("spreadsheet renamed .csv", lambda d: _write(d, "2024-01-gwent-street.csv", b"PK\x03\x04\x14\x00\x00\x00" * 20),
     ["binary data"]),
    ("every row of another month", lambda d: _street(d, GOOD_ROW.replace("2024-01", "2023-12")),
     ["column 'Month'", "got '2023-12'", "2024-01, the month in the file name", "misnamed"]),
    ("unclosed quote", lambda d: _street(d, GOOD_ROW, GOOD_ROW.replace("On or near", '"On or near'),
                                         GOOD_ROW, GOOD_ROW), ["line 3", "quote opened on line 3"]),
    ("path not found", lambda d: d / "nowhere" / "2024-01-gwent-street.csv", ["nowhere", "a file or folder that exists"]),
    ("unknown file kind", lambda d: _write(d, "notes.csv", "a,b\n1,2\n"), ["notes.csv", "police.uk street"]),
    ("not a zip", _not_a_zip, ["download.zip", "a zip file"]),
    ("zip with no CSVs", _zip_without_csvs, ["empty.zip", "holding data files"]),
    ("zip with one bad file", _zip_with_bad_file, ["download.zip:2024-02/2024-02-gwent-street.csv", "missing column"]),
    ("stop-search not named by force", lambda d: _write(d, "searches-stop-and-search.csv",
                                                          JAN_STOP_SEARCH.read_text(encoding="utf-8")),
     ["searches-stop-and-search.csv", "2024-01-gwent-stop-and-search.csv"]),
    ("file name with an impossible month", lambda d: _street(d, GOOD_ROW, name="2024-13-gwent-street.csv"),
     ["2024-13-gwent-street.csv", "real month"]),
]


@pytest.mark.parametrize(("case", "make", "message_parts"), FATAL, ids=[c[0] for c in FATAL])
def test_unloadable_input_says_what_and_where_and_leaves_the_store_unchanged(
    tmp_path: Path, national_store: Store, case: str, make, message_parts: list[str]
) -> None:
    """Each fatal case: a LoadError naming file/line/column and what was expected; every table unchanged."""
    store = national_store
    load_paths(store, [JAN_STREET, JAN_OUTCOMES])
    before = store_checksums(store)
    bad = make(tmp_path / "bad")
    alongside = [] if case == "zip with no CSVs" else [FEB_STREET]
    with pytest.raises(LoadError) as caught:
        load_paths(store, [*alongside, bad])
    message = caught.value.message()
    for part in message_parts:
        assert part in message, (part, message)
    assert message.endswith("Nothing was loaded; the store is unchanged.")
    assert store_checksums(store) == before


def test_load_report_summary_is_readable(tmp_path: Path) -> None:
    """The one-line summary an analyst sees."""
    report = LoadReport(source="police_uk_street", file_name="x.csv", rows_read=3, rows_loaded=2, rows_rejected=1,
                        detail="month 2024-01 new (Gwent Police)")
    assert report.summary() == "x.csv: 3 rows read, 2 loaded, 1 rejected (month 2024-01 new (Gwent Police))"


def test_batch_entry_point_reports_each_file_and_handles_dirty_cp1252_and_repeated_files(
    tmp_path: Path, national_store: Store
) -> None:
    """load_batch: one read_csv for the clean files; a bad row, a cp1252 file and a repeated path all come right."""
    from cspdash.ingest.police_uk import load_batch

    dirty = _street(tmp_path / "d", GOOD_ROW.replace("2024-01", "2024-04"), GOOD_ROW.replace("2024-01", "2024-04").replace("51.5,", "95,"), name="2024-04-gwent-street.csv")
    store = national_store
    with store.write() as con:
        reports = load_batch(con, "street", [(JAN_STREET, 1, "jan"), (dirty, 2, "apr"), (MAR_STREET, 3, "mar"),
                                             (JAN_STREET, 4, "jan again")])
    assert [(r.file_name, r.rows_loaded, r.rows_rejected) for r in reports] == [
        ("jan", 7, 0), ("apr", 1, 1), ("mar", 3, 0), ("jan again", 7, 0)]
    assert [(p.line, p.column, p.value) for p in reports[1].problems] == [(3, "Latitude", "95")]
    assert reports[3].detail == "month 2024-01 replaced (Gwent Police; was 7 rows)"
    assert _query(store, "SELECT load_id, strftime(month, '%Y-%m'), count(*) FROM street_crime GROUP BY ALL "
                         "ORDER BY 1") == [(2, "2024-04", 1), (3, "2024-03", 3), (4, "2024-01", 7)]
    assert _query(store, "SELECT strftime(month, '%Y-%m'), load_id, rows FROM published_month ORDER BY 1") == [
        ("2024-01", 4, 7), ("2024-03", 3, 3), ("2024-04", 2, 1)]


def test_a_file_whose_every_row_is_rejected_never_empties_its_month(tmp_path: Path, national_store: Store) -> None:
    """Found by an analyst: a month whose Month column read '2024-01-01' on every row was reported as having no
    data rows and the message advised --replace, which then deleted the month's stored records. Now the file is
    refused, with or without --replace, and the message lists the rejected rows and no --replace."""
    store = national_store
    load_paths(store, [JAN_STREET])
    before = _query(store, "SELECT count(*) FROM crimes")
    bad = _street(tmp_path, *(GOOD_ROW.replace(",2024-01,", ",2024-01-01,") for _ in range(6)))
    for replace in (False, True):
        with pytest.raises(LoadError) as refused:
            load_paths(store, [bad], replace=replace)
        text = refused.value.message()
        assert "all 6 of its data rows were rejected" in text and "line 2, column 'Month'" in text, text
        assert "'2024-01-01'" in text and "--replace" not in text, text
        assert _query(store, "SELECT count(*) FROM crimes") == before


def test_a_month_that_shrinks_because_rows_were_rejected_says_so(tmp_path: Path, national_store: Store) -> None:
    """The analyst's second file: most rows bad. The refusal names the rejected rows, not 'is it truncated?'."""
    store = national_store
    load_paths(store, [JAN_STREET])  # 7 rows
    bad = _street(tmp_path, GOOD_ROW, *(GOOD_ROW.replace(",2024-01,", ",Jan 2024,") for _ in range(6)))
    with pytest.raises(LoadError) as refused:
        load_paths(store, [bad])
    text = refused.value.message()
    assert "6 of its 7 data rows were rejected" in text and "column 'Month'" in text, text
    assert "is it truncated" not in text, text
