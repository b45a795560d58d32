"""The plan's priorities: actions rolled up to a RAG, lead bodies, RAG history, meetings and changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from cspdash.analysis.rag import (
    SEVERITY,
    action_rag,
    priority_rag,
    rag_badge,
)
from cspdash.metrics.plan.actions import _states
from cspdash.metrics.plan.rules import _as_date, _text, _texts

if TYPE_CHECKING:
    from cspdash.metrics.plan.actions import _Plan
    from cspdash.metrics.plan.rows import ActionState, Update
    from cspdash.metrics.plan.view import PlanView


# ---------------------------------------------------------------------------------------------- priorities
def priorities(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """Each priority with its lead partner, action counts and overall RAG by PRIORITY_RULE_TEXT with the reason.

    Columns: priority_id, priority, description, lead_code, lead, lead_type, crime_types, actions, overdue,
    slipping, rag, rag_badge, rag_reason.
    """
    frame = con.execute(_PRIORITIES_SQL, [partnership]).df()
    return _roll_up(frame, _states(con, partnership, today))


_PRIORITIES_SQL = """
        SELECT p.priority_id, p.title AS priority, p.description, p.lead_partner AS lead_code,
               coalesce(pa.partner_name, p.lead_partner) AS lead, pa.partner_type AS lead_type, p.crime_types
        FROM priority p LEFT JOIN partner pa ON pa.partner_code = p.lead_partner
        WHERE p.partnership_code = ?
        ORDER BY p.priority_id
"""


def _roll_up(frame: pd.DataFrame, states: list[ActionState]) -> pd.DataFrame:
    """The priorities query's frame with each priority's action counts and RAG from the actions' states."""
    return frame.assign(**_rolled(frame["priority_id"].tolist(), states))


def _rolled(priority_ids: list[str], states: list[ActionState]) -> dict[str, list]:
    """Each priority's action counts and RAG with the reason, from the actions' states (columns by name)."""
    own: dict[str, list[ActionState]] = {}
    for state in states:
        own.setdefault(state.priority_id, []).append(state)
    mine = [own.get(pid, []) for pid in priority_ids]
    rolled = [priority_rag([s.rag for s in m]) for m in mine]
    rags = [rag for rag, _reason in rolled]
    return {
        "actions": [len(m) for m in mine],
        "overdue": [sum(1 for s in m if s.overdue) for m in mine],
        "slipping": [sum(1 for s in m if s.slipping) for m in mine],
        "rag": rags,
        "rag_badge": [rag_badge(r) for r in rags],
        "rag_reason": [reason for _rag, reason in rolled],
    }


def _priorities_frame(plan: _Plan, states: list[ActionState]) -> pd.DataFrame:
    """priorities() from the plan's rows and its actions' states (no query)."""
    cols = list(zip(*plan.priorities, strict=True)) or [()] * 5
    ids, titles, descriptions, leads, crime_types = (list(c) for c in cols)
    data: dict[str, object] = {
        "priority_id": _texts(ids), "priority": _texts(titles), "description": _texts(descriptions),
        "lead_code": _texts(leads),
        # as the LEFT JOIN with partner gives them: the name (else the code) and the type (else NULL)
        "lead": _texts([plan.partners[c][0] if c in plan.partners else c for c in leads]),
        "lead_type": _texts([plan.partners[c][1] if c in plan.partners else None for c in leads]),
        "crime_types": _texts(crime_types),
    }
    data.update(_rolled(ids, states))
    return pd.DataFrame(data)


def lead_bodies(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """The lead body for every priority: Priority, Lead partner, Partner type, Actions."""
    return con.execute(
        """
        SELECT p.title AS "Priority", coalesce(pa.partner_name, p.lead_partner) AS "Lead partner",
               coalesce(pa.partner_type, '') AS "Partner type",
               (SELECT count(*) FROM action a WHERE a.priority_id = p.priority_id) AS "Actions",
               p.priority_id AS "Priority ID"
        FROM priority p LEFT JOIN partner pa ON pa.partner_code = p.lead_partner
        WHERE p.partnership_code = ?
        ORDER BY p.priority_id
        """,
        [partnership],
    ).df()


def lead_bodies_of(plan: pd.DataFrame) -> pd.DataFrame:
    """lead_bodies from a priorities() frame (no query)."""
    return pd.DataFrame({
        "Priority": plan["priority"].to_numpy(), "Lead partner": plan["lead"].to_numpy(),
        "Partner type": plan["lead_type"].fillna("").to_numpy(), "Actions": plan["actions"].to_numpy(),
        "Priority ID": plan["priority_id"].to_numpy(),
    })


# ---------------------------------------------------------------------------------------------- history
def rag_history_of(view: PlanView, priority_id: str) -> pd.DataFrame:
    """RAG timeline of one priority and its actions from a plan_view (no query): one row per item and update date.

    The priority's RAG on a date rolls up each action's RAG from its latest update on or before that date
    (an action with no update yet counts by its due date alone). Columns: level (priority/action), item_id,
    item, update_date, rag, badge, detail.
    """
    history = [row for row in view.updates if row.priority_id == priority_id]
    mine = view.actions[view.actions["priority_id"] == priority_id]  # in action order, as the query sorts them
    titles = view.priorities.loc[view.priorities["priority_id"] == priority_id, "priority"].tolist()
    return _rag_history(priority_id, history, list(zip(mine["action_id"].tolist(), mine["due_date"].tolist(),
                                                       strict=True)), titles[0] if titles else None)


def _rag_history(priority_id: str, history: list[Update], acts: list[tuple[str, object]],
                 title: object) -> pd.DataFrame:
    """rag_history_of from the priority's progress updates (_updates rows) and its actions (action_id, due date)."""
    by_action: dict[str, list[tuple[dt.date, str]]] = {}  # update dates are never blank
    for row in history:
        by_action.setdefault(row.action_id, []).append((row.update_date, row.rag))
    rows: list[dict[str, object]] = []
    for day in sorted({when for updates in by_action.values() for when, _rag in updates}):
        rolled: list[str] = []
        for action_id, due_date in acts:
            before = [rag for when, rag in by_action.get(action_id, []) if when <= day]
            rolled.append(before[-1] if before else action_rag(None, None, due_date, day))  # type: ignore[arg-type]
        rag, reason = priority_rag(rolled)
        rows.append({"level": "priority", "item_id": priority_id, "item": f"Priority: {title or ''}",
                     "update_date": day, "rag": rag, "badge": rag_badge(rag), "detail": reason})
    for action_id, update_date, status, pct_complete, _due, _pid, action, commentary, _by, rag in history:
        pct = "" if pct_complete is None or pd.isna(pct_complete) else f"{int(pct_complete)}% done. "
        rows.append({"level": "action", "item_id": action_id, "item": action,
                     "update_date": _as_date(update_date), "rag": rag, "badge": rag_badge(rag),
                     "detail": f"Reported {rag_badge(status)}; {pct}{_text(commentary)}".strip()})  # type: ignore[arg-type]
    return pd.DataFrame(rows, columns=["level", "item_id", "item", "update_date", "rag", "badge", "detail"])


def meetings(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """The partnership's committee meetings held on or before today, latest first: meeting_id, committee,
    meeting_date (a date), label."""
    rows = con.execute(
        "SELECT meeting_id, committee, meeting_date FROM meeting WHERE partnership_code = ? AND meeting_date <= ? "
        "ORDER BY meeting_date DESC, meeting_id",
        [partnership, today],
    ).fetchall()
    columns = ["meeting_id", "committee", "meeting_date", "label"]
    if not rows:
        return pd.DataFrame([], columns=columns)
    days = [_as_date(d) for _m, _c, d in rows]
    return pd.DataFrame(dict(zip(columns, [[r[0] for r in rows], [r[1] for r in rows], days,
                                           [f"{d:%d %b %Y} — {r[1]}" for d, r in zip(days, rows, strict=True)]],
                                 strict=True)))


def changes_since_of(view: PlanView, since: dt.date) -> pd.DataFrame:
    """Actions with a progress update after ``since``: RAG then (latest update on or before) and now (the
    plan_view's judgement; no query).

    Change is 'worse', 'better' or 'same RAG' by SEVERITY; 'new' when there was no update before. Columns:
    Then, Now, Change, Action, Priority, % then, % now, Latest commentary, Updated by, Last update, Action ID.
    """
    return _changes(view.updates, since, lambda: view.actions)


def _changes(updates: list[Update], since: dt.date, current_actions: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """changes_since_of from the plan's progress updates (_updates rows) and its actions judged now."""
    columns = ["Then", "Now", "Change", "Action", "Priority", "% then", "% now", "Latest commentary", "Updated by",
               "Last update", "Action ID"]
    by_action: dict[str, list[Update]] = {}
    for row in updates:
        by_action.setdefault(row.action_id, []).append(row)
    changed = {a: u for a, u in by_action.items() if any(_as_date(r.update_date) > since for r in u)}  # type: ignore[operator]
    if not changed:
        return pd.DataFrame([], columns=columns)
    current = current_actions()
    now_of = {row["action_id"]: row for row in current[
        ["action_id", "rag", "rag_badge", "action", "priority", "pct_complete", "commentary"]].to_dict("records")}
    rows: list[dict[str, object]] = []
    for action_id in sorted(changed):
        updates = changed[action_id]
        after = [r for r in updates if _as_date(r.update_date) > since]  # type: ignore[operator]
        before = [r for r in updates if _as_date(r.update_date) <= since]  # type: ignore[operator]
        now = now_of[action_id]
        then_rag = str(before[-1].rag) if before else None
        if then_rag is None:
            change = "new"
        else:
            delta = SEVERITY[str(now["rag"])] - SEVERITY[then_rag]
            change = "worse" if delta > 0 else "better" if delta < 0 else "same RAG"
        rows.append({
            "Then": rag_badge(then_rag) if then_rag else "no update yet", "Now": now["rag_badge"],
            "Change": change, "Action": now["action"], "Priority": now["priority"],
            "% then": before[-1].pct_complete if before else None, "% now": now["pct_complete"],
            "Latest commentary": _text(now["commentary"]), "Updated by": _text(after[-1].updated_by),
            "Last update": _as_date(after[-1].update_date), "Action ID": action_id,
        })
    return pd.DataFrame(rows, columns=columns)
