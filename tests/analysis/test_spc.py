"""XmR chart limits and signal rules against hand-worked series (Wheeler's method)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from cspdash.analysis.spc import RULES, signals, xmr


def rules_fired(values: Sequence[float], **kwargs: object) -> list[tuple[str, int, int, str]]:
    """(rule, start, end, direction) for every signal on the chart of values."""
    chart = xmr(values, **kwargs)  # type: ignore[arg-type]
    return [(s.rule, s.start_index, s.end_index, s.direction) for s in signals(chart)]


NO_SIGNAL = [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 11, 13]


def test_limits_hand_worked_no_signal_series() -> None:
    chart = xmr(NO_SIGNAL)
    # mean = (10+12+11+13) × 3 / 12 = 138 / 12 = 11.5
    # moving ranges 2,1,2,3,2,1,2,3,2,1,2 → sum 21 over 11 ranges → mR̄ = 1.90909
    avg_mr = 21 / 11
    assert chart["mean"].tolist() == [11.5] * 12
    assert chart["avg_mr"].iloc[0] == pytest.approx(1.90909, abs=1e-5)
    assert np.isnan(chart["mr"].iloc[0])
    assert chart["mr"].iloc[1:].tolist() == [2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2]
    assert chart["unpl"].iloc[0] == pytest.approx(11.5 + 2.66 * avg_mr)  # 16.578
    assert chart["unpl"].iloc[0] == pytest.approx(16.578, abs=1e-3)
    assert chart["lnpl"].iloc[0] == pytest.approx(6.422, abs=1e-3)
    assert chart["upper_near"].iloc[0] == pytest.approx(11.5 + 2 / 3 * 2.66 * avg_mr)
    assert rules_fired(NO_SIGNAL) == []
    assert not chart["any_signal"].any()


OUTSIDE = [20, 22, 19, 21, 20, 23, 21, 19, 22, 20, 40, 21]


def test_point_outside_limits_fires_only_there() -> None:
    chart = xmr(OUTSIDE)
    # mean = 268 / 12 = 22.333; moving ranges 2,3,2,1,3,2,2,3,2,20,19 → 59/11 = 5.3636
    # UNPL = 22.333 + 2.66 × 5.3636 = 36.601; LNPL = 8.066
    assert chart["mean"].iloc[0] == pytest.approx(268 / 12)
    assert chart["unpl"].iloc[0] == pytest.approx(268 / 12 + 2.66 * 59 / 11)
    assert chart["unpl"].iloc[0] == pytest.approx(36.601, abs=1e-3)
    assert chart["lnpl"].iloc[0] == pytest.approx(8.066, abs=1e-3)
    assert chart.index[chart["outside_limits"]].tolist() == [10]
    assert rules_fired(OUTSIDE) == [("outside_limits", 10, 10, "up")]
    months = [f"2024-{m:02d}" for m in range(4, 13)] + ["2025-01", "2025-02", "2025-03"]
    (signal,) = signals(chart, dates=months)
    assert signal.sentence == "February 2025 is above the upper process limit (40 > 36.6): an unusual month."


def test_point_below_lower_limit() -> None:
    values = [50, 52, 49, 51, 50, 53, 51, 49, 52, 50, 30, 51]
    # mean = 588/12 = 49; ranges 2,3,2,1,3,2,2,3,2,20,21 → 61/11; LNPL = 49 − 2.66 × 61/11 = 34.249
    chart = xmr(values)
    assert chart["lnpl"].iloc[0] == pytest.approx(49 - 2.66 * 61 / 11)
    assert rules_fired(values) == [("outside_limits", 10, 10, "down")]
    assert "below the lower process limit (30 < 34.2)" in signals(chart)[0].sentence


RUN = [12, 9, 13, 10, 12, 15, 14, 16, 15, 17, 14, 16, 13, 9, 12]


def test_run_of_seven_above_mean_flags_the_whole_run() -> None:
    chart = xmr(RUN)
    # mean = 197 / 15 = 13.133: points 5–11 (15,14,16,15,17,14,16) are all above it, point 12 (13) is below
    assert chart["mean"].iloc[0] == pytest.approx(197 / 15)
    assert chart.index[chart["run_of_7"]].tolist() == [5, 6, 7, 8, 9, 10, 11]
    assert rules_fired(RUN) == [("run_of_7", 5, 11, "up")]
    sentence = signals(chart)[0].sentence
    assert sentence == "7 points in a row, point 6 to point 12, are above the average (13.1): a sustained shift, not chance."


def test_run_of_six_does_not_fire() -> None:
    values = RUN[:11] + [12, 13, 9, 12]  # point 11 drops below: only 6 above in a row
    assert all(rule != "run_of_7" for rule, *_ in rules_fired(values))


def test_point_on_the_mean_breaks_a_run() -> None:
    # mean = 180/18 = 10 exactly; the 10 at index 8 sits on the mean between 3 and 6 points above it
    on_mean = [8, 9, 8, 9, 8, 11, 12, 11, 10, 11, 12, 11, 12, 11, 12, 8, 8, 9]
    assert xmr(on_mean)["mean"].iloc[0] == 10
    assert rules_fired(on_mean) == []
    above = [8, 9, 8, 9, 8, 11, 12, 11, 11, 11, 12, 11, 12, 11, 12, 8, 7, 9]  # same mean, 11 instead
    assert xmr(above)["mean"].iloc[0] == 10
    assert rules_fired(above) == [("run_of_7", 5, 14, "up")]


TREND = [14, 12, 15, 13, 14, 10, 11, 12, 13, 14, 15, 12, 14, 13]


def test_trend_of_six_rising_points() -> None:
    chart = xmr(TREND)
    # points 5–10 are 10,11,12,13,14,15: six points, five successive increases
    assert chart["mean"].iloc[0] == 13  # 182 / 14
    assert chart.index[chart["trend_of_6"]].tolist() == [5, 6, 7, 8, 9, 10]
    assert rules_fired(TREND) == [("trend_of_6", 5, 10, "up")]
    assert signals(chart)[0].sentence == ("6 points in a row, point 6 to point 11, each higher than the one before "
                                          "(10 rising to 15): a steady trend, not chance.")


def test_five_rises_or_a_repeat_value_is_not_a_trend() -> None:
    five_points = TREND[:10] + [12, 12, 14, 13]  # 10,11,12,13,14 then a fall: only 5 points
    assert all(rule != "trend_of_6" for rule, *_ in rules_fired(five_points))
    repeat = [14, 12, 15, 13, 14, 10, 11, 12, 12, 13, 14, 12, 14, 13]  # 12 repeated breaks it
    assert all(rule != "trend_of_6" for rule, *_ in rules_fired(repeat))


def test_falling_trend() -> None:
    values = [14, 16, 13, 15, 14, 18, 17, 16, 15, 14, 13, 12, 15, 14]
    assert ("trend_of_6", 5, 11, "down") in rules_fired(values)


NEAR = [20, 21, 19, 20, 22, 20, 19, 21, 20, 22, 21, 19, 20, 21, 20, 27, 20, 27, 20, 21]


def test_two_of_three_near_upper_limit() -> None:
    chart = xmr(NEAR)
    # mean = 420/20 = 21; moving ranges sum to 49 over 19 → mR̄ = 2.5789
    # UNPL = 21 + 2.66 × 49/19 = 27.86; 2/3 line = 21 + 2/3 × 6.86 = 25.573
    assert chart["mean"].iloc[0] == 21
    assert chart["unpl"].iloc[0] == pytest.approx(27.86)
    assert chart["upper_near"].iloc[0] == pytest.approx(21 + 2 / 3 * 6.86)
    assert not chart["outside_limits"].any()  # 27 < 27.86
    assert chart.index[chart["two_of_three_near_limit"]].tolist() == [15, 17]
    assert rules_fired(NEAR) == [("two_of_three_near_limit", 15, 17, "up")]


def test_two_near_points_three_apart_do_not_fire() -> None:
    values = NEAR[:16] + [20, 20, 27, 21]  # 27 at 15 and 18: never 2 in any 3 consecutive
    assert rules_fired(values) == []


def test_lower_limit_floored_at_zero_for_counts() -> None:
    values = [1, 0, 3, 0, 2, 5, 0, 1, 2, 0]
    # mean 1.4, mR̄ = 21/9 = 2.333 → 1.4 − 6.21 < 0 (10 points: limits allowed from 2 for the arithmetic)
    chart = xmr(values, min_points=2)
    assert chart["lnpl"].tolist() == [0.0] * 10
    assert chart["lower_near"].iloc[0] == pytest.approx(1.4 - 2 / 3 * 2.66 * 21 / 9)
    assert xmr(values, floor_at_zero=False, min_points=2)["lnpl"].iloc[0] == pytest.approx(1.4 - 2.66 * 21 / 9)


STEP = [10, 12, 11, 9, 10, 12, 11, 9, 20, 22, 21, 19, 20, 22, 21, 19]


def test_break_point_recomputes_limits_per_segment() -> None:
    # one segment: mean 248/16 = 15.5, mR̄ = (11 + 11 + 11)/15 = 2.2 → runs below then above, and outside points
    whole = rules_fired(STEP)
    assert ("run_of_7", 0, 7, "down") in whole and ("run_of_7", 8, 15, "up") in whole
    assert ("outside_limits", 9, 9, "up") in whole
    assert xmr(STEP, break_points=[8])["unpl"].isna().all()  # 8 months a segment: too few for limits
    chart = xmr(STEP, break_points=[8], min_points=8)
    assert chart["segment"].tolist() == [0] * 8 + [1] * 8
    assert chart["mean"].iloc[0] == 10.5 and chart["mean"].iloc[8] == 20.5  # 84/8 and 164/8
    assert np.isnan(chart["mr"].iloc[8])  # no moving range across the break
    assert chart["avg_mr"].iloc[0] == pytest.approx(11 / 7)
    assert chart["unpl"].iloc[8] == pytest.approx(20.5 + 2.66 * 11 / 7)
    assert rules_fired(STEP, break_points=[8], min_points=8) == []


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="break points"):
        xmr([1, 2, 3], break_points=[5])
    with pytest.raises(ValueError, match="missing"):
        xmr([1.0, float("nan"), 3.0])
    with pytest.raises(ValueError, match="dates"):
        signals(xmr(OUTSIDE), dates=["2024-01"])


def test_every_rule_has_a_flag_column() -> None:
    chart = xmr(NO_SIGNAL)
    assert set(RULES) <= set(chart.columns)


def test_series_signals_match_the_chart_signals_on_random_series() -> None:
    """The chart-free path used to scan many series gives exactly the signals of xmr() + signals()."""
    from datetime import date

    from cspdash.analysis.spc import series_signals

    rng = np.random.default_rng(7)
    months = [date(2020 + i // 12, i % 12 + 1, 1) for i in range(40)]
    fired = 0
    for trial in range(400):
        n = int(rng.integers(2, 40))
        values = rng.poisson(20, n).astype(float) + np.round(np.arange(n) * rng.normal(0, 1.5))
        values = np.maximum(values, 0)
        breaks = [int(rng.integers(1, n))] if trial % 3 == 0 else []
        dates = months[:n] if trial % 2 else None
        expected = signals(xmr(values, break_points=breaks), dates=dates)
        assert series_signals(values, breaks, dates) == expected
        fired += len(expected)
    assert fired > 100  # the series exercise the rules, not only quiet charts
