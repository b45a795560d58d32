"""Meeting preparation queries: meetings, what changed since the previous one, recommendations, Community
Trigger / CCfA cases, partnership health, stored questions, and the briefing that gathers them for a pack.

Every query takes the connection first and hashable arguments, so the UI can cache it per store version.
"What changed" compares the months since the previous meeting with the same months a year earlier (so
seasonality cancels out), and lists SPC signals and RAG moves in that window.

Reference rows that no choice of meeting changes (partnerships, their councils and meetings, published months,
the last load, partner names, a partnership's LSOAs and their neighbours) are read once per store version file;
everything else is read and worked out afresh on every call, with plain single-table reads where DuckDB's
planning would cost more than the rows.

Modules: ``reference`` (meetings, their data window, reference rows per store version), ``changes`` (crime
changes, SPC signals, monthly counts and hot spots since the previous meeting), ``partnership`` (indicators,
contributions, recommendations, Community Trigger, health, stored questions), ``briefing`` (the Briefing that
gathers them). The plan's RAG on the meeting's date and its moves come from the plan's own judgement
(``cspdash.metrics.plan.on_date``)."""

from __future__ import annotations

from cspdash.analysis.rag import SEVERITY
from cspdash.metrics.meeting.briefing import (
    Briefing,
    briefing,
    lsoa_geometries,
    lsoa_residents,
    normalise_rag,
    top_areas,
)
from cspdash.metrics.meeting.changes import (
    _change_sentence,
    crime_changes,
    hot_spot_changes,
    monthly_crimes,
    spc_signals_since,
)
from cspdash.metrics.meeting.partnership import (
    audit_trail,
    contributions,
    financial_quarter,
    health,
    indicator_status,
    partner_names,
    recommendations,
    stored_questions,
    trigger_counts_by_quarter,
    triggers,
)
from cspdash.metrics.meeting.reference import (
    CLOSED_RECOMMENDATION_STATUSES,
    DEFAULT_WINDOW_MONTHS,
    HOT_SPOT_PERIOD_MONTHS,
    HOT_SPOT_PERIODS,
    MAX_WINDOW_MONTHS,
    MIN_WINDOW_MONTHS,
    SPC_HISTORY_MONTHS,
    WINDOW_RULE_TEXT,
    Meeting,
    _reference,
    meeting,
    meetings,
)
from cspdash.metrics.plan.on_date import (
    plan_status,
    rag_changes,
)
from cspdash.vocab import HALLMARKS, MINIMUM_STANDARDS

__all__ = [
    "Briefing",
    "CLOSED_RECOMMENDATION_STATUSES",
    "DEFAULT_WINDOW_MONTHS",
    "HALLMARKS",
    "HOT_SPOT_PERIODS",
    "HOT_SPOT_PERIOD_MONTHS",
    "MAX_WINDOW_MONTHS",
    "MINIMUM_STANDARDS",
    "MIN_WINDOW_MONTHS",
    "Meeting",
    "SEVERITY",
    "SPC_HISTORY_MONTHS",
    "WINDOW_RULE_TEXT",
    "_change_sentence",
    "_reference",
    "audit_trail",
    "briefing",
    "contributions",
    "crime_changes",
    "financial_quarter",
    "health",
    "hot_spot_changes",
    "indicator_status",
    "lsoa_geometries",
    "lsoa_residents",
    "meeting",
    "meetings",
    "monthly_crimes",
    "normalise_rag",
    "partner_names",
    "plan_status",
    "rag_changes",
    "recommendations",
    "spc_signals_since",
    "stored_questions",
    "top_areas",
    "trigger_counts_by_quarter",
    "triggers",
]
