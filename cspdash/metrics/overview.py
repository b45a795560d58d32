"""Overview queries beyond crime counts: the action plan's RAG summary by priority."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from cspdash.analysis.rag import RAG_ORDER, action_rag, priority_rag, rag_badge


def plan_rag_summary(con: duckdb.DuckDBPyConnection, partnership: str, today: date) -> pd.DataFrame:
    """One row per priority: priority_id, priority, lead_partner, actions, status, badge, reason, plus a count
    column per RAG status. Empty when no plan is loaded for the partnership."""
    actions = con.execute(
        """
        SELECT p.priority_id, p.title AS priority, p.lead_partner, a.action_id, a.status, a.pct_complete,
               a.due_date
        FROM priority p LEFT JOIN action a USING (priority_id)
        WHERE p.partnership_code = ?
        ORDER BY p.priority_id, a.action_id
        """, [partnership]).df()
    columns = ["priority_id", "priority", "lead_partner", "actions", "status", "badge", "reason", *RAG_ORDER]
    if actions.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for (priority_id, title, lead), group in actions.groupby(["priority_id", "priority", "lead_partner"], sort=True):
        present = group[group["action_id"].notna()]
        rags = [_safe_action_rag(r.status, r.pct_complete, r.due_date, today) for r in present.itertuples()]
        status, reason = priority_rag(rags)
        counts = {key: rags.count(key) for key in RAG_ORDER}
        rows.append({"priority_id": priority_id, "priority": title, "lead_partner": lead, "actions": len(rags),
                     "status": status, "badge": rag_badge(status), "reason": reason, **counts})
    return pd.DataFrame(rows, columns=columns)


def _safe_action_rag(status: object, pct: object, due: object, today: date) -> str:
    """action_rag, treating an unrecognised reported status as blank (the rule still applies)."""
    try:
        return action_rag(status, pct, due, today)  # type: ignore[arg-type]
    except ValueError:
        return action_rag(None, None if pct is None or pd.isna(pct) else min(max(float(pct), 0), 100),  # type: ignore[arg-type]
                          due, today)  # type: ignore[arg-type]
