"""The action plan's read models (plan_view, evidence_view) on the hand-checked fixture plan
(tests/metrics/plan_fixture.py), loaded by the real loader: every value below is worked by hand from the fixture."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from cspdash.metrics import plan
from cspdash.metrics.catalogue import MEASURES, measure
from tests.metrics.plan_fixture import END_MONTH, PARTNERSHIP, build_plan_store

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the fixture plan store."""
    store = build_plan_store(Path(tmp_path_factory.mktemp("plan")), TODAY)
    connection = store.connect_read()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def view(con: duckdb.DuckDBPyConnection) -> plan.PlanView:
    """The plan judged today: what the action plan and partners pages show."""
    return plan.plan_view(con, PARTNERSHIP, TODAY)


@pytest.fixture(scope="module")
def evidence(con: duckdb.DuckDBPyConnection) -> plan.EvidenceView:
    return plan.evidence_view(con, PARTNERSHIP, END_MONTH, 12)


def test_action_rag_overdue_and_slipping(view: plan.PlanView) -> None:
    acts = view.actions.set_index("action_id")
    assert acts["rag"].to_dict() == {"A1": "Green", "A2": "Amber", "A3": "Red", "A4": "Amber", "A5": "Complete"}
    assert list(acts.index[acts["overdue"]]) == ["A3"]
    assert list(acts.index[acts["slipping"]]) == ["A2", "A4"]
    assert acts.loc["A2", "slipping_reason"] == ("worse at the latest update (✔ Green → ▲ Amber); "
                                                 "due in 15 days with 40% done")
    assert acts.loc["A4", "slipping_reason"] == "worse at the latest update (✔ Green → ▲ Amber)"
    assert acts.loc["A3", "rag_badge"] == "✖ Red"
    assert acts.loc["A1", "supporting"] == "Gwent Police; South Wales Fire and Rescue"
    assert acts.loc["A1", "owner"] == "Newport City Council"


@pytest.mark.parametrize("source", ["view", "query"])
def test_priority_rag_lead_and_reason(con: duckdb.DuckDBPyConnection, view: plan.PlanView, source: str) -> None:
    """The plan page's priorities (the view) and the overview's (the one query) both say so."""
    table = (view.priorities if source == "view" else plan.priorities(con, PARTNERSHIP, TODAY)).set_index("priority_id")
    assert table["rag"].to_dict() == {"P1": "Amber", "P2": "Red", "P3": "Complete"}
    assert table["lead"].to_dict() == {"P1": "Newport City Council", "P2": "Gwent Police",
                                       "P3": "South Wales Fire and Rescue"}
    assert table.loc["P2", "rag_reason"] == "1 action of 2 is Red."
    assert table[["actions", "overdue", "slipping"]].loc["P2"].tolist() == [2, 1, 1]


def test_overdue_and_slipping_tables(view: plan.PlanView) -> None:
    overdue = view.overdue
    assert overdue["Action ID"].tolist() == ["A3"]
    assert overdue["Days overdue"].tolist() == [60]
    slipping = view.slipping
    assert slipping["Action ID"].tolist() == ["A2", "A4"]


def test_rag_history_rolls_up_each_round(view: plan.PlanView) -> None:
    history = plan.rag_history_of(view, "P2")
    top = history[history["level"] == "priority"]
    # U1: A3 due in 15 days at 50% -> Amber, A4 Green -> 1 of 2 Amber -> Amber; U2: A3 overdue -> Red
    assert top["rag"].tolist() == ["Amber", "Red"]
    assert top["update_date"].tolist() == [TODAY - dt.timedelta(days=75), TODAY - dt.timedelta(days=14)]
    a4 = history[history["item_id"] == "A4"]
    assert a4["rag"].tolist() == ["Green", "Amber"]
    assert a4["detail"].iloc[-1] == "Reported ▲ Amber; 30% done. Funding risk"


def test_changes_since_meeting(con: duckdb.DuckDBPyConnection, view: plan.PlanView) -> None:
    meetings = plan.meetings(con, PARTNERSHIP, TODAY)
    assert meetings["meeting_id"].tolist() == ["M1"]
    since = meetings["meeting_date"].iloc[0]
    changes = plan.changes_since_of(view, since).set_index("Action ID")
    assert sorted(changes.index) == ["A1", "A2", "A3", "A4"]  # A5 had no update since
    assert changes["Change"].to_dict() == {"A1": "same RAG", "A2": "worse", "A3": "worse", "A4": "worse"}
    assert changes.loc["A3", "Then"] == "▲ Amber" and changes.loc["A3", "Now"] == "✖ Red"
    assert plan.changes_since_of(view, TODAY).empty
    # before any update every changed action is new
    assert set(plan.changes_since_of(view, TODAY - dt.timedelta(days=400))["Change"]) == {"new"}


def test_evidence_indicator_and_crime(evidence: plan.EvidenceView) -> None:
    p1 = evidence.evidence_table("P1").set_index("id")
    # indicator: latest 70 <= target 80 -> Green
    assert p1.loc["I-ASB", "RAG"] == "Green"
    assert p1.loc["I-ASB", "Why"] == "Target met (latest 70, target 80)."
    # ASB: 12 x 80 = 960 vs 12 x 50 = 600, a steady 80 and 50 a month (no more variation than a Poisson count):
    # exact p = 2 P(X >= 960 | n = 1,560, 1/2), about 1e-21 -> a real change, and worse -> Red
    assert p1.loc["Anti-social behaviour", "RAG"] == "Red"
    assert ("960 vs 600 is a real change (allowing for how much this count normally varies from month to month)"
            in p1.loc["Anti-social behaviour", "Why"])
    assert p1.loc["Anti-social behaviour", "Latest"] == "960 (Jul 2024 – Jun 2025)"
    # P2 names a crime type with no records: listed without a RAG
    p2 = evidence.evidence_table("P2")
    assert p2["RAG"].isna().all() and p2["Latest"].tolist() == ["no records"]


def test_evidence_rule_and_comparison(view: plan.PlanView, evidence: plan.EvidenceView) -> None:
    assert plan.evidence_rag(["Green", "Red"]) == ("Red", "1 of 2 linked measures is Red.")
    assert plan.evidence_rag(["Green", "Amber"])[0] == "Green"
    assert plan.evidence_rag(["Green", "Amber", "Amber"])[0] == "Amber"
    assert plan.evidence_rag([None])[0] is None
    table = evidence.comparison(view.priorities).set_index("priority_id")
    assert table.loc["P1", "evidence_rag"] == "Red" and table.loc["P1", "Agreement"] == "differ"
    assert table.loc["P1", "Plan says (actions)"] == "▲ Amber"
    assert table.loc["P3", "Agreement"] == "no evidence linked"


def test_partner_matrix_by_hand(con: duckdb.DuckDBPyConnection, view: plan.PlanView) -> None:
    matrix = view.partner_matrix.set_index(["partner_code", "priority_id"])
    cols = ["Led", "Supported", "On track", "Slipping", "Overdue"]
    assert matrix.loc[("POL", "P1"), cols].tolist() == [1, 1, 0, 1, 0]   # leads A2 (slipping), supports A1
    assert matrix.loc[("POL", "P2"), cols].tolist() == [1, 1, 0, 0, 1]   # leads A3 (overdue), supports A4
    assert matrix.loc[("NCC", "P1"), cols].tolist() == [1, 1, 1, 0, 0]   # leads A1 (Green), supports A2
    assert matrix.loc[("PCC", "P1"), "Cash funding (£)"] == 45000
    assert matrix.loc[("POL", "P2"), "Staff (FTE)"] == 2
    totals = view.partner_totals.set_index("partner_code")
    assert totals.loc["POL", ["Priorities led", "Led", "Supported", "Overdue"]].tolist() == [1, 2, 2, 1]
    assert totals["Cash funding (£)"].sum() == 55000  # FIRE's in-kind support is not funding
    for leads in (plan.lead_bodies(con, PARTNERSHIP), plan.lead_bodies_of(view.priorities)):
        assert leads["Lead partner"].tolist() == ["Newport City Council", "Gwent Police", "South Wales Fire and Rescue"]
        assert leads["Actions"].tolist() == [2, 2, 1]


def test_partner_view(con: duckdb.DuckDBPyConnection, view: plan.PlanView) -> None:
    acts = plan.partner_actions_of(view.actions, "FIRE")
    assert dict(zip(acts["Action ID"], acts["Role"], strict=True)) == {"A1": "supports", "A5": "leads"}
    gifts = plan.contribution_list(con, PARTNERSHIP)
    assert gifts.loc[gifts["Partner"] == "Gwent OPCC", ["Kind", "Amount (£)"]].values.tolist() == [["Cash funding", 45000]]
    assert set(plan.plan_partners(con, PARTNERSHIP)["partner_code"]) == {"NCC", "POL", "FIRE", "PCC"}


def test_catalogue_plan_measures(con: duckdb.DuckDBPyConnection, view: plan.PlanView) -> None:
    month = TODAY.replace(day=1).isoformat()
    on_track = measure("actions_on_track_share").monthly(con, PARTNERSHIP, month, month)
    assert on_track["value"].tolist() == [pytest.approx(40.0)]  # A1 Green and A5 Complete of 5
    assert measure("actions_overdue").monthly(con, PARTNERSHIP, month, month)["value"].tolist() == [1]
    assert measure("funding_contributed").monthly(con, PARTNERSHIP, month, month)["value"].tolist() == [55000]
    for name in ("actions_on_track_share", "actions_overdue", "funding_contributed"):
        item = MEASURES[name]
        assert item.label and item.unit and item.description and item.fmt in {"count", "percent", "money"}
    tiles = dict((label, value) for label, value, _help in view.headline)
    assert tiles == {"Actions on track or complete": "40%", "Overdue actions": "1", "Slipping actions": "2",
                     "Partner cash, all years": "£55,000"}


def test_history_measure_uses_progress_rounds(con: duckdb.DuckDBPyConnection) -> None:
    """A month before the plan's actions started has no value; the history is read from progress updates."""
    before = (TODAY - dt.timedelta(days=200)).replace(day=1).isoformat()
    frame = measure("actions_on_track_share").monthly(con, PARTNERSHIP, before, before)
    assert frame["value"].isna().all()
