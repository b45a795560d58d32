"""Each action of the plan judged on a date: RAG, overdue, slipping; the action tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.rag import (
    AMBER_PCT_THRESHOLD,
    AMBER_WINDOW_DAYS,
    COMPLETE,
    SEVERITY,
    action_rag,
    rag_badge,
)
from cspdash.metrics.plan.rows import ActionRow, ActionState, Judgement, PriorityRow, Update
from cspdash.metrics.plan.rules import _as_date, _names, _texts, _whole

# ---------------------------------------------------------------------------------------------- actions
#: every progress update of the partnership's plan, oldest first per action (as action_history orders them)
_UPDATES_SQL = """
    SELECT u.action_id, u.update_date, u.status, u.pct_complete, a.due_date, a.priority_id, a.title, u.commentary,
           u.updated_by
    FROM progress_update u JOIN action a USING (action_id) JOIN priority p USING (priority_id)
    WHERE p.partnership_code = ? {extra}
    ORDER BY u.action_id, u.update_date, u.recorded_at
"""


def _updates(con: duckdb.DuckDBPyConnection, partnership: str, priority_id: str | None = None) -> list[Update]:
    """Progress updates as plain rows (action_id, update_date, status, pct, due_date, priority_id, action title,
    commentary, updated_by) with the RAG the action rule gives on the update's date appended."""
    extra, params = ("AND a.priority_id = ?", [partnership, priority_id]) if priority_id else ("", [partnership])
    rows = con.execute(_UPDATES_SQL.format(extra=extra), params).fetchall()
    out = []
    for row in rows:
        action_id, day, status, pct, due, priority_id, title, commentary, by = row
        out.append(Update(action_id, day, status, pct, due, priority_id, title, commentary, by,
                          action_rag(status, pct, due, day)))
    return out


def _last_two(updates: list[Update]) -> tuple[dict[str, str], dict[str, str]]:
    """(RAG at the update before the latest, RAG at the latest update) per action."""
    previous: dict[str, str] = {}
    last: dict[str, str] = {}
    for row in updates:
        action_id = row.action_id
        if action_id in last:
            previous[action_id] = last[action_id]
        last[action_id] = row.rag
    return previous, last


def _judge(action_id: str, status: object, pct_complete: object, due_date: object, today: dt.date,
           previous: dict[str, str], last: dict[str, str]) -> Judgement:
    """One action's (rag, overdue, slipping reason, days to due) by ACTION_RULE_TEXT and SLIPPING_RULE_TEXT."""
    rag = action_rag(status, pct_complete, due_date, today)  # type: ignore[arg-type]
    due = _as_date(due_date)
    is_overdue = rag != COMPLETE and due is not None and due < today
    reason = ""
    if not is_overdue and rag != COMPLETE:
        before, latest = previous.get(action_id), last.get(action_id)
        # compare the RAGs the rule gave at the last two updates (each judged on its own date)
        if before is not None and latest is not None and SEVERITY[latest] > SEVERITY[before]:
            reason = f"worse at the latest update ({rag_badge(before)} → {rag_badge(latest)})"
        pct = 0.0 if pct_complete is None or pd.isna(pct_complete) else float(pct_complete)  # type: ignore[arg-type]
        if due is not None and (due - today).days <= AMBER_WINDOW_DAYS and pct < AMBER_PCT_THRESHOLD:
            soon = f"due in {(due - today).days} days with {pct:.0f}% done"
            reason = f"{reason}; {soon}" if reason else soon
    return Judgement(rag, is_overdue, reason, None if due is None else (due - today).days)


def _states(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> list[ActionState]:
    """Each action judged on ``today`` as plain rows, in the plan's order (priority, action): action_id,
    priority_id, owner_code, supporting_codes, rag, overdue, slipping. For counts; no table is built."""
    rows = con.execute(
        """
        SELECT a.action_id, a.priority_id, a.owner_partner, a.supporting_partners, a.status, a.pct_complete,
               a.due_date
        FROM action a JOIN priority p USING (priority_id)
        WHERE p.partnership_code = ?
        ORDER BY p.priority_id, a.action_id
        """,
        [partnership],
    ).fetchall()
    previous, last = _last_two(_updates(con, partnership))
    out = []
    for action_id, priority_id, owner, supporting, status, pct, due in rows:
        rag, overdue, reason, _days = _judge(action_id, status, pct, due, today, previous, last)
        out.append(ActionState(action_id, priority_id, owner, supporting, rag, overdue, bool(reason)))
    return out


#: the partnership's priorities, each with its actions (a priority without actions gives one row of NULLs)
_PLAN_SQL = """
    SELECT p.priority_id, p.title, p.description, p.lead_partner, p.crime_types,
           a.action_id, a.title, a.owner_partner, a.supporting_partners, a.start_date, a.due_date, a.milestone,
           a.status, a.pct_complete, a.commentary, a.updated_at, a.updated_by
    FROM priority p LEFT JOIN action a USING (priority_id)
    WHERE p.partnership_code = ?
    ORDER BY p.priority_id, a.action_id
"""


_ACTION_COLUMNS = ["priority_id", "priority", "action_id", "action", "owner_code", "supporting_codes", "start_date",
                   "due_date", "milestone", "reported_status", "pct_complete", "commentary", "updated_at",
                   "updated_by"]


@dataclass(frozen=True)
class _Plan:
    """A partnership's plan as plain rows, read in three small queries (no frame built yet)."""

    #: priority_id, title, description, lead_partner, crime_types (by priority_id)
    priorities: list[PriorityRow]
    #: the _ACTION_COLUMNS of each action, in the plan's order (priority, action)
    actions: list[ActionRow]
    #: _updates rows (the RAG on each update's date appended)
    updates: list[Update]
    #: partner code → (name, type) for every partner in the store
    partners: dict[str, tuple[str, str | None]]


def _read_plan(con: duckdb.DuckDBPyConnection, partnership: str) -> _Plan:
    """The plan's priorities, actions and progress updates, and the partners' names."""
    partners = {code: (name, kind) for code, name, kind in con.execute(
        "SELECT partner_code, partner_name, partner_type FROM partner").fetchall()}
    priorities: dict[str, PriorityRow] = {}
    acts: list[ActionRow] = []
    for row in con.execute(_PLAN_SQL, [partnership]).fetchall():
        priority = PriorityRow(*row[:5])
        priorities.setdefault(priority.priority_id, priority)
        action_id, *action = row[5:]
        if action_id is not None:
            acts.append(ActionRow(priority.priority_id, priority.title, action_id, *action))
    return _Plan(list(priorities.values()), acts, _updates_of(con, acts), partners)


def _updates_of(con: duckdb.DuckDBPyConnection, acts: list[ActionRow]) -> list[Update]:
    """_updates for these actions (_ACTION_COLUMNS rows): one scan of the progress table by action id, the
    action's columns joined and the rows ordered here (as _UPDATES_SQL orders them)."""
    if not acts:
        return []
    of = {a.action_id: a for a in acts}
    rows = con.execute(
        "SELECT action_id, update_date, status, pct_complete, commentary, updated_by, recorded_at "
        "FROM progress_update WHERE list_contains(?, action_id)", [list(of)]
    ).fetchall()
    rows.sort(key=lambda r: (r[0], r[1], r[6]))
    out = []
    for action_id, day, status, pct, commentary, by, _recorded in rows:
        act = of[action_id]
        out.append(Update(action_id, day, status, pct, act.due_date, act.priority_id, act.action, commentary, by,
                          action_rag(status, pct, act.due_date, day)))
    return out


def _judge_plan(plan: _Plan, today: dt.date) -> tuple[pd.DataFrame, list[ActionState]]:
    """PlanView.actions and the actions' states (as _states gives them) from one judgement of each action."""
    names = {code: name for code, (name, _kind) in plan.partners.items()}
    previous, last = _last_two(plan.updates)
    cols = [list(c) for c in zip(*plan.actions, strict=True)] or [[] for _c in _ACTION_COLUMNS]
    col = dict(zip(_ACTION_COLUMNS, cols, strict=True))
    ids, statuses, pcts, dues = col["action_id"], col["reported_status"], col["pct_complete"], col["due_date"]
    judged = [_judge(*row, today, previous, last) for row in zip(ids, statuses, pcts, dues, strict=True)]
    rags = [j.rag for j in judged]
    data: dict[str, object] = {}
    for name, values in zip(_ACTION_COLUMNS, cols, strict=True):
        if name in ("start_date", "due_date", "updated_at"):
            data[name] = np.array(values, dtype="datetime64[us]")
        elif name == "pct_complete":
            data[name] = _whole(values)
        else:
            data[name] = _texts(values)
    data.update(
        owner=[names.get(code, code) for code in col["owner_code"]],
        supporting=[_names(codes, names) for codes in col["supporting_codes"]],
        rag=rags,
        rag_badge=[rag_badge(r) for r in rags],
        previous_rag=[previous.get(a) for a in ids],
        overdue=[j.overdue for j in judged],
        slipping=[bool(j.slipping_reason) for j in judged],
        slipping_reason=[j.slipping_reason for j in judged],
        days_to_due=pd.array([j.days_to_due for j in judged], dtype="Int64"),
    )
    frame = pd.DataFrame(data)
    states = [ActionState(a, p, o, s, j.rag, j.overdue, bool(j.slipping_reason))
              for a, p, o, s, j in zip(ids, col["priority_id"], col["owner_code"], col["supporting_codes"], judged,
                                       strict=True)]
    return frame, states


def overdue_table(acts: pd.DataFrame) -> pd.DataFrame:
    """Overdue actions (OVERDUE_RULE_TEXT), most overdue first, in the columns a committee reads, from
    PlanView.actions."""
    rows = _flagged_by_due_date(acts, "overdue")
    out = _action_columns(acts, rows)
    out.insert(1, "Days overdue", (-acts["days_to_due"].array.take(rows)).to_numpy())
    return out


def _flagged_by_due_date(acts: pd.DataFrame, flag: str) -> np.ndarray:
    """Positions of the actions with ``flag`` set, in the order acts[acts[flag]].sort_values("due_date") gives
    (pandas' quicksort on the dates, blank dates last), without building the filtered frames."""
    rows = np.flatnonzero(acts[flag].to_numpy(dtype=bool))
    due = acts["due_date"].to_numpy()[rows]
    blank = np.isnat(due)
    return np.concatenate([rows[~blank][due[~blank].argsort(kind="quicksort")], rows[blank]])


def slipping_table(acts: pd.DataFrame) -> pd.DataFrame:
    """Slipping actions (SLIPPING_RULE_TEXT) with the reason each one is listed, from PlanView.actions."""
    rows = _flagged_by_due_date(acts, "slipping")
    out = _action_columns(acts, rows)
    out.insert(1, "Why slipping", acts["slipping_reason"].to_numpy()[rows])
    return out


def actions_of(acts: pd.DataFrame, priority_id: str | None) -> pd.DataFrame:
    """The actions of one priority (or all) in the columns a committee reads, from PlanView.actions."""
    if priority_id:
        acts = acts[acts["priority_id"] == priority_id]
    return _action_columns(acts)


def _action_columns(frame: pd.DataFrame, rows: np.ndarray | None = None) -> pd.DataFrame:
    """Status first, then what and who, then the long text (so narrow screens still show the status): the
    actions at positions ``rows`` of the frame (all of them by default), taken column by column."""
    if rows is None:
        rows = np.arange(len(frame))

    def column(name: str) -> np.ndarray:
        return frame[name].to_numpy()[rows]

    return pd.DataFrame({
        "RAG (by rule)": column("rag_badge"),
        "Reported": [rag_badge(s) for s in column("reported_status")],
        "Action": column("action"),
        "Owner": column("owner"),
        "Due": column("due_date"),
        "% complete": frame["pct_complete"].array.take(rows).to_numpy(),
        "Latest commentary": frame["commentary"].fillna("").to_numpy()[rows],
        "Supporting": column("supporting"),
        "Priority": column("priority"),
        "Action ID": column("action_id"),
    })
