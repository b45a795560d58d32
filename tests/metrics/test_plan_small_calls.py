"""The action plan and partners pages' small calls (plan_info, meetings, audit_log, plan_partners,
partner_contributions) give exactly what the earlier queries gave (tests/metrics/plan_reference.py), with the
same column types, on the hand-checked fixture plan after in-app edits and on the demo store's plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cspdash.ingest.plan_updates import update_action
from cspdash.metrics import plan
from tests.metrics import plan_reference as before
from tests.metrics.plan_fixture import PARTNERSHIP, build_plan_store

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The fixture plan with three in-app edits (two fields changed in one, a blank commentary in another)."""
    store = build_plan_store(Path(tmp_path_factory.mktemp("plan_small")), TODAY)
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


def _same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    """Equal values, in the same order, and the same column types (as DuckDB's .df() gave them)."""
    pd.testing.assert_frame_equal(new, old, check_index_type=False)
    assert list(new.dtypes) == list(old.dtypes)
    for column in old.columns:
        assert [type(v) for v in new[column].tolist()] == [type(v) for v in old[column].tolist()], column


def _check(con: duckdb.DuckDBPyConnection, code: str) -> dict[str, int]:
    """Compare every small call for one partnership; the number of rows each gave."""
    info = plan.plan_info(con, code)
    assert (info.has_plan, (info.name, info.is_sample), info.latest_update) == (
        before.has_plan(con, code), before.plan_names(con, code), before.latest_update(con, code))
    sizes: dict[str, int] = {}
    for day in (TODAY, TODAY - dt.timedelta(days=45), dt.date(2000, 1, 1)):
        _same(plan.meetings(con, code, day), before.meetings(con, code, day))
    sizes["meetings"] = len(plan.meetings(con, code, TODAY))
    for limit in (200, 2):
        _same(plan.audit_log(con, code, limit), before.audit_log(con, code, limit))
    sizes["audit"] = len(plan.audit_log(con, code))
    partners = plan.plan_partners(con, code)
    _same(partners, before.plan_partners(con, code))
    sizes["partners"] = len(partners)
    sizes["contributions"] = 0
    for partner in [*partners["partner_code"], "NOBODY"]:
        new = plan.partner_contributions(con, code, partner)
        _same(new, before.partner_contributions(con, code, partner))
        sizes["contributions"] += len(new)
    return sizes


def test_small_calls_match_the_earlier_queries_on_the_edited_fixture_plan(edited: duckdb.DuckDBPyConnection) -> None:
    sizes = _check(edited, PARTNERSHIP)
    # A2: status, % and commentary changed twice (6 rows); A1: only % changed (Green 50% with no commentary
    # before, Green 60% with none after): 7 audit rows
    assert sizes["audit"] == 7
    assert sizes["meetings"] == 1
    assert sizes["partners"] == 4  # NCC, POL, FIRE, PCC (as test_plan checks by hand)
    assert sizes["contributions"] == 4
    latest = plan.audit_log(edited, PARTNERSHIP)
    assert latest["Action ID"].iloc[0] == "A2" and latest["Who"].iloc[0] == "Sam Editor"
    # a partnership without a plan: empty frames of the same shape and types
    assert _check(edited, "E99999999") == {"meetings": 0, "audit": 0, "partners": 0, "contributions": 0}


def test_small_calls_match_the_earlier_queries_on_the_demo_plan(demo: duckdb.DuckDBPyConnection) -> None:
    code = demo.execute("SELECT min(partnership_code) FROM priority").fetchone()[0]
    sizes = _check(demo, code)
    assert sizes["partners"] > 3 and sizes["contributions"] > 0


def test_the_comparison_can_fail(edited: duckdb.DuckDBPyConnection) -> None:
    """A frame in another order, or a column of another type, is not the same."""
    old = before.plan_partners(edited, PARTNERSHIP)
    with pytest.raises(AssertionError):
        _same(old.iloc[::-1].reset_index(drop=True), old)
    with pytest.raises(AssertionError):
        _same(old.astype(object), old)


@pytest.mark.parametrize("which", ["fixture", "demo"])
def test_one_priority_evidence_matches_the_earlier_queries(which: str, edited: duckdb.DuckDBPyConnection,
                                                           demo: duckdb.DuckDBPyConnection) -> None:
    """indicator_evidence and crime_evidence for each priority (and an unknown one), as the earlier queries."""
    from tests.metrics.plan_fixture import END_MONTH

    con = edited if which == "fixture" else demo
    end = END_MONTH if which == "fixture" else con.execute(
        "SELECT max(month) FROM published_month WHERE source = 'street'").fetchone()[0]
    code = con.execute("SELECT min(partnership_code) FROM priority").fetchone()[0]
    ids = [r[0] for r in con.execute("SELECT priority_id FROM priority WHERE partnership_code = ? ORDER BY 1",
                                     [code]).fetchall()]
    rows = 0
    for priority_id in [*ids, "NO-SUCH-PRIORITY"]:
        new = plan.indicator_evidence(con, code, priority_id)
        pd.testing.assert_frame_equal(new, before.indicator_evidence(con, code, priority_id))
        rows += len(new)
        for months in (12, 3):
            new = plan.crime_evidence(con, code, priority_id, end, months)
            pd.testing.assert_frame_equal(new, before.crime_evidence(con, code, priority_id, end, months))
            rows += len(new)
    assert rows > 0


def test_plan_view_of_a_partnership_without_a_plan_is_empty_not_an_error(edited: duckdb.DuckDBPyConnection) -> None:
    """(The earlier overdue and slipping tables raised KeyError here: an empty flag column selected no rows.)"""
    view = plan.plan_view(edited, "E99999999", TODAY)
    assert view.actions.empty and view.priorities.empty and view.partner_matrix.empty
    assert view.overdue.empty and list(view.overdue.columns[:2]) == ["RAG (by rule)", "Days overdue"]
    assert view.slipping.empty and list(view.slipping.columns[:2]) == ["RAG (by rule)", "Why slipping"]
    assert [tile[0] for tile in view.headline][2] == "Slipping actions" and view.headline[2][1] == "0"
    # and the evidence of no priorities is no rows
    assert plan.evidence_view(edited, "E99999999", TODAY.replace(day=1), 12).rows == {}
