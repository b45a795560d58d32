"""Disclosure control: small counts (1–4) at small-area level shown as '<5' in public output.

One rule, used by every page, CSV download and export: a count from 1 to SMALL_COUNT_MAX is small.
``suppress`` applies it to table columns, ``count_text`` to a single count written into a sentence, and
``small`` gives the mask charts use to leave such values out.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from cspdash.config import SMALL_COUNT_MAX

SUPPRESSED = f"<{SMALL_COUNT_MAX + 1}"
#: what a public export says about the rule
RULE_TEXT = (f"Public output: counts of 1–{SMALL_COUNT_MAX} for small areas and small groups are shown as "
             f"{SUPPRESSED}, and charts leave them out.")


def small(values: pd.Series) -> pd.Series:
    """True where a value is a small count (1 to SMALL_COUNT_MAX); text and blanks are not."""
    return pd.to_numeric(values, errors="coerce").between(1, SMALL_COUNT_MAX)


def is_small(value: object) -> bool:
    """One value is a small count (1 to SMALL_COUNT_MAX)."""
    return bool(small(pd.Series([value])).iat[0])


def count_text(value: object, public: bool = True) -> str:
    """A count as written in a sentence: '<5' for a small count in public output, else '1,234' ('' if blank)."""
    if value is None or pd.isna(value):
        return ""
    return SUPPRESSED if public and is_small(value) else f"{value:,.0f}"


def public_count_format(public: bool) -> Callable[[float], str] | None:
    """How a sentence writes a count: '<5' for a small one in public output (None: as it is)."""
    return (lambda value: count_text(value, True)) if public else None


def blank_small(values: list[float], counts: pd.Series, public: bool = True) -> list[float]:
    """``values`` worked out from ``counts`` (a rate, a share), blank (NaN) where the count is small in public
    output."""
    if not public:
        return values
    return [float("nan") if hide else v for v, hide in zip(values, small(counts), strict=True)]


def ward_change_text(row: Any, public: bool) -> str:
    """'123 against 98 — up 26% — …' for an area's change (``current``, ``previous``, ``sentence``); in public
    output a count of 1–4 is '<5' and its change is left out (it would give the count back)."""
    current, previous = row.current, row.previous
    text = f"{count_text(current, public)} against {count_text(previous, public)}"
    if public and (is_small(current) or is_small(previous)):
        return text + " — too few crimes to compare in public output"
    return f"{text} — {row.sentence}"


def count_columns(frame: pd.DataFrame, columns: list[str],
                  write: Callable[[object], str] = count_text) -> pd.DataFrame:
    """A copy with ``columns`` written as counts for print (``write``, by default ``count_text``: '1,234' or
    '<5')."""
    return frame.assign(**{c: [write(v) for v in frame[c]] for c in columns})


def _plain(value: object) -> str:
    """A cell as text: blank for missing, whole numbers without '.0'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return ""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def suppress(frame: pd.DataFrame, columns: list[str] | None = None,
             derived: list[str] | None = None) -> pd.DataFrame:
    """A copy with counts from 1 to SMALL_COUNT_MAX in ``columns`` (default: integer columns) replaced by '<5'.

    ``derived`` columns (a % change, a z score: figures a small count could be worked back from) are blanked
    on every row where one of ``columns`` is suppressed.
    """
    out = frame.copy()
    targets = columns if columns else [c for c in out.columns if pd.api.types.is_integer_dtype(out[c])]
    if derived and targets and not out.empty:
        hiding = pd.concat([small(out[c]) for c in targets], axis=1).any(axis=1)
        for column in derived:
            out[column] = out[column].astype(object).where(~hiding, None)
    for column in targets:
        hidden = small(out[column])
        if hidden.any():  # the whole column becomes text, so a table never mixes numbers and "<5"
            text = out[column].map(_plain)
            out[column] = text.where(~hidden, SUPPRESSED).astype(str)
    return out


# ---------------------------------------------------------------------------------------------- secondary suppression
#: a count hidden only so that a small count cannot be worked out from a total and the counts shown beside it
HIDDEN = "[c]"
HIDDEN_TEXT = (f"{HIDDEN} = hidden so that a count of 1–{SMALL_COUNT_MAX} cannot be worked out from a total and the "
               "figures shown beside it.")
_UNBOUNDED = float("inf")


def pinned(values: list[int], hidden: list[bool], secondary: list[bool], small_total: bool = False,
           unknown: list[bool] | None = None) -> list[bool]:
    """Which hidden cells an attacker can work out exactly from the group's total and its shown cells.

    A small cell is known to lie in 1..SMALL_COUNT_MAX, a cell hidden as a secondary in SMALL_COUNT_MAX+1..∞
    (the rule is public). With r = total − the shown cells, a hidden cell's possible values run from
    max(lo, r − Σ others' hi) to min(hi, r − Σ others' lo): one possible value means it is recovered.
    ``small_total``: the total is itself shown as small (1..SMALL_COUNT_MAX), not exactly: four small cells in
    a '<5' total are each 1. ``unknown``: hidden cells never shown at all, known only to be 1 or more.
    """
    lows = [(SMALL_COUNT_MAX + 1 if s else 1) if h else 0 for h, s in zip(hidden, secondary, strict=True)]
    highs = [(_UNBOUNDED if s else SMALL_COUNT_MAX) if h else 0 for h, s in zip(hidden, secondary, strict=True)]
    for index, never_shown in enumerate(unknown or ()):
        if never_shown and hidden[index]:
            lows[index], highs[index] = 1, _UNBOUNDED
    rest = sum(v for v, h in zip(values, hidden, strict=True) if h)
    rest_low = rest_high = rest
    if small_total:
        shown = sum(v for v, h in zip(values, hidden, strict=True) if not h)
        rest_low, rest_high = 1 - shown, SMALL_COUNT_MAX - shown
    low_sum = sum(lows)
    finite_high = sum(h for h in highs if h != _UNBOUNDED)
    unbounded = sum(1 for h in highs if h == _UNBOUNDED)
    out = []
    for index, is_hidden in enumerate(hidden):
        if not is_hidden:
            out.append(False)
            continue
        # the others' highest sum, without this cell (inf - inf would be nan and pin nothing)
        mine = highs[index] == _UNBOUNDED
        others_high = _UNBOUNDED if unbounded - mine > 0 else finite_high - (0 if mine else highs[index])
        low = max(lows[index], rest_low - others_high)
        high = min(highs[index], rest_high - (low_sum - lows[index]))
        out.append(low >= high)
    return out


def protect(values: pd.Series, groups: list[list[object]] | None = None,
            also: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """(primary, secondary) masks over ``values`` (counts, indexed by cell).

    Primary: the small counts (1..SMALL_COUNT_MAX). Secondary: further cells, smallest first, hidden in each
    group (a set of index labels whose total is published elsewhere: a ward's LSOAs, a partnership's areas, a
    period's months) until no hidden cell of the group can be worked out from the total and the shown cells
    (``pinned``). Where no shown cell is left to hide (all the others are 0 or hidden: four counts of 1 in a
    total written '<5', two 4s in a total of 8), the group's hidden cells are written '[c]' rather than '<5'
    (the total, published elsewhere, would pin them at 1–4). ``also`` marks cells to hide as secondaries from
    the start, written '[c]' even when small (a small total whose members would give it back). Groups are
    revisited until none changes, since they overlap (an LSOA is in its ward and in the partnership).
    """
    counts = pd.to_numeric(values, errors="coerce").fillna(0)
    primary = small(counts)
    secondary = pd.Series(False, index=counts.index)
    if also is not None:  # cells hidden for a reason outside these groups (e.g. a ward exposed by its LSOAs)
        secondary = also.reindex(counts.index).fillna(False).astype(bool) & (counts > 0)
        primary &= ~secondary
    changed = True
    while changed:
        changed = False
        for group in groups or []:
            members = [m for m in group if m in counts.index]
            while True:
                hidden = [bool(primary[m] or secondary[m]) for m in members]
                if not any(hidden):
                    break
                flags = pinned([int(counts[m]) for m in members], hidden, [bool(secondary[m]) for m in members])
                if not any(flags):
                    break
                candidates = [m for m, h in zip(members, hidden, strict=True) if not h and counts[m] > SMALL_COUNT_MAX]
                if not candidates:  # nothing left to hide: its '<5's are written '[c]' (not bounded to 1–4)
                    filled = [m for m, h in zip(members, hidden, strict=True) if h and primary[m]]
                    for m in filled:
                        primary[m], secondary[m] = False, True
                    changed = changed or bool(filled)
                    break
                secondary[min(candidates, key=lambda m: (counts[m], str(m)))] = True
                changed = True
    return primary, secondary


def group_exposed(values: pd.Series, hidden: pd.Series, group: list[object]) -> bool:
    """A group whose hidden cells can still be worked out from its total (its total must then not be shown)."""
    members = [m for m in group if m in values.index]
    counts = pd.to_numeric(values, errors="coerce").fillna(0)
    flags = [bool(hidden[m]) for m in members]
    secondary = [bool(hidden[m]) and counts[m] > SMALL_COUNT_MAX for m in members]
    return any(pinned([int(counts[m]) for m in members], flags, secondary))


# ---------------------------------------------------------------------------------------------- cells and totals
Cell = Hashable
Group = tuple[Cell | None, list[Cell]]


def protect_cells(values: dict[Cell, float], groups: list[Group],
                  also: set[Cell] | None = None) -> tuple[set[Cell], set[Cell]]:
    """(primary, secondary) hidden cells of a table whose cells add up in ``groups``.

    ``values`` holds every cell's count (a cell not in it is 0). Each group is (total cell, member cells): the
    total, when it is itself a cell, is shown unless hidden, and ``None`` means a total published elsewhere.
    Primary: counts of 1..SMALL_COUNT_MAX. Secondary: in a group whose shown total lets an attacker pin a hidden
    member (``pinned``), the smallest shown member above SMALL_COUNT_MAX is hidden too, and when none is left
    the total itself; a small total whose members' '<5's fill it (four months of '<5' in a '<5' year: each is 1)
    is written '[c]' rather than '<5'; groups are revisited until none changes (they overlap: a month is in its quarter, its
    year, its ward's and its partnership's totals). ``also``: cells hidden from the start for a reason outside
    these groups (secondary unless small), protected like the others.
    """
    primary = {c for c, v in values.items() if 1 <= v <= SMALL_COUNT_MAX}
    secondary: set[Cell] = set(also or ()) - primary
    changed = True
    while changed:
        changed = False
        for total, members in groups:
            if total is not None and total in primary:  # shown '<5': it pins only when its members' '<5' fill it
                hidden = [m in primary or m in secondary for m in members]
                if any(hidden) and any(pinned([int(values.get(m, 0)) for m in members], hidden,
                                              [m in secondary for m in members], small_total=True)):
                    primary.discard(total)  # shown '[c]' instead: its members then pin nothing
                    secondary.add(total)
                    changed = True
                continue
            if total is not None and total in secondary:
                continue  # the total is not shown: it pins nothing
            while True:
                hidden = [m in primary or m in secondary for m in members]
                if not any(hidden):
                    break
                counts = [int(values.get(m, 0)) for m in members]
                if not any(pinned(counts, hidden, [m in secondary for m in members])):
                    break
                candidates = [m for m, h, v in zip(members, hidden, counts, strict=True)
                              if not h and v > SMALL_COUNT_MAX]
                if candidates:
                    secondary.add(min(candidates, key=lambda m: (values.get(m, 0), str(m))))
                elif total is not None:
                    secondary.add(total)
                    changed = True
                    break
                else:
                    break
                changed = True
    return primary, secondary


def shown_text(value: object, is_primary: bool, is_secondary: bool) -> str:
    """A count as a public table writes it: '<5' (small), '[c]' (hidden beside a small one) or the number."""
    if is_primary:
        return SUPPRESSED
    if is_secondary:
        return HIDDEN
    return _plain(value)


# ---------------------------------------------------------------------------------------------- crime trends
def _quarter(month: date) -> date:
    return date(month.year, (month.month - 1) // 3 * 3 + 1, 1)


def _year(month: date) -> date:
    return date(month.year if month.month >= 4 else month.year - 1, 4, 1)


#: the lengths of the period a page may choose (ui.filters' "Period length"): each gives a window ending at the
#: chosen month and the window before it, whose totals Hot spots publishes per area
PERIOD_LENGTHS = (12, 6, 3)


def period_windows(end: date, lengths: tuple[int, ...] = PERIOD_LENGTHS) -> list[tuple[date, date]]:
    """(first, last month) of every period a page may show ending at ``end``, and of the period before each."""
    out = []
    for length in lengths:
        out.append((_month_back(end, length - 1), end))
        out.append((_month_back(end, 2 * length - 1), _month_back(end, length)))
    return out


def trend_cells(counts: pd.DataFrame, partnership: str, months: list[date],
                windows: list[tuple[date, date]] | None = None) -> tuple[dict[Cell, float], list[Group]]:
    """The cells of every trends view (level, area, grain, period) and how they add up.

    ``counts``: lsoa_code, ward_code, month, crimes (the partnership's LSOA months, '' for no LSOA / no ward).
    Grains: month, quarter, financial year ('fy') and the ``windows`` (grain 'window', keyed by (first, last
    month): the periods whose per-area totals Hot spots shows); levels: lsoa, ward, partnership. Groups: a
    quarter, a year and a window are the sum of their months (a year also of its quarters), a ward is the sum of
    its LSOAs and the partnership the sum of its wards and of its LSOAs, at every grain. One table of cells for
    Crime trends and Hot spots, so that what one page hides the other does not show.
    """
    values: dict[Cell, float] = {}
    groups: list[Group] = []
    wards: dict[str, set[str]] = {}
    for lsoa, ward in zip(counts["lsoa_code"], counts["ward_code"], strict=True):
        wards.setdefault(str(ward), set()).add(str(lsoa))
    areas = {"lsoa": sorted({a for s in wards.values() for a in s}), "ward": sorted(wards),
             "partnership": [partnership]}
    grains: dict[str, dict[Any, list[date]]] = {"month": {m: [m] for m in months}, "quarter": {}, "fy": {},
                                                "window": {}}
    for month in months:
        grains["quarter"].setdefault(_quarter(month), []).append(month)
        grains["fy"].setdefault(_year(month), []).append(month)
    for first, last in windows or []:
        inside = [m for m in months if first <= m <= last]
        if inside:
            grains["window"][(first, last)] = inside
    in_window: dict[date, list[tuple[date, date]]] = {}
    for key, members in grains["window"].items():
        for month in members:
            in_window.setdefault(month, []).append(key)
    frame = counts[counts["month"].isin(set(months))]
    for (lsoa, ward, month), crimes in frame.groupby(["lsoa_code", "ward_code", "month"])["crimes"].sum().items():
        keys = [("month", month), ("quarter", _quarter(month)), ("fy", _year(month))]
        keys += [("window", key) for key in in_window.get(month, [])]
        for level, area in (("lsoa", lsoa), ("ward", ward), ("partnership", partnership)):
            for grain, key in keys:
                cell = (level, str(area), grain, key)
                values[cell] = values.get(cell, 0) + float(crimes)
    for level, codes in areas.items():
        for area in codes:
            for key, members in grains["window"].items():
                groups.append(((level, area, "window", key), [(level, area, "month", m) for m in members]))
                # and as its whole quarters and the months outside them (a hidden quarter is pinned otherwise)
                whole = [q for q, ms in grains["quarter"].items() if set(ms) <= set(members) and len(ms) == 3]
                if whole:
                    rest = [m for m in members if _quarter(m) not in whole]
                    parts: list[Cell] = [(level, area, "quarter", q) for q in whole]
                    groups.append(((level, area, "window", key), parts + [(level, area, "month", m) for m in rest]))
            for grain in ("quarter", "fy"):
                for key, members in grains[grain].items():
                    groups.append(((level, area, grain, key), [(level, area, "month", m) for m in members]))
            for key in grains["fy"]:
                quarters = [q for q in grains["quarter"] if _year(q) == key]
                if quarters and all(_year(m) == key for q in quarters for m in grains["quarter"][q]):
                    groups.append(((level, area, "fy", key), [(level, area, "quarter", q) for q in quarters]))
    for grain, periods in grains.items():
        for key in periods:
            for ward, lsoas in wards.items():
                groups.append((("ward", ward, grain, key), [("lsoa", a, grain, key) for a in sorted(lsoas)]))
            groups.append((("partnership", partnership, grain, key), [("ward", w, grain, key) for w in sorted(wards)]))
            groups.append((("partnership", partnership, grain, key), [("lsoa", a, grain, key) for a in areas["lsoa"]]))
    return values, groups


def trend_hidden(counts: pd.DataFrame, partnership: str, months: list[date],
                 windows: list[tuple[date, date]] | None = None) -> tuple[set[Cell], set[Cell]]:
    """(primary, secondary) hidden trend cells (see ``trend_cells``)."""
    values, groups = trend_cells(counts, partnership, months, windows)
    return protect_cells(values, groups)


def hide_trend(frame: pd.DataFrame, level: str, grain: str, primary: set[Cell], secondary: set[Cell]) -> pd.DataFrame:
    """The trends frame as public output may show it: a hidden cell's count and rate are blank (a gap in the
    chart), last year's figures blank where that period is hidden, the rolling 12-month sums blank where any month
    of their window is hidden (two overlapping sums differ by two months' counts), a rate blank where the crimes
    it counts (those in areas with residents) are 1–4; ``crimes_shown`` writes each count as the table shows it."""
    out = frame.copy()
    if out.empty:
        return out.assign(crimes_shown=pd.Series(dtype=str))
    hidden = primary | secondary

    def cell(area: object, key: date) -> tuple[str, str, str, date]:
        return (level, str(area), grain, key)

    is_primary = [cell(a, p) in primary for a, p in zip(out["area_code"], out["period"], strict=True)]
    is_secondary = [cell(a, p) in secondary for a, p in zip(out["area_code"], out["period"], strict=True)]
    gone = np.array(is_primary) | np.array(is_secondary)
    out["crimes_shown"] = [shown_text(v, p, s) for v, p, s in zip(out["crimes"], is_primary, is_secondary,
                                                                  strict=True)]
    if "crimes_with_population" in out:
        gone_rate = gone | small(out["crimes_with_population"]).to_numpy()
    else:
        gone_rate = gone
    before = np.array([cell(a, date(p.year - 1, p.month, 1)) in hidden
                       for a, p in zip(out["area_code"], out["period"], strict=True)])
    for column in ("crimes", "crimes_with_population"):
        if column in out:
            out[column] = out[column].astype("Float64").mask(gone)
    out["rate"] = out["rate"].mask(gone_rate)
    for column in ("last_year", "last_year_rate"):
        if column in out:
            out[column] = out[column].astype("Float64" if column == "last_year" else float).mask(before)
    if "rolling_12" in out:
        months: dict[str, set[date]] = {}
        for key in hidden:
            parts: tuple[str, str, str, date] = key  # type: ignore[assignment]
            if parts[0] == level and parts[2] == "month":
                months.setdefault(parts[1], set()).add(parts[3])
        window = np.array([any(_month_back(p, i) in months.get(str(a), ()) for i in range(12))
                           for a, p in zip(out["area_code"], out["period"], strict=True)])
        for column in ("rolling_12", "rolling_12_rate"):
            out[column] = out[column].astype(float).mask(window)
    return out


def _month_back(month: date, back: int) -> date:
    index = month.year * 12 + month.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)
