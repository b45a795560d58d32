"""Disclosure control: small counts (1–4) at small-area level shown as '<5' in public output."""

from __future__ import annotations

import pandas as pd

from cspdash.config import SMALL_COUNT_MAX

SUPPRESSED = f"<{SMALL_COUNT_MAX + 1}"


def suppress(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A copy with counts from 1 to SMALL_COUNT_MAX in ``columns`` (default: integer columns) replaced by '<5'."""
    out = frame.copy()
    targets = columns if columns else [c for c in out.columns if pd.api.types.is_integer_dtype(out[c])]
    for column in targets:
        values = pd.to_numeric(out[column], errors="coerce")
        small = values.between(1, SMALL_COUNT_MAX)
        if small.any():  # the whole column becomes text, so a table never mixes numbers and "<5"
            text = out[column].map(lambda v: "" if pd.isna(v) else str(v))
            out[column] = text.where(~small, SUPPRESSED).astype(str)
    return out
