"""XmR (individuals) control charts with the four SPC signal rules explained in words.

Conventions (Wheeler / NHS England "Making Data Count"):

* Centre line = mean of the segment; moving range mR = |x_i − x_{i−1}| within the segment
  (the first point of each segment has no moving range); natural process limits =
  mean ± 2.66 × average mR. For counts the lower limit is floored at 0.
* Limits are recomputed from each break point (the index where a new segment starts),
  i.e. only at a known change. Every rule is applied within a segment, never across one.
* Gaps: a month that was never published is left out, never filled. ``run_starts`` (or, for
  series_signals, the dates) mark the points that do not follow the one before; no moving range
  is taken across such a gap and no rule of several points runs across it.
* Limits come only from runs of at least ``min_points`` (12) consecutive points; a segment with
  no such run has no limits and no signals (the chart shows its points and says why).
* ``outside_limits``: a point strictly above the upper or strictly below the lower limit.
* ``run_of_7``: 7 or more consecutive points strictly on the same side of the mean; a point
  exactly on the mean ends the run. Every point in the run is flagged.
* ``trend_of_6``: 6 or more consecutive points each strictly higher (or lower) than the one
  before, i.e. at least 5 successive increases (decreases); a repeat value ends the trend.
  Every point in the trend is flagged.
* ``two_of_three_near_limit``: in any 3 consecutive points, 2 or more lie strictly beyond
  2/3 of the distance from the mean to a limit, on the same side. The distance uses the
  unfloored limit (2/3 × 2.66 × average mR), so flooring the lower limit at 0 does not move
  the zone. The points beyond the 2/3 line in each qualifying window are flagged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd

#: Wheeler's scaling constant: 3 / d2 with d2 = 1.128 for moving ranges of two points
LIMIT_FACTOR = 2.66
RUN_LENGTH = 7
TREND_LENGTH = 6
NEAR_LIMIT_FRACTION = 2.0 / 3.0
#: limits are drawn only from at least this many consecutive published months
MIN_LIMIT_POINTS = 12

Rule = Literal["outside_limits", "run_of_7", "trend_of_6", "two_of_three_near_limit"]
RULES: tuple[Rule, ...] = ("outside_limits", "run_of_7", "trend_of_6", "two_of_three_near_limit")

RULE_TEXT: dict[str, str] = {
    "outside_limits": "A point above the upper or below the lower process limit: an unusual value.",
    "run_of_7": "7 or more points in a row on one side of the average: a sustained shift.",
    "trend_of_6": "6 or more points in a row each higher (or each lower) than the last: a trend.",
    "two_of_three_near_limit": (
        "2 of 3 points in a row close to the same process limit (beyond two-thirds of the way "
        "from the average): an early warning of change."
    ),
}

SPC_RULE_TEXT = (
    "Process limits are the average ± 2.66 × the average month-to-month change; about 99% of "
    "ordinary variation falls inside them. Signals: a point outside the limits; 7 or more "
    "points in a row on one side of the average; 6 or more points in a row steadily rising "
    "or falling; 2 of 3 points in a row near the same limit. Limits are recalculated only at "
    "a known change. Months that were never published are gaps: no line, moving range or run crosses them, and "
    f"limits are drawn only from at least {MIN_LIMIT_POINTS} consecutive published months."
)


@dataclass(frozen=True)
class Signal:
    """One SPC signal: which rule, which points, which way, and a sentence saying so."""

    rule: Rule
    start_index: int
    end_index: int
    direction: Literal["up", "down"]
    sentence: str


def xmr(
    values: Sequence[float] | np.ndarray | pd.Series,
    break_points: Sequence[int] = (),
    floor_at_zero: bool = True,
    run_starts: Sequence[int] = (),
    min_points: int = MIN_LIMIT_POINTS,
) -> pd.DataFrame:
    """Build an XmR chart: one row per point with limits, segment, run and a flag per signal rule.

    ``run_starts``: points that do not follow the one before (a gap before them). Limits come only from runs of
    at least ``min_points`` consecutive points of a segment; without one the segment's limits are NaN.
    """
    chart = _chart_arrays(values, break_points, floor_at_zero, run_starts, min_points)
    flags = _rule_flags(chart)
    columns: dict[str, np.ndarray] = {name: chart[name] for name in _CHART_COLUMNS}
    columns.update(flags)
    columns["any_signal"] = np.logical_or.reduce([flags[rule] for rule in RULES])
    return pd.DataFrame(columns)


def series_signals(
    values: Sequence[float] | np.ndarray,
    break_points: Sequence[int] = (),
    dates: Sequence[Any] | pd.Series | None = None,
    floor_at_zero: bool = True,
    count_format: Callable[[float], str] | None = None,
    min_points: int = MIN_LIMIT_POINTS,
    step_months: int | None = 1,
) -> list[Signal]:
    """The signals of one series, as signals(xmr(values, break_points, run_starts=gaps), dates) gives, without
    building the chart. With ``dates`` a point that does not follow the one before by ``step_months`` starts after
    a gap (gap_starts; None: the series' own shortest step, for quarterly or irregular figures).

    For pages that scan many series for signals and draw none of them.
    """
    gaps = gap_starts(dates, step_months) if dates is not None else []
    return _signals(_chart_arrays(values, break_points, floor_at_zero, gaps, min_points), dates, count_format)


def gap_starts(dates: Sequence[Any] | pd.Series, step_months: int | None = 1) -> list[int]:
    """Indices of the points that do not follow the point before them by ``step_months`` (monthly: a month between
    was not published). ``step_months`` None takes the series' shortest step (e.g. 3 for quarterly figures)."""
    items = _as_dates(list(dates))
    index = [d.year * 12 + d.month for d in items]
    if step_months is None:
        steps = [b - a for a, b in zip(index, index[1:], strict=False) if b > a]
        step_months = min(steps) if steps else 1
    return [i for i in range(1, len(index)) if index[i] - index[i - 1] != step_months]


def signals(chart: pd.DataFrame, dates: Sequence[Any] | pd.Series | None = None,
            count_format: Callable[[float], str] | None = None) -> list[Signal]:
    """List every signal on an xmr() chart, each with a plain-English sentence.

    ``count_format`` writes the chart's own values (the counts) in the sentences, e.g. to show small counts as
    '<5' in public output; averages and limits are not counts and keep their figures. A point whose count the
    format withholds (writes other than its figure) is never called outside the limits, since 'above the upper
    limit (2.4)' with '<5' would narrow the count to 3–4.
    """
    arrays = {name: chart[name].to_numpy() for name in _CHART_COLUMNS}
    arrays["outside"] = chart["outside_limits"].to_numpy(dtype=bool)
    return _signals(arrays, dates, count_format)


#: the numeric columns of an XmR chart, in order
_CHART_COLUMNS = ("value", "segment", "run", "mean", "mr", "avg_mr", "unpl", "lnpl", "upper_near", "lower_near")


def _chart_arrays(
    values: Sequence[float] | np.ndarray | pd.Series, break_points: Sequence[int], floor_at_zero: bool,
    run_starts: Sequence[int] = (), min_points: int = MIN_LIMIT_POINTS,
) -> dict[str, np.ndarray]:
    """The chart's columns as arrays (see _CHART_COLUMNS) plus 'outside' (outside_limits)."""
    value = np.asarray(values, dtype=float)
    n = len(value)
    if np.isnan(value).any():
        raise ValueError("values must not contain missing values; fill or drop them first")
    bad = [b for b in break_points if not 0 < int(b) < n]
    if bad:
        raise ValueError(f"break points must be indices between 1 and {n - 1}; got {bad}")
    starts = sorted({0, *(int(b) for b in break_points)}) if n else []
    cuts = sorted({*starts, *(int(r) for r in run_starts if 0 < int(r) < n)}) if n else []
    segment = np.zeros(n, dtype=int)
    run = np.zeros(n, dtype=int)
    for run_id, (first, stop) in enumerate(zip(cuts, [*cuts[1:], n], strict=False)):
        run[first:stop] = run_id
    mean = np.full(n, np.nan)
    mr = np.full(n, np.nan)
    avg_mr = np.full(n, np.nan)
    for first, stop in zip(cuts, [*cuts[1:], n], strict=False):
        mr[first + 1:stop] = np.abs(np.diff(value[first:stop]))  # never across a gap or a break
    for seg_id, (first, stop) in enumerate(zip(starts, [*starts[1:], n], strict=False)):
        segment[first:stop] = seg_id
        runs = [(a, b) for a, b in zip(cuts, [*cuts[1:], n], strict=False) if first <= a < stop]
        long_runs = [(a, b) for a, b in runs if b - a >= max(min_points, 2)]
        if not long_runs:
            continue  # too few consecutive points: no limits for this segment
        mean[first:stop] = np.concatenate([value[a:b] for a, b in long_runs]).mean()
        avg_mr[first:stop] = np.concatenate([np.abs(np.diff(value[a:b])) for a, b in long_runs]).mean()
    half_width = LIMIT_FACTOR * avg_mr
    unpl = mean + half_width
    lnpl = np.maximum(mean - half_width, 0.0) if floor_at_zero else mean - half_width
    near = NEAR_LIMIT_FRACTION * half_width
    return {
        "value": value, "segment": segment, "run": run, "mean": mean, "mr": mr, "avg_mr": avg_mr, "unpl": unpl,
        "lnpl": lnpl, "upper_near": mean + near, "lower_near": mean - near,
        "outside": (value > unpl) | (value < lnpl),
    }


def _rule_flags(chart: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One boolean array per rule: the points each rule flags."""
    n = len(chart["value"])
    flags = {"outside_limits": chart["outside"]}
    for rule in RULES[1:]:
        flagged = np.zeros(n, dtype=bool)
        for start, end, _direction, points in _rule_spans(chart, rule):
            flagged[points if points is not None else slice(start, end + 1)] = True
        flags[rule] = flagged
    return flags


def _plural(n: int, one: str, many: str | None = None) -> str:
    """'1 month', '2 months'."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _signals(chart: dict[str, np.ndarray], dates: Sequence[Any] | pd.Series | None,
             count_format: Callable[[float], str] | None = None) -> list[Signal]:
    """Every signal of a chart's arrays, each with a plain-English sentence.

    A run, trend or near-limit group that reaches the last point says the signal is still going on.
    """
    count = count_format or _fmt
    n = len(chart["value"])
    label = _point_labeller(n, dates)
    one = "month" if dates is not None else "point"
    value, mean = chart["value"], chart["mean"]
    found: list[Signal] = []

    def until(end: int, near: bool = False) -> str:
        if end != n - 1:
            return ""
        return f", including the latest {one}" if near else f", still going on in the latest {one}"

    def withheld(start: int, end: int) -> bool:
        """A count from start to end is withheld (public output writes it '<5'): a signal over it would order it
        against its neighbours or the average ('each higher than the one before' makes four '<5's 1, 2, 3, 4)."""
        return any(np.isfinite(value[k]) and count(value[k]) != _fmt(value[k]) for k in range(start, end + 1))

    for i in (int(k) for k in np.flatnonzero(chart["outside"])):
        if withheld(i, i):
            continue  # a withheld count (public output) is not called unusual: crossing a limit would narrow it
        above = bool(value[i] > chart["unpl"][i])
        limit = chart["unpl"][i] if above else chart["lnpl"][i]
        side, sign = ("above the upper", ">") if above else ("below the lower", "<")
        latest = " (the latest)" if i == n - 1 and dates is not None else ""
        sentence = (f"{label(i)}{latest} is {side} process limit ({count(value[i])} {sign} {_fmt(limit)}): "
                    f"an unusual {'month' if dates is not None else 'value'}.")
        found.append(Signal("outside_limits", int(i), int(i), "up" if above else "down", sentence))

    for start, end, direction, _points in _rule_spans(chart, "run_of_7"):
        if withheld(start, end):
            continue
        sentence = (f"{_plural(end - start + 1, one)} in a row, {label(start)} to {label(end)}, are "
                    f"{'above' if direction == 'up' else 'below'} the average ({_fmt(mean[start])}): a sustained "
                    f"shift, not chance{until(end)}.")
        found.append(Signal("run_of_7", start, end, direction, sentence))

    for start, end, direction, _points in _rule_spans(chart, "trend_of_6"):
        if withheld(start, end):
            continue
        sentence = (f"{_plural(end - start + 1, one)} in a row, {label(start)} to {label(end)}, each "
                    f"{'higher' if direction == 'up' else 'lower'} than the one before ({count(value[start])} "
                    f"{'rising' if direction == 'up' else 'falling'} to {count(value[end])}): a steady trend, "
                    f"not chance{until(end)}.")
        found.append(Signal("trend_of_6", start, end, direction, sentence))

    for start, end, direction, points in _rule_spans(chart, "two_of_three_near_limit"):
        if withheld(start, end):
            continue
        up = direction == "up"
        line = chart["upper_near"][start] if up else chart["lower_near"][start]
        flagged = points or [start, end]
        where = f"close to the {'upper' if up else 'lower'} process limit ({'above' if up else 'below'} {_fmt(line)})"
        if len(flagged) == 2:
            sentence = (f"{label(flagged[0])} and {label(flagged[1])} are {where}: 2 of 3 {one}s in a row near "
                        f"the same limit, an early warning of change{until(end, near=True)}.")
        else:
            sentence = (f"{len(flagged)} {one}s from {label(start)} to {label(end)} are {where}, each within 3 "
                        f"{one}s of another: an early warning of change{until(end, near=True)}.")
        found.append(Signal("two_of_three_near_limit", start, end, direction, sentence))

    found.sort(key=lambda s: (s.start_index, RULES.index(s.rule)))
    return found


Span = tuple[int, int, Literal["up", "down"], list[int] | None]


def _rule_spans(chart: dict[str, np.ndarray], rule: str) -> list[Span]:
    """Spans (start, end, direction, flagged points or None for all) of one rule, per segment."""
    spans: list[Span] = []
    for first, stop in _segment_bounds(chart["run"]):
        if np.isnan(chart["mean"][first]):
            continue  # no limits here: no signals
        value = chart["value"][first:stop]
        if rule == "run_of_7":
            found = _run_spans(value, chart["mean"][first:stop])
        elif rule == "trend_of_6":
            found = _trend_spans(value)
        elif rule == "two_of_three_near_limit":
            found = _near_limit_spans(value, chart["upper_near"][first:stop], chart["lower_near"][first:stop])
        else:
            raise ValueError(f"unknown rule {rule!r}")
        for start, end, direction, points in found:
            shifted = None if points is None else [p + first for p in points]
            spans.append((start + first, end + first, direction, shifted))
    return spans


def _run_spans(value: np.ndarray, mean: np.ndarray) -> list[Span]:
    """Runs of RUN_LENGTH or more points strictly on one side of the mean."""
    side = np.sign(value - mean)
    spans: list[Span] = []
    start = 0
    for i in range(1, len(value) + 1):
        if i == len(value) or side[i] != side[start]:
            if side[start] != 0 and i - start >= RUN_LENGTH:
                spans.append((start, i - 1, "up" if side[start] > 0 else "down", None))
            start = i
    return spans


def _trend_spans(value: np.ndarray) -> list[Span]:
    """Trends of TREND_LENGTH or more points, each strictly above (or below) the one before."""
    step = np.sign(np.diff(value))
    spans: list[Span] = []
    start = 0  # index into step; step[k] compares point k+1 with point k
    for k in range(1, len(step) + 1):
        if k == len(step) or step[k] != step[start]:
            if step[start] != 0 and (k - start) + 1 >= TREND_LENGTH:
                spans.append((start, k, "up" if step[start] > 0 else "down", None))
            start = k
    return spans


def _near_limit_spans(value: np.ndarray, upper_near: np.ndarray, lower_near: np.ndarray) -> list[Span]:
    """Points beyond the same 2/3 line, 2 or more in some 3 in a row, grouped into spans."""
    spans: list[Span] = []
    sides: tuple[tuple[Literal["up", "down"], np.ndarray], ...] = (
        ("up", value > upper_near),
        ("down", value < lower_near),
    )
    for direction, beyond in sides:
        points = [int(i) for i in np.flatnonzero(beyond)]
        # two beyond-points at most 2 apart share a window of 3, so the rule fires for both
        group: list[int] = []
        for i in points:
            if group and i - group[-1] > 2:
                if len(group) >= 2:
                    spans.append((group[0], group[-1], direction, group))
                group = []
            group.append(i)
        if len(group) >= 2:
            spans.append((group[0], group[-1], direction, group))
    spans.sort(key=lambda span: span[0])
    return spans


def _segment_bounds(segment: np.ndarray) -> list[tuple[int, int]]:
    """(first, stop) of each segment; segments are consecutive runs of points."""
    if not len(segment):
        return []
    cuts = [0, *(int(i) + 1 for i in np.flatnonzero(np.diff(segment))), len(segment)]
    return list(zip(cuts[:-1], cuts[1:], strict=True))


def _point_labeller(n: int, dates: Sequence[Any] | pd.Series | None) -> Callable[[int], str]:
    """Month names like 'March 2025' for point i, or 'point 3' (1-based) without dates."""
    if dates is None:
        return lambda i: f"point {i + 1}"
    items = list(dates)
    if len(items) != n:
        raise ValueError(f"dates has {len(items)} entries but the chart has {n} points")
    months = _as_dates(items)
    return lambda i: months[i].strftime("%B %Y")


def _as_dates(items: list[Any]) -> list[Any]:
    """Dates as they are (datetime and pd.Timestamp are dates too), else parsed ('2025-03')."""
    if all(isinstance(item, date) for item in items):
        return items
    return list(pd.to_datetime(pd.Series(items)))


def _fmt(value: float) -> str:
    """Format a chart value: whole numbers without decimals, others to one decimal place."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
