"""The fast action-plan queries give exactly what the earlier, slower ones gave (tests/metrics/plan_reference.py),
on the demo store's real-sized sample plan and on the hand-checked fixture plan, at several judgement dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from cspdash.metrics import plan
from tests.metrics import plan_reference as before
from tests.metrics.plan_fixture import END_MONTH, PARTNERSHIP, build_plan_store

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def fixture_con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    store = build_plan_store(Path(tmp_path_factory.mktemp("plan_fast")), TODAY)
    connection = store.connect_read()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def demo(demo_store_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    from cspdash.store.versions import Store

    connection = Store(demo_store_path).connect_read()
    yield connection
    connection.close()


def _cases(con: duckdb.DuckDBPyConnection, limit: int = 99) -> list[tuple[str, dt.date]]:
    """Partnerships with a plan, judged today, at its latest update, and at dates inside its history."""
    rows = con.execute(
        "SELECT p.partnership_code, min(u.update_date), max(u.update_date) FROM priority p"
        " LEFT JOIN action a USING (priority_id) LEFT JOIN progress_update u USING (action_id) GROUP BY ALL"
        " ORDER BY 1 LIMIT ?", [limit]
    ).fetchall()
    cases = []
    for code, first, last in rows:
        cases.append((code, TODAY))
        if first is not None:
            middle = first + (last - first) / 2
            cases += [(code, last), (code, middle), (code, first - dt.timedelta(days=1))]
    return cases


def _kind(value: object) -> type:
    """The Python type a value shows as (a numpy int is an int)."""
    return type(value.item()) if isinstance(value, np.generic) else type(value)


def _same(new: object, old: object) -> None:
    if isinstance(old, pd.DataFrame):
        assert isinstance(new, pd.DataFrame)
        pd.testing.assert_frame_equal(new.reset_index(drop=True), old.reset_index(drop=True), check_dtype=False,
                                      check_index_type=False)
        # the values people see are the same type too (a date stays a date, a count stays a whole number)
        for column in old.columns:
            assert [_kind(v) for v in new[column].tolist()] == [_kind(v) for v in old[column].tolist()], column
    else:
        assert new == old


def _money_as_before(frame: object) -> object:
    """A partner matrix/totals frame with cash funding and in-kind value added back into one 'Funding (£)', as the
    earlier query (tests/metrics/plan_reference.py) summed every amount; the split itself is checked by hand in
    tests/metrics/test_plan.py and tests/app/test_partners.py."""
    if not isinstance(frame, pd.DataFrame) or "Cash funding (£)" not in frame.columns:
        return frame
    columns = [c for c in frame.columns if c != "In-kind (£)"]
    merged = frame.assign(**{"Cash funding (£)": frame["Cash funding (£)"] + frame["In-kind (£)"]})[columns]
    return merged.rename(columns={"Cash funding (£)": "Funding (£)"})


def _compare(con: duckdb.DuckDBPyConnection, end: dt.date, limit: int = 99) -> int:
    checked = 0
    for code, today in _cases(con, limit):
        for name in ("actions", "overdue_actions", "slipping_actions", "priorities", "partner_matrix",
                     "partner_totals", "plan_headline"):
            new = getattr(plan, name)(con, code, today)
            old = getattr(before, name)(con, code, today)
            if name == "partner_totals" and isinstance(new, pd.DataFrame) and not new.empty:
                new = new.sort_values(["Priorities led", "Led"], ascending=False, kind="stable")
                old = old.set_index("partner_code").loc[new["partner_code"]].reset_index()
            _same(_money_as_before(new), old)
        view = plan.plan_view(con, code, today)
        for name in ("actions", "priorities", "partner_matrix"):
            _same(_money_as_before(getattr(view, name)), getattr(before, name)(con, code, today))
        _same(view.overdue, before.overdue_actions(con, code, today))
        _same(view.slipping, before.slipping_actions(con, code, today))
        _same(view.headline, before.plan_headline(con, code, today))
        _same(plan.lead_bodies_of(view.priorities), before.lead_bodies(con, code))
        info = plan.plan_info(con, code)
        assert (info.has_plan, (info.name, info.is_sample), info.latest_update) == (
            before.has_plan(con, code), before.plan_names(con, code), before.latest_update(con, code))
        _same(plan.action_history(con, code), before.action_history(con, code))
        _same(plan.action_table(con, code, None, today), before.action_table(con, code, None, today))
        for months in (12, 3):
            _same(plan.evidence_comparison(con, code, end, months, today),
                  before.evidence_comparison(con, code, end, months, today))
        evidence = plan.evidence_view(con, code, end, 12)
        _same(evidence.comparison(view.priorities), before.evidence_comparison(con, code, end, 12, today))
        priority_ids = [r[0] for r in con.execute(
            "SELECT priority_id FROM priority WHERE partnership_code = ? ORDER BY 1", [code]).fetchall()]
        for priority_id in priority_ids:
            _same(plan.action_table(con, code, priority_id, today), before.action_table(con, code, priority_id, today))
            _same(plan.rag_history(con, code, priority_id), before.rag_history(con, code, priority_id))
            _same(plan.rag_history_of(view, priority_id), before.rag_history(con, code, priority_id))
            _same(plan.priority_evidence(con, code, priority_id, end, 12),
                  before.priority_evidence(con, code, priority_id, end, 12))
            _same(evidence.evidence_table(priority_id), before.priority_evidence(con, code, priority_id, end, 12))
        for since in (today - dt.timedelta(days=120), today - dt.timedelta(days=800)):
            _same(plan.changes_since(con, code, since, today), before.changes_since(con, code, since, today))
            _same(plan.changes_since_of(view, since), before.changes_since(con, code, since, today))
        for partner in plan.plan_partners(con, code)["partner_code"]:
            _same(plan.partner_actions(con, code, partner, today), before.partner_actions(con, code, partner, today))
            _same(plan.partner_actions_of(view.actions, partner), before.partner_actions(con, code, partner, today))
        checked += 1
    return checked


def test_fast_plan_queries_match_the_earlier_ones_on_the_fixture_plan(fixture_con: duckdb.DuckDBPyConnection) -> None:
    assert _compare(fixture_con, END_MONTH) == 4
    # and the comparison can fail: a different judgement date changes the answer
    with pytest.raises(AssertionError):
        _same(plan.actions(fixture_con, PARTNERSHIP, TODAY + dt.timedelta(days=400)),
              before.actions(fixture_con, PARTNERSHIP, TODAY))


def test_fast_plan_queries_match_the_earlier_ones_on_the_demo_plan(demo: duckdb.DuckDBPyConnection) -> None:
    end = demo.execute("SELECT max(month) FROM published_month WHERE source = 'street'").fetchone()[0]
    assert _compare(demo, end, limit=1) == 4  # one partnership's plan, 4 judgement dates


def test_evidence_rule_counts_only_measures_with_data() -> None:
    """A linked crime type with no records (RAG blank, NaN once in a table) is not a measure with data:
    Green and no-data is 1 of 1 Green, not 1 of 2."""
    assert plan.evidence_rag(["Green", None]) == ("Green", "1 of 1 linked measures are Green and none is Red.")
    assert plan.evidence_rag(["Green", float("nan")]) == plan.evidence_rag(["Green", None])
    assert plan.evidence_rag(["Green", "Amber", float("nan")])[0] == "Green"  # 1 of 2 Green: at least half
    assert plan.evidence_rag([float("nan")]) == (None, "No linked evidence with data.")


def test_plan_tiles_equal_each_plan_measure(fixture_con: duckdb.DuckDBPyConnection,
                                             demo: duckdb.DuckDBPyConnection) -> None:
    """The headline's one query gives each measure's own value for a month (past, present, no plan)."""
    from cspdash.metrics.catalogue import measure, plan_tiles

    checked = 0
    for con in (fixture_con, demo):
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
    assert plan_tiles(fixture_con, PARTNERSHIP, TODAY.replace(day=1).isoformat())["actions_on_track_share"] is not None
