"""One area's drill-down: monthly series, crime mix and outcomes, with small counts disclosed safely."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from cspdash.metrics.hotspots.counts import _published_between
from cspdash.metrics.hotspots.scope import _CRIME_FILTER, _scope, _scope_sql
from cspdash.metrics.period import add_months
from cspdash.vocab import OUTCOME_GROUP


# ---------------------------------------------------------------------------------------------- drill-down
def area_monthly(con: duckdb.DuckDBPyConnection, partnership: str, level: str, area_code: str, start: date,
                 end: date, crime_types: tuple[str, ...] = ()) -> pd.DataFrame:
    """One area's crimes per month: month, crimes (0 for a published month with none, NaN for a month the force
    did not publish: a gap, never a zero)."""
    frame = con.execute(
        f"""
        WITH scope AS ({_scope_sql(level)}),
        months AS (SELECT CAST(m AS DATE) AS month FROM range($start::DATE, $end::DATE + INTERVAL 1 MONTH,
                                                              INTERVAL 1 MONTH) t(m))
        SELECT months.month, coalesce(sum(a.crimes), 0)::BIGINT AS crimes
        FROM months
        LEFT JOIN (SELECT a.month, a.crimes FROM agg_crime_month_lsoa a JOIN scope ON scope.lsoa_code = a.lsoa_code
                   WHERE scope.area_code = $area AND {_CRIME_FILTER}) a ON a.month = months.month
        GROUP BY months.month ORDER BY months.month""",
        {"partnership": partnership, "level": level, "start": start, "end": end, "area": area_code,
         "crime_types": list(crime_types)},
    ).df()
    published = _published_between(con, partnership, start, end)
    frame["month"] = pd.to_datetime(frame["month"])
    frame["crimes"] = np.where([m.date() in published for m in frame["month"]],
                               frame["crimes"].to_numpy(dtype=float), np.nan)
    return frame


def area_crime_mix(con: duckdb.DuckDBPyConnection, partnership: str, level: str, area_code: str, start: date,
                   end: date, previous_start: date, previous_end: date) -> pd.DataFrame:
    """One area's crimes by type this period and the period before: crime_type, crimes, previous_crimes."""
    frame = con.execute(
        f"""
        WITH scope AS ({_scope_sql(level)})
        SELECT a.crime_type,
               coalesce(sum(a.crimes) FILTER (WHERE a.month BETWEEN $start AND $end), 0)::BIGINT AS crimes,
               coalesce(sum(a.crimes) FILTER (WHERE a.month BETWEEN $pstart AND $pend), 0)::BIGINT AS previous_crimes
        FROM agg_crime_month_lsoa a JOIN scope ON scope.lsoa_code = a.lsoa_code
        WHERE scope.area_code = $area AND (a.month BETWEEN $start AND $end OR a.month BETWEEN $pstart AND $pend)
        GROUP BY 1""",
        {"partnership": partnership, "level": level, "area": area_code, "start": start, "end": end,
         "pstart": previous_start, "pend": previous_end},
    ).df()
    frame = frame.sort_values(["crimes", "crime_type"], ascending=[False, True])
    return frame.reset_index(drop=True)


def area_outcome_mix(con: duckdb.DuckDBPyConnection, partnership: str, level: str, area_code: str, start: date,
                     end: date, crime_types: tuple[str, ...] = ()) -> pd.DataFrame:
    """Latest outcome group of the area's crimes recorded in the period: outcome_group, crimes, share.

    Read from the pre-aggregate agg_outcome_month_lsoa; a store written before that table existed is read from
    its raw rows (area_outcome_mix_from_rows) until its next write adds the table.
    """
    params = {"partnership": partnership, "level": level, "start": start, "end": end, "area": area_code,
              "crime_types": list(crime_types)}
    try:
        frame = con.execute(
            f"""
            WITH scope AS ({_scope_sql(level)})
            SELECT a.outcome_group, sum(a.crimes)::BIGINT AS crimes
            FROM agg_outcome_month_lsoa a JOIN scope ON scope.lsoa_code = a.lsoa_code
            WHERE scope.area_code = $area AND a.crime_month BETWEEN $start AND $end AND {_CRIME_FILTER}
            GROUP BY 1 ORDER BY 2 DESC, 1""", params).df()
    except duckdb.CatalogException:
        return area_outcome_mix_from_rows(con, partnership, level, area_code, start, end, crime_types)
    return _with_outcome_share(frame)


def area_outcome_mix_from_rows(con: duckdb.DuckDBPyConnection, partnership: str, level: str, area_code: str,
                               start: date, end: date, crime_types: tuple[str, ...] = ()) -> pd.DataFrame:
    """area_outcome_mix from the raw street and outcome rows (each crime's latest outcome event)."""
    frame = con.execute(
        f"""
        WITH scope AS ({_scope_sql(level)}),
        grouping AS (SELECT unnest($types) AS outcome_type, unnest($groups) AS outcome_group),
        crimes AS (SELECT a.crime_id, a.last_outcome FROM street_crime a JOIN scope ON scope.lsoa_code = a.lsoa_code
                   WHERE scope.area_code = $area AND a.crime_id IS NOT NULL AND a.month BETWEEN $start AND $end
                     AND {_CRIME_FILTER}),
        latest AS (SELECT o.crime_id, arg_max(o.outcome_type, o.month) AS outcome_type FROM outcome o
                   WHERE o.crime_id IN (SELECT crime_id FROM crimes) GROUP BY o.crime_id)
        SELECT coalesce(g.outcome_group, 'Status unavailable') AS outcome_group, count(*)::BIGINT AS crimes
        FROM crimes c LEFT JOIN latest USING (crime_id)
        LEFT JOIN grouping g ON g.outcome_type = coalesce(latest.outcome_type, c.last_outcome)
        GROUP BY 1 ORDER BY 2 DESC, 1""",
        {"partnership": partnership, "level": level, "start": start, "end": end, "area": area_code,
         "crime_types": list(crime_types), "types": list(OUTCOME_GROUP), "groups": list(OUTCOME_GROUP.values())},
    ).df()
    return _with_outcome_share(frame)


@dataclass(frozen=True)
class Drilldown:
    """One area's drill-down: area_monthly, area_crime_mix and area_outcome_mix frames."""

    monthly: pd.DataFrame
    mix: pd.DataFrame
    outcomes: pd.DataFrame


def area_drilldown(con: duckdb.DuckDBPyConnection, partnership: str, level: str, area_code: str, series_start: date,
                   start: date, end: date, previous_start: date, previous_end: date,
                   crime_types: tuple[str, ...] = ()) -> Drilldown:
    """area_monthly (series_start..end), area_crime_mix and area_outcome_mix of one area, read in one query."""
    scope = _scope(con, partnership, level)  # kept per store version
    condition, lsoas = scope.rows_of("a", scope.area_lsoas.get(area_code, []))
    params = {**lsoas, "mstart": series_start, "start": start, "end": end, "pstart": previous_start,
              "pend": previous_end}
    crimes_sql = f"""
        SELECT 0 AS part, a.month, a.crime_type AS label, sum(a.crimes)::BIGINT AS crimes
        FROM agg_crime_month_lsoa a
        WHERE {condition}
          AND (a.month BETWEEN $mstart AND $end OR a.month BETWEEN $start AND $end OR a.month BETWEEN $pstart AND $pend)
        GROUP BY ALL"""
    outcomes_sql = f"""
        SELECT 1 AS part, NULL::DATE AS month, a.outcome_group AS label, sum(a.crimes)::BIGINT AS crimes
        FROM agg_outcome_month_lsoa a
        WHERE {condition} AND a.crime_month BETWEEN $start AND $end
          AND {_CRIME_FILTER}
        GROUP BY ALL"""
    try:
        rows = con.execute(f"{crimes_sql} UNION ALL {outcomes_sql}",
                           {**params, "crime_types": list(crime_types)}).fetchall()
        outcomes = None
    except duckdb.CatalogException:  # a store written before agg_outcome_month_lsoa existed
        rows = con.execute(crimes_sql, params).fetchall()
        outcomes = area_outcome_mix_from_rows(con, partnership, level, area_code, start, end, crime_types)
    chosen = set(crime_types)
    by_month: dict[date, int] = {}
    now: dict[str, int] = {}
    before: dict[str, int] = {}
    groups: dict[str, int] = {}
    for part, month, label, crimes in rows:
        if part == 1:
            groups[label] = groups.get(label, 0) + crimes
            continue
        if series_start <= month <= end and (not chosen or label in chosen):
            by_month[month] = by_month.get(month, 0) + crimes
        if start <= month <= end:
            now[label] = now.get(label, 0) + crimes
        if previous_start <= month <= previous_end:
            before[label] = before.get(label, 0) + crimes
        if (start <= month <= end or previous_start <= month <= previous_end) and label not in now:
            now[label] = 0
    months = []
    month = series_start
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    published = _published_between(con, partnership, series_start, end)
    monthly = pd.DataFrame({"month": np.array(months, dtype="datetime64[us]"),  # unpublished: a gap, never 0
                            "crimes": np.array([by_month.get(m, 0) if m in published else np.nan for m in months],
                                               dtype=float)})
    types = sorted(now, key=lambda t: (-now[t], t))
    # text columns typed as DuckDB's .df() types them ("str" when there are rows, object when empty)
    mix = pd.DataFrame({"crime_type": pd.Series(types, dtype="str" if types else object),
                        "crimes": np.array([now[t] for t in types], dtype="int64"),
                        "previous_crimes": np.array([before.get(t, 0) for t in types], dtype="int64")})
    if outcomes is None:
        names = sorted(groups, key=lambda g: (-groups[g], g))
        outcomes = _with_outcome_share(pd.DataFrame({
            "outcome_group": pd.Series(names, dtype="str" if names else object),
            "crimes": np.array([groups[g] for g in names], dtype="int64")}))
    return Drilldown(monthly, mix, outcomes)


def _hide(frame: pd.DataFrame, column: str, groups: list[list[object]]) -> pd.Series:
    """Protect ``column`` (primary and secondary, metrics.disclosure.protect): add ``<column>_shown`` as text,
    blank the hidden values; returns the hidden mask."""
    from cspdash.metrics.disclosure import HIDDEN, SUPPRESSED, protect

    primary, secondary = protect(frame[column], groups)
    frame[f"{column}_shown"] = frame[column].map(lambda v: f"{int(v)}").mask(primary, SUPPRESSED).mask(secondary, HIDDEN)
    frame[column] = frame[column].astype(float).mask(primary | secondary)
    return primary | secondary


def disclose_drilldown(drill: Drilldown, start: date, end: date, previous_start: date,
                       previous_end: date, months_hidden: tuple[list[bool], list[bool]] | None = None) -> Drilldown:
    """An area's drill-down as public output may show it (the area's own count being shown).

    The months of each period add up to the area's count of that period, the crime types too, and the outcome
    groups to the total the page writes: small counts are hidden in each, with secondary cells hidden so that
    the total cannot give them back; a hidden outcome group's share is blanked too. Each frame gains
    ``<count>_shown`` text columns and a ``hidden`` column (any of its counts hidden). ``months_hidden``
    ((primary, secondary) flags per month, from the cells every area × month view shares:
    metrics.public.hotspot_protection) decides the monthly series instead, so that a month this page shows is
    never one another view hides beside a small count (the areas of a month add up to the partnership's month).
    """
    monthly = drill.monthly.reset_index(drop=True).copy()
    if months_hidden is not None:
        from cspdash.metrics.disclosure import shown_text

        primary, secondary = months_hidden
        monthly["crimes_shown"] = [shown_text(v, p, s) for v, p, s in zip(monthly["crimes"], primary, secondary,
                                                                          strict=True)]
        gone = pd.Series([p or s for p, s in zip(primary, secondary, strict=True)], index=monthly.index)
        monthly["crimes"] = monthly["crimes"].astype(float).mask(gone)
        monthly["hidden"] = gone
    else:
        months = pd.to_datetime(monthly["month"]).dt.date
        now: list[object] = [i for i, m in enumerate(months) if start <= m <= end]
        before: list[object] = [i for i, m in enumerate(months) if previous_start <= m <= previous_end]
        monthly["hidden"] = _hide(monthly, "crimes", [now, before])
    mix = drill.mix.reset_index(drop=True).copy()
    hidden = _hide(mix, "crimes", [list(mix.index)]) | _hide(mix, "previous_crimes", [list(mix.index)])
    mix["hidden"] = hidden
    outcomes = drill.outcomes.reset_index(drop=True).copy()
    outcomes["hidden"] = _hide(outcomes, "crimes", [list(outcomes.index)])
    if "share" in outcomes:
        outcomes["share"] = outcomes["share"].astype(float).mask(outcomes["hidden"])
    return Drilldown(monthly, mix, outcomes)


def _with_outcome_share(frame: pd.DataFrame) -> pd.DataFrame:
    total = frame["crimes"].sum()
    frame["share"] = (frame["crimes"] * 100.0 / total).round(1) if total else 0.0
    return frame
