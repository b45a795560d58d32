"""Funnel calibration: how often the funnel calls an ordinary area "above/below the limit" when nothing differs.

Stable partnerships are simulated: every area has the same underlying rate, its residents are drawn from the real
partnership populations (data/comparisons/csp_profiles.csv, Census 2021), and its yearly count varies around the
expected count with over-dispersion φ (variance = φ × mean: negative binomial; φ = 1 is pure Poisson). The funnel
of cspdash.analysis.funnel (between-area variance τ² estimated from the areas) is set beside the same funnel with
residuals winsorised at 10%/90% (Spiegelhalter's option against outliers) and beside pure Poisson limits (τ² = 0).
Nominal false-alarm rates: 0.2% of areas outside the 99.8% limits and 5% outside the 95% limits.
A second table simulates between-area variation of another shape (each area's true rate differs from the
average by a random 5% or 10%, the additive random-effects model), which the multiplicative φ only approximates.

    python bench/bench_funnel_calibration.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cspdash.analysis import funnel  # noqa: E402

PROFILES = ROOT / "data" / "comparisons" / "csp_profiles.csv"
#: yearly rates per 1,000 residents: a rare type (robbery-like), a middling one (violence-like), all crime
RATES = (1.0, 30.0, 80.0)
DISPERSIONS = (1.0, 2.0, 4.0, 10.0)
#: how many areas a funnel holds: the demo's force, a similar group with itself, a large force, the country
AREAS = (5, 16, 40, 314)


def _counts(rng: np.random.Generator, mean: np.ndarray, phi: float) -> np.ndarray:
    """Counts with the given means and variance φ × mean (Poisson when φ = 1)."""
    if phi <= 1.0:
        return rng.poisson(mean).astype(float)
    return rng.negative_binomial(mean / (phi - 1.0), 1.0 / phi).astype(float)


def _flags(events: np.ndarray, population: np.ndarray, tau2: float | None = None,
           share: float = funnel.WINSOR) -> tuple[float, float]:
    """Share of areas outside the 99.8% and the 95% limits of one funnel."""
    fitted = funnel.fit(events, population, share=share, tau2=tau2)
    rate = events / population
    low998, high998 = fitted.limits(population, funnel.Z_998)
    low95, high95 = fitted.limits(population, funnel.Z_95)
    return (float(np.mean((rate > high998) | (rate < low998))), float(np.mean((rate > high95) | (rate < low95))))


def simulate(residents: np.ndarray, areas: int, rate: float, phi: float, reps: int, seed: int,
             spread: float = 0.0) -> dict[str, float]:
    """False-alarm shares over ``reps`` stable funnels of ``areas`` areas."""
    rng = np.random.default_rng(seed)
    totals = np.zeros(6)
    for _ in range(reps):
        population = rng.choice(residents, size=areas, replace=False).astype(float)
        area_rate = rate / 1000.0 * (1.0 + spread * rng.standard_normal(areas)).clip(0.05)
        events = _counts(rng, area_rate * population, phi)
        totals += (*_flags(events, population), *_flags(events, population, share=0.10),
                   *_flags(events, population, tau2=0.0))
    share = totals / reps
    return {"funnel_998": share[0], "funnel_95": share[1], "winsor_998": share[2], "winsor_95": share[3],
            "poisson_998": share[4], "poisson_95": share[5]}


def _row(r: dict[str, float]) -> str:
    return " | ".join(_pct(r[k]) for k in ("funnel_998", "funnel_95", "winsor_998", "winsor_95", "poisson_998",
                                            "poisson_95"))


HEADER = ("funnel: outside 99.8% | funnel: outside 95% | winsorised: outside 99.8% | winsorised: outside 95% | "
          "pure Poisson: outside 99.8% | pure Poisson: outside 95%")


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions (CI smoke run)")
    args = parser.parse_args(argv)
    residents = pd.read_csv(PROFILES)["residents"].to_numpy(dtype=float)
    print("## Funnel calibration: areas called different when nothing differs\n")
    print(f"Stable areas, same rate, residents drawn from the {len(residents)} real partnerships "
          f"({int(residents.min()):,} to {int(residents.max()):,}); yearly counts with variance φ × mean. "
          "Nominal: 0.2% outside 99.8%, 5.0% outside 95%. Each cell: share of all areas in all repetitions.\n")
    print(f"| areas | rate per 1,000 | φ | {HEADER} | repetitions |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    seed = 1
    for areas in AREAS:
        reps = (20 if areas > 100 else 100) if args.quick else (300 if areas > 100 else 2000)
        for rate in RATES:
            for phi in DISPERSIONS:
                seed += 1
                r = simulate(residents, areas, rate, phi, reps, seed)
                print(f"| {areas} | {rate:g} | {phi:g} | {_row(r)} | {reps:,} |")
    print("\n### Between-area spread of another shape (true rates differ by a random 5% or 10%; φ = 1 within)\n")
    print(f"| areas | rate per 1,000 | spread | {HEADER} |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for areas in (16, 314):
        reps = (20 if areas > 100 else 100) if args.quick else (300 if areas > 100 else 2000)
        for rate in (30.0, 80.0):
            for spread in (0.05, 0.10):
                seed += 1
                r = simulate(residents, areas, rate, 1.0, reps, seed, spread=spread)
                print(f"| {areas} | {rate:g} | {spread:.0%} | {_row(r)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
