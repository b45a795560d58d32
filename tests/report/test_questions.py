"""Question rules on the meeting fixture: each fires with the right figure, partner and framing."""

from __future__ import annotations

import dataclasses
from datetime import date

import duckdb
import pandas as pd

from cspdash.analysis.change import compare_frame
from cspdash.metrics import meeting as mm
from cspdash.metrics.meeting import Briefing
from cspdash.report import questions as qs


def _by_rule(found: list[qs.Question], rule: str) -> list[qs.Question]:
    return [q for q in found if q.rule == rule]


def test_meeting_window_is_since_the_previous_meeting(fixture_briefing: Briefing) -> None:
    m = fixture_briefing.meeting
    assert (m.previous_id, m.previous_date) == ("TST-M2", date(2025, 3, 19))
    assert (m.window_start, m.data_end) == (date(2025, 3, 1), date(2025, 6, 1))
    assert m.window_label == "Mar 2025 – Jun 2025" and m.compare_label == "Mar 2024 – Jun 2024"


def test_red_priority_asks_the_lead_partner(fixture_briefing: Briefing) -> None:
    [question] = _by_rule(qs.suggest(fixture_briefing), "red_priority")
    assert question.partner == "Gwent Police"
    assert question.framing == qs.HOLD_TO_ACCOUNT
    assert "'Serious violence and knife crime' is Red on 16 July 2025" in question.evidence
    assert "by when" in question.question


def test_overdue_recommendation_asks_for_a_date(fixture_briefing: Briefing) -> None:
    [question] = _by_rule(qs.suggest(fixture_briefing), "overdue_recommendation")
    assert question.partner == "Gwent Police"
    assert "TST-R1" in question.question and "by what date" in question.question
    # due 1 March 2025, meeting 16 July 2025: 30 + 30 + 31 + 30 + 15 + 1 = 137 days
    assert "137 days overdue" in question.evidence


def test_indicator_disagreeing_with_reported_rag_asks_why(fixture_briefing: Briefing) -> None:
    [question] = _by_rule(qs.suggest(fixture_briefing), "indicator_disagrees")
    assert question.partner == "Newport City Council"
    assert question.framing == qs.SCRUTINISE_PERFORMANCE
    assert "reported Green" in question.question and "is Red" in question.question
    # 520 vs 400 by the change test, with the indicator series' own variation: a real change
    assert "520" in question.evidence and "baseline of 400" in question.evidence
    assert "520 vs 400 is a real change (allowing for how much this count normally varies" in question.evidence


def test_new_amber_and_standard_and_open_trigger(fixture_briefing: Briefing) -> None:
    found = qs.suggest(fixture_briefing)
    [amber] = _by_rule(found, "new_amber")
    assert amber.partner == "South Wales Fire and Rescue" and "'Road safety'" in amber.question
    [standard] = _by_rule(found, "standard_not_met")
    assert "Information-sharing protocol" in standard.question and standard.framing == qs.CONTRIBUTE_TO_STRATEGY
    assert "Protocol expired March 2025" in standard.evidence
    [trigger] = _by_rule(found, "open_trigger")
    # received 2 May 2025, meeting 16 July 2025: 29 + 30 + 16 = 75 days
    assert "TST-CT3" in trigger.question and "open 75 days" in trigger.evidence


def _with_changes(b: Briefing, counts: list[tuple[str, int, int]]) -> Briefing:
    frame = pd.DataFrame(counts, columns=["crime_type", "current", "previous"]).astype(
        {"current": float, "previous": float})
    frame = compare_frame(frame, "current", "previous")
    frame["sentence"] = ""
    return dataclasses.replace(b, crime_changes=frame, spc_signals=b.spc_signals.iloc[0:0])


def test_significant_rise_goes_to_the_priority_lead_or_the_partnership(fixture_briefing: Briefing) -> None:
    # as steady counts: 400 vs 300 exact p ≈ 2e-4, up 33%; 200 vs 120 p ≈ 9e-6, up 67%; 110 vs 100 p ≈ 0.53 (noise)
    b = _with_changes(fixture_briefing, [("Violence and sexual offences", 400, 300), ("Burglary", 200, 120),
                                         ("Robbery", 110, 100)])
    rises = {q.question.split(" has")[0]: q for q in _by_rule(qs.suggest(b), "significant_rise")}
    assert set(rises) == {"Violence and sexual offences", "Burglary"}
    violence = rises["Violence and sexual offences"]
    assert violence.partner == "Gwent Police"  # TST-P1 names this crime type
    assert "400 in Mar 2025 – Jun 2025 vs 300 in Mar 2024 – Jun 2024" in violence.evidence
    assert "up 33%: a real change, allowing for how much this count normally varies" in violence.evidence
    assert rises["Burglary"].partner == qs.PARTNERSHIP
    assert "is the rise understood" in violence.question and violence.framing == qs.SCRUTINISE_PERFORMANCE


def test_falls_are_capped_and_ask_what_worked(fixture_briefing: Briefing) -> None:
    b = _with_changes(fixture_briefing, [("Shoplifting", 100, 300), ("Vehicle crime", 100, 200),
                                         ("Drugs", 50, 150)])
    falls = _by_rule(qs.suggest(b), "significant_fall")
    assert len(falls) == qs.MAX_FALLS
    assert falls[0].question.startswith("Shoplifting has fallen")  # z = 2 (10 - 17.3) = -14.6, the largest


def test_spc_signal_for_the_worse_is_asked_about(fixture_briefing: Briefing) -> None:
    signals = pd.DataFrame([{"crime_type": "Drugs", "rule": "outside_limits", "direction": "up",
                             "first_month": date(2025, 6, 1), "last_month": date(2025, 6, 1),
                             "sentence": "Drugs: June 2025 is above the upper process limit (90 > 80)."}])
    b = dataclasses.replace(fixture_briefing, spc_signals=signals)
    [question] = _by_rule(qs.suggest(b), "spc_signal")
    assert question.evidence == "Drugs: June 2025 is above the upper process limit (90 > 80)."
    assert question.partner == qs.PARTNERSHIP


def test_new_hot_spot_question_cites_the_area(fixture_briefing: Briefing) -> None:
    spots = pd.DataFrame([{"area_code": "W01009999", "area_name": "Newport 099Z", "crimes_latest": 120,
                           "crimes_before": 60, "z_latest": 4.2, "hot_spot_class": "Hot spot 99%",
                           "persistence": "new", "explanation": "", "hot_periods": 1, "periods": 4}])
    b = dataclasses.replace(fixture_briefing, hot_spots=spots)
    [question] = _by_rule(qs.suggest(b), "new_hot_spot")
    assert question.question.startswith("Newport 099Z is a new hot spot")
    assert "120 crimes and ASB incidents in the last 3 months vs 60" in question.evidence
    assert question.framing == qs.CONTRIBUTE_TO_STRATEGY


def test_every_question_is_framed_and_unique(fixture_briefing: Briefing) -> None:
    found = qs.suggest(fixture_briefing)
    assert len({q.question for q in found}) == len(found)
    assert all(q.framing in qs.FRAMINGS and q.partner and q.evidence for q in found)
    frame = qs.as_frame(found)
    assert list(frame["position"]) == list(range(1, len(found) + 1))


def test_meeting_metrics_on_the_fixture(meeting_con: duckdb.DuckDBPyConnection) -> None:
    recs = mm.recommendations(meeting_con, "W06000022", date(2025, 7, 16)).set_index("reference")
    assert recs.loc["TST-R1", "overdue"] and recs.loc["TST-R1", "days_overdue"] == 137
    assert not recs.loc["TST-R3", "overdue"]  # achieved
    assert not recs.loc["TST-R2", "overdue"]  # due in September
    cases = mm.triggers(meeting_con, "W06000022").set_index("case_id")
    assert cases.loc["TST-CT1", "days_to_resolve"] == 37 and cases.loc["TST-CT4", "days_to_resolve"] == 7
    quarters = mm.trigger_counts_by_quarter(cases.reset_index())
    q1 = quarters[(quarters["quarter"] == "2024-25 Q1") & (quarters["kind"] == "Community Trigger")].iloc[0]
    assert (q1["cases"], q1["threshold_met"], q1["resolved"], q1["median_days_to_resolve"]) == (2, 1, 2, 22.0)
    moves = mm.rag_changes(meeting_con, "W06000022", date(2025, 3, 19), date(2025, 7, 16)).set_index("item_id")
    assert moves.loc["TST-P1", "change"] == "new Red" and moves.loc["TST-P1", "rag_then"] == "Green"
    assert moves.loc["TST-A3", "rag_now"] == "Amber"
    assert "TST-A2" not in moves.index  # Green throughout
    health = mm.health(meeting_con, "W06000022")
    assert len(health) == 11 and (health["kind"] == "standard").sum() == 5
    assert health.set_index("item").loc["Strategy group", "status"] == "Met"
    assert health.set_index("item").loc["Appropriate skills and knowledge", "status"] == "Not assessed"
    assert mm.financial_quarter(date(2025, 3, 31)) == "2024-25 Q4"
