"""Rates never print alike when they differ."""

from __future__ import annotations

import math

import pytest

from cspdash.metrics.rates import rate_decimals, rate_texts


@pytest.mark.parametrize(("values", "expected"), [
    ([0.204, 0.236], ["0.20", "0.24"]),  # the failure: monthly rates 0.2 vs 0.2 beside +3% and +15%
    ([12.34, 56.78], ["12.3", "56.8"]),  # one decimal is enough
    ([12.34, 12.31], ["12.34", "12.31"]),
    ([0.0412, 0.0413], ["0.0412", "0.0413"]),
    ([0.5, None, math.nan], ["0.50", "n/a", "n/a"]),
    ([1234.5], ["1,234.5"]),
    ([0.0, 0.0], ["0.0", "0.0"]),
])
def test_rate_texts(values: list[float | None], expected: list[str]) -> None:
    assert rate_texts(values) == expected


def test_different_rates_never_print_alike() -> None:
    values = [0.2 * (1 + k / 1000) for k in range(0, 60, 7)]
    texts = rate_texts(values)
    assert len(set(texts)) == len(values)
    assert rate_decimals([5.0, 5.0]) == 1  # equal rates stay equal


def test_trend_sentence_rates_differ_when_their_changes_differ() -> None:
    # two areas at 0.206 and 0.236 a month (up 3% and 15% on a year before) printed 0.2 and 0.2 before;
    # 0.2052 (a year before) and 0.206 would both be 0.21, so three decimals
    from datetime import date

    import pandas as pd

    from cspdash.metrics.crime import trend_sentence

    june = date(2025, 6, 1)
    frame = pd.DataFrame({
        "area_name": ["Newport", "Newport", "Torfaen", "Torfaen"],
        "period": [date(2024, 6, 1), june, date(2024, 6, 1), june],
        "period_label": ["Jun 2024", "Jun 2025", "Jun 2024", "Jun 2025"],
        "complete": [True] * 4,
        "rate": [0.2, 0.206, 0.2052, 0.236],
        "last_year_rate": [None, 0.2, None, 0.2052],
    })
    sentence = trend_sentence(frame, "rate", "Burglary", "per 1,000 residents")
    assert "Newport 0.206 per 1,000 residents in Jun 2025 (up 3% on a year before)" in sentence
    assert "Torfaen 0.236 per 1,000 residents in Jun 2025 (up 15% on a year before)" in sentence


def test_trend_sentence_puts_the_rate_beside_the_count() -> None:
    from datetime import date

    import pandas as pd

    from cspdash.metrics.crime import trend_sentence

    frame = pd.DataFrame({
        "area_name": ["Newport", "Torfaen"], "period": [date(2025, 6, 1)] * 2, "period_label": ["Jun 2025"] * 2,
        "complete": [True, True], "crimes": [30, 19], "last_year": [None, None], "rate": [0.206, 0.2052],
    })
    sentence = trend_sentence(frame, "crimes", "Burglary", "crimes")
    assert "Newport 30 crimes in Jun 2025, 0.206 per 1,000 residents" in sentence
    assert "Torfaen 19 crimes in Jun 2025, 0.205 per 1,000 residents" in sentence


def test_floating_point_noise_is_not_a_difference() -> None:
    """A similar group of one member, pooled, equals that member's rate but for the last bit: one decimal, not six
    (the side-by-side bars printed 118.3062 and 85.6105)."""
    member = 15063 * 1000 / 175948
    pooled = (15063 * 1000.0) / 175948.0 + 1e-14
    assert member != pooled
    assert rate_texts([118.30618729, member, pooled, 120.28580397]) == ["118.3", "85.6", "85.6", "120.3"]
