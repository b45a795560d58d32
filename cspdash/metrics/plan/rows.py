"""The action plan's rows by name: what the plan's modules pass each other instead of positional tuples."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class PriorityRow(NamedTuple):
    """One priority as read from the plan."""

    priority_id: str
    title: str | None
    description: str | None
    lead_partner: str | None
    crime_types: str | None


class ActionRow(NamedTuple):
    """One action as read from the plan, in the order of its PlanView.actions columns (_ACTION_COLUMNS)."""

    priority_id: str
    priority: str | None
    action_id: str
    action: str | None
    owner_code: str | None
    supporting_codes: str | None
    start_date: dt.date | None
    due_date: dt.date | None
    milestone: str | None
    reported_status: str | None
    pct_complete: int | None
    commentary: str | None
    updated_at: dt.datetime | None
    updated_by: str | None


class Update(NamedTuple):
    """One progress update of an action, with the RAG the action rule gives on the update's date."""

    action_id: str
    update_date: dt.date
    status: str | None
    pct_complete: int | None
    due_date: dt.date | None
    priority_id: str
    action: str | None
    commentary: str | None
    updated_by: str | None
    rag: str


class Judgement(NamedTuple):
    """One action judged on a date by ACTION_RULE_TEXT and SLIPPING_RULE_TEXT."""

    rag: str
    overdue: bool
    slipping_reason: str
    days_to_due: int | None


class ActionState(NamedTuple):
    """One action judged on a date, for counts (no table is built)."""

    action_id: str
    priority_id: str
    owner: str | None
    supporting: str | None
    rag: str
    overdue: bool
    slipping: bool
