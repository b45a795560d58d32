"""A store holding two years of population: counts are not multiplied, and rates use the latest year."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from cspdash.metrics import crime
from cspdash.metrics.catalogue import measure
from cspdash.store.versions import Store

FORCE = "Test Police"
MONTH = date(2025, 1, 1)


@pytest.fixture(scope="module")
def two_years(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """Two LSOAs in one ward; L1 has residents for 2011 (1,000) and 2021 (1,500), L2 for 2021 only (500)."""
    path: Path = tmp_path_factory.mktemp("pop") / "pop.duckdb"
    with Store(path).write() as con:
        con.execute("INSERT INTO local_authority (la_code, la_name) VALUES ('A1', 'Alpha')")
        con.execute("INSERT INTO partnership (partnership_code, partnership_name, force) VALUES ('P1', 'Alpha', ?)",
                    [FORCE])
        con.execute("INSERT INTO partnership_la (partnership_code, la_code) VALUES ('P1', 'A1')")
        con.execute("INSERT INTO ward (ward_code, ward_name, la_code) VALUES ('W1', 'Northside', 'A1')")
        con.execute("INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, ward_code, la_code) VALUES "
                    "('L1', 'Alpha 001A', 2021, 'W1', 'A1'), ('L2', 'Alpha 001B', 2021, 'W1', 'A1')")
        con.execute("INSERT INTO population (area_code, area_type, residents, households, source, year) VALUES "
                    "('L1', 'lsoa', 1000, 400, 'census', 2011), ('L1', 'lsoa', 1500, 600, 'census', 2021), "
                    "('L2', 'lsoa', 500, 200, 'census', 2021)")
        con.execute("INSERT INTO agg_crime_month_lsoa (force, month, lsoa_code, la_code, crime_type, crimes) VALUES "
                    "(?, ?, 'L1', 'A1', 'Burglary', 6), (?, ?, 'L2', 'A1', 'Burglary', 4)",
                    [FORCE, MONTH, FORCE, MONTH])
        con.execute("INSERT INTO published_month (source, force, month, load_id, rows) VALUES ('street', ?, ?, 1, 10)",
                    [FORCE, MONTH])
    con = Store(path).connect_read()
    yield con
    con.close()


@pytest.mark.parametrize("level", ["partnership", "ward", "lsoa"])
def test_area_counts_are_counted_once_with_the_latest_residents(two_years: duckdb.DuckDBPyConnection,
                                                                level: str) -> None:
    frame = crime.area_monthly(two_years, "P1", level, ("Burglary",), MONTH, MONTH)
    assert int(frame["crimes"].sum()) == 10          # 6 + 4, not 6 × 2 years + 4
    assert int(frame["crimes_with_population"].sum()) == 10
    if level == "lsoa":
        assert dict(zip(frame["area_code"], frame["residents"], strict=True)) == {"L1": 1500, "L2": 500}
    else:
        assert frame["residents"].tolist() == [2000]  # 1,500 (2021, not 2011 + 2021) + 500


def test_the_rate_measure_uses_the_latest_year(two_years: duckdb.DuckDBPyConnection) -> None:
    series = measure("crime_rate").monthly(two_years, "P1", str(MONTH), str(MONTH), ("Burglary",))
    assert series["value"].iloc[0] == pytest.approx(10 * 1000 / 2000)  # 5.0 per 1,000


def test_force_figures_and_coverage(two_years: duckdb.DuckDBPyConnection) -> None:
    force = crime.force_monthly(two_years, FORCE, ("Burglary",), MONTH, MONTH)
    assert (int(force["crimes"].iloc[0]), int(force["residents"].iloc[0])) == (10, 2000)
    assert crime.population_coverage(two_years, "P1") == {"lsoas": 2, "with_population": 2, "without_population": 0}
