"""XmR (individuals) control charts with the four SPC signal rules explained in words.

Conventions (Wheeler / NHS England "Making Data Count"):

* Centre line = mean of the segment; moving range mR = |x_i − x_{i−1}| within the segment
  (the first point of each segment has no moving range); natural process limits =
  mean ± 2.66 × average mR. For counts the lower limit is floored at 0.
* Limits are recomputed from each break point (the index where a new segment starts),
  i.e. only at a known change. Every rule is applied within a segment, never across one.
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
    "a known change."
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
) -> pd.DataFrame:
    """Build an XmR chart: one row per point with limits, segment and a flag per signal rule."""
    chart = _chart_arrays(values, break_points, floor_at_zero)
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
) -> list[Signal]:
    """The signals of one series, as signals(xmr(values, break_points), dates) gives, without building the chart.

    For pages that scan many series for signals and draw none of them.
    """
    return _signals(_chart_arrays(values, break_points, floor_at_zero), dates, count_format)


def signals(chart: pd.DataFrame, dates: Sequence[Any] | pd.Series | None = None,
            count_format: Callable[[float], str] | None = None) -> list[Signal]:
    """List every signal on an xmr() chart, each with a plain-English sentence.

    ``count_format`` writes the chart's own values (the counts) in the sentences, e.g. to show small counts as
    '<5' in public output; averages and limits are not counts and keep their figures.
    """
    arrays = {name: chart[name].to_numpy() for name in _CHART_COLUMNS}
    arrays["outside"] = chart["outside_limits"].to_numpy(dtype=bool)
    return _signals(arrays, dates, count_format)


#: the numeric columns of an XmR chart, in order
_CHART_COLUMNS = ("value", "segment", "mean", "mr", "avg_mr", "unpl", "lnpl", "upper_near", "lower_near")


def _chart_arrays(
    values: Sequence[float] | np.ndarray | pd.Series, break_points: Sequence[int], floor_at_zero: bool
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
    segment = np.zeros(n, dtype=int)
    mean = np.full(n, np.nan)
    mr = np.full(n, np.nan)
    avg_mr = np.full(n, np.nan)
    for seg_id, (first, stop) in enumerate(zip(starts, [*starts[1:], n], strict=False)):
        segment[first:stop] = seg_id
        seg_values = value[first:stop]
        mean[first:stop] = seg_values.mean()
        if stop - first > 1:
            ranges = np.abs(np.diff(seg_values))
            mr[first + 1:stop] = ranges
            avg_mr[first:stop] = ranges.mean()
    half_width = LIMIT_FACTOR * avg_mr
    unpl = mean + half_width
    lnpl = np.maximum(mean - half_width, 0.0) if floor_at_zero else mean - half_width
    near = NEAR_LIMIT_FRACTION * half_width
    return {
        "value": value, "segment": segment, "mean": mean, "mr": mr, "avg_mr": avg_mr, "unpl": unpl, "lnpl": lnpl,
        "upper_near": mean + near, "lower_near": mean - near, "outside": (value > unpl) | (value < lnpl),
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


def _signals(chart: dict[str, np.ndarray], dates: Sequence[Any] | pd.Series | None,
             count_format: Callable[[float], str] | None = None) -> list[Signal]:
    """Every signal of a chart's arrays, each with a plain-English sentence."""
    count = count_format or _fmt
    label = _point_labeller(len(chart["value"]), dates)
    unit, one = ("months", "month") if dates is not None else ("points", "value")
    value, mean = chart["value"], chart["mean"]
    found: list[Signal] = []

    for i in (int(k) for k in np.flatnonzero(chart["outside"])):
        above = bool(value[i] > chart["unpl"][i])
        limit = chart["unpl"][i] if above else chart["lnpl"][i]
        side, sign = ("above the upper", ">") if above else ("below the lower", "<")
        sentence = (
            f"{label(i)} is {side} process limit ({count(value[i])} {sign} {_fmt(limit)}): "
            f"an unusual {one}."
        )
        found.append(Signal("outside_limits", int(i), int(i), "up" if above else "down", sentence))

    for start, end, direction, _points in _rule_spans(chart, "run_of_7"):
        sentence = (
            f"{end - start + 1} {unit} in a row from {label(start)} to {label(end)} are "
            f"{'above' if direction == 'up' else 'below'} the average "
            f"({_fmt(mean[start])}): a sustained shift, not chance."
        )
        found.append(Signal("run_of_7", start, end, direction, sentence))

    for start, end, direction, _points in _rule_spans(chart, "trend_of_6"):
        sentence = (
            f"{end - start + 1} {unit} in a row from {label(start)} to {label(end)} each "
            f"{'rose' if direction == 'up' else 'fell'} ({count(value[start])} to "
            f"{count(value[end])}): a steady trend, not chance."
        )
        found.append(Signal("trend_of_6", start, end, direction, sentence))

    for start, end, direction, _points in _rule_spans(chart, "two_of_three_near_limit"):
        up = direction == "up"
        line = chart["upper_near"][start] if up else chart["lower_near"][start]
        sentence = (
            f"{label(start)} to {label(end)}: 2 of 3 {unit} in a row are close to the "
            f"{'upper' if up else 'lower'} process limit ({'above' if up else 'below'} "
            f"{_fmt(line)}): an early warning of change."
        )
        found.append(Signal("two_of_three_near_limit", start, end, direction, sentence))

    found.sort(key=lambda s: (s.start_index, RULES.index(s.rule)))
    return found


Span = tuple[int, int, Literal["up", "down"], list[int] | None]


def _rule_spans(chart: dict[str, np.ndarray], rule: str) -> list[Span]:
    """Spans (start, end, direction, flagged points or None for all) of one rule, per segment."""
    spans: list[Span] = []
    for first, stop in _segment_bounds(chart["segment"]):
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
    """Month names like 'March 2025' for point i, or 'Point 3' (1-based) without dates."""
    if dates is None:
        return lambda i: f"Point {i + 1}"
    items = list(dates)
    if len(items) != n:
        raise ValueError(f"dates has {len(items)} entries but the chart has {n} points")
    if not all(isinstance(item, date) for item in items):  # datetime and pd.Timestamp are dates too
        items = list(pd.to_datetime(pd.Series(items)))
    return lambda i: items[i].strftime("%B %Y")


def _fmt(value: float) -> str:
    """Format a chart value: whole numbers without decimals, others to one decimal place."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
