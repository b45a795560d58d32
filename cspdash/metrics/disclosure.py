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
