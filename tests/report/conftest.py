"""Fixtures for the meeting reports on ``meeting_store`` (tests/conftest.py): the demo store plus the hand-made
Newport meeting fixture."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from cspdash.metrics.meeting import Briefing, briefing
from cspdash.store.versions import Store
from tests.report.meeting_fixture import MEETING


@pytest.fixture()
def meeting_con(meeting_store: Store) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the meeting fixture store."""
    con = meeting_store.connect_read()
    yield con
    con.close()


@pytest.fixture(scope="session")
def fixture_briefing(meeting_store: Store) -> Briefing:
    """The briefing for the fixture meeting TST-M3 (16 July 2025)."""
    con = meeting_store.connect_read()
    try:
        found = briefing(con, MEETING)
    finally:
        con.close()
    assert found is not None
    return found
