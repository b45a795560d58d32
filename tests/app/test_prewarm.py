"""A partnership change on the Overview finds its queries already made (issue 23: filter change ≤ 0.5 s).

After the Overview has run for Newport, ``ui.prewarm`` makes the Overview's queries and its chart's figure in the
background for the other partnerships of Gwent (``overview_blocks.prefetch``). Then choosing one of them runs no
query: every call is read from the cache. ``prefetch`` must make exactly the calls the blocks make, so a block that
gains a query without it fails here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cspdash.ui import db, prewarm

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
NEWPORT, TORFAEN = "W06000022", "W06000020"


class _Counting(dict):  # type: ignore[type-arg]
    """db._FUNCTIONS that records each function the result cache runs (a miss: the query is computed)."""

    def __init__(self, misses: list[str]):
        super().__init__()
        self.misses = misses

    def __getitem__(self, key: str) -> Callable[..., Any]:
        fn = super().__getitem__(key)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.misses.append(key.rsplit(".", 1)[-1])
            return fn(*args, **kwargs)
        return call


@pytest.fixture()
def computed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The cached calls actually computed (cache misses) from now on, by function name."""
    misses: list[str] = []
    counting = _Counting(misses)
    counting.update(db._FUNCTIONS)
    monkeypatch.setattr(db, "_FUNCTIONS", counting)
    yield misses


def _overview_then_change(prewarm_on: bool, demo_store_path: Path, use_store: Callable[[Path], None],
                          monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> list[str]:
    use_store(demo_store_path)
    monkeypatch.delenv("CSPDASH_TEST", raising=False)  # the harness switches prefetching off
    monkeypatch.setenv("CSPDASH_PREWARM", "1" if prewarm_on else "0")
    monkeypatch.setattr(prewarm, "DELAY_S", 0.0)
    monkeypatch.setattr(prewarm, "_done", type(prewarm._done)())
    st.cache_data.clear()  # nothing cached by an earlier test
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.query_params["csp"] = NEWPORT
    at.run()
    assert not at.exception and not at.error
    assert prewarm.drain(120)
    misses = request.getfixturevalue("computed")  # count from here: only the partnership change
    at.selectbox(key="flt_csp").select(TORFAEN).run()
    assert not at.exception and not at.error
    assert "Torfaen" in at.title[0].value or any("Torfaen" in c.value for c in at.caption)
    return list(misses)


def test_a_partnership_change_after_the_overview_computes_nothing(
        demo_store_path: Path, use_store: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch,
        request: pytest.FixtureRequest) -> None:
    assert _overview_then_change(True, demo_store_path, use_store, monkeypatch, request) == []


def test_without_prefetching_the_change_computes_the_overview_queries(
        demo_store_path: Path, use_store: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch,
        request: pytest.FixtureRequest) -> None:
    """The check above can fail: switched off, the same change computes the partnership's queries."""
    misses = _overview_then_change(False, demo_store_path, use_store, monkeypatch, request)
    assert {"headline_changes", "spc_series", "comparison", "recent_signals", "priorities"} <= set(misses)
