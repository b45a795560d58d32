"""Is a change real? Two windows of monthly counts compared, allowing for how much the count normally varies.

The one change test of the product (tiles, wards, hot spots, meetings, questions, pack, slides, CSVs):

* **Dispersion.** Crime counts vary more than a Poisson count would (variance/mean of about 4 for all crime and
  14 for ASB in a real force). The dispersion φ is estimated from the series itself: its monthly counts (up to
  ``HISTORY_MONTHS``, unpublished months left out) are laid out as 12-month blocks (ending with the current
  window) × month of year and fitted by a level per block times a seasonal factor per month of year; φ is the
  Pearson χ² of that fit over its degrees of freedom, never below 1 (quasi-Poisson).
* **Exact test.** Given the two totals, the current window's share of their sum is tested against the share the
  seasonal pattern expects when nothing changed (one half for two windows of the same months of year) by an
  exact conditional binomial test on the counts divided by φ, so small counts are judged exactly.
* **Estimated dispersion.** The test's p-value is widened for the uncertainty of φ (a t distribution on φ's
  degrees of freedom), and the verdict thresholds ``REAL_P``/``POSSIBLE_P`` were set by simulating stable
  series (bench/bench_calibration.py): at most 1% of stable comparisons are called "real" and at most 5%
  "possible".
* **Incomplete windows** get no verdict: a window with unpublished months is not a like-for-like comparison.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

Verdict = Literal["significant", "possible", "noise"]
Direction = Literal["up", "down", "flat"]

#: a change this unlikely in a stable series is a real change (two-sided p-value)
REAL_P = 0.002
#: … and this unlikely a possible change
POSSIBLE_P = 0.02
#: months of history (ending with the current window) the dispersion is estimated from
HISTORY_MONTHS = 36
#: the fewest degrees of freedom a dispersion estimate needs before a verdict is given
MIN_DISPERSION_DF = 5

VERDICT_LABELS: dict[str, str] = {
    "significant": "real change",
    "possible": "possible change",
    "noise": "within normal variation",
}

CHANGE_METHOD_TEXT = "allowing for how much this count normally varies from month to month"

CHANGE_RULE_TEXT = (
    f"Each change is judged {CHANGE_METHOD_TEXT} (measured on its own last three years of monthly counts, after "
    "the usual seasonal pattern is taken out), with an exact test for small counts. A “real change” is one that "
    "a stable count would show by chance less than once in 500 comparisons; a “possible change” less than once "
    "in 50; anything else is “within normal variation”. Simulated stable counts are called a real change under "
    "1% of the time. No verdict is given when either period has unpublished months."
)


@dataclass(frozen=True)
class Dispersion:
    """How much more a count varies from month to month than a Poisson count (phi ≥ 1) and the (effective)
    degrees of freedom of its estimate: 0 = taken as Poisson by choice; NaN = too few months to estimate it, so
    no verdict."""

    phi: float = 1.0
    df: float = 0.0


POISSON = Dispersion(1.0, 0)


@dataclass(frozen=True)
class ChangeResult:
    """The outcome of comparing a current count with a previous count."""

    current: float
    previous: float
    pct_change: float | None
    z: float
    p_value: float
    dispersion: float
    verdict: Verdict | None
    direction: Direction
    sentence: str

    @property
    def verdict_label(self) -> str:
        """Plain-English verdict, e.g. 'within normal variation' ('no verdict' when there is none)."""
        return VERDICT_LABELS[self.verdict] if self.verdict else "no verdict"


# ---------------------------------------------------------------------------------------------- dispersion
def _month_index(month: date) -> int:
    return month.year * 12 + month.month - 1


def seasonal_fit(grid: np.ndarray, months: Sequence[date], end: date | None = None,
                 history: int = HISTORY_MONTHS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit each row of ``grid`` (rows × months; NaN = unpublished) by a level per 12-month block ending at ``end``
    times a factor per month of year. Returns (phi ≥ 1 per row, df per row, seasonal factors rows × 12).

    Only the ``history`` months up to ``end`` are used. With fewer than MIN_DISPERSION_DF degrees of freedom
    there is no estimate: phi 1, df NaN (no verdict). df is the effective degrees of freedom (effective_df).
    """
    values = np.atleast_2d(np.asarray(grid, dtype=float))
    rows = values.shape[0]
    if not len(months):
        return np.ones(rows), np.full(rows, np.nan), np.ones((rows, 12))
    last = _month_index(end) if end is not None else max(_month_index(m) for m in months)
    back = np.array([last - _month_index(m) for m in months])
    use = (back >= 0) & (back < history) & ~np.all(np.isnan(values), axis=0)
    blocks = back[use] // 12
    moy = np.array([m.month - 1 for m in months])[use]
    n_blocks = int(blocks.max()) + 1 if use.any() else 0
    table = np.zeros((rows, max(n_blocks, 1), 12))
    observed = np.zeros((max(n_blocks, 1), 12), dtype=bool)
    if use.any():
        table[:, blocks, moy] = np.nan_to_num(values[:, use])
        observed[blocks, moy] = True
    used_blocks = int(observed.any(axis=1).sum())
    used_moy = int(observed.any(axis=0).sum())
    df = int(observed.sum()) - (used_blocks + used_moy - 1)
    season = np.ones((rows, 12))
    if df < MIN_DISPERSION_DF:
        return np.ones(rows), np.full(rows, np.nan), season
    mask = observed[None, :, :]
    level = np.ones((rows, table.shape[1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(60):  # iterative proportional fitting of the block × month-of-year margins
            level = np.nan_to_num((table * mask).sum(axis=2) / (season[:, None, :] * mask).sum(axis=2))
            new = np.nan_to_num((table * mask).sum(axis=1) / (level[:, :, None] * mask).sum(axis=1))
            done = np.allclose(new, season, rtol=1e-9, atol=1e-12)
            season = new
            if done:
                break
        fitted = level[:, :, None] * season[:, None, :]
        squared = np.where(mask & (fitted > 0), (table - fitted) ** 2 / fitted, 0.0)
        chi2 = squared.sum(axis=(1, 2))
        cells = observed.sum()
        # the residuals' own kurtosis: one burst month makes the estimate worth few degrees of freedom
        kurtosis = np.where(chi2 > 0, cells * (squared ** 2).sum(axis=(1, 2)) / chi2 ** 2 - 3.0, 0.0)
    phi = np.maximum(chi2 / df, 1.0)
    by_model = effective_df(df, phi, (table * mask).sum(axis=(1, 2)) / cells)
    by_residuals = np.maximum(df * 2.0 / (2.0 + np.maximum(kurtosis, 0.0)), 1.0)
    return phi, np.minimum(by_model, by_residuals), season


def effective_df(df: int, phi: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The degrees of freedom a Pearson dispersion estimate is worth for over-dispersed counts.

    A χ² estimate on ``df`` cells is as precise as χ²/df only for normal data; gamma-Poisson counts with monthly
    mean μ and dispersion φ have an excess kurtosis of about (6(φ − 1) + 1)/μ, which makes each cell's squared
    residual vary (2 + kurtosis)/2 times as much (Satterthwaite). Small, bursty counts thus tell little about φ.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        kurtosis = np.where(mean > 0, (6.0 * (phi - 1.0) + 1.0) / mean, 0.0)
    return np.maximum(df * 2.0 / (2.0 + kurtosis), 1.0)


def series_dispersion(values: Sequence[float], months: Sequence[date], end: date | None = None) -> Dispersion:
    """The dispersion of one monthly series (NaN = unpublished) up to ``end``: see seasonal_fit."""
    phi, df, _season = seasonal_fit(np.asarray([values], dtype=float), months, end)
    return Dispersion(float(phi[0]), float(df[0]))


def level_dispersion(values: Sequence[float]) -> Dispersion:
    """Variance / mean of a series with no seasonal pattern to take out (e.g. a partner indicator), at least 1."""
    data = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if len(data) <= MIN_DISPERSION_DF:
        return Dispersion(1.0, math.nan)
    if data.mean() <= 0:
        return Dispersion(1.0, float(len(data) - 1))
    phi = max(float(data.var(ddof=1) / data.mean()), 1.0)
    return Dispersion(phi, float(effective_df(len(data) - 1, np.array([phi]), np.array([data.mean()]))[0]))


# ---------------------------------------------------------------------------------------------- the test
def change_p_values(current: np.ndarray, previous: np.ndarray, phi: np.ndarray | float = 1.0,
                    df: np.ndarray | float = 0.0, expected_share: np.ndarray | float = 0.5,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(signed z, two-sided p) of current vs previous: an exact conditional binomial test of the current share
    of the total against ``expected_share`` on the counts divided by phi, widened by a t distribution on df.

    z is the normal score of the exact test (positive = up); with phi 1 and large counts it is close to
    2(√current − √previous) / √2, the variance-stabilised difference scaled to a standard deviation of 1.
    """
    c = np.asarray(current, dtype=float) / np.asarray(phi, dtype=float)
    p = np.asarray(previous, dtype=float) / np.asarray(phi, dtype=float)
    share = np.clip(np.asarray(expected_share, dtype=float) * np.ones_like(c), 1e-9, 1 - 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        upper = np.where(c > 0, special.betainc(np.maximum(c, 1e-12), p + 1, share), 1.0)  # P(X ≥ c)
        lower = np.where(p > 0, special.betainc(np.maximum(p, 1e-12), c + 1, 1 - share), 1.0)  # P(X ≤ c)
    exact = np.minimum(1.0, 2.0 * np.minimum(upper, lower))
    size = -special.ndtri(exact / 2.0)  # the normal score with this two-sided p (scipy.stats' isf, as a ufunc)
    total = c + p
    sign = np.sign(np.where(total > 0, c - share * total, 0.0))
    z = sign * np.maximum(size, 0.0)
    dof = np.asarray(df, dtype=float) * np.ones_like(c)
    widened = np.where(dof > 0, 2.0 * special.stdtr(np.maximum(dof, 1.0), -np.abs(z)), exact)  # 2 × t.sf(|z|)
    return z, np.clip(widened, 0.0, 1.0)


def classify_p(p_value: float) -> Verdict:
    """'significant' below REAL_P, 'possible' below POSSIBLE_P, otherwise 'noise'."""
    if p_value < REAL_P:
        return "significant"
    if p_value < POSSIBLE_P:
        return "possible"
    return "noise"


def compare_counts(current: float, previous: float, dispersion: Dispersion = POISSON,
                   expected_share: float = 0.5, complete: bool = True, months_published: int | None = None,
                   window: int = 12) -> ChangeResult:
    """Compare two counts allowing for ``dispersion`` and describe the change in one sentence.

    ``complete`` False (a window with unpublished months) gives counts and no verdict; ``months_published`` of
    ``window`` is then quoted ("only 7 of 12 months published").
    """
    _check_count(current, "current")
    _check_count(previous, "previous")
    estimated = not math.isnan(dispersion.df)
    z, p = change_p_values(np.array([current]), np.array([previous]), dispersion.phi,
                           dispersion.df if estimated else 0.0, expected_share)
    verdict: Verdict | None = classify_p(float(p[0])) if complete and estimated else None
    direction: Direction = "up" if current > previous else "down" if current < previous else "flat"
    pct = None if previous == 0 else 100.0 * (current - previous) / previous
    return ChangeResult(current=current, previous=previous, pct_change=pct, z=float(z[0]), p_value=float(p[0]),
                        dispersion=dispersion.phi, verdict=verdict, direction=direction,
                        sentence=change_sentence(current, previous, pct, verdict, months_published, window))


def change_sentence(current: float, previous: float, pct: float | None, verdict: str | None,
                    months_published: int | None = None, window: int = 12) -> str:
    """'up 9% (1,234 vs 1,132) — possible change'; without a verdict 'only 7 of 12 months published'."""
    counts = f"({_fmt(current)} vs {_fmt(previous)})"
    if verdict is None:
        why = (f"only {months_published} of {window} months published" if months_published is not None
               else "not enough months published")
        return f"{_fmt(current)} vs {_fmt(previous)} — no verdict: {why}"
    label = VERDICT_LABELS[verdict]
    if previous == 0 and current > 0:
        return f"new: 0 → {_fmt(current)} — {label}"
    if current == previous:
        return f"no change {counts} — {label}"
    assert pct is not None
    return f"{'up' if current > previous else 'down'} {abs(pct):.0f}% {counts} — {label}"


def compare_frame(df: pd.DataFrame, current_col: str, previous_col: str,
                  dispersion: np.ndarray | float = 1.0, dispersion_df: np.ndarray | int = 0,
                  complete: np.ndarray | bool = True, expected_share: np.ndarray | float = 0.5) -> pd.DataFrame:
    """A copy of df with z, p_value, dispersion, pct_change (NaN when previous is 0), verdict and direction.

    ``dispersion``/``dispersion_df`` per row (from seasonal_fit), ``complete`` per row (False: no verdict).
    A missing count gives no verdict and no direction.
    """
    current = df[current_col].astype(float).to_numpy()
    previous = df[previous_col].astype(float).to_numpy()
    if np.any(current < 0) or np.any(previous < 0):
        raise ValueError(f"counts in {current_col!r} and {previous_col!r} must not be negative")
    n = len(current)
    phi = np.broadcast_to(np.asarray(dispersion, dtype=float), (n,))
    dof = np.broadcast_to(np.asarray(dispersion_df, dtype=float), (n,))
    usable_dof = np.nan_to_num(dof, nan=0.0)
    missing = np.isnan(current) | np.isnan(previous)
    z, p = change_p_values(np.nan_to_num(current), np.nan_to_num(previous), phi, usable_dof, expected_share)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(previous > 0, 100.0 * (current - previous) / previous, np.nan)
    verdict = np.full(n, "noise", dtype=object)
    verdict[p < POSSIBLE_P] = "possible"
    verdict[p < REAL_P] = "significant"
    no_verdict = missing | ~np.broadcast_to(np.asarray(complete, dtype=bool), (n,)) | np.isnan(dof)
    verdict[no_verdict] = None
    direction = np.full(n, "flat", dtype=object)
    direction[current > previous] = "up"
    direction[current < previous] = "down"
    direction[missing] = None
    z = np.where(missing, np.nan, z)
    p = np.where(missing, np.nan, p)
    added = {"z": z, "p_value": p, "dispersion": phi.copy(), "pct_change": pct,
             "verdict": pd.Series(verdict, index=df.index, dtype=object),
             "direction": pd.Series(direction, index=df.index, dtype=object)}
    if df.columns.is_unique and df.index.is_unique and not df.columns.isin(list(added)).any():
        return pd.concat([df, pd.DataFrame(added, index=df.index)], axis=1)
    out = df.copy()
    for name, values in added.items():
        out[name] = values
    return out


# ---------------------------------------------------------------------------------------------- windows
@dataclass(frozen=True)
class WindowSeries:
    """Monthly counts of many rows (rows × months, NaN = unpublished) judged over two windows of equal length."""

    current: np.ndarray          # per row: total of the current window
    previous: np.ndarray         # per row: total of the previous window
    phi: np.ndarray              # per row: dispersion
    df: np.ndarray               # per row: its effective degrees of freedom (NaN: too few months)
    expected_share: np.ndarray   # per row: the current window's share of both when nothing changed
    current_published: int       # months of the current window published
    previous_published: int      # months of the previous window published
    window: int                  # months in each window

    @property
    def complete(self) -> bool:
        return self.current_published == self.window and self.previous_published == self.window

    @property
    def published_text(self) -> str:
        """'' when both windows are complete, else 'only N of 12 months published' for the shorter one."""
        if self.complete:
            return ""
        return f"only {min(self.current_published, self.previous_published)} of {self.window} months published"


def window_series(grid: np.ndarray, months: Sequence[date], start: date, end: date, previous_start: date,
                  previous_end: date) -> WindowSeries:
    """Totals of both windows, dispersion and expected share per row of ``grid`` (rows × ``months``; NaN for an
    unpublished month, 0 for a published month with none). ``months`` should reach back HISTORY_MONTHS."""
    values = np.atleast_2d(np.asarray(grid, dtype=float))
    index = np.array([_month_index(m) for m in months])
    now = (index >= _month_index(start)) & (index <= _month_index(end))
    before = (index >= _month_index(previous_start)) & (index <= _month_index(previous_end))
    published = ~np.all(np.isnan(values), axis=0) if values.shape[0] else np.zeros(len(months), dtype=bool)
    window = _month_index(end) - _month_index(start) + 1
    phi, df, season = seasonal_fit(values, months, end)
    moy = np.array([m.month - 1 for m in months])
    expected_now = season[:, moy[now & published]].sum(axis=1)
    expected_before = season[:, moy[before & published]].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(expected_now + expected_before > 0, expected_now / (expected_now + expected_before), 0.5)
    if window == 12:  # two whole years of months: the seasonal pattern cancels exactly
        share = np.full(values.shape[0], 0.5)
    return WindowSeries(
        current=np.nansum(np.where(now, values, np.nan), axis=1), previous=np.nansum(np.where(before, values, np.nan), axis=1),
        phi=phi, df=df, expected_share=share, current_published=int((now & published).sum()),
        previous_published=int((before & published).sum()), window=window)


def judge_windows(frame: pd.DataFrame, series: WindowSeries) -> pd.DataFrame:
    """compare_frame on a frame whose ``current``/``previous`` columns are ``series``' totals, with its dispersion
    and completeness, plus the sentence column."""
    out = compare_frame(frame, "current", "previous", series.phi, series.df, series.complete, series.expected_share)
    months = None if series.complete else min(series.current_published, series.previous_published)
    out["sentence"] = [change_sentence(c, p, None if math.isnan(g) else g, v, months, series.window)
                       for c, p, g, v in zip(out["current"].astype(float), out["previous"].astype(float),
                                             out["pct_change"].astype(float), out["verdict"], strict=True)]
    return out


def _check_count(value: float, name: str) -> None:
    """Reject negative or missing counts, which have no meaning as counts."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError(f"{name} count is missing")
    if value < 0:
        raise ValueError(f"{name} count must not be negative (got {value})")


def _fmt(value: float) -> str:
    """Format a count with thousands separators, keeping one decimal if it is not whole."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
