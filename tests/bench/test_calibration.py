"""The change test's false-alarm rate on simulated stable series (seeded, so the same every run) is within target;
the old rule (|2(√a − √b)| > 3) is not. And bench/bench_calibration.py runs end to end in its --quick mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import bench_calibration as calibration  # noqa: E402


@pytest.mark.parametrize(("mean", "dispersion"), [(5, 1), (100, 4), (2000, 15), (2, 15)])
def test_stable_series_are_rarely_called_a_change(mean: float, dispersion: float) -> None:
    rates = calibration.false_alarm_rates(mean, dispersion, reps=3000, seed=11)
    real, possible = rates["new"]
    assert real <= 1.0, f"{real:.2f}% of stable series called a real change"
    assert possible <= 5.0, f"{possible:.2f}% of stable series called a possible change"


@pytest.mark.parametrize(("mean", "dispersion"), [(100, 4), (2000, 15)])
def test_the_old_rule_fails_the_same_target(mean: float, dispersion: float) -> None:
    real, _possible = calibration.false_alarm_rates(mean, dispersion, reps=3000, seed=11)["old"]
    assert real > 20.0  # about one ordinary year in four (or more) called a real change


def test_a_large_true_change_is_found() -> None:
    grid = calibration.simulate(500, 4, 1000, change=0.2, seed=5)
    real, _possible = calibration.rates(calibration.new_verdicts(grid))
    assert real > 85.0


def test_quick_run_prints_the_three_tables(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_calibration.py"), "--quick"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "### Change test calibration: stable series (nothing changed)" in done.stdout
    assert "### Change test power: a true change in the last 12 months" in done.stdout
    assert ("### Real Gwent data: rolling year-on-year comparisons called real" in done.stdout
            or "Real Gwent data: not found" in done.stdout)
