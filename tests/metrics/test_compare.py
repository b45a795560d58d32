"""Comparison queries on the Gwent demo store, checked against the raw rows and by hand."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from cspdash.metrics import compare
from cspdash.metrics.period import Period

NEWPORT, MONMOUTHSHIRE = "W06000022", "W06000021"
PERIOD = Period(date(2025, 6, 1))


def test_rates_equal_raw_rows_over_residents(demo_con: duckdb.DuckDBPyConnection) -> None:
    # independent: raw street rows of the year in Newport's LSOAs that have a population, over their residents
    crimes, residents = demo_con.execute(
        """
        WITH pop AS (SELECT area_code, arg_max(residents, year) AS residents FROM population
                     WHERE area_type = 'lsoa' GROUP BY area_code),
             mine AS (SELECT a.lsoa_code, p.residents FROM areas a JOIN pop p ON p.area_code = a.lsoa_code
                      WHERE a.partnership_code = ? AND p.residents > 0)
        SELECT (SELECT count(*) FROM crimes c JOIN mine USING (lsoa_code)
                WHERE c.month BETWEEN ? AND ? AND c.crime_type = 'Burglary'),
               (SELECT sum(residents) FROM mine)
        """, [NEWPORT, PERIOD.start, PERIOD.end]).fetchone()
    rates = compare.partnership_rates(demo_con, PERIOD.start, PERIOD.end)
    row = rates[(rates["partnership_code"] == NEWPORT) & (rates["crime_type"] == "Burglary")].iloc[0]
    assert row["crimes_with_population"] == crimes and row["residents"] == residents
    assert row["rate"] == pytest.approx(crimes * 1000 / residents)
    assert row["months"] == 12


def test_comparison_ranks_the_five_gwent_partnerships(demo_con: duckdb.DuckDBPyConnection) -> None:
    result = compare.comparison(demo_con, NEWPORT, PERIOD, "All crime")
    table = result.table.sort_values("rank")
    assert result.funnel.units == 5 and len(table) == 5
    assert list(table["rank"]) == [1, 2, 3, 4, 5]
    assert list(table["quartile"]) == [1, 2, 3, 4, 4]  # ceil(rank / 5 × 4)
    # the force rate pools all five: every crime counted over every resident
    assert result.force_rate == pytest.approx(1000 * table["crimes_with_population"].sum() / table["residents"].sum())
    assert result.force_rate == pytest.approx(result.funnel.target * 1000)
    assert result.own is not None and int(result.own["rank"]) == 2  # Blaenau Gwent (120.3) is first
    assert "rank 2 of 5 partnerships loaded" in result.sentence
    assert "the limits are wide" in result.sentence  # fewer than 10 partnerships


def test_similar_group_names_unloaded_forces(demo_con: duckdb.DuckDBPyConnection) -> None:
    assert compare.profile_codes(demo_con)[NEWPORT] == "W14000022"  # matched by its council
    result = compare.comparison(demo_con, NEWPORT, PERIOD, "All crime")
    assert len(result.similar) == 15
    assert list(result.similar.loc[result.similar["loaded"], "similar_name"]) == ["Caerphilly"]
    assert "Gwent" not in result.missing_forces and "Humberside" in result.missing_forces
    assert result.group_rate == pytest.approx(float(result.similar.loc[result.similar["loaded"], "rate"].iloc[0]))
    assert "with fewer than 5 loaded there is no verdict against the similar group" in result.similar_sentence


def test_by_crime_type_agrees_with_the_single_comparison(demo_con: duckdb.DuckDBPyConnection) -> None:
    table = compare.by_crime_type(demo_con, NEWPORT, PERIOD).set_index("crime_type")
    for crime_type in ("All crime", "Shoplifting", "Anti-social behaviour"):
        single = compare.comparison(demo_con, NEWPORT, PERIOD, crime_type)
        assert single.own is not None
        assert table.at[crime_type, "rate"] == pytest.approx(single.own["rate"])
        assert table.at[crime_type, "rank"] == single.own["rank"]
        assert table.at[crime_type, "verdict"] == single.verdict
        assert table.at[crime_type, "force_rate"] == pytest.approx(single.force_rate)
    rates = compare.headline_rates(demo_con, NEWPORT, PERIOD, ("All crime",))
    assert rates["All crime"][0] == pytest.approx(table.at["All crime", "rate"])


@pytest.fixture()
def without_monmouthshire_population(demo_store_path: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A copy of the demo store in which Monmouthshire's LSOAs have no population figure."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_store_path.resolve(), copy)
    con = duckdb.connect(str(copy))
    con.execute("DELETE FROM population WHERE area_code IN (SELECT lsoa_code FROM areas WHERE partnership_code = ?)",
                [MONMOUTHSHIRE])
    yield con
    con.close()


def test_partnership_with_no_population(without_monmouthshire_population: duckdb.DuckDBPyConnection) -> None:
    con = without_monmouthshire_population
    result = compare.comparison(con, MONMOUTHSHIRE, PERIOD, "All crime")
    assert result.own is None
    assert result.sentence == ("Monmouthshire's recorded crime (excluding ASB) rate cannot be compared: no verdict: "
                               "Monmouthshire has no population figure, so it has no rate to compare.")
    # the four others remain: too few for a funnel verdict, and the sentence says so
    newport = compare.comparison(con, NEWPORT, PERIOD, "All crime")
    assert newport.funnel.units == 4
    assert newport.verdict == ("no verdict: only 4 areas to compare, and a funnel needs at least 5 to judge how "
                               "much areas normally differ")
    assert newport.sentence.endswith("; " + newport.verdict + ".")
    assert compare.headline_rates(con, MONMOUTHSHIRE, PERIOD, ("All crime",)) == {"All crime": (None, None)}
    table = compare.by_crime_type(con, MONMOUTHSHIRE, PERIOD)
    assert table["rate"].isna().all() and (table["position"] == "no_verdict").all()


def test_rate_trend_against_force_and_group(demo_con: duckdb.DuckDBPyConnection) -> None:
    trend = compare.rate_trend(demo_con, NEWPORT, date(2024, 7, 1), PERIOD.end, "All crime")
    assert list(dict.fromkeys(trend["area_name"])) == ["Newport", "Gwent Police (whole force)",
                                                       "Similar partnerships loaded (1)"]
    assert trend.groupby("area_name").size().eq(12).all()
    # the twelve monthly Newport rates add up to the year's rate (same residents every month)
    newport = trend[trend["area_name"] == "Newport"]
    year = compare.comparison(demo_con, NEWPORT, PERIOD, "All crime")
    assert newport["rate"].sum() == pytest.approx(float(year.own["rate"]))  # type: ignore[index]
    force = trend[trend["area_name"] == "Gwent Police (whole force)"]
    assert force["crimes"].sum() * 1000 / force["residents"].iloc[0] == pytest.approx(year.force_rate)
    # the force's counts and residents are its offered partnerships' (each area once: the shipped partnership a
    # declared one stands for is not added again)
    rates = compare.partnership_rates(demo_con, date(2024, 7, 1), PERIOD.end)
    gwent = rates[(rates["force"] == "Gwent Police") & (rates["crime_type"] == "All crime")]
    assert len(gwent) == 5
    assert force["crimes"].sum() == gwent["crimes_with_population"].sum()
    assert force["residents"].iloc[0] == gwent["residents"].sum()
