"""Every measure is declared completely and runs on the demo store; the crime measures match hand counts."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from cspdash.metrics.catalogue import MEASURES, format_value, measure

NEWPORT = "W06000022"
START, END = date(2024, 7, 1), date(2025, 6, 1)
FORMATS = {"count", "rate", "percent", "money", "days"}


@pytest.mark.parametrize("name", sorted(MEASURES))
def test_measure_is_complete_and_runs(name: str, demo_con: duckdb.DuckDBPyConnection) -> None:
    m = MEASURES[name]
    assert m.name == name and m.label and m.unit and m.description and m.dimensions
    assert m.fmt in FORMATS
    frame = m.monthly(demo_con, NEWPORT, str(START), str(END))
    assert list(frame.columns) == ["period", "value"]
    if name.startswith("stop_search"):  # the demo ships no stop-and-search files: an empty series, not zeros
        assert demo_con.execute("SELECT count(*) FROM stop_search").fetchone() == (0,)
        assert frame.empty
        return
    assert len(frame) >= 1
    assert m.format(float(frame["value"].iloc[-1])) != "n/a"


def test_crimes_measure_equals_raw_rows(demo_con: duckdb.DuckDBPyConnection) -> None:
    series = measure("crimes").monthly(demo_con, NEWPORT, str(START), str(END), ("Burglary",))
    raw = demo_con.execute(
        "SELECT count(*) FROM crimes WHERE lsoa_name LIKE 'Newport %' AND crime_type = 'Burglary' "
        "AND month BETWEEN ? AND ?", [START, END]).fetchone()
    assert len(series) == 12
    assert int(series["value"].sum()) == raw[0]  # type: ignore[index]


def test_crime_rate_counts_only_areas_with_population(demo_con: duckdb.DuckDBPyConnection) -> None:
    series = measure("crime_rate").monthly(demo_con, NEWPORT, str(END), str(END))
    crimes, residents = demo_con.execute(
        """
        WITH pop AS (SELECT p.area_code, p.residents FROM population p JOIN areas a ON a.lsoa_code = p.area_code
                     WHERE a.partnership_code = ? AND p.residents > 0)
        SELECT (SELECT count(*) FROM crimes c JOIN pop ON pop.area_code = c.lsoa_code WHERE c.month = ?),
               (SELECT sum(residents) FROM pop)
        """, [NEWPORT, END]).fetchone()  # type: ignore[misc]
    assert series["value"].iloc[0] == pytest.approx(crimes * 1000 / residents)
    assert 100_000 < residents < 200_000  # Newport's 2011 census population is about 146,000


@pytest.mark.parametrize(("value", "fmt", "text"), [
    (1234, "count", "1,234"), (12.345, "rate", "12.3"), (45.4, "percent", "45%"), (12500, "money", "£12,500"),
    (3.2, "days", "3 days"), (None, "count", "n/a"), (float("nan"), "rate", "n/a"),
])
def test_format_value(value: float | None, fmt: str, text: str) -> None:
    assert format_value(value, fmt) == text
