"""Public output: the Community Trigger counts by quarter. With the cases shown '<5', a median of '51.5' days said
an even number had been resolved (and with two cases, their days' sum): the median goes where the cases or the
resolved ones are 1–4."""

from __future__ import annotations

from datetime import date

import pandas as pd

from cspdash.metrics.meeting import trigger_counts_by_quarter


def _cases(days: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"case_id": [f"C{i}" for i in range(len(days))], "quarter": "2024-25 Q1",
                         "kind": "Community Trigger", "threshold_met": True,
                         "resolved_date": [date(2024, 6, 1)] * len(days), "days_to_resolve": days})


def test_no_median_beside_a_small_count_in_public_output() -> None:
    plain = trigger_counts_by_quarter(_cases([50, 53]))
    assert plain["median_days_to_resolve"].iat[0] == 51.5  # hand-worked: (50 + 53) / 2
    shown = trigger_counts_by_quarter(_cases([50, 53]), public=True)
    assert shown["median_days_to_resolve"].isna().all()
    many = trigger_counts_by_quarter(_cases([10, 20, 30, 40, 50, 60]), public=True)
    assert many["median_days_to_resolve"].iat[0] == 35.0
