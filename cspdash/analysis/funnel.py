"""Funnel plots for rates against population, with limits that allow for over-dispersion (Spiegelhalter 2005).

Method (additive random effects, Spiegelhalter, *Statistics in Medicine* 24:1185–1202, 2005, section 3.2):
- the target is the pooled rate of the units compared, θ = Σ crimes / Σ residents;
- under a Poisson model a unit with n residents has a rate with variance s² = θ / n, so its standardised Pearson
  residual is z = (rate − θ) / s, and φ̂ = mean of z² says how many times more the units vary than chance;
- the areas' true rates are allowed to differ by a between-area variance τ², estimated by DerSimonian–Laird:
  τ² = (I φ̂ − (I − 1)) / (Σ w − Σ w² / Σ w) with w = 1 / s², and 0 when I φ̂ ≤ I − 1;
- the limits at n residents are θ ± zₚ √(θ / n + τ²) (normal approximation; zₚ = 1.96 for 95%, 3.09 for 99.8%).

Why this variant: bench/bench_funnel_calibration.py simulates stable areas. Pure Poisson limits (τ² = 0) call a
third to three quarters of ordinary areas "outside the 99.8% limits"; these limits call about 0.2% (the nominal
rate) when areas differ by a random few per cent, and 0.3–1.2% when counts are over-dispersed within areas.
Winsorising the residuals (Spiegelhalter's option against outliers) shrinks the estimate and measured 1.6–2.9%,
so it is not used: the cost is that one extreme area widens everyone's limits (it stands out all the same).
With fewer than MIN_UNITS units there is no verdict: the spread cannot be estimated from so few.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

#: fewer units than this: the funnel is drawn but no unit gets a verdict
MIN_UNITS = 5
#: two-sided normal quantiles of the two funnels
Z_95 = 1.959963984540054
Z_998 = 3.090232306167813
#: the share winsorised at each end of the residuals before estimating φ (0: none; see the module's note)
WINSOR = 0.0

Position = Literal["above_998", "above_95", "within", "below_95", "below_998", "no_verdict"]

#: each position in words, as a councillor reads it ("Newport's violence rate is " + words)
POSITION_WORDS: dict[str, str] = {
    "above_998": "above the 99.8% limit: higher than areas of its size would show by chance",
    "above_95": "above the 95% limit but within the 99.8% limit: possibly higher than areas of its size, "
                "worth watching",
    "within": "within the 95% limits: in line with areas of its size",
    "below_95": "below the 95% limit but within the 99.8% limit: possibly lower than areas of its size",
    "below_998": "below the 99.8% limit: lower than areas of its size would show by chance",
}
POSITION_SHORT: dict[str, str] = {
    "above_998": "higher (above 99.8% limit)", "above_95": "possibly higher (above 95% limit)",
    "within": "in line (within limits)", "below_95": "possibly lower (below 95% limit)",
    "below_998": "lower (below 99.8% limit)", "no_verdict": "no verdict",
}

FUNNEL_RULE_TEXT = (
    "The funnel compares each area's rate with the average rate of all the areas shown, allowing for size: "
    "small areas vary more by chance, so their limits are wider. The limits also allow for crime varying more "
    "than pure chance would: real areas differ for many reasons, and that spread is estimated from the areas "
    "themselves (over-dispersion; Spiegelhalter 2005). "
    "Outside the 99.8% limits: a real difference (an ordinary area lands there about 1 time in 500); between "
    "the 95% and 99.8% limits: a possible difference, worth watching; inside: in line with areas of its size. "
    f"With fewer than {MIN_UNITS} areas there is no verdict."
)


@dataclass(frozen=True)
class Funnel:
    """A funnel's target rate (per resident), between-area variance and how many units it rests on."""

    target: float  # pooled rate per resident (events / residents)
    tau2: float  # between-area variance of the rate per resident (0: pure Poisson limits)
    phi_estimate: float  # how many times more the units vary than Poisson would (nan with no units)
    units: int

    @property
    def has_verdict(self) -> bool:
        return self.units >= MIN_UNITS

    def limits(self, population: np.ndarray | float, z: float) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper limits of the rate (per resident) at each population size (lower floored at 0)."""
        n = np.asarray(population, dtype=float)
        half = z * np.sqrt(self.target / n + self.tau2)
        return np.maximum(self.target - half, 0.0), self.target + half

    def position(self, events: float, population: float) -> Position:
        """Where one unit sits: above/below the 99.8% or 95% limit, within, or no verdict."""
        if not self.has_verdict or not population or population <= 0 or math.isnan(events):
            return "no_verdict"
        rate = events / population
        low998, high998 = (float(v) for v in self.limits(population, Z_998))
        low95, high95 = (float(v) for v in self.limits(population, Z_95))
        if rate > high998:
            return "above_998"
        if rate < low998:
            return "below_998"
        if rate > high95:
            return "above_95"
        if rate < low95:
            return "below_95"
        return "within"

    def words(self, events: float, population: float) -> str:
        """The position in words (or why there is no verdict)."""
        position = self.position(events, population)
        if position != "no_verdict":
            return POSITION_WORDS[position]
        if not self.has_verdict:
            return no_verdict_words(self.units)
        return "no verdict: this area has no population figure to make a rate"


def no_verdict_words(units: int) -> str:
    """Why a funnel with too few units gives no verdict."""
    return (f"no verdict: only {units} area{'s' if units != 1 else ''} to compare, and a funnel needs at least "
            f"{MIN_UNITS} to judge how much areas normally differ")


def pearson_residuals(events: np.ndarray, population: np.ndarray, target: float) -> np.ndarray:
    """z = (rate − target) / √(target / n) for each unit (Poisson standardised Pearson residual)."""
    events = np.asarray(events, dtype=float)
    population = np.asarray(population, dtype=float)
    return (events / population - target) / np.sqrt(target / population)


def winsorise(values: np.ndarray, share: float = WINSOR) -> np.ndarray:
    """Values pulled in to their ``share`` and 1 − ``share`` quantiles (linear interpolation between units)."""
    values = np.asarray(values, dtype=float)
    if share <= 0 or len(values) == 0:
        return values
    low, high = np.quantile(values, [share, 1.0 - share])
    return np.clip(values, low, high)


def dispersion(events: np.ndarray, population: np.ndarray, target: float, share: float = WINSOR) -> float:
    """φ̂ = mean of the (winsorised) squared Pearson residuals (nan with no units)."""
    z = pearson_residuals(events, population, target)
    if len(z) == 0:
        return float("nan")
    return float(np.mean(winsorise(z, share) ** 2))


def between_area_variance(phi: float, population: np.ndarray, target: float) -> float:
    """DerSimonian–Laird τ² from φ̂ and the units' Poisson weights w = n / θ (0 when φ̂ shows no excess)."""
    units = len(population)
    weights = np.asarray(population, dtype=float) / target
    excess = units * phi - (units - 1)
    if units < 2 or excess <= 0:
        return 0.0
    return float(excess / (weights.sum() - (weights**2).sum() / weights.sum()))


def fit(events: np.ndarray | pd.Series, population: np.ndarray | pd.Series, share: float = WINSOR,
        tau2: float | None = None) -> Funnel:
    """The funnel of units with ``events`` over ``population`` (units without a positive population left out).

    ``tau2`` fixes the between-area variance (0 gives pure Poisson limits); otherwise it is estimated.
    """
    events = np.asarray(events, dtype=float)
    population = np.asarray(population, dtype=float)
    usable = (population > 0) & ~np.isnan(events) & ~np.isnan(population)
    events, population = events[usable], population[usable]
    if len(events) == 0 or population.sum() <= 0:
        return Funnel(target=float("nan"), tau2=0.0, phi_estimate=float("nan"), units=0)
    target = float(events.sum() / population.sum())
    if target <= 0:
        return Funnel(target=target, tau2=0.0, phi_estimate=float("nan"), units=int(len(events)))
    estimate = dispersion(events, population, target, share)
    used = float(tau2) if tau2 is not None else between_area_variance(estimate, population, target)
    return Funnel(target=target, tau2=used, phi_estimate=estimate, units=int(len(events)))


def funnel_frame(units: pd.DataFrame, funnel: Funnel, per: float = 1000.0) -> pd.DataFrame:
    """``units`` (events, population) with rate, the four limits at each unit's size (per ``per`` residents),
    position and words."""
    out = units.copy()
    population = out["population"].astype(float).to_numpy()
    events = out["events"].astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(population > 0, events / population * per, np.nan)
        for z, name in ((Z_95, "95"), (Z_998, "998")):
            low, high = funnel.limits(np.where(population > 0, population, np.nan), z)
            out[f"lower_{name}"] = low * per
            out[f"upper_{name}"] = high * per
    out["position"] = [funnel.position(e, p) for e, p in zip(events, population, strict=True)]
    out["verdict"] = [funnel.words(e, p) for e, p in zip(events, population, strict=True)]
    return out


def funnel_curve(funnel: Funnel, smallest: float, largest: float, points: int = 60,
                 per: float = 1000.0) -> pd.DataFrame:
    """The limits drawn as lines from ``smallest`` to ``largest`` population (log-spaced): population,
    target, lower_95, upper_95, lower_998, upper_998 (per ``per`` residents)."""
    low = max(smallest, 1.0) * 0.8
    high = max(largest, low * 1.5) * 1.2
    population = np.geomspace(low, high, points)
    frame = pd.DataFrame({"population": population, "target": funnel.target * per})
    for z, name in ((Z_95, "95"), (Z_998, "998")):
        lower, upper = funnel.limits(population, z)
        frame[f"lower_{name}"] = lower * per
        frame[f"upper_{name}"] = upper * per
    return frame
