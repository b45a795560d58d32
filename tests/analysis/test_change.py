"""The change test against hand-worked values: √2 scaling, dispersion, exact small counts, incomplete windows."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cspdash.analysis.change import (
    POISSON,
    Dispersion,
    classify_p,
    compare_counts,
    compare_frame,
    series_dispersion,
    window_series,
)
from cspdash.metrics.period import add_months

END = date(2025, 6, 1)
MONTHS_24 = [add_months(END, -23 + i) for i in range(24)]


def test_root_difference_has_sd_root_two_so_1234_vs_1132_is_not_a_real_change() -> None:
    result = compare_counts(1234, 1132, POISSON)
    # the old rule: 2(√1234 − √1132) = 2 × (35.12834 − 33.64521) = 2.96626, called "possible", nearly "real";
    # its standard deviation is √2 under a Poisson model, so on the unit scale it is 2.96626 / √2 = 2.0974
    old = 2 * (math.sqrt(1234) - math.sqrt(1132))
    assert old == pytest.approx(2.96626, abs=1e-5)
    assert result.z == pytest.approx(old / math.sqrt(2), abs=0.03)
    # exact: 1234 of 2366 under Binomial(2366, ½) (normal check: (1234 − ½ − 1183) / √591.5 = 2.0764)
    assert result.p_value == pytest.approx(stats.binomtest(1234, 2366, 0.5).pvalue, rel=1e-6)
    assert result.p_value == pytest.approx(0.0379, abs=0.0005)
    assert result.verdict == "noise"
    assert result.sentence == "up 9% (1,234 vs 1,132) — within normal variation"


@pytest.mark.parametrize(
    ("current", "previous", "p_value", "verdict"),
    [
        (10, 0, 2 / 2**10, "significant"),   # 2 × ½¹⁰ = 0.00195 < 0.002
        (9, 0, 2 / 2**9, "possible"),        # 0.0039
        (8, 0, 2 / 2**8, "possible"),        # 0.0078
        (0, 8, 2 / 2**8, "possible"),
        (5, 0, 2 / 2**5, "noise"),           # 0.0625
        (3, 2, 1.0, "noise"),                # 2 × P(X ≥ 3 | n=5) = 2 × 16/32 = 1
        (6, 1, 2 * 8 / 128, "noise"),        # 2 × P(X ≥ 6 | n=7) = 2 × (7 + 1)/128 = 0.125
        (0, 0, 1.0, "noise"),
    ],
)
def test_small_counts_are_judged_exactly(current: int, previous: int, p_value: float, verdict: str) -> None:
    result = compare_counts(current, previous, POISSON)
    assert result.p_value == pytest.approx(p_value)
    assert result.verdict == verdict


def test_dispersion_divides_the_counts_before_the_exact_test() -> None:
    # φ = 2: 8 vs 0 weighs as 4 vs 0 → p = 2 × ½⁴ = 0.125, within normal variation (0.0078 without it)
    assert compare_counts(8, 0, Dispersion(2.0, 0)).p_value == pytest.approx(0.125)
    assert compare_counts(8, 0, Dispersion(2.0, 0)).verdict == "noise"
    # φ = 4: 1,300 vs 1,100 weighs as 325 vs 275 → the exact test on those (p ≈ 0.045): within normal variation;
    # as a Poisson count it is a real change (z ≈ 4.06)
    spread = compare_counts(1300, 1100, Dispersion(4.0, 0))
    assert spread.p_value == pytest.approx(stats.binomtest(325, 600, 0.5).pvalue, rel=1e-6)
    assert spread.verdict == "noise"
    assert compare_counts(1300, 1100, POISSON).verdict == "significant"
    assert compare_counts(1300, 1100, POISSON).z == pytest.approx((1300 - 1200 - 0.5) / math.sqrt(600), abs=0.02)


def test_an_estimated_dispersion_widens_the_test_by_a_t_distribution() -> None:
    exact = compare_counts(1400, 1000, Dispersion(1.0, 0))
    estimated = compare_counts(1400, 1000, Dispersion(1.0, 11.0))
    assert estimated.z == pytest.approx(exact.z)
    assert estimated.p_value == pytest.approx(2 * stats.t.sf(abs(exact.z), 11))
    assert estimated.p_value > exact.p_value


def test_dispersion_hand_worked_from_a_two_year_table() -> None:
    # older year: 10 every month; newer year: 10, 30, 10, 30, … Fit: a level per year × a factor per month of year.
    # Row totals 120 and 240, column totals 20 or 40, grand total 360: expected (c/3, 2c/3).
    # A 20-column: (10 − 6.667)²/6.667 + (10 − 13.333)²/13.333 = 1.6667 + 0.8333 = 2.5
    # A 40-column: (10 − 13.333)²/13.333 + (30 − 26.667)²/26.667 = 0.8333 + 0.4167 = 1.25
    # χ² = 6 × 2.5 + 6 × 1.25 = 22.5 on 24 − (2 + 12 − 1) = 11 degrees of freedom → φ = 2.04545
    values = [10.0] * 12 + [10.0, 30.0] * 6
    dispersion = series_dispersion(values, MONTHS_24, END)
    assert dispersion.phi == pytest.approx(22.5 / 11)
    assert 0 < dispersion.df <= 11


def test_a_series_that_only_moves_with_the_seasons_and_the_year_is_poisson_not_less() -> None:
    season = [8, 9, 10, 12, 14, 15, 15, 14, 12, 10, 9, 8]
    values = [float(v) for v in season] + [2.0 * v for v in season]  # a perfect fit: χ² = 0
    assert series_dispersion(values, MONTHS_24, END).phi == 1.0  # never below 1


def test_too_few_months_give_no_verdict() -> None:
    months = [date(2019, 1, 1), date(2021, 6, 1), date(2024, 3, 1)]
    dispersion = series_dispersion([5.0, 40.0, 7.0], months, date(2024, 3, 1))
    assert math.isnan(dispersion.df)
    assert compare_counts(100, 10, dispersion).verdict is None


def test_an_incomplete_window_gives_counts_and_no_verdict() -> None:
    rng = np.random.default_rng(3)
    grid = rng.poisson(50, size=(1, 24)).astype(float)
    grid[0, 3] = np.nan  # one month of the previous year not published
    grid[0, 0] = np.nan
    series = window_series(grid, MONTHS_24, add_months(END, -11), END, add_months(END, -23), add_months(END, -12))
    assert (series.current_published, series.previous_published) == (12, 10)
    assert series.published_text == "only 10 of 12 months published"
    result = compare_counts(float(series.current[0]), float(series.previous[0]),
                            Dispersion(float(series.phi[0]), float(series.df[0])), complete=series.complete,
                            months_published=10)
    assert result.verdict is None
    assert result.sentence.endswith("— no verdict: only 10 of 12 months published")
    assert series.previous[0] == np.nansum(grid[0, :12])


def test_seasonal_share_for_adjacent_short_windows() -> None:
    # 3 winter months against the 3 autumn months before: a seasonal rise is expected, not a change
    season = np.array([12, 10, 9, 8, 8, 9, 10, 11, 12, 14, 16, 18], dtype=float)  # Jul..Jun
    grid = np.tile(season, 3)[None, :] * 10
    months = [add_months(END, -35 + i) for i in range(36)]
    series = window_series(grid, months, add_months(END, -2), END, add_months(END, -5), add_months(END, -3))
    # Apr–Jun (140, 160, 180 a month) against Jan–Mar (100, 110, 120):
    # the share the seasons expect is 480 / (480 + 330)
    expected = (140 + 160 + 180) / (140 + 160 + 180 + 100 + 110 + 120)
    assert series.expected_share[0] == pytest.approx(expected)
    judged = compare_frame(pd.DataFrame({"current": series.current, "previous": series.previous}), "current",
                           "previous", series.phi, series.df, series.complete, series.expected_share)
    assert judged["verdict"].iloc[0] == "noise"  # +45% on the months before, exactly the seasonal pattern


@pytest.mark.parametrize(("p_value", "verdict"), [(0.0019, "significant"), (0.002, "possible"),
                                                  (0.0199, "possible"), (0.02, "noise"), (0.5, "noise")])
def test_thresholds(p_value: float, verdict: str) -> None:
    assert classify_p(p_value) == verdict


def test_previous_zero_is_new_not_infinite() -> None:
    result = compare_counts(12, 0, POISSON)
    assert result.pct_change is None
    assert result.sentence == "new: 0 → 12 — real change"


def test_negative_counts_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        compare_counts(-1, 3)


def test_compare_frame_matches_the_scalar_version() -> None:
    df = pd.DataFrame({"area": list("abcde"), "now": [1300, 64, 12, 100, 0], "before": [1100, 100, 0, 100, 0]})
    phi = np.array([4.0, 1.0, 1.0, 2.0, 1.0])
    dof = np.array([11.0, 20.0, 0.0, 8.0, 11.0])
    out = compare_frame(df, "now", "before", phi, dof)
    assert list(out.columns[:3]) == ["area", "now", "before"]
    for row, p, d in zip(out.itertuples(), phi, dof, strict=True):
        scalar = compare_counts(row.now, row.before, Dispersion(p, d))
        assert row.z == pytest.approx(scalar.z) and row.p_value == pytest.approx(scalar.p_value)
        assert row.verdict == scalar.verdict and row.direction == scalar.direction
    assert np.isnan(out["pct_change"].iloc[2])
    assert "z" not in df.columns  # input untouched
    missing = compare_frame(pd.DataFrame({"now": [5.0], "before": [np.nan]}), "now", "before")
    assert missing["verdict"].iloc[0] is None and missing["direction"].iloc[0] is None
