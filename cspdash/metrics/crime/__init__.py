"""Crime queries for the overview and trends pages: headline changes, monthly series by area, rates, grains,
outcomes, stop and search, plan events and data freshness.

Every query takes the connection first and hashable arguments, so the UI can cache it per store version.
Months are first-of-month dates. A month the force has not published is a gap (NaN), never a zero.

Modules: ``headline`` (crime types, published months, headline changes), ``series`` (monthly series by area,
rates, grains), ``signals`` (SPC and ward changes), ``outcomes`` (outcomes, stop and search, plan events),
``freshness`` (how recent the data is), ``sentences`` (the figures in words)."""

from __future__ import annotations

from cspdash.metrics.crime.freshness import (
    Freshness,
    freshness,
)
from cspdash.metrics.crime.headline import (
    ALL_CRIME_LABEL,
    AREA_LEVELS,
    GRAINS,
    UNKNOWN_AREA,
    change_sentence,
    change_words,
    counts_by_type,
    crime_type_label,
    crime_types_for,
    headline_changes,
    history_months,
    largest_crime_types,
    month_range,
    monthly_by_type,
    partnership_force,
    priority_crime_types,
    published_months,
)
from cspdash.metrics.crime.outcomes import (
    _with_share,
    outcomes_by_crime_type,
    outcomes_by_month,
    plan_events,
    stop_search_by_object,
    stop_search_linked,
    stop_search_rows,
)
from cspdash.metrics.crime.sentences import (
    largest_areas,
    outcome_sentence,
    spc_sentence,
    stop_search_sentence,
    trend_sentence,
)
from cspdash.metrics.crime.series import (
    area_monthly,
    area_options,
    force_monthly,
    population_coverage,
    population_source,
    trend_series,
)
from cspdash.metrics.crime.signals import (
    SpcResult,
    recent_signals,
    spc_for_series,
    spc_series,
    ward_changes,
)
from cspdash.vocab import ALL_CRIME

__all__ = [
    "ALL_CRIME",
    "ALL_CRIME_LABEL",
    "AREA_LEVELS",
    "Freshness",
    "GRAINS",
    "SpcResult",
    "UNKNOWN_AREA",
    "_with_share",
    "area_monthly",
    "area_options",
    "change_sentence",
    "change_words",
    "counts_by_type",
    "crime_type_label",
    "crime_types_for",
    "force_monthly",
    "freshness",
    "headline_changes",
    "history_months",
    "largest_areas",
    "largest_crime_types",
    "month_range",
    "monthly_by_type",
    "outcome_sentence",
    "outcomes_by_crime_type",
    "outcomes_by_month",
    "partnership_force",
    "plan_events",
    "population_coverage",
    "population_source",
    "priority_crime_types",
    "published_months",
    "recent_signals",
    "spc_for_series",
    "spc_sentence",
    "spc_series",
    "stop_search_by_object",
    "stop_search_linked",
    "stop_search_rows",
    "stop_search_sentence",
    "trend_sentence",
    "trend_series",
    "ward_changes",
]
