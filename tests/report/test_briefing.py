"""The meeting briefing's read model, specified by hand on the meeting fixture (tests/report/meeting_fixture.py):
meeting TST-M3 on 16 July 2025, the previous one TST-M2 on 19 March 2025."""

from __future__ import annotations

from datetime import date

from cspdash.metrics.meeting import Briefing


def test_window_is_since_the_previous_meeting_to_the_last_published_month(fixture_briefing: Briefing) -> None:
    m = fixture_briefing.meeting
    assert (m.previous_id, m.previous_date) == ("TST-M2", date(2025, 3, 19))
    # from the previous meeting's month to the last month published before July: March – June 2025
    assert (m.window_start, m.data_end) == (date(2025, 3, 1), date(2025, 6, 1))


def test_priorities_at_the_meeting(fixture_briefing: Briefing) -> None:
    """P1: its one action (A1) is past its 30 June due date: Red. P2: A2 Green 60%, due December: Green.
    P3: A3 50% due 10 August, within 30 days of the meeting and under 75%: Amber."""
    rags = fixture_briefing.priorities.set_index("priority_id")["rag"].to_dict()
    assert rags == {"TST-P1": "Red", "TST-P2": "Green", "TST-P3": "Amber"}


def test_moves_since_the_previous_meeting(fixture_briefing: Briefing) -> None:
    """In March A1 was Green (40% in February) and A3 had no progress (Not started: its first update is May)."""
    moves = fixture_briefing.rag_changes
    assert moves[["item_id", "rag_then", "rag_now", "change"]].values.tolist() == [
        ["TST-P1", "Green", "Red", "new Red"], ["TST-P3", "Not started", "Amber", "new Amber"],
        ["TST-A1", "Green", "Red", "new Red"], ["TST-A3", "Not started", "Amber", "new Amber"]]


def test_overdue_recommendations(fixture_briefing: Briefing) -> None:
    """R1 was due 1 March 2025 and is only on track; R2 is due in September; R3 is achieved."""
    assert fixture_briefing.overdue_recommendations["reference"].tolist() == ["TST-R1"]
    assert len(fixture_briefing.recommendations) == 3
