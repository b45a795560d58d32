"""Every measure declared once: name, label, unit, format, SQL, dimensions, direction.

A measure's SQL is one parameterised SELECT over the store's tables/views, returning columns ``period`` and
``value`` grouped by month. Named parameters (bound, never formatted in): ``$partnership`` (partnership code),
``$start`` and ``$end`` (DATEs, inclusive months), ``$crime_types`` (list of police.uk crime types; empty
list = all). Tiles, charts, tables, the PDF pack and the slides all read a measure through this catalogue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from cspdash.analysis.rag import ACTION_RULE_SQL_PARAMS

#: residents per LSOA from the latest year loaded: population may hold several years, and joining it directly
#: would count each crime once per year
LSOA_POPULATION = ("(SELECT area_code, arg_max(residents, year) AS residents FROM population "
                   "WHERE area_type = 'lsoa' GROUP BY area_code)")

@dataclass(frozen=True)
class Measure:
    """One measure and how to compute, label and format it."""

    name: str
    label: str
    unit: str
    fmt: str  # "count", "rate", "percent", "money", "days"
    sql: str
    dimensions: tuple[str, ...]
    higher_is_better: bool | None
    description: str

    def monthly(
        self, con: duckdb.DuckDBPyConnection, partnership: str, start: str, end: str,
        crime_types: tuple[str, ...] = (),
    ) -> pd.DataFrame:
        """The measure by month for one partnership between two months (inclusive): period, value."""
        params = {"partnership": partnership, "start": start, "end": end, "crime_types": list(crime_types),
                  **ACTION_RULE_SQL_PARAMS}
        used = {k: v for k, v in params.items() if f"${k}" in self.sql}
        return con.execute(self.sql, used).df()

    def format(self, value: float | int | None) -> str:
        """The value as a committee would read it, with its unit."""
        return format_value(value, self.fmt)


def format_value(value: float | int | None, fmt: str) -> str:
    """Format a number by kind: 1,234 / 12.3 per 1,000 / 45% / £12,500 / 3.2 days."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if fmt == "count":
        return f"{round(value):,}"
    if fmt == "rate":
        return f"{value:,.1f}"
    if fmt == "percent":
        return f"{value:.0f}%"
    if fmt == "money":
        return f"£{value:,.0f}"
    if fmt == "days":
        return f"{value:,.0f} days"
    return f"{value:,}"


_CRIME_FILTER = "(len($crime_types) = 0 OR list_contains($crime_types, crime_type))"


def _harm_weight_values() -> str:
    """The shipped harm weights as a SQL VALUES list (our own file's constants, never user input)."""
    import csv

    from cspdash.config import HARM_WEIGHTS_CSV

    with open(HARM_WEIGHTS_CSV, newline="", encoding="utf-8") as handle:
        rows = [(r["crime_type"].replace("'", "''"), float(r["harm_weight_days"])) for r in csv.DictReader(handle)]
    return ", ".join(f"('{name}', {days!r})" for name, days in rows)


_HARM_WEIGHT_VALUES = _harm_weight_values()

MEASURES: dict[str, Measure] = {
    m.name: m
    for m in [
        Measure(
            name="crimes",
            label="Recorded crimes and ASB incidents",
            unit="incidents",
            fmt="count",
            sql=f"""
                SELECT month AS period, sum(crimes)::BIGINT AS value
                FROM monthly_crime_counts
                WHERE partnership_code = $partnership AND month BETWEEN $start AND $end AND {_CRIME_FILTER}
                GROUP BY month ORDER BY month""",
            dimensions=("month", "partnership", "crime_type", "ward", "lsoa"),
            higher_is_better=False,
            description="police.uk street-level records: one row per crime or anti-social behaviour incident.",
        ),
        Measure(
            name="crime_rate",
            label="Crimes per 1,000 residents",
            unit="per 1,000 residents",
            fmt="rate",
            sql=f"""
                WITH pop AS (
                    SELECT p.area_code AS lsoa_code, p.residents
                    FROM {LSOA_POPULATION} p JOIN areas a ON a.lsoa_code = p.area_code
                    WHERE a.partnership_code = $partnership AND p.residents > 0
                )
                SELECT month AS period, sum(crimes) * 1000.0 / (SELECT sum(residents) FROM pop) AS value
                FROM monthly_crime_counts JOIN pop USING (lsoa_code)
                WHERE partnership_code = $partnership AND month BETWEEN $start AND $end AND {_CRIME_FILTER}
                GROUP BY month ORDER BY month""",
            dimensions=("month", "partnership", "crime_type"),
            higher_is_better=False,
            description="Crimes in the partnership's LSOAs that have a Census population (2021 in the shipped "
            "geography), per 1,000 of "
            "those LSOAs' usual residents (areas without a population figure are left out of both).",
        ),
        Measure(
            name="charge_rate",
            label="Crimes charged or summonsed",
            unit="% of crimes",
            fmt="percent",
            sql=f"""
                SELECT crime_month AS period,
                       100.0 * sum(crimes) FILTER (WHERE outcome_group = 'Charged or summonsed')
                             / nullif(sum(crimes), 0) AS value
                FROM agg_outcome_month_la o JOIN partnership_la pl USING (la_code)
                WHERE pl.partnership_code = $partnership AND crime_month BETWEEN $start AND $end
                  AND {_CRIME_FILTER}
                GROUP BY crime_month ORDER BY crime_month""",
            dimensions=("month", "partnership", "crime_type"),
            higher_is_better=True,
            description="Share of crimes recorded in the month whose latest outcome is a charge or summons; "
            "recent months are still open and will rise.",
        ),
        Measure(
            name="outcome_share",
            label="Share of crimes by latest outcome",
            unit="% of crimes",
            fmt="percent",
            sql=f"""
                SELECT crime_month AS period,
                       100.0 * sum(crimes) FILTER (WHERE outcome_group NOT IN
                                 ('Still under investigation', 'Status unavailable'))
                             / nullif(sum(crimes), 0) AS value
                FROM agg_outcome_month_la o JOIN partnership_la pl USING (la_code)
                WHERE pl.partnership_code = $partnership AND crime_month BETWEEN $start AND $end
                  AND {_CRIME_FILTER}
                GROUP BY crime_month ORDER BY crime_month""",
            dimensions=("month", "partnership", "crime_type", "outcome_group"),
            higher_is_better=None,
            description="Crimes recorded in the month by the outcome group of their latest outcome; the value by "
            "month is the share that has reached a final outcome (not still under investigation or unknown).",
        ),
        Measure(
            name="stop_searches",
            label="Stop and searches",
            unit="searches",
            fmt="count",
            sql="""
                SELECT month AS period, count(*)::BIGINT AS value
                FROM stop_searches
                WHERE force = (SELECT force FROM partnership WHERE partnership_code = $partnership)
                  AND month BETWEEN $start AND $end
                GROUP BY month ORDER BY month""",
            dimensions=("month", "force", "object_of_search", "outcome"),
            higher_is_better=None,
            description="police.uk stop-and-search records for the partnership's force (published per force).",
        ),
        Measure(
            name="stop_search_linked",
            label="Searches whose outcome was linked to the object of search",
            unit="% of searches",
            fmt="percent",
            sql="""
                SELECT month AS period,
                       100.0 * count(*) FILTER (WHERE outcome_linked_to_object)
                             / nullif(count(outcome_linked_to_object), 0) AS value
                FROM stop_searches
                WHERE force = (SELECT force FROM partnership WHERE partnership_code = $partnership)
                  AND month BETWEEN $start AND $end
                GROUP BY month ORDER BY month""",
            dimensions=("month", "force", "object_of_search"),
            higher_is_better=True,
            description="Share of searches (with the link recorded) where the officer found what they searched for "
            "or the outcome related to it: a measure of how well grounded searches are.",
        ),
        Measure(
            name="harm",
            label="Harm-weighted crime (estimate)",
            unit="days of imprisonment (estimate)",
            fmt="days",
            sql=f"""
                WITH weight AS (SELECT * FROM (VALUES {_HARM_WEIGHT_VALUES}) t(crime_type, days))
                SELECT month AS period, sum(crimes * weight.days) AS value
                FROM monthly_crime_counts JOIN weight USING (crime_type)
                WHERE partnership_code = $partnership AND month BETWEEN $start AND $end AND {_CRIME_FILTER}
                GROUP BY month ORDER BY month""",
            dimensions=("month", "partnership", "crime_type", "ward", "lsoa"),
            higher_is_better=False,
            description="Crimes × a weight per crime type in days of imprisonment: Cambridge Crime Harm Index "
            "2020 scores averaged over the Home Office offence mix of 2017/18 (data/harm_weights.csv). "
            "An estimate: police.uk categories are broad.",
        ),
    ]
}


# ---------------------------------------------------------------- action plan (cspdash.metrics.plan)
#: each action's status as at a date: the current action row for today, else its latest progress update
_PLAN_AS_OF = """
    WITH months AS (
        SELECT m::DATE AS period, least(last_day(m::DATE), current_date) AS as_of
        FROM generate_series($start::DATE, $end::DATE, INTERVAL 1 MONTH) g(m)
    ),
    acts AS (
        SELECT a.action_id, a.start_date, a.due_date, a.status, a.pct_complete
        FROM action a JOIN priority p USING (priority_id) WHERE p.partnership_code = $partnership
    ),
    latest AS (
        SELECT m.period, m.as_of, a.action_id, a.due_date,
               CASE WHEN m.as_of >= current_date THEN any_value(a.status)
                    ELSE arg_max(u.status, (u.update_date, u.recorded_at)) END AS status,
               CASE WHEN m.as_of >= current_date THEN any_value(a.pct_complete)
                    ELSE arg_max(u.pct_complete, (u.update_date, u.recorded_at)) END AS pct
        FROM months m JOIN acts a ON a.start_date IS NULL OR a.start_date <= m.as_of
        LEFT JOIN progress_update u ON u.action_id = a.action_id AND u.update_date <= m.as_of
        GROUP BY m.period, m.as_of, a.action_id, a.due_date
    ),
    judged AS (
        SELECT period, action_id,
               status = $status_complete OR coalesce(pct, 0) >= 100 AS complete,
               due_date < as_of AS past_due,
               status = $status_red AS reported_red,
               (due_date - as_of <= $amber_window_days AND coalesce(pct, 0) < $amber_pct)
                   OR status = $status_amber AS amber,
               coalesce(pct, 0) = 0 AND (status IS NULL OR status = $status_not_started) AS not_started
        FROM latest
    )"""

#: the plan measures' values over ``judged`` (declared once: each measure's SQL and PLAN_TILES_SQL use them)
_ON_TRACK_SHARE = """100.0 * count(*) FILTER (WHERE complete OR NOT (coalesce(past_due, FALSE)
                       OR coalesce(reported_red, FALSE) OR coalesce(amber, FALSE) OR not_started))
                   / nullif(count(*), 0)"""
_OVERDUE_COUNT = "(count(*) FILTER (WHERE past_due AND NOT coalesce(complete, FALSE)))::BIGINT"
_FUNDING_TOTAL = """(SELECT coalesce(sum(amount_gbp), 0) FROM partner_contribution
                     WHERE partnership_code = $partnership AND kind = 'funding' AND $start::DATE <= $end::DATE)"""

_PLAN_MEASURES = [
    Measure(
        name="actions_on_track_share",
        label="Actions on track or complete",
        unit="% of actions",
        fmt="percent",
        sql=_PLAN_AS_OF + f"""
            SELECT period, {_ON_TRACK_SHARE} AS value
            FROM judged GROUP BY period ORDER BY period""",
        dimensions=("month", "partnership", "priority", "partner"),
        higher_is_better=True,
        description="Share of the plan's actions whose RAG by the action rule is Green or Complete at the month's "
        "end (this month: today, from the current statuses; earlier months: from the progress history).",
    ),
    Measure(
        name="actions_overdue",
        label="Overdue actions",
        unit="actions",
        fmt="count",
        sql=_PLAN_AS_OF + f"""
            SELECT period, {_OVERDUE_COUNT} AS value
            FROM judged GROUP BY period ORDER BY period""",
        dimensions=("month", "partnership", "priority", "partner"),
        higher_is_better=False,
        description="Actions past their due date and not complete at the month's end (this month: today).",
    ),
    Measure(
        name="funding_contributed",
        label="Partner cash, all years",
        unit="£",
        fmt="money",
        sql=f"SELECT $end::DATE AS period, {_FUNDING_TOTAL} AS value",
        dimensions=("partnership", "partner", "priority"),
        higher_is_better=None,
        description="Total cash funding (kind 'funding': grants and budgets) recorded on the plan's Contributions "
        "sheet for the partnership, over all the financial years listed there (the Partners page splits it by "
        "year); in-kind support is not included. Shown once at the period end; not a monthly series.",
    ),
]
MEASURES.update({m.name: m for m in _PLAN_MEASURES})

#: the plan's headline tiles for one month in one query (binding the plan judgement once, not once per measure):
#: actions_on_track_share, actions_overdue and funding_contributed for ``$start`` = ``$end`` = that month, from
#: the same expressions as the measures (NULL share and overdue when no action has started)
PLAN_TILES_SQL = _PLAN_AS_OF + f"""
    SELECT t.on_track, t.overdue, {_FUNDING_TOTAL} AS funding
    FROM (SELECT 1) one
    LEFT JOIN (SELECT {_ON_TRACK_SHARE} AS on_track, {_OVERDUE_COUNT} AS overdue
               FROM judged GROUP BY period) t ON TRUE"""


def plan_tiles(con: duckdb.DuckDBPyConnection, partnership: str, month: str) -> dict[str, float | None]:
    """actions_on_track_share, actions_overdue and funding_contributed for one month (first day, ISO), each equal
    to the last value of the measure's monthly series over that month (None when it has none)."""
    row = con.execute(PLAN_TILES_SQL, {"partnership": partnership, "start": month, "end": month,
                                       **ACTION_RULE_SQL_PARAMS}).fetchone()
    on_track, overdue, funding = row if row else (None, None, None)
    return {"actions_on_track_share": None if on_track is None else float(on_track),
            "actions_overdue": None if overdue is None else float(overdue),
            "funding_contributed": None if funding is None else float(funding)}


def measure(name: str) -> Measure:
    """The measure called ``name`` (KeyError names the known ones)."""
    try:
        return MEASURES[name]
    except KeyError:
        raise KeyError(f"Unknown measure {name!r}; known: {', '.join(MEASURES)}") from None
