"""Crime queries against a tiny hand-built store whose every figure can be worked out by hand.

The store: force "Test Police"; partnership P1 (LSOAs L1, L2 in ward W1; L3 in ward W2) and P2 (L4 in ward W3).
Residents: L1 1,000, L2 2,000, L3 unknown, L4 4,000. Street months Jan 2024 – Dec 2025 are published except
Mar 2025 (a gap). Each published month: Burglary in L1 2 (2024) or 3 (2025); ASB in L2 5; Violence in L3 1,
except 0 in Jun 2024 and 20 in Dec 2025; Burglary in L4 10.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cspdash.metrics import crime
from cspdash.metrics.period import Period, add_months
from cspdash.store.versions import Store

FORCE = "Test Police"
GAP = date(2025, 3, 1)
MONTHS = [add_months(date(2024, 1, 1), i) for i in range(24)]
PUBLISHED = [m for m in MONTHS if m != GAP]
PERIOD = Period(date(2025, 12, 1), 12)


def _violence(month: date) -> int:
    return {date(2024, 6, 1): 0, date(2025, 12, 1): 20}.get(month, 1)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """The tiny store described in the module docstring, read-only."""
    path: Path = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    with Store(path).write() as con:
        con.execute("INSERT INTO local_authority (la_code, la_name) VALUES ('A1', 'Alpha'), ('A2', 'Beta')")
        con.execute("INSERT INTO partnership (partnership_code, partnership_name, force) VALUES ('P1', 'Alpha', ?), ('P2', 'Beta', ?)", [FORCE, FORCE])
        con.execute("INSERT INTO partnership_la (partnership_code, la_code) VALUES ('P1', 'A1'), ('P2', 'A2')")
        con.execute("INSERT INTO ward (ward_code, ward_name, la_code) VALUES ('W1', 'Northside', 'A1'), ('W2', 'Southside', 'A1'), "
                    "('W3', 'Eastside', 'A2')")
        con.execute("INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, ward_code, la_code) VALUES "
                    "('L1', 'Alpha 001A', 2021, 'W1', 'A1'), ('L2', 'Alpha 001B', 2021, 'W1', 'A1'), "
                    "('L3', 'Alpha 002A', 2021, 'W2', 'A1'), ('L4', 'Beta 001A', 2021, 'W3', 'A2')")
        con.execute("INSERT INTO population (area_code, area_type, residents, households, source, year) VALUES ('L1', 'lsoa', 1000, 400, 'test', 2011), "
                    "('L2', 'lsoa', 2000, 800, 'test', 2011), ('L4', 'lsoa', 4000, 1600, 'test', 2011)")
        rows = []
        for month in PUBLISHED:
            rows += [(FORCE, month, "L1", "A1", "Burglary", 2 if month.year == 2024 else 3),
                     (FORCE, month, "L2", "A1", "Anti-social behaviour", 5),
                     (FORCE, month, "L4", "A2", "Burglary", 10)]
            if _violence(month):
                rows.append((FORCE, month, "L3", "A1", "Violence and sexual offences", _violence(month)))
        con.executemany("INSERT INTO agg_crime_month_lsoa (force, month, lsoa_code, la_code, crime_type, crimes) VALUES (?, ?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT INTO published_month (source, force, month, load_id, rows) VALUES ('street', ?, ?, 1, 100)", [(FORCE, m) for m in PUBLISHED])
        con.execute("INSERT INTO agg_outcome_month_la (force, crime_month, la_code, crime_type, outcome_group, crimes) VALUES "
                    "(?, '2025-01-01', 'A1', 'Burglary', 'Charged or summonsed', 1), "
                    "(?, '2025-01-01', 'A1', 'Burglary', 'No suspect identified', 3), "
                    "(?, '2025-02-01', 'A1', 'Violence and sexual offences', 'Still under investigation', 2)",
                    [FORCE, FORCE, FORCE])
        con.execute("INSERT INTO stop_search (load_id, force, month, object_of_search, outcome, "
                    "outcome_linked_to_object) VALUES "
                    "(1, ?, '2025-05-01', 'Controlled drugs', 'Arrest', true), "
                    "(1, ?, '2025-05-01', 'Controlled drugs', 'Arrest', true), "
                    "(1, ?, '2025-06-01', 'Controlled drugs', 'A no further action disposal', false), "
                    "(1, ?, '2025-06-01', 'Offensive weapons', 'A no further action disposal', NULL)",
                    [FORCE] * 4)
        con.execute("INSERT INTO priority (priority_id, partnership_code, title, lead_partner, crime_types) VALUES "
                    "('P1-1', 'P1', 'Serious violence', 'Police', 'Violence and sexual offences; Possession of weapons')")
        con.execute("INSERT INTO plan_event (event_id, partnership_code, priority_id, title, start_date, end_date, kind) VALUES ('E1', 'P1', 'P1-1', 'Knife amnesty', '2025-05-12', NULL, "
                    "'intervention'), ('E2', 'P1', NULL, 'Old campaign', '2023-01-01', '2023-02-01', 'campaign')")
    con = Store(path).connect_read()
    yield con
    con.close()


def test_headline_changes_count_the_two_windows(tiny: duckdb.DuckDBPyConnection) -> None:
    frame = crime.headline_changes(tiny, "P1", PERIOD, ("Violence and sexual offences",)).set_index("crime_type")
    # 2025 has 11 published months: burglary 33 + violence (10 × 1 + 20) = 63; 2024: 24 + 11 = 35
    assert frame.loc["All crime", ["current", "previous"]].tolist() == [63, 35]
    assert frame.loc["Anti-social behaviour", ["current", "previous"]].tolist() == [55, 60]
    assert frame.loc["Violence and sexual offences", ["current", "previous"]].tolist() == [30, 11]
    # March 2025 was not published: 11 of 12 months against 12 is no like-for-like comparison, so no verdict
    assert frame["verdict"].isna().all()
    assert frame.loc["All crime", "sentence"] == "up 80% — no verdict: only 11 of 12 months published"
    assert frame.loc["Anti-social behaviour", "sentence"] == "down 8% — no verdict: only 11 of 12 months published"
    # a year later both windows are whole: 2024 against 2025 (March 2025 still missing) → still no verdict;
    # with the year 2024 against 2023 (not loaded) there is nothing to compare either
    assert crime.headline_changes(tiny, "P1", Period(date(2024, 12, 1)))["verdict"].isna().all()


def test_priority_crime_types_come_from_the_plan(tiny: duckdb.DuckDBPyConnection) -> None:
    assert crime.priority_crime_types(tiny, "P1") == ["Possession of weapons", "Violence and sexual offences"]
    assert crime.priority_crime_types(tiny, "P2") == []


def test_unpublished_month_is_a_gap_and_quiet_month_is_zero(tiny: duckdb.DuckDBPyConnection) -> None:
    frame = crime.trend_series(tiny, "P1", FORCE, "partnership", (), "Violence and sexual offences",
                               date(2024, 1, 1), date(2025, 12, 1), "month").set_index("period")
    assert frame.loc[date(2024, 6, 1), "crimes"] == 0
    assert pd.isna(frame.loc[GAP, "crimes"])
    assert frame.loc[date(2025, 12, 1), "crimes"] == 20


def test_rates_use_only_areas_with_residents(tiny: duckdb.DuckDBPyConnection) -> None:
    frame = crime.trend_series(tiny, "P1", FORCE, "partnership", (), "All crime", date(2024, 1, 1),
                               date(2024, 12, 1), "month").set_index("period")
    # burglary 2 in L1 (residents known) + violence 1 in L3 (no residents): 2 per 3,000 residents of L1+L2
    assert frame.loc[date(2024, 1, 1), "crimes"] == 3
    assert frame.loc[date(2024, 1, 1), "rate"] == pytest.approx(2 * 1000 / 3000)
    assert crime.population_coverage(tiny, "P1") == {"lsoas": 3, "with_population": 2, "without_population": 1}


def test_quarters_and_financial_years_flag_incomplete_periods(tiny: duckdb.DuckDBPyConnection) -> None:
    quarters = crime.trend_series(tiny, "P1", FORCE, "partnership", (), "Burglary", date(2024, 1, 1),
                                  date(2025, 12, 1), "quarter").set_index("period_label")
    assert quarters.loc["2025 Q1", ["crimes", "months", "complete"]].tolist() == [6, 2, False]
    assert quarters.loc["2025 Q2", ["crimes", "complete", "last_year"]].tolist() == [9, True, 6]
    years = crime.trend_series(tiny, "P1", FORCE, "partnership", (), "Burglary", date(2024, 1, 1),
                               date(2025, 12, 1), "fy").set_index("period_label")
    # Apr 2024 – Mar 2025: 9 months × 2 + Jan, Feb 2025 × 3 (Mar missing)
    assert years.loc["2024/25", ["crimes", "months", "complete"]].tolist() == [24, 11, False]


def test_rolling_12_months_and_last_year(tiny: duckdb.DuckDBPyConnection) -> None:
    frame = crime.trend_series(tiny, "P1", FORCE, "partnership", (), "Burglary", date(2025, 1, 1),
                               date(2025, 12, 1), "month").set_index("period")
    assert frame.loc[date(2025, 1, 1), "rolling_12"] == 11 * 2 + 3
    assert frame.loc[date(2025, 1, 1), "last_year"] == 2
    assert pd.isna(frame.loc[date(2025, 12, 1), "rolling_12"])  # the window holds the gap: not a full year


def test_wards_side_by_side_and_force(tiny: duckdb.DuckDBPyConnection) -> None:
    wards = crime.trend_series(tiny, "P1", FORCE, "ward", ("W1", "W2"), "All crime", date(2024, 1, 1),
                               date(2024, 1, 1), "month")
    assert dict(zip(wards["area_name"], wards["crimes"], strict=True)) == {"Northside": 2, "Southside": 1}
    force = crime.trend_series(tiny, "P1", FORCE, "partnership", (), "Burglary", date(2024, 1, 1),
                               date(2024, 1, 1), "month", with_force=True).set_index("area_name")
    assert force.loc[FORCE, "crimes"] == 12
    assert force.loc[FORCE, "rate"] == pytest.approx(12 * 1000 / 7000)
    assert crime.largest_areas(tiny, "P1", "lsoa", "All crime", date(2024, 1, 1), date(2025, 12, 1), n=1) == ["L1"]


def test_ward_changes_rank_by_size_of_change(tiny: duckdb.DuckDBPyConnection) -> None:
    wards = crime.ward_changes(tiny, "P1", PERIOD)
    assert wards["ward_name"].tolist() == ["Southside", "Northside"]
    south = wards.iloc[0]
    assert (south["current"], south["previous"]) == (30, 11)
    assert south["verdict"] is None and south["sentence"] == "up 173% — no verdict: only 11 of 12 months published"


def test_ward_changes_with_equal_changes_are_ordered_by_ward_code(demo_store_path: Path) -> None:
    """Wards whose |z| ties (e.g. the same counts) come in ward-code order, however DuckDB returned the rows."""
    con = Store(demo_store_path).connect_read()
    try:
        checked = 0
        for months in (1, 3, 12):
            wards = crime.ward_changes(con, "W06000022", Period(end=date(2025, 6, 1), months=months), "Burglary")
            size = wards["z"].abs().round(12).tolist()
            assert size == sorted(size, reverse=True)
            for i in range(1, len(wards)):
                if size[i] == size[i - 1]:
                    assert wards["ward_code"].iloc[i - 1] < wards["ward_code"].iloc[i]
                    checked += 1
        assert checked > 0  # burglary in one month has many wards with equal counts: the tie rule was exercised
    finally:
        con.close()


def test_recent_signals_find_the_spike(tiny: duckdb.DuckDBPyConnection) -> None:
    found = crime.recent_signals(tiny, "P1", FORCE, date(2025, 12, 1))
    violence = found[(found["crime_type"] == "Violence and sexual offences") & (found["rule"] == "outside_limits")]
    assert violence["direction"].tolist() == ["up"]
    assert "December 2025" in violence["sentence"].iloc[0]
    assert "Anti-social behaviour" not in set(found["crime_type"])  # a flat 5 a month has no signal


def test_spc_break_point_recalculates_limits() -> None:
    months = [add_months(date(2024, 1, 1), i) for i in range(24)]
    values = [10, 12, 11, 13, 12, 11] * 2 + [30, 32, 31, 33, 32, 31] * 2
    result = crime.spc_for_series(months, values, break_month=date(2025, 1, 1))
    first, second = result.chart.iloc[0], result.chart.iloc[-1]
    # each year: mean 69/6 = 11.5 (31.5), moving ranges 2,1,2,1,1,1,2,1,2,1,1 → 15/11
    assert first["mean"] == pytest.approx(11.5)
    assert first["unpl"] == pytest.approx(11.5 + 2.66 * 15 / 11)
    assert second["mean"] == pytest.approx(31.5)
    assert result.break_month == date(2025, 1, 1)
    assert result.signals == []  # each level is stable within its own limits
    no_break = crime.spc_for_series(months, values)  # one set of limits: 21.5 ± 2.66 × (30 + 19)/23
    assert no_break.chart["unpl"].iloc[0] == pytest.approx(21.5 + 2.66 * 49 / 23)
    assert {s.rule for s in no_break.signals} >= {"run_of_7"}
    short = crime.spc_for_series(months[:10], [10, 12, 11, 13, 12, 30, 32, 31, 33, 32], break_month=date(2024, 6, 1))
    assert short.chart["unpl"].isna().all() and short.signals == []  # 5 months a level: too few for limits


def test_spc_drops_gaps() -> None:
    months = [add_months(date(2024, 1, 1), i) for i in range(4)]
    result = crime.spc_for_series(months, [5.0, float("nan"), 7.0, 6.0])
    assert result.chart["month"].tolist() == [months[0], months[2], months[3]]


def test_outcome_shares(tiny: duckdb.DuckDBPyConnection) -> None:
    by_type = crime.outcomes_by_crime_type(tiny, "P1", date(2025, 1, 1), date(2025, 12, 1))
    burglary = by_type[by_type["crime_type"] == "Burglary"].set_index("outcome_group")["share"]
    assert burglary.to_dict() == {"Charged or summonsed": 25.0, "No suspect identified": 75.0}
    by_month = crime.outcomes_by_month(tiny, "P1", "All crime", date(2025, 1, 1), date(2025, 2, 1))
    assert by_month.groupby("month")["share"].sum().tolist() == [100.0, 100.0]
    assert "25% were charged" in crime.outcome_sentence(by_type[by_type["crime_type"] == "Burglary"], "crimes", "2025")


def test_stop_search_summaries(tiny: duckdb.DuckDBPyConnection) -> None:
    assert crime.stop_search_rows(tiny, FORCE, date(2025, 1, 1), date(2025, 12, 1)) == 4
    assert crime.stop_search_rows(tiny, "Other Police", date(2025, 1, 1), date(2025, 12, 1)) == 0
    linked = crime.stop_search_linked(tiny, FORCE, date(2025, 1, 1), date(2025, 12, 1)).set_index("object_of_search")
    assert linked.loc["Controlled drugs", ["searches", "linked"]].tolist() == [3, 2]
    assert linked.loc["Controlled drugs", "share_linked"] == pytest.approx(200 / 3)
    assert pd.isna(linked.loc["Offensive weapons", "share_linked"])  # link not recorded: no share, not 0%
    by_object = crime.stop_search_by_object(tiny, FORCE, date(2025, 1, 1), date(2025, 12, 1))
    assert int(by_object["searches"].sum()) == 4


def test_plan_events_overlapping_the_window(tiny: duckdb.DuckDBPyConnection) -> None:
    events = crime.plan_events(tiny, "P1", date(2024, 1, 1), date(2025, 12, 1))
    assert events["title"].tolist() == ["Knife amnesty"]
    assert events["priority"].tolist() == ["Serious violence"]


def test_freshness_names_the_gap(tiny: duckdb.DuckDBPyConnection) -> None:
    fresh = crime.freshness(tiny, FORCE)
    assert fresh.latest_month == date(2025, 12, 1)
    assert (GAP, "missing") in fresh.incomplete
    assert fresh.sentence.startswith("Police.uk data to Dec 2025")


def test_trend_sentence_states_latest_and_year_before(tiny: duckdb.DuckDBPyConnection) -> None:
    frame = crime.trend_series(tiny, "P1", FORCE, "partnership", (), "Burglary", date(2025, 1, 1),
                               date(2025, 12, 1), "month")
    sentence = crime.trend_sentence(frame, "crimes", "Burglary", "crimes")
    assert sentence.startswith("Burglary: Alpha 3 crimes in Dec 2025 (up 50% on a year before)")


def test_recent_signals_equal_one_chart_per_crime_type(tiny: duckdb.DuckDBPyConnection) -> None:
    """The overview's signal scan gives what drawing each crime type's own chart from area_monthly gives."""
    from cspdash.vocab import CRIME_TYPES

    end = date(2025, 12, 1)
    months = crime.month_range(add_months(end, -35), end)
    published = set(crime.published_months(tiny, FORCE))
    expected = []
    for crime_type in ("All crime", *CRIME_TYPES):
        monthly = crime.area_monthly(tiny, "P1", "partnership", crime.crime_types_for(crime_type), months[0], end)
        counts = dict(zip(monthly["month"], monthly["crimes"], strict=True))
        values = [float(counts.get(m, 0)) if m in published else math.nan for m in months]
        result = crime.spc_for_series(months, values)
        expected += [(crime_type, s.rule, s.direction, s.sentence) for s in result.signals
                     if result.chart["month"].iloc[s.end_index] >= add_months(end, -2)]
    found = crime.recent_signals(tiny, "P1", FORCE, end)
    assert list(found[["crime_type", "rule", "direction", "sentence"]].itertuples(index=False, name=None)) == expected
    assert len(expected) >= 2  # the December spike in violence, and so in all crime


@pytest.mark.parametrize(("level", "area"), [("partnership", "P1"), ("ward", "W1"), ("lsoa", "L3")])
def test_spc_series_counts_are_the_area_monthly_counts(tiny: duckdb.DuckDBPyConnection, level: str,
                                                        area: str) -> None:
    """The SPC chart's points are the area's monthly counts, with the unpublished month left out."""
    start, end = date(2024, 1, 1), date(2025, 12, 1)
    result = crime.spc_series(tiny, "P1", FORCE, level, area, "All crime", start, end)
    areas = () if level == "partnership" else (area,)
    monthly = crime.area_monthly(tiny, "P1", level, crime.crime_types_for("All crime"), start, end, areas)
    counts = monthly.groupby("month")["crimes"].sum()
    assert list(result.chart["month"]) == PUBLISHED
    assert result.chart["value"].tolist() == [float(counts.get(m, 0)) for m in PUBLISHED]


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[list[object]]:
    """The frame's rows as plain lists, NaN and NA as None (so hand-written lists compare)."""
    return [[None if pd.isna(v) else v for v in row] for row in frame[columns].itertuples(index=False, name=None)]


def test_trend_series_lsoas_side_by_side_by_hand(tiny: duckdb.DuckDBPyConnection) -> None:
    """L1 (1,000 residents): burglary 2 a month in 2024, 3 in 2025. L3 (no residents): violence 1 a month, 0 in
    Jun 2024. Mar 2025 is not published: a gap (no count, incomplete), and a 12-month window holding it is blank."""
    frame = crime.trend_series(tiny, "P1", FORCE, "lsoa", ("L1", "L3"), "All crime", date(2025, 1, 1),
                               date(2025, 4, 1), "month", False)
    columns = ["area_code", "period_label", "months", "crimes", "complete", "rate", "last_year", "rolling_12"]
    assert _rows(frame, columns) == [
        ["L1", "Jan 2025", 1, 3, True, 3.0, 2, 11 * 2 + 3],      # Feb–Dec 2024 at 2, Jan 2025 at 3
        ["L1", "Feb 2025", 1, 3, True, 3.0, 2, 10 * 2 + 2 * 3],
        ["L1", "Mar 2025", 0, None, False, None, 2, None],
        ["L1", "Apr 2025", 1, 3, True, 3.0, 2, None],            # its 12 months hold the gap
        ["L3", "Jan 2025", 1, 1, True, None, 1, 10 + 1],         # Feb–Dec 2024 less Jun, plus Jan 2025
        ["L3", "Feb 2025", 1, 1, True, None, 1, 11],
        ["L3", "Mar 2025", 0, None, False, None, 1, None],
        ["L3", "Apr 2025", 1, 1, True, None, 1, None],
    ]
    assert frame["crimes_with_population"].tolist()[4] == 0  # L3's crimes have no residents to be a rate of


def test_trend_series_ward_quarters_by_hand(tiny: duckdb.DuckDBPyConnection) -> None:
    """W2 (L3 only): violence by quarter. 2025 Q1 has Jan and Feb (Mar is the gap); Q2 2024 had Jun at 0;
    Dec 2025 is the spike of 20."""
    frame = crime.trend_series(tiny, "P1", FORCE, "ward", (), "Violence and sexual offences", date(2024, 1, 1),
                               date(2025, 12, 1), "quarter", False)
    w2 = frame[frame["area_code"] == "W2"]
    assert _rows(w2, ["period_label", "months", "crimes", "complete", "last_year"])[-4:] == [
        ["2025 Q1", 2, 2, False, 3], ["2025 Q2", 3, 3, True, 2], ["2025 Q3", 3, 3, True, 3],
        ["2025 Q4", 3, 1 + 1 + 20, True, 3]]


def test_trend_series_against_the_force_by_hand(tiny: duckdb.DuckDBPyConnection) -> None:
    """ASB: 5 a month in L2. P1's residents are L1 + L2 (L3 unknown) = 3,000; the force's add L4: 7,000."""
    frame = crime.trend_series(tiny, "P1", FORCE, "partnership", (), "Anti-social behaviour", date(2025, 1, 1),
                               date(2025, 2, 1), "month", True)
    rows = _rows(frame, ["area_code", "residents", "crimes", "rate", "rolling_12", "rolling_12_rate"])
    assert rows[0][:3] == ["P1", 3000, 5] and rows[2][:3] == [FORCE, 7000, 5]
    assert rows[0][3] == pytest.approx(5 * 1000 / 3000) and rows[0][4:] == [60, pytest.approx(60 * 1000 / 3000)]
    assert rows[2][3] == pytest.approx(5 * 1000 / 7000) and rows[2][5] == pytest.approx(60 * 1000 / 7000)


def test_freshness_reads_only_its_forces_months(tmp_path: Path) -> None:
    """completeness(force=…) gives that force's rows of the all-forces table, so the banner is unchanged."""
    from cspdash.store.completeness import completeness

    months = [add_months(date(2024, 1, 1), i) for i in range(12)]
    with Store(tmp_path / "two.duckdb").write() as con:
        rows = [("street", "A", m, 1, 100) for m in months if m != date(2024, 5, 1)]
        rows += [("street", "B", m, 1, 10 if m == date(2024, 8, 1) else 200) for m in months[2:]]
        con.executemany("INSERT INTO published_month (source, force, month, load_id, rows) VALUES (?, ?, ?, ?, ?)",
                        rows)
    con = Store(tmp_path / "two.duckdb").connect_read()
    try:
        every = completeness(con)
        for force in ("A", "B"):
            own = completeness(con, force=force)
            pd.testing.assert_frame_equal(own, every[every["force"] == force].reset_index(drop=True))
        assert crime.freshness(con, "A").incomplete == ((date(2024, 5, 1), "missing"),)
        assert crime.freshness(con, "B").incomplete == (
            (date(2024, 1, 1), "missing"), (date(2024, 2, 1), "missing"), (date(2024, 8, 1), "low"))
    finally:
        con.close()


def test_outcome_shares_equal_a_groupby_and_sort() -> None:
    """Shares and order of the outcome tables equal pandas' groupby share and two-key sort."""
    import numpy as np

    from cspdash.vocab import OUTCOME_GROUPS

    rng = np.random.default_rng(2)
    groups = [*OUTCOME_GROUPS, "Something new"]
    frame = pd.DataFrame({
        "crime_type": rng.choice(["Burglary", "Robbery", "Drugs", "Anti-social behaviour"], 60),
        "outcome_group": rng.choice(groups, 60), "crimes": rng.integers(1, 500, 60)})
    frame = frame.drop_duplicates(["crime_type", "outcome_group"]).reset_index(drop=True)
    expected = frame.assign(share=100.0 * frame["crimes"] / frame.groupby("crime_type")["crimes"].transform("sum"))
    order = {g: i for i, g in enumerate(OUTCOME_GROUPS)}
    expected["_order"] = expected["outcome_group"].map(order).fillna(len(order))
    expected = expected.sort_values(["crime_type", "_order"], kind="stable").drop(columns="_order")
    pd.testing.assert_frame_equal(crime._with_share(frame, "crime_type"), expected.reset_index(drop=True))


def test_freshness_is_kept_per_store_version(tmp_path: Path) -> None:
    """A version's freshness is read once; the next version (a new file) is read afresh; equal to a fresh read."""
    store = Store(tmp_path / "kept.duckdb")
    with store.write() as con:
        con.executemany("INSERT INTO published_month (source, force, month, load_id, rows) VALUES (?, ?, ?, ?, ?)",
                        [("street", "A", add_months(date(2024, 1, 1), i), 1, 100) for i in range(6) if i != 2])
    first = store.connect_read()
    try:
        assert crime.freshness(first, "A") == crime.freshness.__wrapped__(first, "A")
        assert crime.freshness(first, "A").incomplete == ((date(2024, 3, 1), "missing"),)
        assert crime.freshness.holds(first, "A")
    finally:
        first.close()
    with store.write() as con:
        con.execute("INSERT INTO published_month (source, force, month, load_id, rows) VALUES ('street', 'A', ?, 2, 100)",
                    [date(2024, 3, 1)])
    second = store.connect_read()
    try:
        assert crime.freshness(second, "A").incomplete == ()
    finally:
        second.close()
    memory = duckdb.connect()
    memory.execute(f"ATTACH '{store.current_version()}' AS kept (READ_ONLY)")
    memory.execute("COPY FROM DATABASE kept TO memory")
    memory.execute("DETACH kept")
    before = len(crime.freshness)
    assert crime.freshness(memory, "A").incomplete == ()
    assert len(crime.freshness) == before
    memory.close()
