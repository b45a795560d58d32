"""Partner-indicator CSV: periods, row rejects with line numbers, upsert, and definitions from the plan."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from cspdash.ingest.indicators import load_indicators, matches_header, parse_period
from cspdash.ingest.load import detect_kind, load_paths
from cspdash.ingest.report import LoadError
from cspdash.ingest.template import build_workbook, save_workbook
from cspdash.store.versions import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "action_plan"


def query(store: Store, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Run one read query on the live version."""
    con = store.connect_read()
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def checksums(store: Store) -> dict[str, tuple[Any, ...]]:
    """count(*) and sum(hash(row)) of every table."""
    con = store.connect_read()
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()]
        return {t: tuple(con.execute(f"SELECT count(*), sum(hash(x)) FROM {t} x").fetchone() or ()) for t in tables}
    finally:
        con.close()


@pytest.mark.parametrize(("text", "first_day"), [
    ("2024-06", dt.date(2024, 6, 1)),
    ("2024-06-01", dt.date(2024, 6, 1)),
    ("2024-Q1", dt.date(2024, 1, 1)),
    ("2024 q4", dt.date(2024, 10, 1)),
    ("2024/25", dt.date(2024, 4, 1)),
    ("2024-25", dt.date(2024, 4, 1)),
    ("2024/25 Q4", dt.date(2025, 1, 1)),
    ("1999/00", dt.date(1999, 4, 1)),
])
def test_period_formats(text: str, first_day: dt.date) -> None:
    """Every accepted period spelling gives the first day of the period."""
    assert parse_period(text) == first_day


@pytest.mark.parametrize("text", ["April 2024", "2024-13", "2024/26", "2024-Q5", "24/25", ""])
def test_bad_periods(text: str) -> None:
    """Anything else is refused with the accepted formats listed."""
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_period(text)


def test_header_detection() -> None:
    """matches_header needs indicator, area_code, period and value; the action plan's Indicators sheet is not it."""
    assert matches_header("indicator,area_code,period,value")
    assert matches_header("indicator_id,area code,period,value,baseline,target,unit")
    assert not matches_header("indicator id,indicator name,unit,higher is better?,source partner,priority id")
    assert not matches_header("indicator,area_code,month,value")
    assert detect_kind(FIXTURES / "indicators_good.csv") == "indicators"


def test_good_file_values_and_definitions(tmp_path: Path) -> None:
    """Hand-checked: periods, thousands separators, % signs, upper-cased areas, indicators created by id."""
    store = Store(tmp_path / "s.duckdb")
    [report] = load_paths(store, [FIXTURES / "indicators_good.csv"])
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (5, 5, 0)
    assert query(store, "SELECT indicator_id, area_code, period, value, baseline, target FROM indicator_value "
                        "ORDER BY 1, 2, 3") == [
        ("ASB_REPORTS", "W06000018", dt.date(2024, 7, 1), 95.5, None, None),
        ("ASB_REPORTS", "W06000022", dt.date(2024, 4, 1), 120.0, 100.0, 90.0),
        ("ASB_REPORTS", "W06000022", dt.date(2024, 5, 1), 1130.0, 100.0, 90.0),
        ("FEEL_SAFE", "W06000022", dt.date(2024, 4, 1), 61.5, 60.0, 65.0),
        ("REOFFEND", "W06000022", dt.date(2024, 10, 1), 24.1, None, None),
    ]
    assert query(store, "SELECT indicator_id, name, unit, higher_is_better FROM indicator ORDER BY 1") == [
        ("ASB_REPORTS", "ASB reports to the council", "reports", False),
        ("FEEL_SAFE", "FEEL_SAFE", "%", True),
        ("REOFFEND", "REOFFEND", None, None),
    ]


def test_bad_rows_are_rejected_with_line_numbers(tmp_path: Path) -> None:
    """Bad period, non-numeric value, impossible month and a repeat are rejected; the good rows load."""
    store = Store(tmp_path / "s.duckdb")
    [report] = load_paths(store, [FIXTURES / "indicators_bad.csv"])
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (6, 2, 4)
    located = [(p.line, p.column, p.value) for p in report.problems]
    assert located == [(3, "period", "April 2024"), (4, "value", "lots"), (6, "period", "2024-13"),
                       (7, "period", "2024-07")]
    assert "expected a number" in report.problems[1].message()
    assert "line 5 has the same" in report.problems[3].expected
    assert query(store, "SELECT line, column_name, value FROM load_reject ORDER BY line") == [
        (3, "period", "April 2024"), (4, "value", "lots"), (6, "period", "2024-13"), (7, "period", "2024-07")]
    assert query(store, "SELECT period, value FROM indicator_value ORDER BY 1") == [
        (dt.date(2024, 4, 1), 120.0), (dt.date(2024, 7, 1), 118.0)]


def test_missing_column_and_empty_file_fail_whole_file(tmp_path: Path) -> None:
    """A header without 'period', or an empty file: LoadError, and the store is unchanged."""
    store = Store(tmp_path / "s.duckdb")
    load_paths(store, [FIXTURES / "indicators_good.csv"])
    before = checksums(store)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    for path, expected in ((FIXTURES / "indicators_missing_column.csv", "a column named 'period'"),
                           (empty, "a header row")):
        with pytest.raises(LoadError) as caught, store.write() as con:
            load_indicators(con, path, 99, path.name)
        assert expected in caught.value.message()
        assert checksums(store) == before


@pytest.mark.parametrize(("content", "line", "column", "words"), [
    ("indicator,area_code,period,value\n", 2, None, "at least one data row below the header"),
    ("indicator,area_code,period,value\n,,,\n\n", 2, None, "this file has no data rows"),
    ("indicator,area_code,period,value,value\nASB_REPORTS,W06000022,2024-04,120,121\n", 1, "value",
     "'value' is named 2 times in the header"),
    ("indicator,indicator_id,area_code,period,value\nASB,ASB_REPORTS,W06000022,2024-04,120\n", 1, "indicator",
     "'indicator' is named 2 times in the header"),
])
def test_header_only_and_repeated_column_fail_whole_file(
    tmp_path: Path, content: str, line: int, column: str | None, words: str
) -> None:
    """Found by fuzzing: a header with no rows, or a column named twice (two spellings too), is refused."""
    store = Store(tmp_path / "s.duckdb")
    load_paths(store, [FIXTURES / "indicators_good.csv"])
    before = checksums(store)
    path = tmp_path / "indicators.csv"
    path.write_text(content)
    with pytest.raises(LoadError) as caught:
        load_paths(store, [path])
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.column) == ("indicators.csv", line, column)
    assert words in problem.expected
    assert checksums(store) == before


def test_values_are_upserted(tmp_path: Path) -> None:
    """Loading a corrected figure for the same indicator, area and period replaces it (one row)."""
    store = Store(tmp_path / "s.duckdb")
    load_paths(store, [FIXTURES / "indicators_good.csv"])
    corrected = tmp_path / "corrected.csv"
    corrected.write_text("indicator,area_code,period,value\nASB_REPORTS,W06000022,2024-04,125\n")
    load_paths(store, [corrected])
    assert query(store, "SELECT value, baseline FROM indicator_value WHERE indicator_id = 'ASB_REPORTS' "
                        "AND area_code = 'W06000022' AND period = DATE '2024-04-01'") == [(125.0, None)]
    assert query(store, "SELECT count(*) FROM indicator_value") == [(5,)]


def test_plan_indicators_sheet_defines_indicators(tmp_path: Path) -> None:
    """The workbook's Indicators sheet wins over a CSV's description, whichever is loaded first."""
    plan = {
        "Partners": [{"partner_code": "NEWPORT_CC", "partner_name": "Newport City Council"}],
        "Priorities": [{"priority_id": "T-P1", "partnership_code": "W06000022", "title": "ASB",
                        "lead_partner": "NEWPORT_CC"}],
        "Indicators": [{"indicator_id": "ASB_REPORTS", "name": "Council ASB reports", "unit": "reports",
                        "higher_is_better": False, "source_partner": "NEWPORT_CC", "priority_id": "T-P1"}],
    }
    workbook = save_workbook(build_workbook(plan), tmp_path / "plan.xlsx")
    csv_copy = tmp_path / "figures.csv"
    shutil.copyfile(FIXTURES / "indicators_good.csv", csv_copy)
    together = Store(tmp_path / "a.duckdb")
    load_paths(together, [workbook, csv_copy])
    plan_first = Store(tmp_path / "b.duckdb")
    load_paths(plan_first, [workbook])
    load_paths(plan_first, [csv_copy])
    for store in (together, plan_first):
        assert query(store, "SELECT name, unit, source_partner, priority_id FROM indicator "
                            "WHERE indicator_id = 'ASB_REPORTS'") == [("Council ASB reports", "reports", "NEWPORT_CC",
                                                                      "T-P1")]


def test_readme_columns_match_the_loader() -> None:
    """The template README's indicator columns are exactly the columns the loader knows."""
    from cspdash.ingest import indicators
    from cspdash.ingest.template import INDICATOR_CSV_COLUMNS

    assert [name for name, *_ in INDICATOR_CSV_COLUMNS] == list(indicators.COLUMNS)
    assert [name for name, required, *_ in INDICATOR_CSV_COLUMNS if required] == list(indicators.REQUIRED)


def test_sample_indicators_cover_gwent_and_hold_one_clear_deterioration(tmp_path: Path) -> None:
    """SAMPLE figures: 5 partnerships, monthly 2022-07..2025-06, and Newport's A&E assaults clearly worse."""
    from cspdash.config import DEMO_DIR

    store = Store(tmp_path / "s.duckdb")
    [report] = load_paths(store, [DEMO_DIR / "indicators_sample.csv"])
    assert report.rows_rejected == 0
    assert query(store, "SELECT count(DISTINCT area_code), min(period), max(period) FROM indicator_value "
                        "WHERE indicator_id LIKE '%-ASB-COUNCIL'") == [(5, dt.date(2022, 7, 1), dt.date(2025, 6, 1))]
    [(recent, year_before)] = query(store, """
        SELECT avg(value) FILTER (WHERE period >= DATE '2024-10-01'),
               avg(value) FILTER (WHERE period >= DATE '2023-10-01' AND period < DATE '2024-07-01')
        FROM indicator_value WHERE indicator_id = 'NWP-AE-ASSAULT'""")
    assert recent / year_before > 1.25


def _monthly_store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "s.duckdb")
    monthly = tmp_path / "monthly.csv"
    monthly.write_text("indicator,area_code,period,value\n" + "".join(
        f"ASB_REPORTS,W06000022,2024-{m:02d},{200 + m}\n" for m in range(4, 10)))
    load_paths(store, [monthly])
    return store


def test_a_quarter_never_overwrites_a_monthly_series_first_month(tmp_path: Path) -> None:
    """Found by an analyst: one row for 2024-Q3 replaced July 2024's monthly figure (219 → 999) and the load said
    only '1 loaded'. A quarter and its first month share a first day; where the store holds the indicator by month
    (August or September 2024 here), the quarter is rejected, naming what it would have overwritten."""
    store = _monthly_store(tmp_path)
    quarter = tmp_path / "quarter.csv"
    quarter.write_text("indicator,area_code,period,value\nASB_REPORTS,W06000022,2024-Q3,999\n")
    [report] = load_paths(store, [quarter])
    assert report.rows_loaded == 0 and report.rows_rejected == 1
    message = report.problems[0].message()
    assert "holds ASB_REPORTS for W06000022 by month" in message and "overwrite 2024-07" in message, message
    assert query(store, "SELECT value FROM indicator_value WHERE period = DATE '2024-07-01'") == [(207.0,)]


def test_one_kind_of_period_per_indicator_in_a_file(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("indicator,area_code,period,value\nASB_REPORTS,W06000022,2024-04,100\n"
                     "ASB_REPORTS,W06000022,2024-Q3,300\nASB_REPORTS,W06000022,2024/25,900\n")
    [report] = load_paths(store, [mixed])
    assert report.rows_loaded == 1 and report.rows_rejected == 2
    assert all("by month from line 2" in p.message() for p in report.problems), [p.message() for p in report.problems]


def test_a_load_says_which_held_values_it_replaced(tmp_path: Path) -> None:
    store = _monthly_store(tmp_path)
    corrected = tmp_path / "corrected.csv"
    corrected.write_text("indicator,area_code,period,value\nASB_REPORTS,W06000022,2024-07,250\n"
                         "ASB_REPORTS,W06000022,2024-08,208\n")  # August unchanged
    [report] = load_paths(store, [corrected])
    assert "1 value replaced: ASB_REPORTS W06000022 2024-07 207 → 250" in report.detail, report.detail
