"""Disclosure control for every area × period × crime type view of a partnership, worked out once.

Crime trends and Hot spots show the same cells: a count per area (LSOA, ward, partnership), per period (month,
quarter, financial year, and every period a page may choose: each end month × disclosure.PERIOD_LENGTHS, with the
period before it) and per crime type choice (each type, 'all crime' = every type but ASB, 'all types' = all
crime + ASB). The cells add up three ways, and an attacker may combine any views: areas (a ward is the sum of its
LSOAs), time (a quarter, a year and a period are sums of months) and type (all crime is the sum of its types).
So one table is protected for the partnership, whatever end, length or type a page chooses:

- months, quarters and years of every choice by ``protect_table`` (the rule of disclosure.protect_cells, each
  group rechecked when one of its cells changes) with the area, time and type groups. A single LSOA's months,
  quarters and years are never published (``unpublished``): nearly all are small, and publishing them tied every
  ward's and the partnership's months to them, so that all of them were hidden. A ward's or the partnership's
  series with more than half its months hidden is hidden whole (``_mostly_hidden``), which keeps its periods;
- a period (``window``: any end × length, the period before it, a quarter or year cut short) is a total of its
  months, shown unless hidden (``_window_status``): per series (choice, level, area) the periods are tried latest
  end first, 12 months before 6 and 3, and one is hidden only where, with the quarters, years and periods already
  shown, it would pin a hidden month or a '<5' (``_Runs``: exact bounds from every sum, difference and overlap of
  periods, so two ends or two lengths give nothing back); then the periods' area and type sums by the same rule
  as the months, a period whose months are all shown never counting as hidden. A period of 1–4 is '<5', or '[c]'
  when its '<5' would pin its hidden months.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd

from cspdash.config import SMALL_COUNT_MAX
from cspdash.metrics.disclosure import PERIOD_LENGTHS, Cell, Group, _month_back, _quarter, _year
from cspdash.metrics.hidden_cells import HiddenCells
from cspdash.metrics.table_protection import Protector, protect_table

ALL_TYPES = "all types"
ALL_CRIME = "all crime"
LEVELS = ("lsoa", "ward", "partnership")
#: levels whose months, quarters and years public output never shows (``published``)
UNPUBLISHED_LEVELS = ("lsoa",)


def published(level: str, grain: str) -> bool:
    """Whether public output publishes an area's figures of this grain at this level: every level's, except a
    single LSOA's months, quarters and years (``UNPUBLISHED_LEVELS``). Nearly all of those are small counts, and
    publishing them with every total they add up to tied the partnership's and the wards' months to them:
    protecting them hid every month of every Gwent partnership (bench/README.md, 'Public output'). An LSOA's periods
    (3, 6 and 12 months, grain ``window``: the Hot spots map) are published, protected."""
    return level not in UNPUBLISHED_LEVELS or grain == "window"


#: (primary, secondary) hidden cells (level, area, grain, key) of each choice, held compactly (metrics.hidden_cells)
Protection = dict[str, tuple[HiddenCells, HiddenCells]]


def _period_last(first: date, grain: str) -> date:
    return _month_back(first, -(2 if grain == "quarter" else 11))


def all_windows(months: list[date], lengths: tuple[int, ...] = PERIOD_LENGTHS) -> dict[tuple[date, date], list[date]]:
    """Every run of months a page may add up, (first, last month) → its published months: each published month
    as the end of each period length, with the period before it (Hot spots), and a quarter or a financial year cut
    short by any chosen end or any series start (Crime trends' first and last periods; the series starts 12 months
    before the shown range, so before the first published month too)."""
    out: dict[tuple[date, date], list[date]] = {}

    def add(first: date, last: date) -> None:
        inside = [m for m in months if first <= m <= last]
        if inside and (first, last) not in out:
            out[(first, last)] = inside

    if not months:
        return out
    for end in months:
        for length in lengths:
            for last in (end, _month_back(end, length)):
                add(_month_back(last, length - 1), last)
        add(_quarter(end), end)
        add(_year(end), end)
    month = _month_back(months[0], 12)
    while month <= months[-1]:
        add(month, _period_last(_quarter(month), "quarter"))
        add(month, _period_last(_year(month), "fy"))
        month = _month_back(month, -1)
    return out


def cut_period(period: date, grain: str, first: date, last: date) -> tuple[date, date] | None:
    """The window a quarter or year starting ``period`` is cut to by a series running ``first``–``last`` (None:
    not cut, the whole period's own cell)."""
    start, end = max(period, first), min(_period_last(period, grain), last)
    return None if (start, end) == (period, _period_last(period, grain)) else (start, end)


def _long(counts: pd.DataFrame, partnership: str, asb: str) -> pd.DataFrame:
    """Counts (lsoa_code, ward_code, month, crime_type, crimes) as rows of (choice, level, area, month, crimes)."""
    base = counts.assign(crimes=counts["crimes"].astype(float))
    parts = [base.assign(choice=base["crime_type"].astype(str)),
             base[base["crime_type"] != asb].assign(choice=ALL_CRIME), base.assign(choice=ALL_TYPES)]
    every = pd.concat(parts, ignore_index=True)
    frames = []
    for level, column in (("lsoa", "lsoa_code"), ("ward", "ward_code"), ("partnership", None)):
        area = every[column].astype(str) if column else pd.Series(partnership, index=every.index)
        frames.append(every.assign(level=level, area=area).groupby(["choice", "level", "area", "month"],
                                                                   as_index=False)["crimes"].sum())
    out = pd.concat(frames, ignore_index=True)
    return out[out["crimes"] != 0]


def area_table(counts: pd.DataFrame, partnership: str, months: list[date], asb: str
               ) -> tuple[dict[Cell, float], list[Group]]:
    """Cells (choice, level, area, grain, key) for grains month, quarter and fy, and the groups they add up in."""
    rows = _long(counts[counts["month"].isin(set(months))], partnership, asb)
    values: dict[Cell, float] = {}
    for grain, keyed in (("month", rows["month"]), ("quarter", rows["month"].map(_quarter)),
                         ("fy", rows["month"].map(_year))):
        sums = rows.assign(key=keyed).groupby(["choice", "level", "area", "key"])["crimes"].sum()
        values.update({(c, lv, a, grain, k): float(v) for (c, lv, a, k), v in sums.items()})
    ward_of = counts.drop_duplicates("lsoa_code").set_index("lsoa_code")["ward_code"].astype(str).to_dict()
    return values, _sum_groups(values, partnership, ward_of, asb)


def _sum_groups(values: dict[Cell, float], partnership: str, ward_of: dict[str, str], asb: str) -> list[Group]:
    """The groups the cells (choice, level, area, grain, key) add up in: time (months in their quarter and year,
    quarters in their year), areas (LSOAs in their ward and the partnership, wards in the partnership) and types
    (each type in all crime and every type, all crime + ASB in every type)."""
    members: dict[tuple, list[Cell]] = {}  # (kind, total cell) → its non-zero members
    for cell in values:
        choice, level, area, grain, key = cast(tuple[str, str, str, str, Any], cell)
        if grain == "month":
            for g, k in (("quarter", _quarter(key)), ("fy", _year(key))):
                members.setdefault(("time", (choice, level, area, g, k)), []).append(cell)
        elif grain == "quarter":
            members.setdefault(("quarters", (choice, level, area, "fy", _year(key))), []).append(cell)
        if level == "lsoa":
            members.setdefault(("area", (choice, "ward", ward_of.get(area, ""), grain, key)), []).append(cell)
            members.setdefault(("area", (choice, "partnership", partnership, grain, key)), []).append(cell)
        elif level == "ward":
            members.setdefault(("wards", (choice, "partnership", partnership, grain, key)), []).append(cell)
        if choice not in (ALL_TYPES, ALL_CRIME):
            members.setdefault(("types", (ALL_TYPES, level, area, grain, key)), []).append(cell)
            if choice != asb:
                members.setdefault(("types", (ALL_CRIME, level, area, grain, key)), []).append(cell)
        elif choice == ALL_CRIME:
            members.setdefault(("layers", (ALL_TYPES, level, area, grain, key)), []).append(cell)
            asb_cell = (asb, level, area, grain, key)
            if asb_cell in values:
                members.setdefault(("layers", (ALL_TYPES, level, area, grain, key)), []).append(asb_cell)
        if choice == asb and grain == "window" and (ALL_CRIME, level, area, grain, key) not in values:  # derivable
            members.setdefault(("layers", (ALL_TYPES, level, area, grain, key)), []).append(cell)
    return [(total, cells) for (_kind, total), cells in members.items()]


_BIG = 1e6  # no upper bound ('[c]'): large enough that no sum of counts reaches it


class _Runs:
    """What an attacker knows of one series' hidden months (months worked out from its shown periods): the
    prefix sums S_0..S_k of its k hidden months, as difference bounds D[u, v] >= S_v - S_u closed under
    shortest paths (so every combination of periods, their overlaps and differences, is taken into account)."""

    def __init__(self, low: np.ndarray, high: np.ndarray) -> None:
        up, down = np.concatenate([[0.0], np.cumsum(high)]), np.concatenate([[0.0], np.cumsum(low)])
        self.d = np.where(np.arange(len(up))[:, None] <= np.arange(len(up))[None, :],
                          up[None, :] - up[:, None], down[None, :] - down[:, None])
        self.small: list[tuple[int, int]] = []  # runs hidden as '<5' (must not be pinned either)

    def add(self, u: int, v: int, w: float) -> None:
        """S_v - S_u <= w."""
        if w < self.d[u, v]:
            self.d = np.minimum(self.d, self.d[:, u:u + 1] + w + self.d[v:v + 1, :])

    def pinned(self) -> bool:
        d = self.d
        steps = np.arange(1, len(d))
        if (d[steps - 1, steps] + d[steps, steps - 1] <= 0).any():
            return True
        return any(d[u, v] + d[v, u] <= 0 for u, v in self.small)

    def tries(self, edges: list[tuple[int, int, float]], small: tuple[int, int] | None = None) -> bool:
        """Adds the edges (and the '<5' run) unless a hidden month or '<5' run would then be pinned."""
        saved, size = self.d, len(self.small)
        for u, v, w in edges:
            self.add(u, v, w)
        if small is not None:
            self.small.append(small)
        if self.pinned():
            self.d = saved
            del self.small[size:]
            return False
        return True


def _window_rank(key: tuple[date, date], months: list[date], lengths: tuple[int, ...]) -> tuple[int, int]:
    """Which window is kept first where two would pin a month: the later end (a window is the period of the end
    it closes and the period before of the end ``length`` months on), then the page's order of lengths (12, 6, 3),
    the period itself before the one before it; a quarter or year cut short last."""
    first, last = key
    best = (len(months), 2 * len(lengths))
    for rank, length in enumerate(lengths):
        if first != _month_back(last, length - 1):
            continue
        for end, role in ((last, 0), (_month_back(last, -length), 1)):
            if end <= months[-1]:
                best = min(best, (sum(1 for m in months if m > end), 2 * rank + role))
    return best


def _series_windows(value: np.ndarray, hidden: np.ndarray, secondary: np.ndarray, unknown: bool | np.ndarray,
                    periods: list[tuple[int, int, int]], spans: list[tuple[int, int]], order: list[int],
                    totals: np.ndarray) -> tuple[list[int], list[int]]:
    """(primary, secondary) window indexes of one series: its months' values, hidden, secondary and unpublished flags, its
    quarters and years as (first, last month index, 0 shown / 1 '<5' / 2 '[c]'), every window's span, and the
    order they are tried in, and the windows' totals. A window is shown unless, with what is already shown, it pins a hidden month."""
    low = np.where(secondary & ~np.asarray(unknown, dtype=bool), np.where(value > SMALL_COUNT_MAX, SMALL_COUNT_MAX + 1.0, 1.0), 1.0)[hidden]
    high = np.where(secondary, _BIG, float(SMALL_COUNT_MAX))[hidden]
    runs = _Runs(low, high)
    count = np.concatenate([[0], np.cumsum(hidden)])
    worth = np.concatenate([[0.0], np.cumsum(np.where(hidden, value, 0.0))])

    def run(first: int, last: int) -> tuple[int, int, float]:
        return int(count[first]), int(count[last + 1]), float(worth[last + 1] - worth[first])

    for first, last, status in periods:
        u, v, r = run(first, last)
        if v > u and status == 0:
            runs.add(u, v, r)
            runs.add(v, u, -r)
        elif v > u and status == 1:  # '<5': its shown months are 0
            runs.add(u, v, float(SMALL_COUNT_MAX))
            runs.add(v, u, -1.0)
            runs.small.append((u, v))
    prim: list[int] = []
    sec: list[int] = []
    done: dict[tuple[int, int], int] = {}
    for w in order:
        u, v, r = run(*spans[w])
        if v == u:
            continue
        if (u, v) not in done:
            if 1 <= totals[w] <= SMALL_COUNT_MAX:
                done[(u, v)] = 1 if runs.tries([(u, v, float(SMALL_COUNT_MAX)), (v, u, -1.0)], (u, v)) else 2
            else:
                done[(u, v)] = 0 if runs.tries([(u, v, r), (v, u, -r)]) else 2
        (prim if done[(u, v)] == 1 else sec if done[(u, v)] == 2 else []).append(w)
    return prim, sec


def _window_status(values: dict[Cell, float], primary: set[Cell], secondary: set[Cell], months: list[date],
                   windows: dict[tuple[date, date], list[date]], partnership: str, ward_of: dict[str, str],
                   asb: str) -> tuple[set[Cell], set[Cell]]:
    """(primary, secondary) hidden windows. Each series (choice, level, area) on its own first: a window is a
    total of its months, shown unless with the quarters, years and windows already shown it would pin a hidden
    month or a '<5' (``_Runs``: every difference and overlap of periods), tried in ``_window_rank``'s order;
    '<5' when 1–4. Then across areas and types (the window cells' area and type sums):
    disclosure.protect_cells' rule over the window cells, smallest shown window hidden first."""
    series = sorted({c[:3] for c in values if c[3] == "month"})  # type: ignore[index]
    at_month = {m: j for j, m in enumerate(months)}
    row = {s: i for i, s in enumerate(series)}
    value = np.zeros((len(series), len(months)))
    hidden = np.zeros(value.shape, dtype=bool)
    second = np.zeros(value.shape, dtype=bool)
    for cell, v in values.items():
        if cell[3] == "month":  # type: ignore[index]
            i, j = row[cell[:3]], at_month[cell[4]]  # type: ignore[index]
            value[i, j], hidden[i, j], second[i, j] = v, cell in primary or cell in secondary, cell in secondary
    keys = list(windows)
    spans = [(at_month[windows[k][0]], at_month[windows[k][-1]]) for k in keys]
    order = sorted(range(len(keys)), key=lambda w: (_window_rank(keys[w], months, PERIOD_LENGTHS), w))
    periods: dict[tuple[str, Any], tuple[int, int]] = {}
    for grain, cut in (("quarter", _quarter), ("fy", _year)):
        for j, m in enumerate(months):
            first, _last = periods.get((grain, cut(m)), (j, j))
            periods[(grain, cut(m))] = (first, j)
    inc = np.zeros((len(months), len(keys)))
    for w, (first, last) in enumerate(spans):
        inc[first:last + 1, w] = 1
    totals = value @ inc
    prim: set[Cell] = set()
    sec: set[Cell] = set()
    for i in map(int, np.nonzero(hidden.any(axis=1))[0]):
        s = series[i]
        status = [(first, last, 1 if (*s, g, k) in primary else 2 if (*s, g, k) in secondary else 0)  # type: ignore[misc]
                  for (g, k), (first, last) in periods.items()]
        p, q = _series_windows(value[i], hidden[i], second[i], not published(series[i][1], "month"), status, spans,
                               order, totals[i])
        prim |= {(*s, "window", keys[w]) for w in p}  # type: ignore[misc]
        sec |= {(*s, "window", keys[w]) for w in q}  # type: ignore[misc]
    # a window whose months are all shown is known whatever it is written as: it is left out of the area and type
    # sums (a shown member adds nothing to what pins a hidden one), and never chosen to be hidden
    open_ = (totals != 0) & (hidden.astype(float) @ inc > 0)
    cells: dict[Cell, float] = {(*series[i], "window", keys[w]): float(totals[i, w])  # type: ignore[misc]
                                for i, w in zip(*np.nonzero(open_), strict=True)}
    table = Protector(cells, _sum_groups(cells, partnership, ward_of, asb), lookahead=True)
    for cell in sorted(sec, key=str):  # in one order: each server process hides the same cells
        table.hide(cell)
    table.run()
    return table.primary, table.secondary


def month_masks(primary: HiddenCells, secondary: HiddenCells, level: str, code: str, months: list[date]
                ) -> tuple[list[bool], list[bool]]:
    """(primary, secondary) flags of an area's months, in order. Where public output does not publish the level's
    months (``published``), every month is '[c]', months with no crime too (they are no cells of the
    protection, so they are not found hidden in it, and shown as 0 they would give the pattern away)."""
    if not published(level, "month"):
        return [False] * len(months), [True] * len(months)
    return ([(level, code, "month", m) in primary for m in months],
            [(level, code, "month", m) in secondary for m in months])


def unpublished(values: dict[Cell, float]) -> frozenset[Cell]:
    """The cells (choice, level, area, grain, key) public output never shows (``published``)."""
    return frozenset(c for c in values if not published(c[1], c[3]))  # type: ignore[index]


def protect_months(counts: pd.DataFrame, partnership: str, months: list[date], asb: str
                   ) -> tuple[dict[Cell, float], set[Cell], set[Cell]]:
    """(cells, primary, secondary) of the months, quarters and years of every choice: what Crime trends' monthly
    series and Compare need, without the periods (``protect_windows`` adds them; it hides no month)."""
    values, groups = area_table(counts, partnership, months, asb)
    primary, secondary = protect_table(values, groups, unpublished=unpublished(values))
    return values, primary, secondary | _mostly_hidden(values, primary, secondary)


#: a ward's or partnership's series with more than this share of its months hidden has them all hidden
MOSTLY_HIDDEN = 0.5


def _mostly_hidden(values: dict[Cell, float], primary: set[Cell], secondary: set[Cell]) -> set[Cell]:
    """The months of every ward and partnership series (choice, level, area) more than ``MOSTLY_HIDDEN`` of whose
    months are hidden. A chart with a few months shown says little, and each shown month beside a hidden one costs
    the series its periods (two 12-month totals a month apart differ by the month that came in less the one that
    went out); with them all hidden, the periods can be shown. Hiding more never gives a count back."""
    shown: dict[tuple, list[Cell]] = {}
    hidden: dict[tuple, int] = {}
    for cell in values:
        if cell[3] == "month" and published(cell[1], "month"):  # type: ignore[index]
            key = cell[:3]  # type: ignore[index]
            if cell in primary or cell in secondary:
                hidden[key] = hidden.get(key, 0) + 1
            else:
                shown.setdefault(key, []).append(cell)
    return {c for key, cells in shown.items() if hidden.get(key, 0) > MOSTLY_HIDDEN * (hidden.get(key, 0) + len(cells))
            for c in cells}


def protect_windows(counts: pd.DataFrame, partnership: str, months: list[date], asb: str, values: dict[Cell, float],
                    primary: set[Cell], secondary: set[Cell]) -> tuple[set[Cell], set[Cell]]:
    """(primary, secondary) hidden periods of every choice (``_window_status``), given ``protect_months``."""
    ward_of = counts.drop_duplicates("lsoa_code").set_index("lsoa_code")["ward_code"].astype(str).to_dict()
    return _window_status(values, primary, secondary, months, all_windows(months), partnership, ward_of, asb)


def by_choice(primary: set[Cell], secondary: set[Cell]) -> Protection:
    """Hidden cells (choice, level, area, grain, key) as (primary, secondary) cells (level, area, grain, key) of
    each choice."""
    out: dict[str, tuple[set[Cell], set[Cell]]] = {}
    for which, cells in ((0, primary), (1, secondary)):
        for cell in cells:
            choice, rest = cell[0], cell[1:]  # type: ignore[index]
            out.setdefault(choice, (set(), set()))[which].add(rest)
    return {c: (HiddenCells(p), HiddenCells(s)) for c, (p, s) in out.items()}


def protect_area_table(counts: pd.DataFrame, partnership: str, months: list[date], asb: str) -> Protection:
    """(primary, secondary) hidden cells of every choice (each crime type in ``counts``, ALL_CRIME, ALL_TYPES),
    keyed (level, area, grain, key) as disclosure.trend_cells keys them, over ``months`` and every window."""
    values, primary, secondary = protect_months(counts, partnership, months, asb)
    w_primary, w_secondary = protect_windows(counts, partnership, months, asb, values, primary, secondary)
    return by_choice(primary | w_primary, secondary | w_secondary)
