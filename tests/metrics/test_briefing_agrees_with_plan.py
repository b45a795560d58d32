"""The meeting briefing reuses the plan's judgement: on a meeting held after the plan's latest reports, the
briefing's priorities and actions carry the RAG, reason and action counts the action plan page shows, worked by
hand below; and the meeting package itself never applies the RAG rules (cspdash.metrics.plan does)."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from cspdash.metrics import meeting as mm
from cspdash.metrics import plan
from cspdash.store.versions import SCHEMA_SQL

ROOT = Path(__file__).resolve().parents[2]
MEETING_DAY = dt.date(2026, 3, 10)


def _day(days: int) -> dt.date:
    return MEETING_DAY + dt.timedelta(days=days)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """One partnership, four priorities, five actions, one meeting after every report.

    A1 Green 80% due in 100 days; A2 Green 50% due in 10 days; A3 Green 20% (60 days before) then Amber 40%
    (20 days before), due 5 days before the meeting; A4 Complete 100%; A5 Not started 0% due in 200 days.
    P1 = A1, A2; P2 = A3, A4; P3 = A5; P4 has no actions.
    """
    connection = duckdb.connect()
    connection.execute(SCHEMA_SQL.read_text())
    connection.execute("INSERT INTO partnership (partnership_code, partnership_name, force)"
                       " VALUES ('X', 'Exampleton', 'Example Police')")
    connection.execute("INSERT INTO partner (partner_code, partner_name, partner_type)"
                       " VALUES ('LA', 'Exampleton Council', 'Local authority')")
    connection.execute("INSERT INTO meeting (meeting_id, partnership_code, committee, meeting_date)"
                       " VALUES ('M1', 'X', 'Scrutiny Committee', ?)", [MEETING_DAY])
    for pid, title in (("P1", "Night-time economy"), ("P2", "Burglary"), ("P3", "Youth diversion"),
                       ("P4", "Hate crime")):
        connection.execute("INSERT INTO priority (priority_id, partnership_code, title, lead_partner)"
                           " VALUES (?, 'X', ?, 'LA')", [pid, title])
    actions = [("A1", "P1", "Green", 80, 100, -30), ("A2", "P1", "Green", 50, 10, -30),
               ("A3", "P2", "Amber", 40, -5, -20), ("A4", "P2", "Complete", 100, -30, -40),
               ("A5", "P3", "Not started", 0, 200, -30)]
    for action_id, pid, status, pct, due, reported in actions:
        connection.execute(
            "INSERT INTO action (action_id, priority_id, title, owner_partner, start_date, due_date, status,"
            " pct_complete, updated_at) VALUES (?, ?, ?, 'LA', ?, ?, ?, ?, ?)",
            [action_id, pid, f"Action {action_id}", _day(-365), _day(due), status, pct,
             dt.datetime.combine(_day(reported), dt.time())])
        connection.execute("INSERT INTO progress_update (action_id, update_date, status, pct_complete)"
                           " VALUES (?, ?, ?, ?)", [action_id, _day(reported), status, pct])
    connection.execute("INSERT INTO progress_update (action_id, update_date, status, pct_complete)"
                       " VALUES ('A3', ?, 'Green', 20)", [_day(-60)])
    yield connection
    connection.close()


# by hand: A2 is due within 30 days with less than 75% done: Amber; A3 is past its due date: Red
ACTION_RAGS = {"A1": "Green", "A2": "Amber", "A3": "Red", "A4": "Complete", "A5": "Not started"}
PRIORITIES = {
    "P1": ("Amber", "1 of 2 open actions is Amber (one in three or more).", 2),
    "P2": ("Red", "1 action of 2 is Red.", 2),
    "P3": ("Not started", "None of the 1 open actions has started.", 1),
    "P4": ("Not started", "No actions recorded for this priority.", 0),
}


def test_the_plan_page_judges_the_fixture_as_worked_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    view = plan.plan_view(con, "X", MEETING_DAY)
    assert view.actions.set_index("action_id")["rag"].to_dict() == ACTION_RAGS
    table = view.priorities.set_index("priority_id")
    assert {p: (r.rag, r.rag_reason, r.actions) for p, r in table.iterrows()} == PRIORITIES


def test_the_briefing_says_what_the_plan_page_says(con: duckdb.DuckDBPyConnection) -> None:
    briefing = mm.briefing(con, "M1")
    assert briefing is not None
    assert briefing.actions.set_index("action_id")["rag"].to_dict() == ACTION_RAGS
    table = briefing.priorities.set_index("priority_id")
    assert {p: (r.rag, r.reason, r.actions) for p, r in table.iterrows()} == PRIORITIES
    view = plan.plan_view(con, "X", MEETING_DAY)
    mine = view.priorities.set_index("priority_id")[["rag", "rag_reason", "actions"]]
    assert table[["rag", "reason", "actions"]].to_numpy().tolist() == mine.to_numpy().tolist()


def test_the_briefing_judges_the_plan_as_it_stood_on_the_meeting_day(con: duckdb.DuckDBPyConnection) -> None:
    """Forty days before the meeting A3 had reported Green at 20%, due in 35 days (outside the 30-day window):
    Green then, not Red; A4 had reported Complete that day. So P2 was Green (no Red, none of 1 open Amber)."""
    priorities, actions = mm.plan_status(con, "X", _day(-40))
    assert actions.set_index("action_id").loc[["A3", "A4"], "rag"].tolist() == ["Green", "Complete"]
    assert priorities.set_index("priority_id").loc["P2", ["rag", "reason"]].tolist() == [
        "Green", "No actions are Red and 0 of 1 open actions are Amber."]


def _calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.func.id for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


def test_the_meeting_package_does_not_judge_the_plan_itself() -> None:
    package = ROOT / "cspdash" / "metrics" / "meeting"
    files = sorted(package.glob("*.py")) if package.is_dir() else [ROOT / "cspdash" / "metrics" / "meeting.py"]
    for path in files:
        judged = _calls(path) & {"action_rag", "priority_rag"}
        assert not judged, f"{path.name} applies {sorted(judged)}: ask cspdash.metrics.plan for the plan's RAG"


@pytest.fixture()
def early_start() -> Iterator[duckdb.DuckDBPyConnection]:
    """One priority whose two actions are planned to start 30 days after the meeting, both reported on 10 days
    before it: E1 Green at 30%, E2 Not started at 0%; both due in 200 days."""
    connection = duckdb.connect()
    connection.execute(SCHEMA_SQL.read_text())
    connection.execute("INSERT INTO partnership (partnership_code, partnership_name, force)"
                       " VALUES ('X', 'Exampleton', 'Example Police')")
    connection.execute("INSERT INTO partner (partner_code, partner_name, partner_type)"
                       " VALUES ('LA', 'Exampleton Council', 'Local authority')")
    connection.execute("INSERT INTO meeting (meeting_id, partnership_code, committee, meeting_date)"
                       " VALUES ('M1', 'X', 'Scrutiny Committee', ?)", [MEETING_DAY])
    connection.execute("INSERT INTO priority (priority_id, partnership_code, title, lead_partner)"
                       " VALUES ('P1', 'X', 'Night-time economy', 'LA')")
    for action_id, status, pct in (("E1", "Green", 30), ("E2", "Not started", 0)):
        connection.execute(
            "INSERT INTO action (action_id, priority_id, title, owner_partner, start_date, due_date, status,"
            " pct_complete, updated_at) VALUES (?, 'P1', ?, 'LA', ?, ?, ?, ?, ?)",
            [action_id, f"Action {action_id}", _day(30), _day(200), status, pct,
             dt.datetime.combine(_day(-10), dt.time())])
        connection.execute("INSERT INTO progress_update (action_id, update_date, status, pct_complete)"
                           " VALUES (?, ?, ?, ?)", [action_id, _day(-10), status, pct])
    yield connection
    connection.close()


def test_an_action_reported_before_its_planned_start_is_judged_by_its_report(
        early_start: duckdb.DuckDBPyConnection) -> None:
    """A committee is told what was reported: E1 reported Green before its planned start is Green in the briefing
    as on the plan page (it was 'Not started' in the briefing), so P1 is Green: no Red, 0 of 2 open actions Amber,
    not every open action unstarted."""
    by_hand = {"E1": "Green", "E2": "Not started"}
    view = plan.plan_view(early_start, "X", MEETING_DAY)
    assert view.actions.set_index("action_id")["rag"].to_dict() == by_hand
    briefing = mm.briefing(early_start, "M1")
    assert briefing is not None
    assert briefing.actions.set_index("action_id")["rag"].to_dict() == by_hand
    reason = "No actions are Red and 0 of 2 open actions are Amber."
    assert briefing.priorities.set_index("priority_id").loc["P1", ["rag", "reason"]].tolist() == ["Green", reason]
    assert view.priorities.set_index("priority_id").loc["P1", ["rag", "rag_reason"]].tolist() == ["Green", reason]
    # before anything was reported, nothing had started
    _priorities, then = mm.plan_status(early_start, "X", _day(-20))
    assert then.set_index("action_id")["rag"].to_dict() == {"E1": "Not started", "E2": "Not started"}
