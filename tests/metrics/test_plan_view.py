"""The action plan's read model (plan.plan_view and the plan page's small calls), specified by values worked by
hand on the fixture plan (tests/metrics/plan_fixture.py) after three in-app edits; and the overview's one-query
priorities and the partners page's lead bodies agree with the view (both live code; no frozen copy)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cspdash.ingest.plan_updates import update_action
from cspdash.metrics import plan
from tests.metrics.plan_fixture import PARTNERSHIP, build_plan_store

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The fixture plan, then: A2 Amber 45% "Partner capacity"; A1 Green 60% (only % changes); A2 Green 70%
    "Back on track". Now: A1 Green 60 (due T+200) Green; A2 Green 70 due T+15: Amber (due soon, short of 75%);
    A3 Red (overdue); A4 Amber (Green → Amber at its latest update); A5 Complete."""
    store = build_plan_store(Path(tmp_path_factory.mktemp("plan_view")), TODAY)
    update_action(store, "A2", "Amber", 45, "Partner capacity", "Sam Editor", "editor")
    update_action(store, "A1", "Green", 60, None, "Ann Admin", "admin")
    update_action(store, "A2", "Green", 70, "Back on track", "Sam Editor", "editor")
    connection = store.connect_read()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def demo(demo_store_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    from cspdash.store.versions import Store

    connection = Store(demo_store_path).connect_read()
    yield connection
    connection.close()


def test_view_by_hand(edited: duckdb.DuckDBPyConnection) -> None:
    view = plan.plan_view(edited, PARTNERSHIP, TODAY)
    assert view.actions.set_index("action_id")["rag"].to_dict() == {
        "A1": "Green", "A2": "Amber", "A3": "Red", "A4": "Amber", "A5": "Complete"}
    assert view.priorities.set_index("priority_id")["rag"].to_dict() == {"P1": "Amber", "P2": "Red", "P3": "Complete"}
    assert view.overdue["Action ID"].tolist() == ["A3"] and view.slipping["Action ID"].tolist() == ["A2", "A4"]
    # on track or complete: A1 and A5 of 5; funding: PCC £45,000 + NCC £10,000
    assert [(label, value) for label, value, _why in view.headline] == [
        ("Actions on track or complete", "40%"), ("Overdue actions", "1"), ("Slipping actions", "2"),
        ("Partner cash, all years", "£55,000")]


def test_partner_totals_by_hand(edited: duckdb.DuckDBPyConnection) -> None:
    """NCC leads P1, owns A1 (Green) and A4 (slipping), supports A2; POL leads P2, owns A2 (slipping) and A3
    (overdue), supports A1 and A4, 2 FTE; FIRE leads P3, owns A5 (complete: on track), supports A1; PCC funds."""
    totals = plan.plan_view(edited, PARTNERSHIP, TODAY).partner_totals.set_index("partner_code")
    columns = ["Priorities led", "Led", "Supported", "On track", "Slipping", "Overdue", "Cash funding (£)",
               "In-kind (£)", "Staff (FTE)"]
    assert totals[columns].to_dict("index") == {  # FIRE's in-kind support carries no £ value: it is not cash
        "NCC": dict(zip(columns, [1, 2, 1, 1, 1, 0, 10000.0, 0.0, 0.0], strict=True)),
        "POL": dict(zip(columns, [1, 2, 2, 0, 1, 1, 0.0, 0.0, 2.0], strict=True)),
        "FIRE": dict(zip(columns, [1, 1, 1, 1, 0, 0, 0.0, 0.0, 0.0], strict=True)),
        "PCC": dict(zip(columns, [0, 0, 0, 0, 0, 0, 45000.0, 0.0, 0.0], strict=True)),
    }


def test_small_calls_by_hand(edited: duckdb.DuckDBPyConnection) -> None:
    info = plan.plan_info(edited, PARTNERSHIP)
    assert (info.has_plan, info.name, info.is_sample, info.latest_update) == (True, "Fixture plan", False, TODAY)
    audit = plan.audit_log(edited, PARTNERSHIP)
    # newest first: A2's second edit (3 fields), A1 (only %), A2's first edit (3 fields)
    assert audit[["Action ID", "Field"]].values.tolist() == [
        ["A2", "commentary"], ["A2", "pct_complete"], ["A2", "status"], ["A1", "pct_complete"],
        ["A2", "commentary"], ["A2", "pct_complete"], ["A2", "status"]]
    assert audit[["Who", "Old value", "New value"]].iloc[3].tolist() == ["Ann Admin", "50", "60"]
    assert len(plan.audit_log(edited, PARTNERSHIP, 2)) == 2
    assert sorted(plan.plan_partners(edited, PARTNERSHIP)["partner_code"]) == ["FIRE", "NCC", "PCC", "POL"]
    # cash first, then in-kind, then staff; largest first within a kind
    contributions = plan.contribution_list(edited, PARTNERSHIP)[["Kind", "Amount (£)", "Staff (FTE)"]]
    assert contributions.fillna(0).values.tolist() == [["Cash funding", 45000.0, 0], ["Cash funding", 10000.0, 0],
                                                       ["In-kind support", 0, 0], ["Staff", 0, 2.0]]
    assert len(plan.meetings(edited, PARTNERSHIP, TODAY)) == 1
    assert len(plan.meetings(edited, PARTNERSHIP, dt.date(2000, 1, 1))) == 0


def _same(new: object, old: object) -> None:
    if isinstance(old, pd.DataFrame):
        assert isinstance(new, pd.DataFrame)
        pd.testing.assert_frame_equal(new.reset_index(drop=True), old.reset_index(drop=True), check_dtype=False,
                                      check_index_type=False)
    else:
        assert new == old


def _view_agrees_with_the_queries(con: duckdb.DuckDBPyConnection, code: str, today: dt.date) -> None:
    """The overview's one-query priorities and the partners page's lead bodies say what the plan page's view says."""
    view = plan.plan_view(con, code, today)
    _same(view.priorities, plan.priorities(con, code, today))
    _same(plan.lead_bodies_of(view.priorities), plan.lead_bodies(con, code))


@pytest.mark.parametrize("days_back", [0, 30, 90])
def test_the_view_agrees_with_the_queries_on_the_fixture(edited: duckdb.DuckDBPyConnection, days_back: int) -> None:
    _view_agrees_with_the_queries(edited, PARTNERSHIP, TODAY - dt.timedelta(days=days_back))


def test_the_view_agrees_with_the_queries_on_the_demo(demo: duckdb.DuckDBPyConnection) -> None:
    code = demo.execute("SELECT min(partnership_code) FROM priority").fetchone()[0]  # type: ignore[index]
    _view_agrees_with_the_queries(demo, code, TODAY)


def test_the_comparison_can_fail(edited: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(AssertionError):
        _same(plan.plan_view(edited, PARTNERSHIP, TODAY + dt.timedelta(days=400)).priorities,
              plan.priorities(edited, PARTNERSHIP, TODAY))


def test_plan_view_of_a_partnership_without_a_plan_is_empty_not_an_error(edited: duckdb.DuckDBPyConnection) -> None:
    """(The earlier overdue and slipping tables raised KeyError here: an empty flag column selected no rows.)"""
    view = plan.plan_view(edited, "E99999999", TODAY)
    assert view.actions.empty and view.priorities.empty and view.partner_matrix.empty
    assert view.overdue.empty and list(view.overdue.columns[:2]) == ["RAG (by rule)", "Days overdue"]
    assert view.slipping.empty and list(view.slipping.columns[:2]) == ["RAG (by rule)", "Why slipping"]
    assert [tile[0] for tile in view.headline][2] == "Slipping actions" and view.headline[2][1] == "0"
    assert plan.evidence_view(edited, "E99999999", TODAY.replace(day=1), 12).rows == {}
    assert plan.audit_log(edited, "E99999999").empty and plan.plan_partners(edited, "E99999999").empty


def test_evidence_rule_counts_only_measures_with_data() -> None:
    """A linked crime type with no records (RAG blank, NaN once in a table) is not a measure with data:
    Green and no-data is 1 of 1 Green, not 1 of 2."""
    assert plan.evidence_rag(["Green", None]) == ("Green", "1 of 1 linked measures are Green and none is Red.")
    assert plan.evidence_rag(["Green", float("nan")]) == plan.evidence_rag(["Green", None])
    assert plan.evidence_rag(["Green", "Amber", float("nan")])[0] == "Green"  # 1 of 2 Green: at least half
    assert plan.evidence_rag([float("nan")]) == (None, "No linked evidence with data.")


def test_plan_tiles_equal_each_plan_measure(edited: duckdb.DuckDBPyConnection,
                                             demo: duckdb.DuckDBPyConnection) -> None:
    """The headline's one query gives each measure's own value for a month (past, present, no plan)."""
    from cspdash.metrics.catalogue import measure, plan_tiles

    checked = 0
    for con in (edited, demo):
        codes = [r[0] for r in con.execute("SELECT DISTINCT partnership_code FROM priority ORDER BY 1 LIMIT 2").fetchall()]
        for code in [*codes, "E99999999"]:  # the last has no plan
            for months_back in (0, 3, 14, 40):
                month = plan.add_months(TODAY.replace(day=1), -months_back).isoformat()
                tiles = plan_tiles(con, code, month)
                for name, value in tiles.items():
                    frame = measure(name).monthly(con, code, month, month)
                    expected = None if frame.empty or pd.isna(frame["value"].iloc[-1]) else float(
                        frame["value"].iloc[-1])
                    assert value == expected, (code, month, name)
                checked += 1
    assert checked >= 12
    # it can fail: the fixture plan has started actions this month, so the share is a number
    assert plan_tiles(edited, PARTNERSHIP, TODAY.replace(day=1).isoformat())["actions_on_track_share"] is not None
