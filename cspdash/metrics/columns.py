"""Cells as DuckDB's frames give them, built from plain rows (text, dates, flags, whole numbers): shared by the
meeting briefing and the plan as it stood on a date."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa

#: the text dtype DuckDB's frames have ('str': arrow-backed, blank = NaN, when pyarrow is present)
_STR = pd.array([], dtype="str").dtype


def _text(values: list) -> pd.api.extensions.ExtensionArray:
    """Text values as a column reads from DuckDB (blank = NaN); built through arrow, ten times quicker than
    pd.array for the few rows of a briefing table."""
    if getattr(_STR, "storage", None) == "pyarrow":
        try:
            return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()), dtype=_STR)
        except pa.ArrowException:  # not all text (or None): let pandas convert it
            pass
    return pd.array(values, dtype="str")


def _days(values: list) -> np.ndarray:
    """DATE values as a column reads from DuckDB (datetime64, NaT when blank)."""
    try:
        return pa.array(values, type=pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[us]")
    except pa.ArrowException:
        return np.array(values, dtype="datetime64[us]")


def _objects(values: list) -> np.ndarray:
    """Python objects (dates, NaT) as an object column, unconverted."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _flags(values: list) -> pd.arrays.BooleanArray:
    """BOOLEAN values with blanks (pandas' nullable boolean, as DuckDB's frames have them)."""
    mask = np.array([v is None for v in values], dtype=bool)
    return pd.arrays.BooleanArray(np.array([bool(v) for v in values], dtype=bool), mask)


def _whole(values: list) -> pd.arrays.IntegerArray:
    """Whole numbers with blanks (pandas' nullable Int64)."""
    mask = np.array([v is None for v in values], dtype=bool)
    return pd.arrays.IntegerArray(np.array([0 if v is None else v for v in values], dtype="int64"), mask)


def _as_day(value: object) -> date:
    """A DATE or TIMESTAMP value as a date."""
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]
