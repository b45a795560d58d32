"""The action plan's rule texts and lookups, and cells converted as DuckDB's frames give them."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.rag import (
    AMBER_PCT_THRESHOLD,
    AMBER_WINDOW_DAYS,
    RAG_STATUSES,
)

OVERDUE_RULE_TEXT = "Overdue: past its due date and not complete."


SLIPPING_RULE_TEXT = (
    "Slipping (not yet overdue, not complete): its RAG got worse at the latest update compared with the "
    f"update before (e.g. Green → Amber), or it is due within {AMBER_WINDOW_DAYS} days with less than "
    f"{AMBER_PCT_THRESHOLD:.0f}% done."
)


#: SPC signals count for the evidence RAG only if they reach one of the latest points
RECENT_POINTS = 6


EVIDENCE_RULE_TEXT = (
    "Each linked measure gets a RAG by the indicator rule: partner indicators compare the latest value with "
    "the baseline and the target; police.uk crime types compare the last period with the one before (no "
    f"target). An SPC signal counts if it reaches one of the latest {RECENT_POINTS} points. The priority's "
    "evidence RAG is Red if any linked measure is Red, Green if at least half are Green and none is Red, "
    "Amber otherwise, and blank (no evidence) when nothing is linked."
)


AGREEMENT_RULE_TEXT = (
    "The plan's self-reported RAG (from its actions) and the evidence RAG (from the data) disagree when they "
    "are two steps apart (Green/Complete against Red); they differ when one step apart."
)


CONTRIBUTION_TEXT = (
    "Cash funding (£) counts grants and budgets only (kind 'funding'); in-kind support (staff time, services, "
    "premises given) is kept apart, valued in £ where the plan gives a value; staff are full-time equivalents; "
    "all as recorded on the plan's Contributions sheet, over every financial year listed there."
)


PARTNER_MATRIX_TEXT = (
    "Led: actions the partner owns. Supported: actions naming it as a supporting partner. On track, slipping "
    "and overdue count the actions it leads. " + CONTRIBUTION_TEXT
)


# ---------------------------------------------------------------------------------------------- lookups
def partner_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Partner code → partner name."""
    return dict(con.execute("SELECT partner_code, partner_name FROM partner").fetchall())


def _text(value: object) -> str:
    """A cell as text: '' for NULL/NaN."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    return str(value)


def _codes(value: object) -> list[str]:
    """';'-separated partner codes as a list ([] for NULL)."""
    return [code.strip() for code in _text(value).split(";") if code.strip()]


def _names(codes: object, names: dict[str, str]) -> str:
    """'A;B' codes → 'Name A; Name B'."""
    return "; ".join(names.get(code, code) for code in _codes(codes))


def _as_date(value: object) -> dt.date | None:
    if type(value) is dt.date:
        return value
    if value is None or (not isinstance(value, (str, dt.date)) and pd.isna(value)):  # type: ignore[arg-type]
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def has_plan(con: duckdb.DuckDBPyConnection, partnership: str) -> bool:
    """True when the partnership has at least one priority loaded."""
    row = con.execute("SELECT count(*) FROM priority WHERE partnership_code = ?", [partnership]).fetchone()
    return bool(row and row[0])


def _texts(values: list) -> object:
    """A text column as DuckDB's .df() gives it: str (NULL as NaN) when any value is there, else object."""
    return values if any(v is not None for v in values) else np.array(values, dtype=object)


def _whole(values: list) -> object:
    """An INTEGER column as .df() gives it: int32, or nullable Int32 when a value is NULL."""
    return pd.array(values, dtype="Int32") if None in values else np.array(values, dtype=np.int32)


def _frame(rows: list[tuple], columns: list[str], kinds: str) -> pd.DataFrame:
    """Rows as DuckDB's .df() gives them, column by column by kind: 't' text (str, or object when every value
    is NULL), 'd' date or timestamp (datetime64[us]), 'f' double (float64, NULL as NaN)."""
    values = [list(c) for c in zip(*rows, strict=True)] or [[] for _c in columns]
    data: dict[str, object] = {}
    for name, kind, column in zip(columns, kinds, values, strict=True):
        if kind == "d":
            data[name] = np.array(column, dtype="datetime64[us]")
        elif kind == "f":
            data[name] = np.array(column, dtype=np.float64)
        else:
            data[name] = _texts(column)
    return pd.DataFrame(data)


def rag_legend() -> pd.DataFrame:
    """Every RAG status: symbol, label and rule (the legend shown beside RAG symbols)."""
    return pd.DataFrame([{"Symbol": s.icon, "Status": s.label, "Meaning": s.rule} for s in RAG_STATUSES.values()])


