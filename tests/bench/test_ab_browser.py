"""The A/B browser benchmark's ratios to the strict floor, against values worked by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from ab_browser import against_floor  # noqa: E402


def test_each_round_is_paired_with_the_floor_visit_of_the_same_round() -> None:
    # 2.4/2.0 = 1.2, 3.3/3.0 = 1.1, 2.6/2.0 = 1.3 → median 1.2; fastest 2.4 over the floor's fastest 2.0 = 1.2
    got = against_floor([2.4, 3.3, 2.6], [2.0, 3.0, 2.0])
    assert got["rounds"] == [pytest.approx(1.2), pytest.approx(1.1), pytest.approx(1.3)]
    assert got["median"] == pytest.approx(1.2)
    assert got["fastest"] == pytest.approx(1.2)


def test_the_fastest_visits_are_compared_whatever_their_rounds() -> None:
    # fastest variant visit 1.5 (round 2), fastest floor visit 1.2 (round 1): 1.25, not either round's ratio
    got = against_floor([1.8, 1.5], [1.2, 1.6])
    assert got["fastest"] == pytest.approx(1.25)
    assert got["median"] == pytest.approx((1.5 + 1.5 / 1.6) / 2)


def test_a_variant_needs_as_many_visits_as_the_floor() -> None:
    with pytest.raises(ValueError):
        against_floor([1.0, 2.0], [1.0])
