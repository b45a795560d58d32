"""Rates printed with enough decimals that two different rates never look alike (0.2 vs 0.2 at +3% and +15%)."""

from __future__ import annotations

import math
from collections.abc import Iterable

MAX_DECIMALS = 4


def rate_decimals(values: Iterable[float | None]) -> int:
    """The fewest decimals (at least 1, at most MAX_DECIMALS) giving every rate two significant figures and
    different rates different texts. Rates equal but for floating-point noise (a group of one member pooled
    against that member: 85.61052129 and 85.61052129000001) count as one."""
    numbers = sorted({round(float(v), 9) for v in values if v is not None and not math.isnan(float(v))})
    decimals = 1
    nonzero = [abs(v) for v in numbers if v != 0]
    if nonzero:
        decimals = max(decimals, 1 - math.floor(math.log10(min(nonzero))))
    decimals = min(decimals, MAX_DECIMALS)
    while decimals < MAX_DECIMALS and len({f"{v:,.{decimals}f}" for v in numbers}) < len(numbers):
        decimals += 1
    return decimals


def rate_texts(values: Iterable[float | None]) -> list[str]:
    """Each rate as text, all with the same decimals (rate_decimals); 'n/a' for a missing one."""
    items = list(values)
    decimals = rate_decimals(items)
    return ["n/a" if v is None or math.isnan(float(v)) else f"{float(v):,.{decimals}f}" for v in items]
