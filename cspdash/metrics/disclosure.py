"""Disclosure control: small counts (1–4) at small-area level shown as '<5' in public output.

One rule, used by every page, CSV download and export: a count from 1 to SMALL_COUNT_MAX is small.
``suppress`` applies it to table columns, ``count_text`` to a single count written into a sentence, and
``small`` gives the mask charts use to leave such values out.
"""

from __future__ import annotations

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


def count_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy with ``columns`` written as counts for print (``count_text``: '1,234' or '<5')."""
    return frame.assign(**{c: [count_text(v) for v in frame[c]] for c in columns})


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


def pinned(values: list[int], hidden: list[bool], secondary: list[bool]) -> list[bool]:
    """Which hidden cells an attacker can work out exactly from the group's total and its shown cells.

    A small cell is known to lie in 1..SMALL_COUNT_MAX, a cell hidden as a secondary in SMALL_COUNT_MAX+1..∞
    (the rule is public). With r = total − the shown cells, a hidden cell's possible values run from
    max(lo, r − Σ others' hi) to min(hi, r − Σ others' lo): one possible value means it is recovered.
    """
    lows = [(SMALL_COUNT_MAX + 1 if s else 1) if h else 0 for h, s in zip(hidden, secondary, strict=True)]
    highs = [(_UNBOUNDED if s else SMALL_COUNT_MAX) if h else 0 for h, s in zip(hidden, secondary, strict=True)]
    rest = sum(v for v, h in zip(values, hidden, strict=True) if h)
    low_sum, high_sum = sum(lows), sum(highs)
    out = []
    for index, is_hidden in enumerate(hidden):
        if not is_hidden:
            out.append(False)
            continue
        low = max(lows[index], rest - (high_sum - highs[index]))
        high = min(highs[index], rest - (low_sum - lows[index]))
        out.append(low >= high)
    return out


def protect(values: pd.Series, groups: list[list[object]] | None = None,
            also: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """(primary, secondary) masks over ``values`` (counts, indexed by cell).

    Primary: the small counts (1..SMALL_COUNT_MAX). Secondary: further cells, smallest first, hidden in each
    group (a set of index labels whose total is published elsewhere: a ward's LSOAs, a partnership's areas, a
    period's months) until no hidden cell of the group can be worked out from the total and the shown cells
    (``pinned``). ``also`` marks cells to hide as secondaries from the start. Groups are revisited until none changes, since they overlap (an LSOA is in its ward and in
    the partnership).
    """
    counts = pd.to_numeric(values, errors="coerce").fillna(0)
    primary = small(counts)
    secondary = pd.Series(False, index=counts.index)
    if also is not None:  # cells hidden for a reason outside these groups (e.g. a ward exposed by its LSOAs)
        secondary = (also.reindex(counts.index).fillna(False).astype(bool)) & ~primary
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
                if not candidates:
                    break  # nothing left to hide: the caller hides the total (see group_total_hidden)
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
