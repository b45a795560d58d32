"""The action plan: priorities, actions, RAG by stated rules, history, slippage, evidence and partners.

Every query takes the connection first and hashable arguments (strings, dates), so the UI can cache it per
store version. Statuses shown to people always carry a symbol and a label (``rag_badge``), never colour alone.
``today`` is an argument so that results are reproducible (the UI passes the real date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.change import Dispersion, compare_counts, level_dispersion, window_series
from cspdash.analysis.rag import (
    AMBER,
    AMBER_PCT_THRESHOLD,
    AMBER_WINDOW_DAYS,
    COMPLETE,
    GREEN,
    NOT_STARTED,
    RAG_STATUSES,
    RED,
    SEVERITY,
    action_rag,
    indicator_rag,
    priority_rag,
    rag_badge,
)
from cspdash.analysis.spc import series_signals
from cspdash.metrics.catalogue import format_value, measure, plan_tiles
from cspdash.metrics.period import Period, add_months, month_label

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


def plan_names(con: duckdb.DuckDBPyConnection, partnership: str) -> tuple[str, bool]:
    """The plan's name and whether it is made-up sample data."""
    row = con.execute(
        "SELECT any_value(plan_name), bool_or(is_sample) FROM priority WHERE partnership_code = ?", [partnership]
    ).fetchone()
    return (row[0] or "Action plan", bool(row[1])) if row else ("Action plan", False)


# ---------------------------------------------------------------------------------------------- actions
#: every progress update of the partnership's plan, oldest first per action (as action_history orders them)
_UPDATES_SQL = """
    SELECT u.action_id, u.update_date, u.status, u.pct_complete, a.due_date, a.priority_id, a.title, u.commentary,
           u.updated_by
    FROM progress_update u JOIN action a USING (action_id) JOIN priority p USING (priority_id)
    WHERE p.partnership_code = ? {extra}
    ORDER BY u.action_id, u.update_date, u.recorded_at
"""


def _updates(con: duckdb.DuckDBPyConnection, partnership: str, priority_id: str | None = None) -> list[tuple]:
    """Progress updates as plain rows (action_id, update_date, status, pct, due_date, priority_id, action title,
    commentary, updated_by) with the RAG the action rule gives on the update's date appended."""
    extra, params = ("AND a.priority_id = ?", [partnership, priority_id]) if priority_id else ("", [partnership])
    rows = con.execute(_UPDATES_SQL.format(extra=extra), params).fetchall()
    return [(*row, action_rag(row[2], row[3], row[4], row[1])) for row in rows]


def _last_two(updates: list[tuple]) -> tuple[dict[str, str], dict[str, str]]:
    """(RAG at the update before the latest, RAG at the latest update) per action."""
    previous: dict[str, str] = {}
    last: dict[str, str] = {}
    for row in updates:
        action_id = row[0]
        if action_id in last:
            previous[action_id] = last[action_id]
        last[action_id] = row[-1]
    return previous, last


def _judge(action_id: str, status: object, pct_complete: object, due_date: object, today: dt.date,
           previous: dict[str, str], last: dict[str, str]) -> tuple[str, bool, str, int | None]:
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
    return rag, is_overdue, reason, None if due is None else (due - today).days


def _states(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> list[tuple]:
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
        out.append((action_id, priority_id, owner, supporting, rag, overdue, bool(reason)))
    return out


def actions(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """Every action of the partnership's plan with its derived RAG, overdue and slipping flags.

    Columns: priority_id, priority, action_id, action, owner_code, owner, supporting_codes, supporting,
    start_date, due_date, milestone, reported_status, pct_complete, commentary, updated_at, updated_by,
    rag, rag_badge, previous_rag, overdue, slipping, slipping_reason, days_to_due.
    """
    return _judge_plan(_read_plan(con, partnership), today)[0]


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
    priorities: list[tuple]
    #: the _ACTION_COLUMNS of each action, in the plan's order (priority, action)
    actions: list[tuple]
    #: _updates rows (the RAG on each update's date appended)
    updates: list[tuple]
    #: partner code → (name, type) for every partner in the store
    partners: dict[str, tuple[str, str | None]]


def _read_plan(con: duckdb.DuckDBPyConnection, partnership: str) -> _Plan:
    """The plan's priorities, actions and progress updates, and the partners' names."""
    partners = {code: (name, kind) for code, name, kind in con.execute(
        "SELECT partner_code, partner_name, partner_type FROM partner").fetchall()}
    priorities: dict[str, tuple] = {}
    acts: list[tuple] = []
    for row in con.execute(_PLAN_SQL, [partnership]).fetchall():
        priorities.setdefault(row[0], row[:5])
        if row[5] is not None:
            acts.append((row[0], row[1], *row[5:]))
    return _Plan(list(priorities.values()), acts, _updates_of(con, acts), partners)


def _updates_of(con: duckdb.DuckDBPyConnection, acts: list[tuple]) -> list[tuple]:
    """_updates for these actions (_ACTION_COLUMNS rows): one scan of the progress table by action id, the
    action's columns joined and the rows ordered here (as _UPDATES_SQL orders them)."""
    if not acts:
        return []
    of = {a[2]: a for a in acts}
    rows = con.execute(
        "SELECT action_id, update_date, status, pct_complete, commentary, updated_by, recorded_at "
        "FROM progress_update WHERE list_contains(?, action_id)", [list(of)]
    ).fetchall()
    rows.sort(key=lambda r: (r[0], r[1], r[6]))
    out = []
    for action_id, day, status, pct, commentary, by, _recorded in rows:
        act = of[action_id]
        out.append((action_id, day, status, pct, act[7], act[0], act[3], commentary, by,
                    action_rag(status, pct, act[7], day)))
    return out


def _texts(values: list) -> object:
    """A text column as DuckDB's .df() gives it: str (NULL as NaN) when any value is there, else object."""
    return values if any(v is not None for v in values) else np.array(values, dtype=object)


def _whole(values: list) -> object:
    """An INTEGER column as .df() gives it: int32, or nullable Int32 when a value is NULL."""
    return pd.array(values, dtype="Int32") if None in values else np.array(values, dtype=np.int32)


def _judge_plan(plan: _Plan, today: dt.date) -> tuple[pd.DataFrame, list[tuple]]:
    """The actions() frame and the actions' states (as _states gives them) from one judgement of each action."""
    names = {code: name for code, (name, _kind) in plan.partners.items()}
    previous, last = _last_two(plan.updates)
    cols = [list(c) for c in zip(*plan.actions, strict=True)] or [[] for _c in _ACTION_COLUMNS]
    ids, statuses, pcts, dues = cols[2], cols[9], cols[10], cols[7]
    judged = [_judge(*row, today, previous, last) for row in zip(ids, statuses, pcts, dues, strict=True)]
    rags = [j[0] for j in judged]
    data: dict[str, object] = {}
    for name, values in zip(_ACTION_COLUMNS, cols, strict=True):
        if name in ("start_date", "due_date", "updated_at"):
            data[name] = np.array(values, dtype="datetime64[us]")
        elif name == "pct_complete":
            data[name] = _whole(values)
        else:
            data[name] = _texts(values)
    data.update(
        owner=[names.get(code, code) for code in cols[4]],
        supporting=[_names(codes, names) for codes in cols[5]],
        rag=rags,
        rag_badge=[rag_badge(r) for r in rags],
        previous_rag=[previous.get(a) for a in ids],
        overdue=[j[1] for j in judged],
        slipping=[bool(j[2]) for j in judged],
        slipping_reason=[j[2] for j in judged],
        days_to_due=pd.array([j[3] for j in judged], dtype="Int64"),
    )
    frame = pd.DataFrame(data)
    states = [(a, p, o, s, j[0], j[1], bool(j[2])) for a, p, o, s, j in zip(ids, cols[0], cols[4], cols[5], judged,
                                                                             strict=True)]
    return frame, states


def action_history(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Every progress update, oldest first per action, with the RAG the action rule gives on that date.

    Columns: priority_id, action_id, action, update_date, status, pct_complete, commentary, updated_by, source,
    recorded_at, rag.
    """
    frame = con.execute(
        """
        SELECT a.priority_id, u.action_id, a.title AS action, u.update_date, u.status, u.pct_complete,
               u.commentary, u.updated_by, u.source, u.recorded_at, a.due_date
        FROM progress_update u JOIN action a USING (action_id) JOIN priority p USING (priority_id)
        WHERE p.partnership_code = ?
        ORDER BY u.action_id, u.update_date, u.recorded_at
        """,
        [partnership],
    ).df()
    rags = [action_rag(*row) for row in zip(frame["status"].tolist(), frame["pct_complete"].tolist(),
                                            frame["due_date"].tolist(), frame["update_date"].tolist(), strict=True)]
    return frame.drop(columns=["due_date"]).assign(rag=rags)


def overdue_actions(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """Overdue actions (OVERDUE_RULE_TEXT), most overdue first, in the columns a committee reads."""
    return overdue_table(actions(con, partnership, today))


def overdue_table(acts: pd.DataFrame) -> pd.DataFrame:
    """overdue_actions from an actions() frame."""
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


def slipping_actions(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """Slipping actions (SLIPPING_RULE_TEXT) with the reason each one is listed."""
    return slipping_table(actions(con, partnership, today))


def slipping_table(acts: pd.DataFrame) -> pd.DataFrame:
    """slipping_actions from an actions() frame."""
    rows = _flagged_by_due_date(acts, "slipping")
    out = _action_columns(acts, rows)
    out.insert(1, "Why slipping", acts["slipping_reason"].to_numpy()[rows])
    return out


def action_table(con: duckdb.DuckDBPyConnection, partnership: str, priority_id: str | None,
                 today: dt.date) -> pd.DataFrame:
    """The actions of one priority (or all) in the columns a committee reads."""
    return actions_of(actions(con, partnership, today), priority_id)


def actions_of(acts: pd.DataFrame, priority_id: str | None) -> pd.DataFrame:
    """action_table from an actions() frame."""
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


def _roll_up(frame: pd.DataFrame, states: list[tuple]) -> pd.DataFrame:
    """The priorities query's frame with each priority's action counts and RAG from the actions' states."""
    return frame.assign(**_rolled(frame["priority_id"].tolist(), states))


def _rolled(priority_ids: list[str], states: list[tuple]) -> dict[str, list]:
    """Each priority's action counts and RAG with the reason, from the actions' states (columns by name)."""
    own: dict[str, list[tuple]] = {}
    for state in states:
        own.setdefault(state[1], []).append(state)
    mine = [own.get(pid, []) for pid in priority_ids]
    rolled = [priority_rag([s[4] for s in m]) for m in mine]
    rags = [r[0] for r in rolled]
    return {
        "actions": [len(m) for m in mine],
        "overdue": [sum(1 for s in m if s[5]) for m in mine],
        "slipping": [sum(1 for s in m if s[6]) for m in mine],
        "rag": rags,
        "rag_badge": [rag_badge(r) for r in rags],
        "rag_reason": [r[1] for r in rolled],
    }


def _priorities_frame(plan: _Plan, states: list[tuple]) -> pd.DataFrame:
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
def rag_history(con: duckdb.DuckDBPyConnection, partnership: str, priority_id: str) -> pd.DataFrame:
    """RAG timeline of one priority and its actions: one row per item and update date.

    The priority's RAG on a date rolls up each action's RAG from its latest update on or before that date
    (an action with no update yet counts by its due date alone). Columns: level (priority/action), item_id,
    item, update_date, rag, badge, detail.
    """
    history = _updates(con, partnership, priority_id)
    acts = con.execute(
        "SELECT a.action_id, a.due_date, p.title FROM action a LEFT JOIN priority p ON p.priority_id = ?"
        " WHERE a.priority_id = ? ORDER BY a.action_id", [priority_id, priority_id]
    ).fetchall()
    title = acts[0][2] if acts else None
    if title is None:
        found = con.execute("SELECT title FROM priority WHERE priority_id = ?", [priority_id]).fetchone()
        title = found[0] if found else None
    return _rag_history(priority_id, history, [(a, due) for a, due, _t in acts], title)


def rag_history_of(view: PlanView, priority_id: str) -> pd.DataFrame:
    """rag_history from a plan_view (no query)."""
    history = [row for row in view.updates if row[5] == priority_id]
    mine = view.actions[view.actions["priority_id"] == priority_id]  # in action order, as the query sorts them
    titles = view.priorities.loc[view.priorities["priority_id"] == priority_id, "priority"].tolist()
    return _rag_history(priority_id, history, list(zip(mine["action_id"].tolist(), mine["due_date"].tolist(),
                                                       strict=True)), titles[0] if titles else None)


def _rag_history(priority_id: str, history: list[tuple], acts: list[tuple[str, object]],
                 title: object) -> pd.DataFrame:
    """rag_history from the priority's progress updates (_updates rows) and its actions (action_id, due date)."""
    by_action: dict[str, list[tuple[dt.date, str]]] = {}  # update dates are never blank
    for row in history:
        by_action.setdefault(row[0], []).append((row[1], row[-1]))
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
                     "detail": f"Reported {rag_badge(status)}; {pct}{_text(commentary)}".strip()})
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


def changes_since(con: duckdb.DuckDBPyConnection, partnership: str, since: dt.date, today: dt.date) -> pd.DataFrame:
    """Actions with a progress update after ``since``: RAG then (latest update on or before) and now.

    Change is 'worse', 'better' or 'same RAG' by SEVERITY; 'new' when there was no update before. Columns:
    Then, Now, Change, Action, Priority, % then, % now, Latest commentary, Updated by, Last update, Action ID.
    """
    return _changes(_updates(con, partnership), since, lambda: actions(con, partnership, today))


def changes_since_of(view: PlanView, since: dt.date) -> pd.DataFrame:
    """changes_since from a plan_view judged on the same date (no query)."""
    return _changes(view.updates, since, lambda: view.actions)


def _changes(updates: list[tuple], since: dt.date, current_actions: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """changes_since from the plan's progress updates (_updates rows) and its actions judged now."""
    columns = ["Then", "Now", "Change", "Action", "Priority", "% then", "% now", "Latest commentary", "Updated by",
               "Last update", "Action ID"]
    by_action: dict[str, list[tuple]] = {}
    for row in updates:
        by_action.setdefault(row[0], []).append(row)
    changed = {a: u for a, u in by_action.items() if any(_as_date(r[1]) > since for r in u)}  # type: ignore[operator]
    if not changed:
        return pd.DataFrame([], columns=columns)
    current = current_actions()
    now_of = {row["action_id"]: row for row in current[
        ["action_id", "rag", "rag_badge", "action", "priority", "pct_complete", "commentary"]].to_dict("records")}
    rows: list[dict[str, object]] = []
    for action_id in sorted(changed):
        updates = changed[action_id]
        after = [r for r in updates if _as_date(r[1]) > since]  # type: ignore[operator]
        before = [r for r in updates if _as_date(r[1]) <= since]  # type: ignore[operator]
        now = now_of[action_id]
        then_rag = str(before[-1][-1]) if before else None
        if then_rag is None:
            change = "new"
        else:
            delta = SEVERITY[str(now["rag"])] - SEVERITY[then_rag]
            change = "worse" if delta > 0 else "better" if delta < 0 else "same RAG"
        rows.append({
            "Then": rag_badge(then_rag) if then_rag else "no update yet", "Now": now["rag_badge"],
            "Change": change, "Action": now["action"], "Priority": now["priority"],
            "% then": before[-1][3] if before else None, "% now": now["pct_complete"],
            "Latest commentary": _text(now["commentary"]), "Updated by": _text(after[-1][8]),
            "Last update": _as_date(after[-1][1]), "Action ID": action_id,
        })
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------------------- evidence
def _recent_signal(values: list[float], dates: list[dt.date]) -> tuple[str | None, str]:
    """Direction and sentence of the latest SPC signal reaching one of the last RECENT_POINTS points."""
    if len(values) < 3:
        return None, "too few points for an SPC chart"
    found = [s for s in series_signals(values, dates=dates, step_months=None)
             if s.end_index >= len(values) - RECENT_POINTS]
    if not found:
        return None, "no SPC signal in the latest points"
    latest = max(found, key=lambda s: (s.end_index, s.start_index))
    return latest.direction, latest.sentence


@dataclass(frozen=True)
class _Sources:
    """What the evidence of some priorities is read from: their linked crime types and indicators, and the
    partnership's councils and force."""

    #: (priority_id, crime_types) in priority order
    linked: list[tuple[str, str | None]]
    #: (priority_id, indicator_id, name, unit, higher_is_better, source partner's name or code), in that order
    indicators: list[tuple]
    councils: list[str]
    force: str | None


def _sources(con: duckdb.DuckDBPyConnection, partnership: str, priority_ids: list[str] | None = None) -> _Sources:
    """_Sources of the listed priorities (of every priority of the partnership when None), in one query of
    plain filtered scans: the priorities, the partnership's councils and force, partner names, indicators."""
    own = "list_contains($ids, priority_id)" if priority_ids is not None else "partnership_code = $p"
    linked_to = "list_contains($ids, priority_id)" if priority_ids is not None else (
        "priority_id IN (SELECT priority_id FROM priority WHERE partnership_code = $p)")
    params: dict[str, object] = {"p": partnership}
    if priority_ids is not None:
        params["ids"] = priority_ids
    rows = con.execute(
        f"""
        SELECT 0 AS part, priority_id, crime_types, NULL, NULL, NULL::BOOLEAN, NULL FROM priority WHERE {own}
        UNION ALL SELECT 1, la_code, NULL, NULL, NULL, NULL, NULL FROM partnership_la WHERE partnership_code = $p
        UNION ALL SELECT 2, force, NULL, NULL, NULL, NULL, NULL FROM partnership WHERE partnership_code = $p
        UNION ALL SELECT 3, partner_code, partner_name, NULL, NULL, NULL, NULL FROM partner
        UNION ALL SELECT 4, priority_id, indicator_id, name, unit, higher_is_better, source_partner
        FROM indicator WHERE {linked_to}
        """,
        params,
    ).fetchall()
    names = {r[1]: r[2] for r in rows if r[0] == 3}
    indicators = sorted((r[1:6] + (names.get(r[6], r[6]),) for r in rows if r[0] == 4), key=lambda r: (r[0], r[1]))
    return _Sources(
        linked=sorted((r[1], r[2]) for r in rows if r[0] == 0),  # (priority_id, ...): ids are unique
        indicators=indicators,
        councils=[r[1] for r in rows if r[0] == 1],
        force=next((r[1] for r in rows if r[0] == 2), None),
    )


#: every listed indicator's series summed over the listed areas (the partnership's own code and its councils'):
#: 0, indicator_id, period, value, baseline, target
_INDICATOR_SERIES_SQL = """
        SELECT 0 AS part, indicator_id, period, sum(value), sum(baseline), sum(target)
        FROM indicator_value
        WHERE list_contains($ids, indicator_id) AND list_contains($areas, area_code)
        GROUP BY indicator_id, period
"""
#: the listed councils' monthly counts of the listed crime types over 36 months to $end (the sum of
#: agg_crime_month_lsoa = monthly_crime_counts for the partnership): 1, crime_type, month, crimes, NULL, NULL.
#: The councils are listed, not joined, so the scan skips the row groups of other councils by their min/max.
_CRIME_SERIES_SQL = """
        SELECT 1 AS part, c.crime_type, c.month, sum(c.crimes)::DOUBLE, NULL::DOUBLE, NULL::DOUBLE
        FROM agg_crime_month_lsoa c
        WHERE list_contains($councils, c.la_code) AND list_contains($types, c.crime_type)
          AND c.month BETWEEN $first AND $end
        GROUP BY ALL
"""
#: the months the force published street data for: 2, NULL, month, NULL, NULL, NULL
_PUBLISHED_SQL = """
        SELECT DISTINCT 2, NULL, month, NULL, NULL, NULL FROM published_month
        WHERE source = 'street' AND force = $force
"""


def _series(con: duckdb.DuckDBPyConnection, partnership: str, sources: _Sources, indicator_ids: list[str],
            crime_types: list[str], end: dt.date | None) -> tuple[dict[str, list[tuple]], dict[str, list[tuple]],
                                                                   set[dt.date]]:
    """In one query: the indicators' series (indicator_id, period, value, baseline, target) and the crime
    types' monthly counts over 36 months to ``end`` (crime_type, month, crimes, ...), each oldest first by
    id, and the months the partnership's force published street data for."""
    parts: list[str] = []
    params: dict[str, object] = {}
    if indicator_ids:
        parts.append(_INDICATOR_SERIES_SQL)
        params.update(ids=indicator_ids, areas=[partnership, *sources.councils])
    if crime_types and end is not None and sources.councils:  # no councils: no counts (and nothing to gap)
        parts.append(_CRIME_SERIES_SQL)
        params.update(councils=sources.councils, types=crime_types, first=add_months(end, -35), end=end)
        if sources.force is not None:
            parts.append(_PUBLISHED_SQL)
            params["force"] = sources.force
    rows = con.execute(" UNION ALL ".join(parts), params).fetchall() if parts else []
    by_part: tuple[dict[str, list[tuple]], dict[str, list[tuple]]] = ({}, {})
    published: set[dt.date] = set()
    for row in sorted(rows, key=lambda r: (r[0], r[1] or "", r[2])):
        if row[0] == 2:
            published.add(row[2])
        else:
            by_part[row[0]].setdefault(row[1], []).append(row[1:])
    return by_part[0], by_part[1], published


def _judge_indicators(defs: list[tuple], series: dict[str, list[tuple]]) -> dict[str, list[dict[str, object]]]:
    """Evidence rows by priority from the indicators' definitions (priority_id, indicator_id, name, unit,
    higher_is_better, source) and their series (rows of _INDICATOR_SERIES_SQL by indicator, oldest first)."""
    out: dict[str, list[dict[str, object]]] = {}
    for priority_id, indicator_id, name, unit, higher_is_better, source in defs:
        points = series.get(indicator_id)
        if not points:
            continue
        values = [float("nan") if p[2] is None else float(p[2]) for p in points]
        dates = [_as_date(p[1]) for p in points]
        baselines = [p[3] for p in points if p[3] is not None]
        targets = [p[4] for p in points if p[4] is not None]
        base = float(baselines[-1]) if baselines else None
        goal = float(targets[-1]) if targets else None
        direction, sentence = _recent_signal(values, dates)  # type: ignore[arg-type]
        is_count = _looks_like_count(unit, values)
        better_up = bool(higher_is_better) if higher_is_better is not None else False
        rag, reason = indicator_rag(values[-1], base, goal, better_up, direction,  # type: ignore[arg-type]
                                    is_count=is_count, dispersion=level_dispersion(values))
        out.setdefault(priority_id, []).append({
            "Evidence": name, "Kind": "partner indicator", "Source": source or "",
            "Latest": f"{_num(values[-1])} {unit or ''} ({dates[-1]:%b %Y})".replace("  ", " "),
            "Compared with": "" if base is None else f"baseline {_num(base)}",
            "Target": "" if goal is None else _num(goal),
            "Better when": "higher" if better_up else "lower",
            "Trend": sentence, "RAG": rag, "RAG (by rule)": rag_badge(rag), "Why": reason, "id": indicator_id,
        })
    return out


def _judge_crimes(crime_types: list[str], series: dict[str, list[tuple]], published: set[dt.date], end: dt.date,
                  months: int) -> dict[str, dict[str, object]]:
    """One evidence row per police.uk crime type (CRIME_EVIDENCE: last ``months`` against the same length
    before, SPC on 36 months) from each type's counts (crime_type, month, crimes), oldest first, and the months
    the force published: months it did not publish are gaps (every month counts when it published none)."""
    period = Period(end, months)
    start, stop, before_start, before_stop = period.start, period.end, period.previous_start, period.previous_end
    out: dict[str, dict[str, object]] = {}
    for crime_type in dict.fromkeys(crime_types):
        points = [p for p in series.get(crime_type, []) if not published or p[1] in published]
        if not points:
            out[crime_type] = {"Evidence": crime_type, "Kind": "police.uk crime type", "Source": "police.uk",
                               "Latest": "no records", "Compared with": "", "Target": "", "Better when": "lower",
                               "Trend": "", "RAG": None, "RAG (by rule)": "no data",
                               "Why": "No records in the period.", "id": crime_type}
            continue
        months_seen: list[dt.date] = [p[1] for p in points]  # DATE values, never blank
        counts = [float(p[2]) for p in points]
        # the change test reads the 36 months to the end: unpublished months are gaps, published ones with no
        # record are 0
        calendar = [add_months(end, -35 + i) for i in range(36)]
        by_month = dict(zip(months_seen, counts, strict=True))
        grid = np.array([[by_month.get(m, 0.0) if not published or m in published else np.nan for m in calendar]])
        history = window_series(grid, calendar, start, stop, before_start, before_stop)
        current, previous = float(history.current[0]), float(history.previous[0])
        # the SPC scan reads the same months: every published month (0 when none), gaps left as gaps
        shown = [(m, v) for m, v in zip(calendar, grid[0], strict=True) if not np.isnan(v)]
        direction, sentence = _recent_signal([v for _m, v in shown], [m for m, _v in shown])
        change = compare_counts(current, previous, Dispersion(float(history.phi[0]), float(history.df[0])),
                                float(history.expected_share[0]), history.complete,
                                min(history.current_published, history.previous_published), history.window)
        rag, reason = indicator_rag(current, previous, None, False, direction,  # type: ignore[arg-type]
                                    is_count=True, change=change)
        out[crime_type] = {
            "Evidence": crime_type, "Kind": "police.uk crime type", "Source": "police.uk",
            "Latest": f"{current:,.0f} ({period.label})",
            "Compared with": f"{previous:,.0f} ({period.previous_label}); {change.sentence}",
            "Target": "", "Better when": "lower", "Trend": sentence, "RAG": rag, "RAG (by rule)": rag_badge(rag),
            "Why": reason, "id": crime_type,
        }
    return out


def _types_of(crime_types: object) -> list[str]:
    return [t for t in (crime_types or "").split(";") if t]  # type: ignore[attr-defined]


def _evidence_rows(con: duckdb.DuckDBPyConnection, partnership: str, end: dt.date, months: int,
                   priority_id: str | None = None) -> dict[str, list[dict[str, object]]]:
    """Evidence rows by priority (one priority, or all of the partnership's): indicators, then crime types.
    Each series is read once and judged once, however many priorities link it: one query for what is linked
    (_sources), one for every series (indicators, crime types, published months)."""
    sources = _sources(con, partnership, None if priority_id is None else [priority_id])
    types = [t for _p, found in sources.linked for t in _types_of(found)]
    indicator_series, crime_series, published = _series(con, partnership, sources,
                                                         [d[1] for d in sources.indicators], types, end)
    indicators = _judge_indicators(sources.indicators, indicator_series)
    crimes = _judge_crimes(types, crime_series, published, end, months)
    return {p: indicators.get(p, []) + [crimes[t] for t in _types_of(found)] for p, found in sources.linked}


def indicator_evidence(con: duckdb.DuckDBPyConnection, partnership: str, priority_id: str) -> pd.DataFrame:
    """Partner indicators linked to a priority: latest value, baseline, target, trend and indicator RAG."""
    sources = _sources(con, partnership, [priority_id])
    series = _series(con, partnership, sources, [d[1] for d in sources.indicators], [], None)[0]
    return pd.DataFrame(_judge_indicators(sources.indicators, series).get(priority_id, []),
                        columns=_EVIDENCE_COLUMNS)


def crime_evidence(con: duckdb.DuckDBPyConnection, partnership: str, priority_id: str, end: dt.date,
                   months: int = 12) -> pd.DataFrame:
    """police.uk crime types the priority names: last ``months`` vs the same length before, with SPC and RAG.

    Counts come from monthly_crime_counts for the partnership; months the force did not publish are left out
    (a gap, never a zero). Lower is better; there is no target, so no real change is Amber.
    """
    sources = _sources(con, partnership, [priority_id])
    types = [t for _p, found in sources.linked for t in _types_of(found)]
    _indicators, series, published = _series(con, partnership, sources, [], types, end)
    rows = _judge_crimes(types, series, published, end, months)
    return pd.DataFrame([rows[t] for t in types], columns=_EVIDENCE_COLUMNS)


_EVIDENCE_COLUMNS = ["Evidence", "RAG (by rule)", "Why", "Latest", "Compared with", "Target", "Better when", "Trend",
                     "Kind", "Source", "RAG", "id"]


def _evidence_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Indicator rows then crime rows as one table (the RAG column keeps None for 'no data')."""
    indicators = [r for r in rows if r["Kind"] == "partner indicator"]
    crimes = [r for r in rows if r["Kind"] != "partner indicator"]
    parts = [pd.DataFrame(part, columns=_EVIDENCE_COLUMNS) for part in (indicators, crimes) if part]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_EVIDENCE_COLUMNS)


def priority_evidence(con: duckdb.DuckDBPyConnection, partnership: str, priority_id: str, end: dt.date,
                      months: int = 12) -> pd.DataFrame:
    """Every linked measure of a priority: partner indicators, then police.uk crime types."""
    rows = _evidence_rows(con, partnership, end, months, priority_id).get(priority_id, [])
    return _evidence_frame(rows)


def evidence_rag(measure_rags: list[str | None]) -> tuple[str | None, str]:
    """Roll measure RAGs up to the priority's evidence RAG by EVIDENCE_RULE_TEXT (blank or NaN: no data)."""
    known = [r for r in measure_rags if isinstance(r, str) and r]
    if not known:
        return None, "No linked evidence with data."
    reds, greens = known.count(RED), known.count(GREEN)
    if reds:
        return RED, f"{reds} of {len(known)} linked measures {'is' if reds == 1 else 'are'} Red."
    if greens * 2 >= len(known):
        return GREEN, f"{greens} of {len(known)} linked measures are Green and none is Red."
    return AMBER, f"{greens} of {len(known)} linked measures are Green (fewer than half); none is Red."


def evidence_comparison(con: duckdb.DuckDBPyConnection, partnership: str, end: dt.date, months: int,
                        today: dt.date) -> pd.DataFrame:
    """Per priority: self-reported RAG beside the evidence RAG and whether they agree (AGREEMENT_RULE_TEXT)."""
    return evidence_view(con, partnership, end, months).comparison(priorities(con, partnership, today))


@dataclass(frozen=True)
class EvidenceView:
    """Every priority's evidence rows: its table (evidence_table) and, beside the plan's own RAG from
    priorities(), the comparison (comparison). The evidence does not depend on the judgement date."""

    rows: dict[str, list[dict[str, object]]]

    def evidence_table(self, priority_id: str) -> pd.DataFrame:
        """priority_evidence for one priority."""
        return _evidence_frame(self.rows.get(priority_id, []))

    def comparison(self, plan: pd.DataFrame) -> pd.DataFrame:
        """evidence_comparison, given the plan's priorities() frame."""
        rows: list[dict[str, object]] = []
        for row in plan.itertuples(index=False):
            rag, reason = evidence_rag([r["RAG"] for r in self.rows.get(row.priority_id, [])])  # type: ignore[misc]
            if rag is None:
                verdict = "no evidence linked"
            else:
                gap = abs(min(SEVERITY[row.rag], 3) - SEVERITY[rag])
                if row.rag == NOT_STARTED:
                    verdict = "not started"
                else:
                    verdict = "disagree" if gap >= 2 else "differ" if gap == 1 else "agree"
            rows.append({"Priority": row.priority, "Plan says (actions)": row.rag_badge,
                         "Data says (evidence)": rag_badge(rag) if rag else "no evidence", "Agreement": verdict,
                         "Why (evidence)": reason, "Lead partner": row.lead, "priority_id": row.priority_id,
                         "plan_rag": row.rag, "evidence_rag": rag})
        return pd.DataFrame(rows, columns=["Priority", "Plan says (actions)", "Data says (evidence)", "Agreement",
                                           "Why (evidence)", "Lead partner", "priority_id", "plan_rag",
                                           "evidence_rag"])


def evidence_view(con: duckdb.DuckDBPyConnection, partnership: str, end: dt.date, months: int) -> EvidenceView:
    """Every priority's evidence, each series read and judged once (see EvidenceView)."""
    return EvidenceView(_evidence_rows(con, partnership, end, months))


def _looks_like_count(unit: str | None, values: list[float]) -> bool:
    """A Poisson test fits counts only: whole non-negative numbers and a unit that is not a %, rate or score."""
    text = (unit or "").lower()
    if any(word in text for word in ("%", "percent", "rate", "per ", "score", "ratio", "£")):
        return False
    return all(v >= 0 and float(v).is_integer() for v in values)


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


# ---------------------------------------------------------------------------------------------- partners
def partner_matrix(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """Partner × priority: actions led and supported, on track / slipping / overdue (led), funding and staff."""
    return _matrix(con, partnership, _states(con, partnership, today))


def _matrix(con: duckdb.DuckDBPyConnection, partnership: str, states: list[tuple],
            titles: dict[str, str] | None = None, names: dict[str, str] | None = None) -> pd.DataFrame:
    """partner_matrix from the actions' states (priority titles and partner names when already read)."""
    if titles is None:
        titles = dict(con.execute(  # type: ignore[arg-type]
            "SELECT priority_id, title FROM priority WHERE partnership_code = ? ORDER BY priority_id", [partnership]
        ).fetchall())
    titles = dict(titles)
    money = _contributions(con, partnership)
    names = partner_names(con) if names is None else names
    counted: dict[tuple[str, str], list[int]] = {}  # led, supported, on track, slipping, overdue
    for _action_id, priority_id, owner, supporting, rag, overdue, slipping in states:
        if owner is not None:  # an action without an owner counts for nobody (as a groupby drops it)
            led = counted.setdefault((owner, priority_id), [0, 0, 0, 0, 0])
            led[0] += 1
            led[2] += int(rag in (GREEN, COMPLETE) and not slipping)
            led[3] += int(slipping)
            led[4] += int(overdue)
        for code in _codes(supporting):
            counted.setdefault((code, priority_id), [0, 0, 0, 0, 0])[1] += 1
    titles[""] = "(whole plan)"
    keys = sorted(set(counted) | set(money), key=lambda k: (names.get(k[0], k[0]), k[1] or "~"))
    columns = ["Partner", "Priority", "Led", "Supported", "On track", "Slipping", "Overdue", "Cash funding (£)",
               "In-kind (£)", "Staff (FTE)", "Other support", "partner_code", "priority_id"]
    if not keys:
        return pd.DataFrame([], columns=columns)
    counts = [counted.get(key, [0, 0, 0, 0, 0]) for key in keys]
    given = [money.get(key, (None, None, None, None)) for key in keys]
    numbers: list[list[object]] = [[c[i] for c in counts] for i in range(5)]
    values: list[list[object]] = [
        [names.get(code, code) for code, _p in keys], [titles.get(p, p) for _c, p in keys], *numbers,
        [0.0 if g[0] is None else float(g[0]) for g in given], [0.0 if g[3] is None else float(g[3]) for g in given],
        [0.0 if g[1] is None else float(g[1]) for g in given],
        [_text(g[2]) for g in given], [code for code, _p in keys], [p for _c, p in keys],
    ]
    return pd.DataFrame(dict(zip(columns, values, strict=True)))


def _contributions(con: duckdb.DuckDBPyConnection, partnership: str) -> dict[tuple[str, str], tuple]:
    """(partner, priority_id or '') → (cash funding, FTE, kinds, in-kind value): the sums (None when every value is
    blank) and the distinct kinds in order joined by ', '. Cash is the amounts of kind 'funding' only; the £ value
    of in-kind support is summed apart, never as funding."""
    groups: dict[tuple[str, str], tuple[list[float], list[float], set[str], list[float]]] = {}
    for code, priority_id, kind, amount, fte in con.execute(
        "SELECT partner_code, priority_id, kind, amount_gbp, fte FROM partner_contribution WHERE partnership_code = ?",
        [partnership],
    ).fetchall():
        amounts, ftes, kinds, in_kind = groups.setdefault((code, priority_id or ""), ([], [], set(), []))
        if amount is not None and kind == "funding":
            amounts.append(amount)
        elif amount is not None and kind == "in-kind":
            in_kind.append(amount)
        if fte is not None:
            ftes.append(fte)
        kinds.add(kind)
    return {key: (sum(amounts) if amounts else None, sum(ftes) if ftes else None, ", ".join(sorted(kinds)),
                  sum(in_kind) if in_kind else None)
            for key, (amounts, ftes, kinds, in_kind) in groups.items()}


def partner_totals(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """One row per partner: totals of partner_matrix plus priorities led."""
    return _totals(con, partnership, partner_matrix(con, partnership, today))


def _totals(con: duckdb.DuckDBPyConnection, partnership: str, matrix: pd.DataFrame,
            led_priorities: dict[str, int] | None = None) -> pd.DataFrame:
    """partner_totals from partner_matrix (and the priorities each partner leads, when already counted)."""
    if led_priorities is None:
        led_priorities = dict(con.execute(  # type: ignore[arg-type]
            "SELECT lead_partner, count(*) FROM priority WHERE partnership_code = ? GROUP BY ALL", [partnership]
        ).fetchall())
    if matrix.empty:
        return matrix
    numbers = ["Led", "Supported", "On track", "Slipping", "Overdue", "Cash funding (£)", "In-kind (£)", "Staff (FTE)"]
    sums: dict[tuple[str, str], list[float]] = {}
    for row in zip(matrix["partner_code"].tolist(), matrix["Partner"].tolist(),
                   *(matrix[c].tolist() for c in numbers), strict=True):
        total = sums.setdefault((row[0], row[1]), [0] * len(numbers))
        for i, value in enumerate(row[2:]):
            total[i] += value
    # in groupby's order of the groups, then by priorities led, actions led and funding, largest first (a stable
    # sort, as sort_values on several columns is)
    keys = sorted(sorted(sums), key=lambda k: (-led_priorities.get(k[0], 0), -sums[k][0], -sums[k][5]))
    return pd.DataFrame({"partner_code": [k[0] for k in keys], "Partner": [k[1] for k in keys],
                         "Priorities led": [led_priorities.get(k[0], 0) for k in keys],
                         **{c: [sums[k][i] for k in keys] for i, c in enumerate(numbers)}})


def partner_actions(con: duckdb.DuckDBPyConnection, partnership: str, partner_code: str,
                    today: dt.date) -> pd.DataFrame:
    """The actions one partner leads or supports, with its role in each."""
    return partner_actions_of(actions(con, partnership, today), partner_code)


def partner_actions_of(frame: pd.DataFrame, partner_code: str) -> pd.DataFrame:
    """partner_actions from an actions() frame."""
    led = frame["owner_code"] == partner_code
    supports = pd.Series([partner_code in _codes(s) for s in frame["supporting_codes"]],
                         index=frame.index)
    mine = frame[led | supports]
    out = _action_columns(mine)
    out.insert(0, "Role", np.where(led[led | supports], "leads", "supports"))
    return out


def partner_contributions(con: duckdb.DuckDBPyConnection, partnership: str, partner_code: str) -> pd.DataFrame:
    """What one partner puts in: kind, priority, description, amount, FTE, period."""
    rows = con.execute(
        """
        SELECT c.kind, coalesce(p.title, '(whole plan)'), c.description, c.amount_gbp, c.fte, c.period, p.title
        FROM partner_contribution c LEFT JOIN priority p USING (priority_id)
        WHERE c.partnership_code = ? AND c.partner_code = ?
        """,
        [partnership, partner_code],
    ).fetchall()
    rows.sort(key=lambda r: (r[0], r[6] is None, r[6] or ""))  # ORDER BY kind, priority title (blank last)
    return _frame([r[:6] for r in rows], ["Kind", "Priority", "Description", "Amount (£)", "Staff (FTE)", "Period"],
                  "tttfft")


#: how each contribution kind is written for people
KIND_WORDS = {"funding": "Cash funding", "in-kind": "In-kind support", "staff": "Staff", "data": "Data shared"}


def financial_year_of(period: object) -> str:
    """'2024/25' from '2024/25', '2024-25' or '2024'; a span ('2023/24-2024/25') as '2023/24 to 2024/25'; blank
    as 'year not given'."""
    import re

    text = "" if period is None else str(period).strip()
    years = re.findall(r"(20\d\d)\s*[/-]\s*(\d\d)(?!\d)", text)
    if len(years) == 1:
        return f"{years[0][0]}/{years[0][1]}"
    if len(years) > 1:
        return f"{years[0][0]}/{years[0][1]} to {years[-1][0]}/{years[-1][1]}"
    single = re.fullmatch(r"(20\d\d)", text)
    if single:
        start = int(single.group(1))
        return f"{start}/{(start + 1) % 100:02d}"
    return text or "year not given"


def contributions_by_year(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Cash funding and in-kind support per financial year, never added together: Financial year, Cash funding
    (£), In-kind support (£), Staff (FTE), Grants ending (the grants whose end date falls in that year)."""
    rows = con.execute(
        "SELECT period, kind, amount_gbp, fte, grant_end, description FROM partner_contribution"
        " WHERE partnership_code = ?", [partnership]).fetchall()
    years: dict[str, list[Any]] = {}
    for period, kind, amount, fte, grant_end, description in rows:
        year = years.setdefault(financial_year_of(period), [0.0, 0.0, 0.0, []])
        if kind == "funding" and amount is not None:
            year[0] += float(amount)
        elif kind == "in-kind" and amount is not None:
            year[1] += float(amount)
        if fte is not None:
            year[2] += float(fte)
        if grant_end is not None:
            year[3].append(f"{description or 'grant'} ({grant_end.day} {grant_end:%b %Y})")
    order = sorted(years, key=lambda y: (y == "year not given", y))
    return pd.DataFrame({
        "Financial year": order, "Cash funding (£)": [years[y][0] for y in order],
        "In-kind support (£)": [years[y][1] for y in order], "Staff (FTE)": [years[y][2] for y in order],
        "Grants ending": ["; ".join(years[y][3]) for y in order],
    })


def contribution_list(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Every contribution: Partner, Kind (Cash funding / In-kind support / Staff / Data shared), Financial year,
    Amount (£), Staff (FTE), Grant ends, What; cash first, then in-kind, largest first."""
    names = partner_names(con)
    rows = con.execute(
        "SELECT partner_code, kind, period, amount_gbp, fte, grant_end, description FROM partner_contribution"
        " WHERE partnership_code = ?", [partnership]).fetchall()
    rank = {"funding": 0, "in-kind": 1, "staff": 2, "data": 3}
    rows.sort(key=lambda r: (rank.get(r[1], 9), financial_year_of(r[2]), -(r[3] or 0), -(r[4] or 0), r[0]))
    return pd.DataFrame({
        "Partner": [names.get(r[0], r[0]) for r in rows], "Kind": [KIND_WORDS.get(r[1], r[1]) for r in rows],
        "Financial year": [financial_year_of(r[2]) for r in rows],
        "Amount (£)": [np.nan if r[3] is None else float(r[3]) for r in rows],
        "Staff (FTE)": [np.nan if r[4] is None else float(r[4]) for r in rows],
        "Grant ends": ["" if r[5] is None else f"{r[5].day} {r[5]:%B %Y}" for r in rows],
        "What": [r[6] or "" for r in rows],
    })


def plan_partners(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Partners named anywhere in the partnership's plan: partner_code, partner_name, partner_type."""
    rows = con.execute(
        """
        SELECT 0 AS part, partner_code, partner_name, partner_type FROM partner
        UNION ALL SELECT 1, p.lead_partner, a.owner_partner, a.supporting_partners
        FROM priority p LEFT JOIN action a USING (priority_id) WHERE p.partnership_code = $p
        UNION ALL SELECT 1, partner_code, NULL, NULL FROM partner_contribution WHERE partnership_code = $p
        """,
        {"p": partnership},
    ).fetchall()
    named: set[str] = set()
    for part, lead, owner, supporting in rows:
        if part == 1:  # leads, owners, supporting partners split on ';' as string_split does, contributors
            named.update([lead, owner, *(supporting.split(";") if supporting is not None else [])])
    partners = sorted((r[1:] for r in rows if r[0] == 0 and r[1] in named), key=lambda r: r[1])
    return _frame(partners, ["partner_code", "partner_name", "partner_type"], "ttt")


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


# ---------------------------------------------------------------------------------------------- edits
def latest_update(con: duckdb.DuckDBPyConnection, partnership: str) -> dt.date | None:
    """The date of the plan's latest progress update (None when there is none)."""
    row = con.execute(
        "SELECT max(u.update_date) FROM progress_update u JOIN action a USING (action_id) "
        "JOIN priority p USING (priority_id) WHERE p.partnership_code = ?",
        [partnership],
    ).fetchone()
    return _as_date(row[0]) if row else None


def audit_log(con: duckdb.DuckDBPyConnection, partnership: str, limit: int = 200) -> pd.DataFrame:
    """In-app edits to the partnership's actions, latest first: when, who, role, action, field, old, new."""
    rows = con.execute(
        """
        SELECT e.edited_at, e.user_name, e.user_role, e.entity_id, a.title, e.field, e.old_value, e.new_value
        FROM edit_audit e JOIN action a ON a.action_id = e.entity_id JOIN priority p USING (priority_id)
        WHERE e.entity = 'action' AND p.partnership_code = ?
        ORDER BY e.edited_at DESC, e.audit_id DESC
        LIMIT ?
        """,
        [partnership, limit],
    ).fetchall()
    return _frame(rows, ["When", "Who", "Role", "Action ID", "Action", "Field", "Old value", "New value"], "dttttttt")


# ---------------------------------------------------------------------------------------------- headline
def plan_headline(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> list[tuple[str, str, str]]:
    """Headline tiles from the catalogue's plan measures: (label, formatted value, help)."""
    return _headline(con, partnership, today, sum(1 for state in _states(con, partnership, today) if state[6]))


def _headline(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date,
              slipping: int) -> list[tuple[str, str, str]]:
    """plan_headline with the number of slipping actions already counted."""
    month = today.replace(day=1).isoformat()
    tiles = []
    values = plan_tiles(con, partnership, month)  # the three measures in one query
    for name in ("actions_on_track_share", "actions_overdue", "funding_contributed"):
        item = measure(name)
        value = values[name]
        tiles.append((item.label, format_value(value, item.fmt), item.description))
    tiles.insert(2, ("Slipping actions", format_value(slipping, "count"), SLIPPING_RULE_TEXT))
    return tiles


# ---------------------------------------------------------------------------------------------- page views
@dataclass(frozen=True)
class PlanInfo:
    """Whether a plan is loaded, its name, whether it is sample data, and its latest progress update."""

    has_plan: bool
    name: str
    is_sample: bool
    latest_update: dt.date | None


def plan_info(con: duckdb.DuckDBPyConnection, partnership: str) -> PlanInfo:
    """has_plan, plan_names and latest_update in one query."""
    row = con.execute(
        """
        SELECT count(*), any_value(plan_name), bool_or(is_sample),
               (SELECT max(update_date) FROM progress_update WHERE action_id IN (
                    SELECT action_id FROM action WHERE priority_id IN (
                        SELECT priority_id FROM priority WHERE partnership_code = $p)))
        FROM priority WHERE partnership_code = $p
        """,
        {"p": partnership},
    ).fetchone()
    count, name, is_sample, latest = row if row else (0, None, False, None)
    return PlanInfo(bool(count), name or "Action plan", bool(is_sample), _as_date(latest))


@dataclass(frozen=True)
class PlanView:
    """Everything the action plan and partners pages show about a plan judged on one date, computed together
    from one judgement of every action (each field equals the function of the same name)."""

    actions: pd.DataFrame
    priorities: pd.DataFrame
    overdue: pd.DataFrame
    slipping: pd.DataFrame
    headline: list[tuple[str, str, str]]
    partner_matrix: pd.DataFrame
    partner_totals: pd.DataFrame
    #: the progress updates with the RAG on each update's date (for rag_history_of and changes_since_of)
    updates: list[tuple]


def plan_view(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> PlanView:
    """The plan judged on ``today``: actions, priorities, overdue and slipping tables, headline tiles, partners."""
    plan = _read_plan(con, partnership)
    acts, states = _judge_plan(plan, today)
    priorities_frame = _priorities_frame(plan, states)
    led: dict[str, int] = {}
    for row in plan.priorities:
        led[row[3]] = led.get(row[3], 0) + 1
    names = {code: name for code, (name, _kind) in plan.partners.items()}
    matrix = _matrix(con, partnership, states, {row[0]: row[1] for row in plan.priorities}, names)
    return PlanView(
        actions=acts,
        priorities=priorities_frame,
        overdue=overdue_table(acts),
        slipping=slipping_table(acts),
        headline=_headline(con, partnership, today, sum(1 for state in states if state[6])),
        partner_matrix=matrix,
        partner_totals=_totals(con, partnership, matrix, led),
        updates=plan.updates,
    )


def rag_legend() -> pd.DataFrame:
    """Every RAG status: symbol, label and rule (the legend shown beside RAG symbols)."""
    return pd.DataFrame([{"Symbol": s.icon, "Status": s.label, "Meaning": s.rule} for s in RAG_STATUSES.values()])


def months_label(end: dt.date, months: int) -> str:
    """'Jul 2024 – Jun 2025' for the evidence period."""
    return f"{month_label(add_months(end, -(months - 1)))} – {month_label(end)}"



# ---------------------------------------------------------------------------------------------- judging date
#: a plan whose reporting round is older than this is judged at the round by default (not at today)
STALE_AFTER_DAYS = 100


def reporting_round(last_updates: list[dt.date]) -> dt.date | None:
    """The plan's reporting round: the date by which at least half its actions had their latest update
    (the lower median of each action's latest update). One action updated today does not move it."""
    days = sorted(last_updates)
    if not days:
        return None
    return days[(len(days) - 1) // 2]


def last_updates(con: duckdb.DuckDBPyConnection, partnership: str) -> dict[str, dt.date]:
    """Each updated action's latest progress-update date."""
    rows = con.execute(
        "SELECT u.action_id, max(u.update_date) FROM progress_update u JOIN action a USING (action_id) "
        "JOIN priority p USING (priority_id) WHERE p.partnership_code = ? GROUP BY u.action_id", [partnership],
    ).fetchall()
    return {str(a): d for a, d in ((a, _as_date(d)) for a, d in rows) if d is not None}


@dataclass(frozen=True)
class JudgingDate:
    """The date a plan's statuses are judged at by default, and why, in words."""

    date: dt.date
    reason: str
    reporting_round: dt.date | None


def default_judging_date(last: dict[str, dt.date], today: dt.date) -> JudgingDate:
    """Today, unless the reporting round is older than STALE_AFTER_DAYS: then the round (judging an old report
    against today would show every unfinished action past its due date as overdue)."""
    round_date = reporting_round(list(last.values()))
    if round_date is None:
        return JudgingDate(today, "today: no progress updates have been recorded yet", None)
    if (today - round_date).days > STALE_AFTER_DAYS:
        return JudgingDate(round_date, f"the plan's latest reporting round ({round_date.day} {round_date:%b %Y}: most "
                           f"actions were last updated by then, {(today - round_date).days} days ago). Judged at "
                           "today, actions whose owners have not reported since would count as overdue", round_date)
    return JudgingDate(today, f"today: the plan's latest reporting round ({round_date.day} {round_date:%b %Y}) is "
                       f"recent (within {STALE_AFTER_DAYS} days)", round_date)


def judging_after_update(last: dict[str, dt.date], action_id: str, today: dt.date) -> JudgingDate:
    """The default judging date once ``action_id`` has an update dated ``today``."""
    return default_judging_date({**last, action_id: today}, today)


def judging_shift(before: PlanView, after: PlanView, old: dt.date, new: dt.date) -> str:
    """What judging at ``new`` instead of ``old`` changes, in words (empty when nothing changes)."""
    def figures(view: PlanView) -> tuple[int, float, int]:
        acts = view.actions
        on_track = float(acts["rag"].isin([GREEN, COMPLETE]).mean() * 100) if len(acts) else 0.0
        return int(acts["overdue"].sum()), on_track, int((view.priorities["rag"] == RED).sum())

    (o1, t1, r1), (o2, t2, r2) = figures(before), figures(after)
    if (o1, round(t1), r1) == (o2, round(t2), r2):
        return ""
    more = o2 - o1
    overdue = (f"makes {more} more action{'s' if more != 1 else ''} overdue ({o1} → {o2})" if more > 0 else
               f"makes {-more} fewer action{'s' if more != -1 else ''} overdue ({o1} → {o2})" if more < 0 else
               f"leaves {o1} action{'s' if o1 != 1 else ''} overdue")
    return (f"judging at {new.day} {new:%b %Y} instead of {old.day} {old:%b %Y} {overdue}; on track or complete "
            f"{t1:.0f}% → {t2:.0f}%; Red priorities {r1} → {r2}")


# ---------------------------------------------------------------------------------------------- lead officers
def lead_officers(con: duckdb.DuckDBPyConnection, partnership: str) -> dict[str, str]:
    """Priority ID and action ID → the named lead officer (only those the plan names)."""
    rows = con.execute(
        "SELECT priority_id, lead_officer FROM priority WHERE partnership_code = $p AND lead_officer IS NOT NULL"
        " UNION ALL SELECT a.action_id, a.lead_officer FROM action a JOIN priority p USING (priority_id)"
        " WHERE p.partnership_code = $p AND a.lead_officer IS NOT NULL", {"p": partnership}).fetchall()
    return {str(k): str(v) for k, v in rows}


def with_lead_officer(table: pd.DataFrame, officers: dict[str, str], id_column: str, after: str) -> pd.DataFrame:
    """``table`` with a 'Lead officer' column (from the record id in ``id_column``) placed after ``after``."""
    if id_column not in table.columns:
        return table
    shown = table.copy()
    names = ["" if not isinstance(i, str) else officers.get(i, "not named") for i in shown[id_column]]
    at = list(shown.columns).index(after) + 1 if after in shown.columns else len(shown.columns)
    shown.insert(at, "Lead officer", names)
    return shown
