"""Completeness of published police.uk months: missing, low and ok by the stated rule."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from cspdash.metrics import loads
from cspdash.store.completeness import COMPLETENESS_RULE, completeness, completeness_counts
from cspdash.store.versions import apply_schema


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    """An in-memory store with three forces' published months."""
    connection = duckdb.connect()
    apply_schema(connection)
    published = [
        # Gwent: Jan 100, Feb 40 (< 50% of median 100 → low), Mar missing, Apr 100, May 0 (published empty → low)
        ("Gwent Police", "2024-01-01", 100), ("Gwent Police", "2024-02-01", 40),
        ("Gwent Police", "2024-04-01", 100), ("Gwent Police", "2024-05-01", 0),
        # Dyfed-Powys: 60 is exactly half of median 120 → ok (the rule is strictly fewer than half)
        ("Dyfed-Powys Police", "2024-01-01", 120), ("Dyfed-Powys Police", "2024-02-01", 60),
        ("Dyfed-Powys Police", "2024-03-01", 120), ("Dyfed-Powys Police", "2024-04-01", 120),
        ("Dyfed-Powys Police", "2024-05-01", 120),
    ]
    connection.executemany("INSERT INTO published_month VALUES ('street', ?, CAST(? AS DATE), 1, ?)", published)
    connection.execute("INSERT INTO published_month VALUES ('outcomes', 'Gwent Police', DATE '2024-01-01', 1, 5)")
    connection.execute("INSERT INTO partnership (partnership_code, partnership_name, force) VALUES ('X', 'Somewhere CSP', 'South Wales Police')")
    return connection


def _status(frame: pd.DataFrame, force: str) -> list[tuple[str, object, str]]:
    rows = frame[frame["force"] == force]
    return [(m.strftime("%Y-%m"), None if pd.isna(r) else int(r), s)
            for m, r, s in zip(rows["month"], rows["rows"], rows["status"], strict=True)]


def test_missing_low_and_ok_months_follow_the_rule(con: duckdb.DuckDBPyConnection) -> None:
    """Hand-worked statuses for Gwent and Dyfed-Powys."""
    frame = completeness(con)
    assert _status(frame, "Gwent Police") == [
        ("2024-01", 100, "ok"), ("2024-02", 40, "low"), ("2024-03", None, "missing"),
        ("2024-04", 100, "ok"), ("2024-05", 0, "low")]
    assert [s for *_, s in _status(frame, "Dyfed-Powys Police")] == ["ok"] * 5


def test_force_that_published_nothing_is_missing_every_month_not_zero(con: duckdb.DuckDBPyConnection) -> None:
    """A partnership's force with no files shows gaps, never zero crime."""
    rows = _status(completeness(con), "South Wales Police")
    assert rows == [(f"2024-0{m}", None, "missing") for m in range(1, 6)]


def test_other_sources_are_separate(con: duckdb.DuckDBPyConnection) -> None:
    """Outcomes completeness spans only the outcomes months."""
    frame = completeness(con, source="outcomes")
    assert sorted(set(frame["month"].dt.date)) == [date(2024, 1, 1)]
    assert list(frame.loc[frame["force"] == "Gwent Police", "status"]) == ["ok"]
    assert list(frame.loc[frame["force"] == "Dyfed-Powys Police", "status"]) == ["missing"]


def test_empty_store_gives_an_empty_frame_and_the_rule_is_stated() -> None:
    """No published months: no rows, and the rule text names its threshold."""
    connection = duckdb.connect()
    apply_schema(connection)
    frame = completeness(connection)
    assert frame.empty and list(frame.columns) == ["force", "month", "rows", "status"]
    assert "50%" in COMPLETENESS_RULE and "missing" in COMPLETENESS_RULE


def test_counts_and_summary_without_the_table(con: duckdb.DuckDBPyConnection) -> None:
    """The Data page's sentence counts the not-ok cells of the same grid: Gwent low Feb and May and missing Mar,
    South Wales missing all 5 months = 8 of 15 force-months, Jan to May 2024."""
    assert completeness_counts(con) == (date(2024, 1, 1), date(2024, 5, 1), 8, 15)
    frame = completeness(con)
    assert int((frame["status"] != "ok").sum()) == 8 and len(frame) == 15
    assert loads.completeness_summary(con) == ("8 force-months between Jan 2024 and May 2024 are missing or far "
                                               "below normal: they are shown as gaps, never as zero.")
    empty = duckdb.connect()
    apply_schema(empty)
    assert completeness_counts(empty) == (None, None, 0, 0)
    assert loads.completeness_summary(empty) == "No police.uk street data is loaded yet."
