"""The action plan's RAG on a meeting's date, by the stated rules, and the moves since the previous meeting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.rag import (
    AMBER,
    RED,
    SEVERITY,
    action_rag,
    priority_rag,
)
from cspdash.metrics.meeting.columns import _days, _text
from cspdash.metrics.meeting.partnership import _as_day


# ---------------------------------------------------------------------------------------------- action plan
@dataclass(frozen=True)
class _Plan:
    """The partnership's plan as read once: actions (by action_id), priorities (by priority_id), and every action
    status with its date (progress updates, then each action's current row, dated by its last update)."""

    actions: dict[str, object]                          # the actions frame's columns as read
    priorities: dict[str, object]                       # the priorities frame's columns as read
    history: list[tuple[str, date, object, object]]     # action_id, as_of, status, pct_complete
    owners: list[str]                                   # each action's owner partner (in the table's order)
    # the actions frame's columns as lists (what the RAG rules read)
    action_ids: list[str] = field(default_factory=list)
    action_priorities: list[str] = field(default_factory=list)
    starts: list[date | None] = field(default_factory=list)
    dues: list[date | None] = field(default_factory=list)
    priority_ids: list[str] = field(default_factory=list)


def _plan_rows(con: duckdb.DuckDBPyConnection, partnership: str) -> _Plan:
    """The plan as read for plan_status, to judge on one date or several (three plain reads, no joins)."""
    priority_rows = sorted(con.execute(  # by priority_id (sorted here: a sort in SQL costs more than the read)
        "SELECT priority_id, title, lead_partner, crime_types FROM priority WHERE partnership_code = ?", [partnership],
    ).fetchall(), key=lambda row: row[0])
    ids = [row[0] for row in priority_rows]
    action_rows = con.execute(
        "SELECT action_id, title, priority_id, owner_partner, due_date, start_date, commentary, status,"
        " pct_complete, updated_at FROM action WHERE list_contains(?, priority_id)", [ids],
    ).fetchall() if ids else []   # in the table's order, as the status history lists them
    action_ids = [row[0] for row in action_rows]
    updates = con.execute(
        "SELECT action_id, update_date, status, pct_complete FROM progress_update WHERE list_contains(?, action_id)",
        [action_ids],
    ).fetchall() if action_ids else []
    history = [(action_id, as_of, status, pd.NA if pct is None else pct) for action_id, as_of, status, pct in updates]
    history += [(row[0], _as_day(row[9]) if row[9] is not None else date(1900, 1, 1), row[7],
                 pd.NA if row[8] is None else row[8]) for row in action_rows]
    ordered = sorted(action_rows, key=lambda row: row[0])
    actions = {
        "action_id": _text([r[0] for r in ordered]), "title": _text([r[1] for r in ordered]),
        "priority_id": _text([r[2] for r in ordered]), "owner_partner": _text([r[3] for r in ordered]),
        "due_date": _days([r[4] for r in ordered]), "start_date": _days([r[5] for r in ordered]),
        "commentary": _text([r[6] for r in ordered]),
    }
    priorities = {name: _text([r[i] for r in priority_rows])
                  for i, name in enumerate(("priority_id", "title", "lead_partner", "crime_types"))}
    return _Plan(actions, priorities, history, [row[3] for row in action_rows],
                 action_ids=[row[0] for row in ordered], action_priorities=[row[2] for row in ordered],
                 starts=[row[5] for row in ordered], dues=[row[4] for row in ordered],
                 priority_ids=[row[0] for row in priority_rows])


def plan_status(con: duckdb.DuckDBPyConnection, partnership: str, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(priorities, actions) with the RAG status each had on ``as_of`` by the stated rules.

    actions: action_id, title, priority_id, owner_partner, due_date, status, pct_complete, commentary, rag.
    priorities: priority_id, title, lead_partner, crime_types, rag, reason, actions.
    """
    return _status_on(_plan_rows(con, partnership), as_of)


def _status_on(plan: _Plan, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """plan_status from _plan_rows (the frames read are not changed)."""
    rags, statuses, pcts, rolled = _judge(plan, as_of)
    actions = pd.DataFrame({**plan.actions, "status": statuses, "pct_complete": pcts, "rag": _text(rags)})
    priorities = pd.DataFrame({**plan.priorities, "rag": _text([r[0] for r in rolled]),
                               "reason": _text([r[1] for r in rolled]),
                               "actions": np.array([r[2] for r in rolled], dtype="int64")})
    return priorities, actions


def _judge(plan: _Plan, as_of: date) -> tuple[list[str], list[object], list[object], list[tuple[str, str, int]]]:
    """Each action's RAG, status and percent complete on ``as_of`` (in the actions frame's order), and each
    priority's (RAG, reason, number of actions) (in the priorities frame's order)."""
    # the latest status on or before as_of per action; of two on the same day the later listed (an update, then
    # the action's own row)
    known: dict[str, tuple[date, object, object]] = {}
    for action_id, day, status, pct in plan.history:
        if day <= as_of:
            seen = known.get(action_id)
            if seen is None or day >= seen[0]:
                known[action_id] = (day, status, pct)
    rags: list[str] = []
    statuses: list[object] = []
    pcts: list[object] = []
    for action_id, start_date, due_date in zip(plan.action_ids, plan.starts, plan.dues, strict=True):
        found = known.get(action_id) if start_date is None or start_date <= as_of else None
        status, pct = (found[1], found[2]) if found is not None else (None, None)
        try:
            rag = action_rag(status, pct, due_date, as_of)  # type: ignore[arg-type]
        except ValueError:
            rag = action_rag(None, None, due_date, as_of)  # type: ignore[arg-type]
        rags.append(rag)
        statuses.append(status)
        pcts.append(pct)
    own: dict[str, list[str]] = {}
    for priority_id, rag in zip(plan.action_priorities, rags, strict=True):
        own.setdefault(priority_id, []).append(rag)
    rolled = [(*priority_rag(own.get(pid, [])), len(own.get(pid, []))) for pid in plan.priority_ids]
    return rags, statuses, pcts, rolled  # type: ignore[return-value]


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
        rags, _statuses, _pcts, rolled = _judge(plan, since)
        then_priority = dict(zip(plan.priority_ids, [r[0] for r in rolled], strict=True))
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
