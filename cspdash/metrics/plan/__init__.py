"""The action plan: priorities, actions, RAG by stated rules, history, slippage, evidence and partners.

One read model per page: ``plan_view`` (the plan judged on a date: actions, priorities, overdue and slipping
tables, headline tiles, partners) and ``evidence_view`` (each priority's linked evidence). Every query takes the
connection first and hashable arguments (strings, dates), so the UI can cache it per store version. Statuses
shown to people always carry a symbol and a label (``rag_badge``), never colour alone. ``today`` is an argument
so that results are reproducible (the UI passes the real date).

Modules: ``rules`` (rule texts, lookups, cell conversions), ``actions`` (each action judged), ``priorities``
(the roll-up, RAG history, changes since a meeting), ``evidence`` (linked indicators and crime types),
``partners`` (the partner matrix and contributions), ``view`` (PlanView, PlanInfo, headline, edits),
``judging`` (the default judging date), ``on_date`` (the plan as it stood on a meeting's date, which the
meeting briefing asks), ``rows`` (the named rows the modules pass each other)."""

from __future__ import annotations

from cspdash.analysis.rag import SEVERITY
from cspdash.metrics.period import add_months
from cspdash.metrics.plan.actions import (
    actions_of,
    overdue_table,
    slipping_table,
)
from cspdash.metrics.plan.evidence import (
    EvidenceView,
    evidence_rag,
    evidence_view,
)
from cspdash.metrics.plan.judging import (
    STALE_AFTER_DAYS,
    JudgingDate,
    default_judging_date,
    judging_after_update,
    judging_shift,
    last_updates,
    reporting_round,
)
from cspdash.metrics.plan.on_date import plan_status, rag_changes
from cspdash.metrics.plan.partners import (
    KIND_WORDS,
    contribution_list,
    contributions_by_year,
    financial_year_of,
    lead_officers,
    partner_actions_of,
    plan_partners,
    with_lead_officer,
)
from cspdash.metrics.plan.priorities import (
    changes_since_of,
    lead_bodies,
    lead_bodies_of,
    meetings,
    priorities,
    rag_history_of,
)
from cspdash.metrics.plan.rows import ActionRow, ActionState, Judgement, PriorityRow, Update
from cspdash.metrics.plan.rules import (
    AGREEMENT_RULE_TEXT,
    CONTRIBUTION_TEXT,
    EVIDENCE_RULE_TEXT,
    OVERDUE_RULE_TEXT,
    PARTNER_MATRIX_TEXT,
    RECENT_POINTS,
    SLIPPING_RULE_TEXT,
    has_plan,
    partner_names,
    rag_legend,
)
from cspdash.metrics.plan.view import (
    PlanInfo,
    PlanView,
    audit_log,
    latest_update,
    plan_info,
    plan_view,
)

__all__ = [
    "ActionRow",
    "ActionState",
    "Judgement",
    "PriorityRow",
    "Update",
    "plan_status",
    "rag_changes",
    "AGREEMENT_RULE_TEXT",
    "CONTRIBUTION_TEXT",
    "EVIDENCE_RULE_TEXT",
    "EvidenceView",
    "JudgingDate",
    "KIND_WORDS",
    "OVERDUE_RULE_TEXT",
    "PARTNER_MATRIX_TEXT",
    "PlanInfo",
    "PlanView",
    "RECENT_POINTS",
    "SEVERITY",
    "SLIPPING_RULE_TEXT",
    "STALE_AFTER_DAYS",
    "actions_of",
    "add_months",
    "audit_log",
    "changes_since_of",
    "contribution_list",
    "contributions_by_year",
    "default_judging_date",
    "evidence_rag",
    "evidence_view",
    "financial_year_of",
    "has_plan",
    "judging_after_update",
    "judging_shift",
    "last_updates",
    "latest_update",
    "lead_bodies",
    "lead_bodies_of",
    "lead_officers",
    "meetings",
    "overdue_table",
    "partner_actions_of",
    "partner_names",
    "plan_info",
    "plan_partners",
    "plan_view",
    "priorities",
    "rag_history_of",
    "rag_legend",
    "reporting_round",
    "slipping_table",
    "with_lead_officer",
]
