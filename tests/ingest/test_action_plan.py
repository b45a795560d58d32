"""Action-plan workbook: template, loader checks (all or nothing), append-only progress, exact round trip."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from openpyxl import Workbook, load_workbook

from cspdash.config import DEMO_DIR, TEMPLATES_DIR
from cspdash.ingest.action_plan import export_action_plan, matches_header, sheet_for_csv
from cspdash.ingest.load import detect_kind, load_paths
from cspdash.ingest.replacement import ConfirmationNeeded
from cspdash.ingest.report import LoadError
from cspdash.ingest.template import (
    ACTION_STATUSES,
    HALLMARKS,
    MINIMUM_STANDARDS,
    SHEETS,
    build_workbook,
    readme_markdown,
    save_workbook,
)
from cspdash.store.versions import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "action_plan"
SAMPLE = DEMO_DIR / "action_plan_sample.xlsx"
SAMPLE_INDICATORS = DEMO_DIR / "indicators_sample.csv"
PLAN_TABLES = [s.table for s in SHEETS]
NEWPORT, CAERPHILLY = "W06000022", "W06000018"


# ---------------------------------------------------------------------------------------------- helpers
def tiny_plan(partnership: str = NEWPORT, prefix: str = "T") -> dict[str, list[dict[str, Any]]]:
    """A small, hand-checkable plan for one partnership (every sheet has at least one row)."""
    p1, p2 = f"{prefix}-P1", f"{prefix}-P2"
    meeting = f"{prefix}-M1"
    return {
        "Partners": [
            {"partner_code": "NEWPORT_CC", "partner_name": "Newport City Council", "partner_type": "local authority"},
            {"partner_code": "GWENT_POLICE", "partner_name": "Gwent Police", "partner_type": "police"},
        ],
        "Priorities": [
            {"priority_id": p1, "partnership_code": partnership, "title": "Anti-social behaviour",
             "lead_partner": "NEWPORT_CC", "crime_types": "Anti-social behaviour", "is_sample": False},
            {"priority_id": p2, "partnership_code": partnership, "title": "Serious violence",
             "lead_partner": "Gwent Police", "crime_types": "Violence and sexual offences;Possession of weapons"},
        ],
        "Actions": [
            {"action_id": f"{p1}-A1", "priority_id": p1, "title": "Hot-spot patrols", "owner_partner": "GWENT_POLICE",
             "supporting_partners": "NEWPORT_CC", "start_date": dt.date(2024, 4, 1), "due_date": dt.date(2025, 3, 31),
             "status": "Green", "pct_complete": 50},
            {"action_id": f"{p1}-A2", "priority_id": p1, "title": "Youth outreach", "owner_partner": "NEWPORT_CC",
             "start_date": dt.date(2024, 4, 1), "due_date": dt.date(2025, 3, 31), "status": "Amber",
             "pct_complete": 30, "commentary": "Recruitment delayed"},
            {"action_id": f"{p2}-A1", "priority_id": p2, "title": "Knife bins", "owner_partner": "GWENT_POLICE",
             "start_date": dt.date(2024, 6, 1), "due_date": dt.date(2024, 12, 31), "status": "Complete",
             "pct_complete": 100},
        ],
        "Progress": [
            {"action_id": f"{p1}-A1", "update_date": dt.date(2024, 9, 30), "status": "Green", "pct_complete": 25},
            {"action_id": f"{p1}-A1", "update_date": dt.date(2024, 12, 31), "status": "Green", "pct_complete": 50},
            {"action_id": f"{p1}-A2", "update_date": dt.date(2024, 12, 31), "status": "Amber", "pct_complete": 30,
             "commentary": "Recruitment delayed"},
        ],
        "Indicators": [{"indicator_id": f"{prefix}-ASB", "name": "ASB reports", "unit": "reports",
                        "higher_is_better": False, "source_partner": "NEWPORT_CC", "priority_id": p1}],
        "Contributions": [{"partnership_code": partnership, "partner_code": "GWENT_POLICE", "priority_id": p1,
                           "kind": "staff", "fte": 1.5, "period": "2024/25"}],
        "Events": [{"event_id": f"{prefix}-E1", "partnership_code": partnership, "priority_id": p2,
                    "title": "Operation Sceptre knife crime week", "start_date": dt.date(2024, 11, 11),
                    "end_date": dt.date(2024, 11, 17), "kind": "operation"}],
        "Meetings": [{"meeting_id": meeting, "partnership_code": partnership,
                      "committee": "Crime and Disorder Scrutiny Committee", "meeting_date": dt.date(2024, 11, 20)}],
        "Recommendations": [{"reference": f"{prefix}-R1", "meeting_id": meeting, "partnership_code": partnership,
                             "recommendation": "Report knife crime by ward", "lead_partner": "GWENT_POLICE",
                             "due_date": dt.date(2025, 3, 19), "status": "slipped"}],
        "CommunityTriggers": [{"case_id": f"{prefix}-CT1", "partnership_code": partnership,
                               "kind": "Community Trigger", "received_date": dt.date(2024, 5, 14),
                               "threshold_met": True, "outcome": "Case review held",
                               "resolved_date": dt.date(2024, 6, 20)}],
        "PartnershipHealth": [{"partnership_code": partnership, "item": "Strategic assessment", "kind": "standard",
                               "status": "Met", "assessed_on": dt.date(2025, 3, 31)}],
    }


def write_plan(path: Path, rows: dict[str, list[dict[str, Any]]]) -> Path:
    """A template workbook holding ``rows``."""
    return save_workbook(build_workbook(rows), path)


def checksums(store: Store) -> dict[str, tuple[Any, ...]]:
    """count(*) and sum(hash(row)) of every table in the store."""
    con = store.connect_read()
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        result = {}
        for table in tables:
            row = con.execute(f"SELECT count(*), sum(hash(t)) FROM {table} t").fetchone()
            assert row is not None
            result[table] = tuple(row)
        return result
    finally:
        con.close()


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[Any, ...]]:
    """Every row of a table in a stable order."""
    return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def query(store: Store, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Run one read query on the live version."""
    con = store.connect_read()
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _tiny_store(folder: Path) -> Store:
    store = Store(folder / "s.duckdb")
    load_paths(store, [write_plan(folder / "tiny.xlsx", tiny_plan())])
    return store


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store holding the tiny plan, shared by tests whose loads must fail (they check it is unchanged)."""
    return _tiny_store(tmp_path_factory.mktemp("tiny"))


@pytest.fixture()
def own_tiny_store(tmp_path: Path) -> Store:
    """A private store holding the tiny plan, for tests that change it."""
    return _tiny_store(tmp_path)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store holding the SAMPLE plan and indicators (read only)."""
    store = Store(tmp_path_factory.mktemp("sample") / "s.duckdb")
    load_paths(store, [SAMPLE, SAMPLE_INDICATORS])
    return store


def expect_failure(store: Store, paths: list[Path]) -> LoadError:
    """Load must fail and leave every table (and the live version) exactly as it was."""
    before, version = checksums(store), store.current_version()
    with pytest.raises(LoadError) as caught:
        load_paths(store, paths)
    assert store.current_version() == version
    assert checksums(store) == before
    return caught.value


# ---------------------------------------------------------------------------------------------- template
def test_template_readme_is_generated_from_the_specification() -> None:
    """data/templates/README.md matches the spec and names every column of every sheet."""
    readme = (TEMPLATES_DIR / "README.md").read_text(encoding="utf-8")
    assert readme == readme_markdown()
    for sheet in SHEETS:
        assert f"## Sheet `{sheet.name}` → table `{sheet.table}`" in readme
        for column in sheet.columns:
            assert f"| {column.header} | `{column.db_column}` |" in readme


def test_template_workbook_has_sheets_headers_and_status_dropdowns() -> None:
    """The blank template: Instructions first, every sheet with its headers, Status lists as dropdowns."""
    workbook = load_workbook(TEMPLATES_DIR / "action_plan_template.xlsx")
    assert workbook.sheetnames == ["Instructions", *[s.name for s in SHEETS]]
    for sheet in SHEETS:
        headers = [c.value for c in workbook[sheet.name][1]]
        assert headers == [c.header for c in sheet.columns]
    actions = workbook["Actions"]
    formulas = {v.formula1: str(v.sqref) for v in actions.data_validations.dataValidation}
    assert formulas['"Red,Amber,Green,Not started,Complete"'].startswith("J2:J")
    recommendations = workbook["Recommendations"]
    assert '"achieved,on track,slipped,not achieved"' in {
        v.formula1 for v in recommendations.data_validations.dataValidation}


def test_every_table_column_is_covered_by_the_spec(tmp_path: Path) -> None:
    """Each sheet maps to a real table and names only real columns (the schema is the contract)."""
    store = Store(tmp_path / "s.duckdb")
    with store.write():
        pass
    con = store.connect_read()
    for sheet in SHEETS:
        columns = {c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [sheet.table]).fetchall()}
        assert {c.db_column for c in sheet.columns} <= columns, sheet.name
    con.close()


# ---------------------------------------------------------------------------------------------- sample
def test_sample_plan_loads_end_to_end(sample_store: Store) -> None:
    """The SAMPLE workbook + indicators load together; the plan is realistic and flagged as sample."""
    store = sample_store
    assert query(store, "SELECT source, rows_rejected FROM load_log ORDER BY load_id") == [
        ("indicators", 0), ("action_plan", 0)]
    workbook = load_workbook(SAMPLE, read_only=True)
    assert "About" in workbook.sheetnames and "SAMPLE" in str(workbook["About"]["A1"].value)
    progress_rows = workbook["Progress"].max_row - 1
    workbook.close()

    per_partnership = dict(query(store, "SELECT partnership_code, count(*) FROM priority GROUP BY 1"))
    assert sorted(per_partnership) == ["W06000018", "W06000019", "W06000020", "W06000021", "W06000022"]
    assert all(4 <= n <= 6 for n in per_partnership.values())
    assert query(store, "SELECT bool_and(is_sample) FROM priority") == [(True,)]
    actions_per_priority = [n for (n,) in query(store, "SELECT count(*) FROM action GROUP BY priority_id")]
    assert len(actions_per_priority) == sum(per_partnership.values())
    assert all(3 <= n <= 5 for n in actions_per_priority)
    assert query(store, "SELECT count(*) FROM progress_update") == [(progress_rows,)]
    statuses = dict(query(store, "SELECT status, count(*) FROM action GROUP BY 1"))
    assert set(statuses) == set(ACTION_STATUSES)
    assert query(store, "SELECT count(*) FROM action WHERE status NOT IN ('Green', 'Complete') "
                        "AND commentary IS NULL") == [(0,)]
    overdue = query(store, "SELECT count(*) FROM action WHERE due_date < DATE '2025-06-30' AND status <> 'Complete'")
    assert overdue[0][0] > 0
    assert query(store, "SELECT count(DISTINCT partner_code) FROM partner") == [(12,)]
    assert query(store, "SELECT crime_types FROM priority WHERE priority_id = 'NWP-P3'") == [
        ("Violence and sexual offences;Possession of weapons",)]
    assert query(store, "SELECT count(*) FROM plan_event WHERE title = 'Operation Sceptre knife crime week' "
                        "AND start_date = DATE '2024-11-11'") == [(5,)]
    assert query(store, "SELECT count(*), count(DISTINCT meeting_date) FROM meeting") == [(15, 3)]
    triggers = [n for (n,) in query(store, "SELECT count(*) FROM community_trigger GROUP BY partnership_code")]
    assert len(triggers) == 5 and all(8 <= n <= 15 for n in triggers)
    health = query(store, "SELECT kind, count(DISTINCT item), count(*) FROM partnership_health GROUP BY 1 ORDER BY 1")
    assert health == [("hallmark", len(HALLMARKS), 30), ("standard", len(MINIMUM_STANDARDS), 25)]
    # the workbook's Indicators sheet names the indicators the CSV created
    assert query(store, "SELECT name, priority_id FROM indicator WHERE indicator_id = 'NWP-ASB-COUNCIL'") == [
        ("ASB reports to the council", "NWP-P2")]
    assert query(store, "SELECT count(*) FROM indicator_value") == [(615,)]


# ---------------------------------------------------------------------------------------------- normalising
def test_csv_per_sheet_plan_is_normalised(tmp_path: Path) -> None:
    """One CSV per sheet: names → codes, statuses and dates normalised, % signs accepted."""
    store = Store(tmp_path / "s.duckdb")
    folder = tmp_path / "plan"
    shutil.copytree(FIXTURES / "csv_plan", folder)
    [report] = load_paths(store, [folder], user="analyst")
    assert report.source == "action_plan" and report.rows_read == 2 + 2 + 3 + 4
    assert query(store, "SELECT partner_code, partner_type FROM partner ORDER BY 1") == [
        ("GWENT_POLICE", "police"), ("NEWPORT_CC", "local authority")]
    assert query(store, "SELECT priority_id, partnership_code, lead_partner, crime_types, is_sample FROM priority "
                        "ORDER BY 1") == [
        ("T-P1", NEWPORT, "NEWPORT_CC", "Anti-social behaviour", True),
        ("T-P2", NEWPORT, "GWENT_POLICE", "Violence and sexual offences;Possession of weapons", False)]
    assert query(store, "SELECT action_id, owner_partner, supporting_partners, start_date, due_date, status, "
                        "pct_complete FROM action ORDER BY 1") == [
        ("T-P1-A1", "GWENT_POLICE", "NEWPORT_CC", dt.date(2024, 4, 1), dt.date(2025, 3, 31), "Green", 50),
        ("T-P1-A2", "NEWPORT_CC", "GWENT_POLICE;NEWPORT_CC", dt.date(2024, 4, 1), dt.date(2025, 3, 31), "Amber", 30),
        ("T-P2-A1", "GWENT_POLICE", None, dt.date(2024, 6, 1), dt.date(2024, 12, 31), "Complete", 100)]
    assert query(store, "SELECT update_date, status, updated_by, source FROM progress_update "
                        "WHERE action_id = 'T-P1-A1' ORDER BY 1") == [
        (dt.date(2024, 9, 30), "Green", "analyst", "workbook"), (dt.date(2024, 12, 31), "Green", "analyst", "workbook")]


def test_csv_sheets_are_recognised_by_name_or_header() -> None:
    """matches_header: file names like actions.csv, or a header that names a sheet's columns."""
    assert matches_header("anything", "actions.csv")
    assert matches_header("", "plan_2025_community_triggers.csv")
    assert sheet_for_csv("", "progress_update.csv").name == "Progress"  # type: ignore[union-attr]
    header = "action id,priority id,action title,owner partner,status,commentary"
    assert sheet_for_csv(header, "export.csv").name == "Actions"  # type: ignore[union-attr]
    assert not matches_header("crime id,month,reported by,falls within", "2024-01-gwent-street.csv")
    assert not matches_header("indicator,area_code,period,value", "figures.csv")
    assert detect_kind(FIXTURES / "csv_plan" / "progress.csv") == "action_plan"


def test_percent_formatted_cells_and_excel_dates(tmp_path: Path) -> None:
    """A % complete cell formatted as a percentage (0.6 shown as 60%) loads as 60."""
    path = write_plan(tmp_path / "p.xlsx", tiny_plan())
    workbook = load_workbook(path)
    cell = workbook["Actions"]["K2"]
    cell.value, cell.number_format = 0.6, "0%"
    workbook.save(path)
    store = Store(tmp_path / "s.duckdb")
    load_paths(store, [path])
    assert query(store, "SELECT pct_complete, start_date FROM action WHERE action_id = 'T-P1-A1'") == [
        (60, dt.date(2024, 4, 1))]


# ---------------------------------------------------------------------------------------------- malformed
def _set(rows: dict[str, list[dict[str, Any]]], sheet: str, index: int, **values: Any) -> dict[str, list[dict[str, Any]]]:
    rows[sheet][index].update(values)
    return rows


MALFORMED = {
    "unknown status": (lambda r: _set(r, "Actions", 0, status="Purple"),
                       ["sheet 'Actions'", "line 2", "column 'Status'", "got 'Purple'",
                        "one of: Red, Amber, Green, Not started, Complete"]),
    "unknown recommendation status": (lambda r: _set(r, "Recommendations", 0, status="done"),
                                      ["sheet 'Recommendations'", "line 2", "column 'Recommendation status'",
                                       "got 'done'", "achieved, on track, slipped, not achieved"]),
    "unknown partner": (lambda r: _set(r, "Actions", 1, owner_partner="Gwent Polce"),
                        ["sheet 'Actions'", "line 3", "column 'Owner partner'", "got 'Gwent Polce'",
                         "known partners: GWENT_POLICE, NEWPORT_CC"]),
    "unknown supporting partner": (lambda r: _set(r, "Actions", 0, supporting_partners="NEWPORT_CC;SWFRS"),
                                   ["column 'Supporting partners (; separated)'", "got 'SWFRS'"]),
    "bad date": (lambda r: _set(r, "Actions", 0, due_date="31/02/2025"),
                 ["sheet 'Actions'", "line 2", "column 'Due date'", "got '31/02/2025'", "a date"]),
    "text in a date": (lambda r: _set(r, "Meetings", 0, meeting_date="next Tuesday"),
                       ["sheet 'Meetings'", "line 2", "column 'Meeting date'", "got 'next Tuesday'",
                        "YYYY-MM-DD or dd/mm/yyyy"]),
    "due before start": (lambda r: _set(r, "Actions", 0, due_date=dt.date(2024, 1, 1)),
                         ["column 'Due date'", "got '2024-01-01'", "on or after the start date (2024-04-01)"]),
    "amber without commentary": (lambda r: _set(r, "Actions", 1, commentary=None),
                                 ["sheet 'Actions'", "line 3", "column 'Commentary'",
                                  "commentary explaining the status 'Amber'"]),
    "red progress without commentary": (lambda r: _set(r, "Progress", 0, status="Red"),
                                        ["sheet 'Progress'", "line 2", "column 'Commentary'", "'Red'"]),
    "pct 150": (lambda r: _set(r, "Actions", 0, pct_complete=150),
                ["sheet 'Actions'", "line 2", "column '% complete'", "got '150'", "a whole number from 0 to 100"]),
    "unknown priority": (lambda r: _set(r, "Actions", 2, priority_id="T-P9"),
                         ["sheet 'Actions'", "line 4", "column 'Priority ID'", "got 'T-P9'",
                          "a Priority ID on the Priorities sheet"]),
    "progress for unknown action": (lambda r: _set(r, "Progress", 2, action_id="T-P1-A9"),
                                    ["sheet 'Progress'", "line 4", "column 'Action ID'", "got 'T-P1-A9'"]),
    "unknown crime type": (lambda r: _set(r, "Priorities", 0, crime_types="Anti-social behaviour;Knife crime"),
                           ["column 'Crime types (; separated)'", "'Knife crime' is not one"]),
    "duplicate action id": (lambda r: _set(r, "Actions", 1, action_id="T-P1-A1"),
                            ["sheet 'Actions'", "line 3", "column 'Action ID'", "row 2 has it too"]),
    "missing required value": (lambda r: _set(r, "Priorities", 1, title=None),
                               ["sheet 'Priorities'", "line 3", "column 'Priority title'", "required"]),
    "bad partnership code": (lambda r: _set(r, "Meetings", 0, partnership_code="Newport"),
                             ["sheet 'Meetings'", "column 'Partnership code'", "got 'NEWPORT'", "W06000022"]),
    "yes/no": (lambda r: _set(r, "CommunityTriggers", 0, threshold_met="maybe"),
               ["column 'Threshold met?'", "got 'maybe'", "Yes or No"]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_row_fails_whole_load_and_store_unchanged(case: str, tiny_store: Store, tmp_path: Path) -> None:
    """Each bad value: a clear message naming sheet, row, column, value, expectation; nothing changes."""
    change, expected_parts = MALFORMED[case]
    rows = change(tiny_plan())
    rows["Actions"][0]["title"] = "Changed title that must not land"
    path = write_plan(tmp_path / "bad.xlsx", rows)
    error = expect_failure(tiny_store, [path])
    message = error.message()
    for part in expected_parts:
        assert part in message, f"{part!r} not in {message!r}"
    assert "Nothing was loaded; the store is unchanged." in message
    assert query(tiny_store, "SELECT title FROM action WHERE action_id = 'T-P1-A1'") == [("Hot-spot patrols",)]


def test_every_problem_is_listed_at_once(tiny_store: Store, tmp_path: Path) -> None:
    """Three bad rows in different sheets: one LoadError listing all three."""
    rows = tiny_plan()
    _set(rows, "Actions", 0, status="Purple")
    _set(rows, "Actions", 1, pct_complete=-5)
    _set(rows, "Events", 0, start_date="2024-13-01")
    error = expect_failure(tiny_store, [write_plan(tmp_path / "bad.xlsx", rows)])
    located = sorted((p.file.split("sheet ")[-1], p.line, p.column) for p in error.problems)
    assert located == [("'Actions'", 2, "Status"), ("'Actions'", 3, "% complete"), ("'Events'", 2, "Start date")]


def test_missing_required_column(tiny_store: Store, tmp_path: Path) -> None:
    """An Actions sheet without its Status column: named with the header row."""
    path = write_plan(tmp_path / "bad.xlsx", tiny_plan())
    workbook = load_workbook(path)
    workbook["Actions"].delete_cols(10)  # Status
    workbook.save(path)
    error = expect_failure(tiny_store, [path])
    [problem] = error.problems
    assert (problem.line, problem.column) == (1, "Status")
    assert "sheet 'Actions'" in problem.file and "a column headed 'Status'" in problem.expected


def test_unknown_column_is_an_error(tiny_store: Store, tmp_path: Path) -> None:
    """A misspelt optional column would silently lose data, so it is an error."""
    path = write_plan(tmp_path / "bad.xlsx", tiny_plan())
    workbook = load_workbook(path)
    workbook["Actions"]["K1"] = "Comentary"
    workbook.save(path)
    error = expect_failure(tiny_store, [path])
    assert "column 'Comentary'" in error.message() and "a column of the Actions sheet" in error.message()


def test_empty_workbook(tiny_store: Store, tmp_path: Path) -> None:
    """The blank template (headers only) loads nothing and says so."""
    path = write_plan(tmp_path / "empty.xlsx", {})
    error = expect_failure(tiny_store, [path])
    assert "at least one row of data" in error.message()


def test_wrong_sheet_names(tiny_store: Store, tmp_path: Path) -> None:
    """A workbook whose sheets are not the template's: every sheet named, the expected names listed."""
    workbook = Workbook()
    assert workbook.active is not None
    workbook.active.title = "Sheet1"
    workbook.active.append(["Action ID", "Status"])
    workbook.create_sheet("Acitons")
    path = tmp_path / "wrong.xlsx"
    workbook.save(path)
    error = expect_failure(tiny_store, [path])
    message = error.message()
    assert "got 'Sheet1'" in message and "got 'Acitons'" in message
    assert "Partners, Priorities, Actions, Progress" in message


def test_not_an_excel_file(tiny_store: Store, tmp_path: Path) -> None:
    """A text file named .xlsx is reported, not a crash."""
    path = tmp_path / "plan.xlsx"
    path.write_text("not a workbook")
    error = expect_failure(tiny_store, [path])
    assert "an Excel workbook (.xlsx)" in error.message()


def test_ids_must_be_unique_across_partnerships(tiny_store: Store, tmp_path: Path) -> None:
    """Caerphilly's workbook reusing Newport's priority id would take over Newport's plan: refused."""
    rows = tiny_plan(partnership=CAERPHILLY)
    error = expect_failure(tiny_store, [write_plan(tmp_path / "caerphilly.xlsx", rows)])
    assert "not already used by partnership W06000022's plan" in error.message()


# ---------------------------------------------------------------------------------------------- replace + append
def test_progress_history_is_append_only(own_tiny_store: Store, tmp_path: Path) -> None:
    """Second load: the plan is replaced, progress only grows (a dropped row is kept, a repeat is not doubled)."""
    tiny_store = own_tiny_store
    first = query(tiny_store, "SELECT action_id, update_date, status, pct_complete, commentary, recorded_at "
                              "FROM progress_update ORDER BY ALL")
    assert len(first) == 3
    rows = tiny_plan()
    rows["Actions"] = [a for a in rows["Actions"] if a["action_id"] != "T-P2-A1"]
    _set(rows, "Actions", 0, status="Red", commentary="Patrol officers redeployed", pct_complete=55)
    rows["Progress"] = rows["Progress"][1:] + [
        {"action_id": "T-P1-A1", "update_date": dt.date(2025, 3, 31), "status": "Red", "pct_complete": 55,
         "commentary": "Patrol officers redeployed"}]
    second_file = write_plan(tmp_path / "second.xlsx", rows)
    with pytest.raises(ConfirmationNeeded, match="plan actions of W06000022: 3 → 2; this one goes: T-P2-A1"):
        load_paths(tiny_store, [second_file])  # dropping an action needs the confirmation
    [report] = load_paths(tiny_store, [second_file], replace=True)
    assert "1 new progress updates (2 already held)" in report.detail
    second = query(tiny_store, "SELECT action_id, update_date, status, pct_complete, commentary, recorded_at "
                               "FROM progress_update ORDER BY ALL")
    assert len(second) == 4
    assert set(first) <= set(second)  # nothing deleted or rewritten, not even recorded_at
    assert query(tiny_store, "SELECT action_id, status FROM action ORDER BY 1") == [
        ("T-P1-A1", "Red"), ("T-P1-A2", "Amber")]


def test_load_replaces_only_the_partnerships_in_the_workbook(tmp_path: Path) -> None:
    """Newport's new workbook replaces Newport's sample plan; Caerphilly's is untouched; history stays."""
    store = Store(tmp_path / "s.duckdb")
    load_paths(store, [SAMPLE])
    caerphilly_before = query(store, "SELECT * FROM action WHERE priority_id LIKE 'CAE-%' ORDER BY ALL")
    progress_before = query(store, "SELECT count(*) FROM progress_update")[0][0]
    load_paths(store, [write_plan(tmp_path / "newport.xlsx", tiny_plan())], replace=True)
    assert query(store, "SELECT priority_id FROM priority WHERE partnership_code = ? ORDER BY 1", [NEWPORT]) == [
        ("T-P1",), ("T-P2",)]
    assert query(store, "SELECT count(*) FROM action WHERE priority_id LIKE 'NWP-%'") == [(0,)]
    assert query(store, "SELECT count(*) FROM meeting WHERE partnership_code = ?", [NEWPORT]) == [(1,)]
    assert query(store, "SELECT * FROM action WHERE priority_id LIKE 'CAE-%' ORDER BY ALL") == caerphilly_before
    assert query(store, "SELECT count(*) FROM progress_update")[0][0] == progress_before + 3
    assert query(store, "SELECT count(*) FROM partner") == [(12,)]  # partners are never deleted


# ---------------------------------------------------------------------------------------------- export
def test_round_trip_export_is_exact(sample_store: Store, tmp_path: Path) -> None:
    """Load the sample → export → load the export into a fresh store: every table equal row for row."""
    con = sample_store.connect_read()
    exported = export_action_plan(con, None, tmp_path / "export.xlsx")
    copy = Store(tmp_path / "b.duckdb")
    load_paths(copy, [exported], user="someone else")
    con_copy = copy.connect_read()
    for table in PLAN_TABLES:
        rows = table_rows(con, table)
        assert rows, table
        assert table_rows(con_copy, table) == rows, table
    con.close()
    con_copy.close()


def test_export_of_one_partnership(sample_store: Store, tmp_path: Path) -> None:
    """Exporting Caerphilly only: its rows and the shared partner list, loadable on its own."""
    con = sample_store.connect_read()
    exported = export_action_plan(con, [CAERPHILLY], tmp_path / "caerphilly.xlsx")
    expected = {t: [r for r in table_rows(con, t)] for t in ("meeting", "recommendation", "community_trigger")}
    con.close()
    copy = Store(tmp_path / "b.duckdb")
    load_paths(copy, [exported])
    assert query(copy, "SELECT DISTINCT partnership_code FROM priority") == [(CAERPHILLY,)]
    assert query(copy, "SELECT count(*) FROM partner") == [(12,)]
    con_copy = copy.connect_read()
    for table, rows in expected.items():
        assert table_rows(con_copy, table) == [r for r in rows if CAERPHILLY in r], table
    con_copy.close()
