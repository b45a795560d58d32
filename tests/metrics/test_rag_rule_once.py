"""The RAG rule lives in cspdash/analysis/rag.py alone: the plan measures' SQL binds its thresholds and status
names as parameters, the severity order is rag.SEVERITY everywhere, and the template's status list is rag's."""

from __future__ import annotations

import re
from datetime import date, timedelta

import duckdb
import pytest

from cspdash.analysis import rag
from cspdash.charts.plan import RAG_MARKERS
from cspdash.ingest import template
from cspdash.metrics import catalogue, meeting, plan
from cspdash.store.versions import SCHEMA_SQL


def test_the_plan_sql_has_no_threshold_or_status_written_in() -> None:
    sql = catalogue._PLAN_AS_OF
    for literal in ("<= 30", "< 75", "'Red'", "'Amber'", "'Complete'", "'Not started'"):
        assert literal not in sql, literal
    bound = set(re.findall(r"\$(\w+)", sql))
    assert set(rag.ACTION_RULE_SQL_PARAMS) <= bound


def test_severity_is_declared_once() -> None:
    # hand order: Complete 0, Green and Not started 1 (nothing is wrong yet), Amber 2, Red 3
    assert rag.SEVERITY == {rag.COMPLETE: 0, rag.GREEN: 1, rag.NOT_STARTED: 1, rag.AMBER: 2, rag.RED: 3}
    assert plan.SEVERITY is rag.SEVERITY and meeting.SEVERITY is rag.SEVERITY
    assert rag.SEVERITY_TEXT == "Complete, then Green or Not started, then Amber, then Red"
    assert template.ACTION_STATUSES == rag.RAG_ORDER == ("Red", "Amber", "Green", "Not started", "Complete")
    assert template.STATUSES_WITHOUT_COMMENTARY == {"Green", "Complete"}
    assert set(RAG_MARKERS) == set(rag.RAG_STATUSES) and len(set(RAG_MARKERS.values())) == len(RAG_MARKERS)


def _store_with(actions: list[tuple[str, int, int]]) -> duckdb.DuckDBPyConnection:
    """An in-memory store with one priority and actions (status, % complete, days from today to the due date)."""
    con = duckdb.connect()
    con.execute(SCHEMA_SQL.read_text())
    con.execute("INSERT INTO priority (priority_id, partnership_code, title, lead_partner) VALUES ('P', 'X', 'p', 'L')")
    for number, (status, pct, days) in enumerate(actions):
        con.execute("INSERT INTO action (action_id, priority_id, title, owner_partner, start_date, due_date, status,"
                    " pct_complete) VALUES (?, 'P', 'a', 'L', DATE '2020-01-01', current_date + ?::INTEGER, ?, ?)",
                    [f"A{number}", days, status, pct])
    return con


@pytest.mark.parametrize(("status", "pct", "days", "expected"), [
    ("Green", 74, 30, rag.AMBER),   # due within 30 days, short of 75%: Amber
    ("Green", 75, 30, rag.GREEN),   # 75% done: not Amber
    ("Green", 10, 31, rag.GREEN),   # due in 31 days: outside the window
    ("Green", 10, -1, rag.RED),     # past due
    ("Amber", 90, 200, rag.AMBER),  # reported Amber
    ("Not started", 0, 200, rag.NOT_STARTED),
    ("Green", 100, -5, rag.COMPLETE),
])
def test_the_sql_judgement_agrees_with_the_rule(status: str, pct: int, days: int, expected: str) -> None:
    """Each action alone: the measure's share on track is 100% exactly when the rule says Green or Complete."""
    assert rag.action_rag(status, pct, date.today() + timedelta(days=days), date.today()) == expected
    con = _store_with([(status, pct, days)])
    month = date.today().replace(day=1).isoformat()
    share = catalogue.plan_tiles(con, "X", month)["actions_on_track_share"]
    assert share == (100.0 if expected in (rag.GREEN, rag.COMPLETE) else 0.0)
    con.close()


def test_the_sql_follows_the_bound_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Change the window in rag's parameters and the SQL judgement moves with it (nothing else to edit)."""
    con = _store_with([("Green", 10, 31)])
    month = date.today().replace(day=1).isoformat()
    assert catalogue.plan_tiles(con, "X", month)["actions_on_track_share"] == 100.0
    monkeypatch.setitem(rag.ACTION_RULE_SQL_PARAMS, "amber_window_days", 31)
    assert catalogue.plan_tiles(con, "X", month)["actions_on_track_share"] == 0.0
    con.close()


def test_no_module_but_rag_writes_a_status_name() -> None:
    """A new status is declared in analysis/rag.py; the rest of the code refers to rag's names, never the words."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    words = re.compile(r"""["'](Red|Amber|Green|Not started|Complete)["']""")
    written = [f"{path.relative_to(root)}:{number}: {line.strip()}"
               for folder in ("cspdash", "pages") for path in sorted((root / folder).rglob("*.py"))
               if path.name != "rag.py"
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
               if words.search(line)]
    assert not written, "\n".join(written)
