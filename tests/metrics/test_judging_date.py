"""The date a plan is judged at: stated with its reason, not moved by one action's update, and what a move
would change said in words before saving."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cspdash.config import DEMO_DIR
from cspdash.ingest.load import load_paths
from cspdash.ingest.plan_updates import update_action
from cspdash.metrics import plan
from cspdash.store.versions import Store

CAERPHILLY = "W06000018"
D = dt.date


@pytest.mark.parametrize(("dates", "expected"), [
    ([], None),
    ([D(2025, 6, 30)], D(2025, 6, 30)),
    ([D(2025, 6, 30), D(2025, 6, 30), D(2026, 12, 6)], D(2025, 6, 30)),  # one fresh update: the round stays
    ([D(2025, 3, 31), D(2025, 6, 30), D(2026, 12, 6), D(2026, 12, 6)], D(2025, 6, 30)),  # lower median
    ([D(2025, 6, 30), D(2026, 12, 6), D(2026, 12, 6)], D(2026, 12, 6)),  # most actions reported again
])
def test_reporting_round_is_the_lower_median_of_latest_updates(dates: list[dt.date], expected: dt.date | None) -> None:
    assert plan.reporting_round(dates) == expected


def test_default_judging_date_and_its_reason() -> None:
    today = D(2026, 12, 6)
    stale = plan.default_judging_date({"A": D(2025, 6, 30), "B": D(2025, 6, 30)}, today)
    assert stale.date == D(2025, 6, 30) and "latest reporting round (30 Jun 2025" in stale.reason
    assert "would count as overdue" in stale.reason
    fresh = plan.default_judging_date({"A": D(2026, 11, 1)}, today)
    assert fresh.date == today and fresh.reason.startswith("today")
    assert plan.default_judging_date({}, today).date == today


@pytest.fixture
def store(tmp_path: Path) -> Store:
    own = Store(tmp_path / "s.duckdb")
    load_paths(own, [DEMO_DIR / "action_plan_sample.xlsx"])
    return own


def test_one_action_update_does_not_move_the_judging_date(store: Store) -> None:
    """The failure: one update moved 'judged as at' for every action to today (on track 56% → 14%, overdue
    3 → 18, all five priorities Red), with no warning."""
    today = dt.date.today()
    con = store.connect_read()
    try:
        before = plan.default_judging_date(plan.last_updates(con, CAERPHILLY), today)
        view_before = plan.plan_view(con, CAERPHILLY, before.date)
        first = view_before.actions.iloc[0]
    finally:
        con.close()
    assert before.date < today  # the sample plan's round is long past: judged at the round
    # the owner reports again today, nothing else changed
    update_action(store, str(first["action_id"]), str(first["reported_status"]), int(first["pct_complete"]),
                  None if first["commentary"] is None or first["commentary"] != first["commentary"]
                  else str(first["commentary"]), "jo.manager", "editor")
    con = store.connect_read()
    try:
        after = plan.default_judging_date(plan.last_updates(con, CAERPHILLY), today)
        view_after = plan.plan_view(con, CAERPHILLY, after.date)
    finally:
        con.close()
    assert after.date == before.date
    assert int(view_after.actions["overdue"].sum()) == int(view_before.actions["overdue"].sum())
    assert list(view_after.priorities["rag"]) == list(view_before.priorities["rag"])


def test_the_shift_is_said_in_words_before_saving(store: Store) -> None:
    """When a save would move the judging date, the page can say what that changes, in numbers."""
    today = dt.date.today()
    con = store.connect_read()
    try:
        last = plan.last_updates(con, CAERPHILLY)
        old = plan.default_judging_date(last, today).date
        before, after = plan.plan_view(con, CAERPHILLY, old), plan.plan_view(con, CAERPHILLY, today)
    finally:
        con.close()
    more = int(after.actions["overdue"].sum()) - int(before.actions["overdue"].sum())
    assert more > 0
    text = plan.judging_shift(before, after, old, today)
    assert text.startswith(f"judging at {today.day} {today:%b %Y} instead of {old.day} {old:%b %Y} makes {more} more "
                           "actions overdue")
    assert "Red priorities" in text and "on track or complete" in text
    assert plan.judging_shift(before, before, old, old) == ""
    # a save that moves the round: every action but one already updated today, then the last one
    moved = plan.judging_after_update({a: today for a in list(last)[:len(last) // 2]} | {
        a: old for a in list(last)[len(last) // 2:]}, list(last)[-1], today)
    assert moved.date == today
