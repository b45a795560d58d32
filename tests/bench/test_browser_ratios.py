"""The browser benchmark's round-by-round ratios, against values worked by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_browser import round_ratios  # noqa: E402


def test_round_ratios_pair_each_visit_with_the_bare_visit_next_to_it() -> None:
    # rounds: 4.4/4.0 = 1.1, 3.0/2.5 = 1.2, 5.2/4.0 = 1.3, 2.0/2.0 = 1.0 → sorted 1.0, 1.1, 1.2, 1.3
    got = round_ratios([4.4, 3.0, 5.2, 2.0], [4.0, 2.5, 4.0, 2.0])
    assert got["rounds"] == 4
    assert got["median"] == pytest.approx(1.15)
    assert (got["min"], got["max"]) == (pytest.approx(1.0), pytest.approx(1.3))
    # inclusive quartiles of 1.0, 1.1, 1.2, 1.3: positions 1.75 and 3.25 (1-based) → 1.075 and 1.225
    assert got["q1"] == pytest.approx(1.075)
    assert got["q3"] == pytest.approx(1.225)
    # not the ratio of medians (which is 3.7 / 3.25 = 1.138...): the pairing is what is measured
    assert got["median"] != pytest.approx(3.7 / 3.25)


def test_round_ratios_need_as_many_bare_visits_as_dashboard_visits() -> None:
    with pytest.raises(ValueError):
        round_ratios([1.0, 2.0], [1.0])
