"""The faster meeting briefing gives exactly what the earlier one gave (tests/report/meeting_reference.py), for every
meeting of the demo store and of the hand-made meeting fixture, in normal and public output."""

from __future__ import annotations

import dataclasses

import duckdb
import numpy as np
import pandas as pd
import pytest

from cspdash.metrics import meeting as mm
from tests.report import meeting_reference as before


def _kind(value: object) -> type:
    return type(value.item()) if isinstance(value, np.generic) else type(value)


def _same(new: object, old: object, what: str) -> None:
    if isinstance(old, pd.DataFrame):
        assert isinstance(new, pd.DataFrame), what
        pd.testing.assert_frame_equal(new.reset_index(drop=True), old.reset_index(drop=True), check_dtype=False,
                                      check_index_type=False, obj=what)
        for column in old.columns:
            assert [_kind(v) for v in new[column].tolist()] == [_kind(v) for v in old[column].tolist()], (what, column)
    else:
        assert new == old, what


def _compare_meetings(con: duckdb.DuckDBPyConnection, limit: int) -> int:
    ids = [r[0] for r in con.execute(
        "SELECT meeting_id FROM meeting ORDER BY partnership_code, meeting_date DESC LIMIT ?", [limit]).fetchall()]
    for meeting_id in ids:
        for public in (False, True):
            new, old = mm.briefing(con, meeting_id, public), before.briefing(con, meeting_id, public)
            assert new is not None and old is not None
            for item in dataclasses.fields(old):
                new_value, old_value = getattr(new, item.name), getattr(old, item.name)
                if item.name == "meeting":
                    assert dataclasses.asdict(new_value) == dataclasses.asdict(old_value)
                elif item.name == "contributions":  # in-kind £ value is new (hand-checked in test_pack_summary.py)
                    _same(new_value.drop(columns=["in_kind_gbp"]), old_value, f"{meeting_id} {item.name}")
                else:
                    _same(new_value, old_value, f"{meeting_id} {item.name}")
        info = mm.meeting(con, meeting_id)
        assert info is not None
        if info.previous_date is not None:
            _same(mm.rag_changes(con, info.partnership_code, info.previous_date, info.meeting_date),
                  before.rag_changes(con, info.partnership_code, info.previous_date, info.meeting_date), "rag_changes")
    return len(ids)


def test_briefing_matches_the_earlier_one_on_the_fixture_meetings(meeting_con: duckdb.DuckDBPyConnection) -> None:
    assert _compare_meetings(meeting_con, limit=6) == 6


def test_briefing_matches_the_earlier_one_on_the_demo(demo_con: duckdb.DuckDBPyConnection) -> None:
    assert _compare_meetings(demo_con, limit=4) == 4


def test_the_comparison_can_fail(meeting_con: duckdb.DuckDBPyConnection) -> None:
    """A briefing of another meeting is not the same briefing."""
    ids = [r[0] for r in meeting_con.execute("SELECT meeting_id FROM meeting ORDER BY meeting_date LIMIT 2").fetchall()]
    new, old = mm.briefing(meeting_con, ids[0]), before.briefing(meeting_con, ids[1])
    assert new is not None and old is not None
    with pytest.raises(AssertionError):
        _same(new.rag_changes, old.rag_changes, "rag_changes")
        _same(new.hot_spots, old.hot_spots, "hot_spots")
        _same(new.crime_changes, old.crime_changes, "crime_changes")
