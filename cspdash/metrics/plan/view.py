"""The action plan's read model (PlanView, judged once per date), PlanInfo, headline tiles and edits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from cspdash.metrics.catalogue import format_value, measure, plan_tiles
from cspdash.metrics.plan.actions import _judge_plan, _read_plan, overdue_table, slipping_table
from cspdash.metrics.plan.partners import _matrix, _totals
from cspdash.metrics.plan.priorities import _priorities_frame
from cspdash.metrics.plan.rows import Update
from cspdash.metrics.plan.rules import SLIPPING_RULE_TEXT, _as_date, _frame


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
def _headline(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date,
              slipping: int) -> list[tuple[str, str, str]]:
    """Headline tiles from the catalogue's plan measures: (label, formatted value, help), with the number of
    slipping actions already counted."""
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
    from one judgement of every action.

    actions: priority_id, priority, action_id, action, owner_code, owner, supporting_codes, supporting,
    start_date, due_date, milestone, reported_status, pct_complete, commentary, updated_at, updated_by, rag,
    rag_badge, previous_rag, overdue, slipping, slipping_reason, days_to_due. priorities: as ``priorities()``.
    """

    actions: pd.DataFrame
    priorities: pd.DataFrame
    overdue: pd.DataFrame
    slipping: pd.DataFrame
    headline: list[tuple[str, str, str]]
    partner_matrix: pd.DataFrame
    partner_totals: pd.DataFrame
    #: the progress updates with the RAG on each update's date (for rag_history_of and changes_since_of)
    updates: list[Update]


def plan_view(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> PlanView:
    """The plan judged on ``today``: actions, priorities, overdue and slipping tables, headline tiles, partners."""
    plan = _read_plan(con, partnership)
    acts, states = _judge_plan(plan, today)
    priorities_frame = _priorities_frame(plan, states)
    led: dict[str, int] = {}
    for row in plan.priorities:
        led[row.lead_partner] = led.get(row.lead_partner, 0) + 1  # type: ignore[index,arg-type]
    names = {code: name for code, (name, _kind) in plan.partners.items()}
    matrix = _matrix(con, partnership, states, {row.priority_id: row.title for row in plan.priorities}, names)  # type: ignore[misc]
    return PlanView(
        actions=acts,
        priorities=priorities_frame,
        overdue=overdue_table(acts),
        slipping=slipping_table(acts),
        headline=_headline(con, partnership, today, sum(1 for state in states if state.slipping)),
        partner_matrix=matrix,
        partner_totals=_totals(con, partnership, matrix, led),
        updates=plan.updates,
    )
