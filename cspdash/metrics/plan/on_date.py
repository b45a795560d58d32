"""The plan as it stood on a date (a meeting's): each action's latest reported status on or before it, judged by
the action rule and rolled up to its priority as the plan page rolls them up; and the RAG moves between two dates.
The meeting briefing asks this module; it does not judge the plan itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.rag import (
    AMBER,
    RED,
    SEVERITY,
    action_rag,
)
from cspdash.metrics.columns import _as_day, _days, _text
from cspdash.metrics.plan.priorities import _rolled
from cspdash.metrics.plan.rows import ActionState


class _PriorityRead(NamedTuple):
    priority_id: str
    title: str | None
    lead_partner: str | None
    crime_types: str | None


class _ActionRead(NamedTuple):
    action_id: str
    title: str | None
    priority_id: str
    owner_partner: str | None
    due_date: date | None
    start_date: date | None
    commentary: str | None
    status: str | None
    pct_complete: int | None
    updated_at: datetime | None


class _Reported(NamedTuple):
    """An action's status as reported on a day (a progress update, or the action's own row)."""

    day: date
    status: object
    pct_complete: object
    commentary: str | None = None


# ---------------------------------------------------------------------------------------------- action plan
@dataclass(frozen=True)
class _Plan:
    """The partnership's plan as read once: actions (by action_id), priorities (by priority_id), and every action
    status with its date (progress updates, then each action's current row, dated by its last update)."""

    actions: dict[str, object]                          # the actions frame's columns as read
    priorities: dict[str, object]                       # the priorities frame's columns as read
    history: list[tuple[str, _Reported]]                # action_id, (as_of, status, pct_complete)
    owners: list[str]                                   # each action's owner partner (in the table's order)
    # the actions frame's columns as lists (what the RAG rules read)
    action_ids: list[str] = field(default_factory=list)
    action_priorities: list[str] = field(default_factory=list)
    dues: list[date | None] = field(default_factory=list)
    priority_ids: list[str] = field(default_factory=list)


def _plan_rows(con: duckdb.DuckDBPyConnection, partnership: str) -> _Plan:
    """The plan as read for plan_status, to judge on one date or several (three plain reads, no joins)."""
    priority_rows = sorted((_PriorityRead(*row) for row in con.execute(  # by priority_id (sorted here: a sort in
        "SELECT priority_id, title, lead_partner, crime_types FROM priority WHERE partnership_code = ?",  # SQL costs
        [partnership],                                                                                  # more)
    ).fetchall()), key=lambda row: row.priority_id)
    ids = [row.priority_id for row in priority_rows]
    action_rows = [_ActionRead(*row) for row in con.execute(
        "SELECT action_id, title, priority_id, owner_partner, due_date, start_date, commentary, status,"
        " pct_complete, updated_at FROM action WHERE list_contains(?, priority_id)", [ids],
    ).fetchall()] if ids else []   # in the table's order, as the status history lists them
    action_ids = [row.action_id for row in action_rows]
    updates = con.execute(
        "SELECT action_id, update_date, status, pct_complete, commentary FROM progress_update "
        "WHERE list_contains(?, action_id)", [action_ids],
    ).fetchall() if action_ids else []
    history = [(action_id, _Reported(as_of, status, pd.NA if pct is None else pct, commentary))
               for action_id, as_of, status, pct, commentary in updates]
    history += [(row.action_id, _Reported(_as_day(row.updated_at) if row.updated_at is not None else date(1900, 1, 1),
                                          row.status, pd.NA if row.pct_complete is None else row.pct_complete,
                                          row.commentary))
                for row in action_rows]
    ordered = sorted(action_rows, key=lambda row: row.action_id)
    actions = {
        "action_id": _text([r.action_id for r in ordered]), "title": _text([r.title for r in ordered]),
        "priority_id": _text([r.priority_id for r in ordered]),
        "owner_partner": _text([r.owner_partner for r in ordered]),
        "due_date": _days([r.due_date for r in ordered]), "start_date": _days([r.start_date for r in ordered]),
        "commentary": _text([r.commentary for r in ordered]),
    }
    priorities = {name: _text([getattr(r, name) for r in priority_rows]) for name in _PriorityRead._fields}
    return _Plan(actions, priorities, history, [row.owner_partner for row in action_rows],  # type: ignore[misc]
                 action_ids=[row.action_id for row in ordered], action_priorities=[row.priority_id for row in ordered],
                 dues=[row.due_date for row in ordered],
                 priority_ids=[row.priority_id for row in priority_rows])


def plan_status(con: duckdb.DuckDBPyConnection, partnership: str, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(priorities, actions) with the RAG status each had on ``as_of`` by the stated rules.

    actions: action_id, title, priority_id, owner_partner, due_date, status, pct_complete, commentary, rag.
    priorities: priority_id, title, lead_partner, crime_types, rag, reason, actions.
    """
    return _status_on(_plan_rows(con, partnership), as_of)


def _status_on(plan: _Plan, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """plan_status from _plan_rows (the frames read are not changed)."""
    rags, statuses, pcts, commentaries, rolled = _judge(plan, as_of)
    # the commentary reported with the status judged, not the latest: a past meeting's page and pack quoted a
    # comment written after the meeting beside the status the action had at it (a CSP manager's walk, Dec 2026)
    actions = pd.DataFrame({**plan.actions, "commentary": _text(commentaries), "status": statuses,
                            "pct_complete": pcts, "rag": _text(rags)})
    priorities = pd.DataFrame({**plan.priorities, "rag": _text(rolled["rag"]), "reason": _text(rolled["rag_reason"]),
                               "actions": np.array(rolled["actions"], dtype="int64")})
    return priorities, actions


def _judge(plan: _Plan, as_of: date
           ) -> tuple[list[str], list[object], list[object], list[str | None], dict[str, list]]:
    """Each action's RAG, status, percent complete and commentary on ``as_of`` (in the actions frame's order), and each
    priority's rag, rag_reason and number of actions (in the priorities frame's order), rolled up by the plan
    page's own roll-up (priorities._rolled)."""
    # the latest status on or before as_of per action; of two on the same day the later listed (an update, then
    # the action's own row)
    known: dict[str, _Reported] = {}
    for action_id, reported in plan.history:
        if reported.day <= as_of:
            seen = known.get(action_id)
            if seen is None or reported.day >= seen.day:
                known[action_id] = reported
    # An action is judged by what had been reported on it by ``as_of``, whatever its planned start date: a
    # committee is told what the partners reported, and an action reported on before its planned start has in
    # fact started, so judging it unstarted would hide a report the plan page shows. An action with no report by
    # then is judged with no status (as unstarted, or by its due date). The plan page judges the reported status
    # the same way (actions.py), so the two agree (tests/metrics/test_briefing_agrees_with_plan.py).
    rags: list[str] = []
    statuses: list[object] = []
    pcts: list[object] = []
    commentaries: list[str | None] = []
    for action_id, due_date in zip(plan.action_ids, plan.dues, strict=True):
        found = known.get(action_id)
        commentaries.append(found.commentary if found is not None else None)
        status, pct = (found.status, found.pct_complete) if found is not None else (None, None)
        try:
            rag = action_rag(status, pct, due_date, as_of)  # type: ignore[arg-type]
        except ValueError:
            rag = action_rag(None, None, due_date, as_of)  # type: ignore[arg-type]
        rags.append(rag)
        statuses.append(status)
        pcts.append(pct)
    states = [ActionState(action_id, priority_id, None, None, rag, False, False)
              for action_id, priority_id, rag in zip(plan.action_ids, plan.action_priorities, rags, strict=True)]
    return rags, statuses, pcts, commentaries, _rolled(plan.priority_ids, states)


def rag_changes(con: duckdb.DuckDBPyConnection, partnership: str, since: date | None, until: date) -> pd.DataFrame:
    """Priorities and actions whose RAG moved between ``since`` and ``until`` (or all Red/Amber without since).

    Columns: level, item_id, title, lead_partner, rag_then, rag_now, change ('new Red', 'new Amber', 'worse',
    'better'), reason.
    """
    plan = _plan_rows(con, partnership)
    return _rag_changes(con, partnership, since, _status_on(plan, until), plan)


def _rag_changes(con: duckdb.DuckDBPyConnection, partnership: str, since: date | None,
                 status_now: tuple[pd.DataFrame, pd.DataFrame], read: _Plan | None = None) -> pd.DataFrame:
    """rag_changes with the plan's status at ``until`` already computed (and the plan's rows, if read)."""
    columns = ["level", "item_id", "title", "lead_partner", "rag_then", "rag_now", "change", "reason"]
    pri_now, act_now = status_now
    then_priority: dict[str, str] = {}
    then_action: dict[str, str] = {}
    if since is not None:
        plan = read if read is not None else _plan_rows(con, partnership)
        rags, _statuses, _pcts, _commentaries, rolled = _judge(plan, since)
        then_priority = dict(zip(plan.priority_ids, rolled["rag"], strict=True))
        then_action = dict(zip(plan.action_ids, rags, strict=True))
    rows = []
    for level, now, before, id_col, lead_col, why_col in (
            ("priority", pri_now, then_priority, "priority_id", "lead_partner", "reason"),
            ("action", act_now, then_action, "action_id", "owner_partner", "commentary")):
        for item, title, lead, new, why in zip(now[id_col].tolist(), now["title"].tolist(), now[lead_col].tolist(),
                                               now["rag"].tolist(), now[why_col].tolist(), strict=True):
            old = before.get(item)
            change = _move(old, new)
            if change:
                rows.append((level, item, title, lead, old or "—", new, change, why or ""))
    return pd.DataFrame(rows, columns=columns)


def _move(old: str | None, new: str) -> str | None:
    """How a RAG status moved: new Red / new Amber / worse / better / None (no move worth reporting)."""
    if old == new:
        return None
    if new == RED:
        return "new Red"
    if new == AMBER:
        return "new Amber" if old is None or SEVERITY.get(old, 1) < SEVERITY[AMBER] else "better"
    if old is None:
        return None
    return "worse" if SEVERITY.get(new, 1) > SEVERITY.get(old, 1) else "better"
