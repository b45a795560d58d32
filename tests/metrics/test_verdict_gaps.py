"""Gaps and incomplete windows: never a zero for an unpublished month, never a verdict on a part-published window,
never a moving range or process limits across a gap (each failure found in issue 17)."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pytest

from cspdash.charts.trends import xmr_figure
from cspdash.metrics import crime
from cspdash.metrics import hotspots as hs
from cspdash.metrics.period import Period, add_months

NEWPORT = "W06000022"
CITY_CENTRE = "W01001687"  # Newport 014D: the demo's first published month is July 2022


def test_three_months_years_apart_get_points_and_no_limits() -> None:
    calendar = [add_months(date(2019, 1, 1), i) for i in range(63)]
    counts = [np.nan] * 63
    for month, value in ((date(2019, 1, 1), 5.0), (date(2021, 6, 1), 40.0), (date(2024, 3, 1), 7.0)):
        counts[calendar.index(month)] = value
    result = crime.spc_for_series(calendar, counts)
    assert result.chart["value"].tolist() == [5.0, 40.0, 7.0]
    assert result.chart["unpl"].isna().all() and result.chart["mean"].isna().all()
    assert np.isnan(result.chart["mr"]).all()  # no moving range across years
    assert result.signals == []
    assert result.limits_note == ("No process limits: process limits need at least 12 consecutive published months "
                                  "and the longest run is 1 month (2 gaps where police.uk published nothing). The "
                                  "months are shown without limits or signals.")
    assert crime.spc_sentence(result, "Burglary").startswith("Burglary: no process limits")


def test_one_missing_month_in_the_middle_breaks_the_moving_range_not_the_limits() -> None:
    # 12 months alternating 10, 12 (mR 2), a month not published, then 12 months alternating 20, 22 (mR 2).
    # Limits from both runs: mean (132 + 252) / 24 = 16, mR̄ = 22 × 2 / 22 = 2 (the jump 12 → 20 across the gap
    # is not a moving range: with it mR̄ would be (44 + 8) / 23 = 2.26), UNPL = 16 + 2.66 × 2 = 21.32
    calendar = [add_months(date(2023, 1, 1), i) for i in range(25)]
    counts = [10.0, 12.0] * 6 + [np.nan] + [20.0, 22.0] * 6
    result = crime.spc_for_series(calendar, counts)
    chart = result.chart
    assert len(chart) == 24 and date(2024, 1, 1) not in set(chart["month"])
    assert np.isnan(chart["mr"].iloc[12])  # February 2024 follows December 2023: no moving range
    assert chart["avg_mr"].iloc[0] == pytest.approx(2.0)
    assert chart["mean"].iloc[0] == pytest.approx(16.0)
    assert chart["unpl"].iloc[0] == pytest.approx(21.32)
    assert result.limits_note == ""
    # the chart's line stops at the gap: a None between December 2023 and February 2024
    line = xmr_figure(chart, "t", "Crimes").data[0]
    xs = list(line.x)
    assert xs[12] is None and xs[11] == date(2023, 12, 1) and xs[13] == date(2024, 2, 1)


def test_limits_need_twelve_consecutive_months() -> None:
    calendar = [add_months(date(2024, 1, 1), i) for i in range(11)]
    result = crime.spc_for_series(calendar, [10.0, 12.0, 11.0, 30.0, 10.0, 12.0, 11.0, 9.0, 10.0, 12.0, 11.0])
    assert result.chart["unpl"].isna().all() and result.signals == []
    assert "longest run is 11 months" in result.limits_note


def test_an_incomplete_window_gives_counts_and_no_verdict(demo_con: duckdb.DuckDBPyConnection) -> None:
    # the demo starts in July 2022: the year before January–December 2023 has only 6 of its 12 months
    frame = crime.headline_changes(demo_con, NEWPORT, Period(date(2023, 12, 1)))
    assert frame["verdict"].isna().all()
    assert set(frame["published"]) == {"only 6 of 12 months published"}
    assert all(s.endswith("— no verdict: only 6 of 12 months published") for s in frame["sentence"])
    assert (frame["current"] > 0).all() and (frame["previous"] > 0).all()  # the counts are still shown
    wards = crime.ward_changes(demo_con, NEWPORT, Period(date(2023, 12, 1)))
    assert wards["verdict"].isna().all()
    spots = hs.area_measures(demo_con, NEWPORT, "lsoa", date(2023, 1, 1), date(2023, 12, 1), date(2022, 1, 1),
                             date(2022, 12, 1))
    assert set(spots["verdict_label"]) == {"no verdict"} and set(spots["published"]) == {"only 6 of 12 months published"}
    # a complete pair of windows does get verdicts
    assert crime.headline_changes(demo_con, NEWPORT, Period(date(2025, 6, 1)))["verdict"].notna().all()


def test_hot_spot_drilldown_never_fills_an_unpublished_month_with_zero(demo_con: duckdb.DuckDBPyConnection) -> None:
    monthly = hs.area_monthly(demo_con, NEWPORT, "lsoa", CITY_CENTRE, date(2022, 1, 1), date(2022, 12, 1))
    assert monthly["crimes"].iloc[:6].isna().all()  # January–June 2022: not published
    assert (monthly["crimes"].iloc[6:] > 0).all()
    drill = hs.area_drilldown(demo_con, NEWPORT, "lsoa", CITY_CENTRE, date(2022, 1, 1), date(2024, 7, 1),
                              date(2025, 6, 1), date(2023, 7, 1), date(2024, 6, 1))
    assert drill.monthly["crimes"].iloc[:6].isna().all()
    result = crime.spc_for_series([m.date() for m in drill.monthly["month"]], drill.monthly["crimes"].tolist())
    assert len(result.chart) == len(drill.monthly) - 6  # the unpublished months are left out, not zeros
