"""Every SPC rule's sentence, each direction, in the middle of a series and touching its end, as it reads."""

from __future__ import annotations

from datetime import date

import pytest

from cspdash.analysis.spc import gap_starts, series_signals, signals, xmr
from cspdash.metrics.period import add_months

NEAR = [20, 21, 19, 20, 22, 20, 19, 21, 20, 22, 21, 19, 20, 21, 20, 27, 20, 27, 20, 21]


def months(n: int) -> list[date]:
    return [add_months(date(2024, 1, 1), i) for i in range(n)]


CASES = [
    # (series, rule, direction, sentence)
    ([20, 22, 19, 21, 20, 23, 21, 19, 22, 20, 40, 21], "outside_limits", "up",
     "November 2024 is above the upper process limit (40 > 36.6): an unusual month."),
    # mean 268/12 = 22.33, mR̄ = 40/11 = 3.64 → upper limit 22.33 + 2.66 × 3.64 = 32.0
    ([20, 22, 19, 21, 20, 23, 21, 19, 22, 20, 21, 40], "outside_limits", "up",
     "December 2024 (the latest) is above the upper process limit (40 > 32.0): an unusual month."),
    ([50, 52, 49, 51, 50, 53, 51, 49, 52, 50, 30, 51], "outside_limits", "down",
     "November 2024 is below the lower process limit (30 < 34.2): an unusual month."),
    ([12, 9, 13, 10, 12, 15, 14, 16, 15, 17, 14, 16, 13, 9, 12], "run_of_7", "up",
     "7 months in a row, June 2024 to December 2024, are above the average (13.1): a sustained shift, not chance."),
    ([15, 16, 14, 15, 17, 16, 15, 11, 12, 11, 10, 12, 11, 10], "run_of_7", "down",
     "7 months in a row, August 2024 to February 2025, are below the average (13.2): a sustained shift, not chance, "
     "still going on in the latest month."),
    ([14, 12, 15, 13, 14, 10, 11, 12, 13, 14, 15, 12, 14, 13], "trend_of_6", "up",
     "6 months in a row, June 2024 to November 2024, each higher than the one before (10 rising to 15): a steady "
     "trend, not chance."),
    ([14, 16, 13, 15, 14, 13, 15, 14, 18, 17, 16, 15, 14, 13], "trend_of_6", "down",
     "6 months in a row, September 2024 to February 2025, each lower than the one before (18 falling to 13): a "
     "steady trend, not chance, still going on in the latest month."),
    (NEAR, "two_of_three_near_limit", "up",
     "April 2025 and June 2025 are close to the upper process limit (above 25.6): 2 of 3 months in a row near the "
     "same limit, an early warning of change."),
    ([42 - v for v in NEAR], "two_of_three_near_limit", "down",
     "April 2025 and June 2025 are close to the lower process limit (below 16.4): 2 of 3 months in a row near the "
     "same limit, an early warning of change."),
    (NEAR[:17] + [27, 20, 27], "two_of_three_near_limit", "up",
     "3 months from April 2025 to August 2025 are close to the upper process limit (above 26.4), each within 3 "
     "months of another: an early warning of change, including the latest month."),
]


@pytest.mark.parametrize(("values", "rule", "direction", "sentence"), CASES)
def test_signal_sentence_reads_right(values: list[float], rule: str, direction: str, sentence: str) -> None:
    found = [s for s in signals(xmr(values), dates=months(len(values))) if s.rule == rule and s.direction == direction]
    assert [s.sentence for s in found] == [sentence]
    assert series_signals(values, dates=months(len(values))) == signals(xmr(values), dates=months(len(values)))


def test_runs_and_trends_never_cross_an_unpublished_month() -> None:
    # 7 months above the average (points 8–14), but the month after the 4th of them was never published
    values = [10, 11, 10, 11, 10, 11, 10, 11, 15, 16, 15, 16, 15, 16, 15, 10, 11, 10, 11, 10, 11]
    dates = months(len(values) + 1)
    dates = dates[:12] + dates[13:]  # the 13th month was never published
    assert gap_starts(dates) == [12]
    assert ("run_of_7", "up", 8, 14) in [(s.rule, s.direction, s.start_index, s.end_index)
                                         for s in series_signals(values, dates=months(len(values)))]
    assert not any(s.rule == "run_of_7" and s.direction == "up" for s in series_signals(values, dates=dates))
