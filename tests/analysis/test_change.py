"""Poisson two-count comparison against hand-worked z scores."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cspdash.analysis.change import classify_z, compare_counts, compare_frame


def test_worked_example_1234_vs_1132_is_a_possible_change() -> None:
    result = compare_counts(1234, 1132)
    # √1234 = 35.12834, √1132 = 33.64521 → z = 2 × 1.48313 = 2.96626
    assert result.z == pytest.approx(2.96626, abs=1e-5)
    assert result.pct_change == pytest.approx(102 / 1132 * 100)
    assert result.verdict == "possible"
    assert result.direction == "up"
    assert result.sentence == "up 9% (1,234 vs 1,132) — possible change"


@pytest.mark.parametrize(
    ("current", "previous", "z", "verdict", "direction", "sentence"),
    [
        (100, 100, 0.0, "noise", "flat", "no change (100 vs 100) — within normal variation"),
        (110, 100, 2 * (math.sqrt(110) - 10), "noise", "up", "up 10% (110 vs 100) — within normal variation"),
        (121, 100, 2.0, "possible", "up", "up 21% (121 vs 100) — possible change"),  # |z| = 2 is possible
        (16, 6.25, 3.0, "possible", "up", "up 156% (16 vs 6.2) — possible change"),  # |z| = 3 is still possible
        (169, 100, 6.0, "significant", "up", "up 69% (169 vs 100) — real change"),
        (64, 100, -4.0, "significant", "down", "down 36% (64 vs 100) — real change"),
        (0, 4, -4.0, "significant", "down", "down 100% (0 vs 4) — real change"),
        (3, 2, 2 * (math.sqrt(3) - math.sqrt(2)), "noise", "up", "up 50% (3 vs 2) — within normal variation"),
    ],
)
def test_compare_counts_table(
    current: float, previous: float, z: float, verdict: str, direction: str, sentence: str
) -> None:
    result = compare_counts(current, previous)
    assert result.z == pytest.approx(z)
    assert result.verdict == verdict
    assert result.direction == direction
    assert result.sentence == sentence


def test_previous_zero_is_new_not_infinite() -> None:
    result = compare_counts(5, 0)
    assert result.pct_change is None
    assert result.z == pytest.approx(2 * math.sqrt(5))  # 4.47: a real change
    assert result.verdict == "significant"
    assert result.sentence == "new: 0 → 5 — real change"
    small = compare_counts(1, 0)
    assert small.z == pytest.approx(2.0) and small.verdict == "possible"
    both_zero = compare_counts(0, 0)
    assert both_zero.pct_change is None and both_zero.direction == "flat" and both_zero.verdict == "noise"


def test_negative_counts_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        compare_counts(-1, 3)


@pytest.mark.parametrize(("z", "verdict"), [(3.0001, "significant"), (-3.5, "significant"), (3.0, "possible"),
                                            (-2.0, "possible"), (1.999, "noise"), (0.0, "noise")])
def test_classify_z_boundaries(z: float, verdict: str) -> None:
    assert classify_z(z) == verdict


def test_compare_frame_matches_scalar_version() -> None:
    df = pd.DataFrame({"area": list("abcde"), "now": [169, 64, 5, 100, 0], "before": [100, 100, 0, 100, 0]})
    out = compare_frame(df, "now", "before")
    assert list(out.columns[:3]) == ["area", "now", "before"]
    np.testing.assert_allclose(out["z"], [6.0, -4.0, 2 * math.sqrt(5), 0.0, 0.0])
    assert out["verdict"].tolist() == ["significant", "significant", "significant", "noise", "noise"]
    assert out["direction"].tolist() == ["up", "down", "up", "flat", "flat"]
    assert out["pct_change"].iloc[0] == pytest.approx(69.0)
    assert np.isnan(out["pct_change"].iloc[2]) and np.isnan(out["pct_change"].iloc[4])
    assert "z" not in df.columns  # input untouched
    for row in out.itertuples():
        assert compare_counts(row.now, row.before).verdict == row.verdict


def _compare_frame_by_columns(df: pd.DataFrame, current_col: str, previous_col: str) -> pd.DataFrame:
    """compare_frame as it was at commit 1e0ef70: a copy of df with the four columns set one by one."""
    current = df[current_col].astype(float).to_numpy()
    previous = df[previous_col].astype(float).to_numpy()
    out = df.copy()
    z = 2.0 * (np.sqrt(current) - np.sqrt(previous))
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(previous > 0, 100.0 * (current - previous) / previous, np.nan)
    verdict = np.full(len(z), "noise", dtype=object)
    verdict[np.abs(z) >= 2.0] = "possible"
    verdict[np.abs(z) > 3.0] = "significant"
    direction = np.full(len(z), "flat", dtype=object)
    direction[current > previous] = "up"
    direction[current < previous] = "down"
    verdict[np.isnan(z)] = None
    direction[np.isnan(z)] = None
    out["z"] = z
    out["pct_change"] = pct
    out["verdict"] = pd.Series(verdict, index=df.index, dtype=object)
    out["direction"] = pd.Series(direction, index=df.index, dtype=object)
    return out


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"area": pd.Series(list("abcde"), dtype="str"), "now": [169, 64, 5, 100, 0],
                  "before": [100, 100, 0, 100, 0]}),
    pd.DataFrame({"area": list("abc"), "now": [1.0, np.nan, 4.0], "before": [0, 2, 4]}, index=[7, 3, 5]),
    pd.DataFrame({"area": pd.Series([], dtype=object), "now": pd.Series([], dtype="int64"),
                  "before": pd.Series([], dtype="int64")}),
    pd.DataFrame({"now": [4, 9], "before": [9, 4], "z": ["old", "old"]}),          # a column it replaces
    pd.DataFrame({"now": [4, 9], "before": [9, 4]}, index=[1, 1]),                  # repeated index labels
    pd.DataFrame({"now": pd.array([4, None], dtype="Int64"), "before": [1, 1]}),    # a missing count
])
def test_compare_frame_equals_setting_the_columns_one_by_one(frame: pd.DataFrame) -> None:
    before = frame.copy()
    out = compare_frame(frame, "now", "before")
    pd.testing.assert_frame_equal(out, _compare_frame_by_columns(frame, "now", "before"), check_exact=True)
    if len(out):
        out.loc[out.index[0], "now"] = -1  # the result is a copy: changing it leaves the input alone
    pd.testing.assert_frame_equal(frame, before)
