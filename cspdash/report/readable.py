"""Tables as people read them: plain column names, partner names for codes, '31 May 2025' dates, Yes/No.

One formatter for the pages, the PDF pack and the slides, so a table reads the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from cspdash.metrics.catalogue import format_value

#: store column → the words a committee reads (anything else snake_case becomes 'Sentence case')
LABELS: dict[str, str] = {
    "meeting_id": "Meeting", "case_id": "Case", "question_id": "Question ID", "priority_id": "Priority ID",
    "action_id": "Action ID", "reference": "Reference", "threshold_met": "Threshold met?",
    "median_days_to_resolve": "Median days to resolve", "days_to_resolve": "Days to resolve",
    "received_date": "Received", "resolved_date": "Resolved", "due_date": "Due", "start_date": "Start",
    "meeting_date": "Meeting date", "assessed_on": "Assessed on", "pct_complete": "% complete",
    "pct_change": "% change", "lead_partner": "Lead partner", "lead_officer": "Lead officer",
    "owner_partner": "Owner partner", "partner": "For", "edited_at": "When", "user_name": "Who",
    "user_role": "Role", "entity_id": "Record", "field": "Field", "old_value": "Was", "new_value": "Now",
    "days_overdue": "Days overdue", "crimes_latest": "Crimes (latest period)",
    "crimes_before": "Crimes (period before)", "lsoa_code": "LSOA code", "lsoa_name": "Area (LSOA)",
    "crime_type": "Crime type", "rag": "RAG", "z": "z", "spc_rule": "SPC rule", "kind": "Kind",
    "status": "Status", "quarter": "Quarter", "cases": "Cases", "resolved": "Resolved",
    "recommendation": "Recommendation", "response": "Response", "outcome": "Outcome", "item": "Item",
    "evidence": "Evidence", "framing": "Framing", "question": "Question", "position": "No.",
    "overdue": "Overdue", "flag": "Overdue", "lead": "Lead partner", "title": "Title",
    "reason": "Why", "actions": "Actions", "current": "Now", "previous": "Before", "grant_end": "Grant ends",
    "financial_year": "Financial year", "amount_gbp": "Amount (£)", "fte": "Staff (FTE)",
}
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
#: a raw code as the store keeps it, e.g. CAERPHILLY_CBC, GWENT_POLICE
RAW_CODE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")
#: a timestamp printed by pandas or Python, e.g. 2025-05-31 00:00:00
RAW_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?")


def label(column: str) -> str:
    """The words for a column: LABELS, else a snake_case name in sentence case, else the name unchanged."""
    if column in LABELS:
        return LABELS[column]
    if _SNAKE.match(column):
        return column.replace("_", " ").capitalize()
    return column


def day(value: object) -> str:
    """'31 May 2025' (or '31 May 2025 14:05' when there is a time of day); '' for a blank."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return str(value)
    if pd.isna(stamp):
        return ""
    text = f"{stamp.day} {stamp:%B %Y}"
    return text + (f" {stamp:%H:%M}" if (stamp.hour, stamp.minute, stamp.second) != (0, 0, 0) else "")


def _holds(series: pd.Series, typed: bool, kinds: Any) -> bool:
    """The column is of a kind: by its dtype (``typed``), or an object column whose every filled value is one."""
    if typed:
        return True
    if series.dtype != object:
        return False
    filled = series.dropna()
    return len(filled) > 0 and all(isinstance(v, kinds) for v in filled)


def _is_dates(series: pd.Series) -> bool:
    return _holds(series, pd.api.types.is_datetime64_any_dtype(series.dtype), dt.date | pd.Timestamp)


def _is_flags(series: pd.Series) -> bool:
    return _holds(series, pd.api.types.is_bool_dtype(series.dtype), bool | np.bool_)


def _yes_no(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return "Yes" if bool(value) else "No"


def _names(value: object, names: Mapping[str, str]) -> object:
    if not isinstance(value, str):
        return value
    if value in names:
        return names[value]
    if ";" in value and any(part.strip() in names for part in value.split(";")):
        return "; ".join(names.get(part.strip(), part.strip()) for part in value.split(";") if part.strip())
    return value


def for_people(frame: pd.DataFrame, partner_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The frame with plain column names, dates as '31 May 2025', Yes/No for True/False, partner names for codes."""
    if frame is None or frame.columns.empty:
        return frame
    names = dict(partner_names or {})
    shown = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        series = frame[column]
        if _is_flags(series):
            series = series.map(_yes_no).astype(object)
        elif _is_dates(series):
            series = series.map(day).astype(object)
        elif names and (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
            series = series.map(lambda v: _names(v, names))
        shown[label(str(column))] = series
    return shown


def cell_text(value: object) -> str:
    """One cell of a PDF or slide table: '' for a blank, Yes/No, '31 May 2025', whole numbers with thousands
    separators, others to one decimal place."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return ""
    if isinstance(value, bool | np.bool_):
        return "Yes" if value else "No"
    if isinstance(value, dt.date | pd.Timestamp):
        return f"{value:%-d %b %Y}"
    if isinstance(value, float):
        return format_value(value, "count") if value.is_integer() else format_value(value, "rate")
    return str(value)


def money(values: pd.Series) -> list[str]:
    """Amounts in pounds as the measure catalogue formats money ('£12,500')."""
    return [format_value(v, "money") for v in values]


#: the partner contributions table of the pack and the slides: store column → heading
CONTRIBUTION_COLUMNS = {
    "partner": "Partner", "actions_led": "Actions led", "funding_gbp": "Cash funding (all years)",
    "in_kind_gbp": "In-kind support (all years)", "staff_fte": "Staff (FTE)", "data_items": "Data shared"}


def contributions_for_people(given: pd.DataFrame) -> pd.DataFrame:
    """Each partner's contributions (metrics.meeting's Briefing.contributions) with money formatted and the
    pack's headings; the frame unchanged when empty."""
    if given.empty:
        return given
    shown = given.assign(funding_gbp=money(given["funding_gbp"]), in_kind_gbp=money(given["in_kind_gbp"]))
    return shown[list(CONTRIBUTION_COLUMNS)].rename(columns=CONTRIBUTION_COLUMNS)


def problems_in(frame: pd.DataFrame, where: str) -> list[str]:
    """What a reader should never see in a table: snake_case headers, True/False, raw codes, raw timestamps."""
    found: list[str] = []
    for column in frame.columns:
        text = str(column)
        if "_" in text or (_SNAKE.match(text) and text not in ("z",)):
            found.append(f"{where}: column '{text}' is a store name, not words")
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series.dtype):
            found.append(f"{where}: column '{column}' shows True/False")
            continue
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            found.append(f"{where}: column '{column}' shows raw timestamps")
            continue
        for value in series.dropna().head(200):
            if isinstance(value, bool | np.bool_):
                found.append(f"{where}: column '{column}' shows True/False")
                break
            value_text = str(value)
            if value_text in ("True", "False"):
                found.append(f"{where}: column '{column}' shows True/False")
                break
            if isinstance(value, str) and (RAW_CODE.match(value.strip()) or any(
                    RAW_CODE.match(part.strip()) for part in value.split(";") if ";" in value)):
                found.append(f"{where}: column '{column}' shows the raw code {value_text}")
                break
            if isinstance(value, dt.datetime | pd.Timestamp) or RAW_TIMESTAMP.search(value_text):
                found.append(f"{where}: column '{column}' shows the timestamp {value_text}")
                break
    return found
