"""Crime counts per small area and the measures built on them (rate, harm, change)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.change import HISTORY_MONTHS, VERDICT_LABELS, WindowSeries, compare_frame, window_series
from cspdash.analysis.harm import harm_score
from cspdash.metrics.hotspots.scope import (
    _CRIME_FILTER,
    _PARTNERSHIP_LAS,
    _area_values,
    _areas_frame,
    _counts_sql,
    _scope,
    areas,
    default_weights,
)
from cspdash.metrics.period import add_months

if TYPE_CHECKING:
    from cspdash.metrics.hotspots.scope import Weights


def area_counts(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                crime_types: tuple[str, ...] = ()) -> pd.DataFrame:
    """Crimes per area and crime type between two months: area_code, crime_type, crimes, crimes_with_population."""
    frame = con.execute(_counts_sql(level), {"partnership": partnership, "level": level, "start": start, "end": end,
                                             "crime_types": list(crime_types)}).df()
    frame["crimes_with_population"] = frame["crimes_with_population"].fillna(0).astype("int64")
    return frame.drop(columns="period")


def period_counts(con: duckdb.DuckDBPyConnection, partnership: str, level: str, end: date, periods: int,
                  months_per_period: int, crime_types: tuple[str, ...] = ()) -> pd.DataFrame:
    """Crimes per area, period and crime type for ``periods`` consecutive windows ending at ``end``.

    period 0 is the oldest window, periods − 1 the latest (so periods sort in time order).
    """
    start = add_months(end, -(periods * months_per_period - 1))
    period_expr = f"({periods - 1} - floor(datediff('month', a.month, $end::DATE) / {int(months_per_period)}))::INT"
    frame = con.execute(_counts_sql(level, period_expr),
                        {"partnership": partnership, "level": level, "start": start, "end": end,
                         "crime_types": list(crime_types)}).df()
    frame["crimes_with_population"] = frame["crimes_with_population"].fillna(0).astype("int64")
    return frame


def partnership_total(con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date,
                      crime_types: tuple[str, ...] = ()) -> int:
    """All records placed in the partnership between two months (including those not on the map)."""
    row = con.execute(
        f"SELECT coalesce(sum(crimes), 0)::BIGINT FROM agg_crime_month_lsoa a WHERE a.la_code IN {_PARTNERSHIP_LAS}"
        f" AND a.month BETWEEN $start AND $end AND {_CRIME_FILTER}",
        {"partnership": partnership, "start": start, "end": end, "crime_types": list(crime_types)},
    ).fetchone()
    return int(row[0]) if row else 0


def _measures_from_counts(counts: pd.DataFrame, area_frame: pd.DataFrame, weights: Weights) -> pd.DataFrame:
    """count, rate (per 1,000 residents) and harm (days) per area; areas with no crimes get 0."""
    scored = counts.assign(harm=harm_score(counts, dict(weights), count_col="crimes") if len(counts) else 0.0)
    sums = scored.groupby("area_code", as_index=False)[["crimes", "crimes_with_population", "harm"]].sum()
    out = area_frame[["area_code", "residents"]].merge(sums, on="area_code", how="left")
    out[["crimes", "crimes_with_population"]] = out[["crimes", "crimes_with_population"]].fillna(0).astype("int64")
    out["harm"] = out["harm"].fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(out["residents"] > 0, out["crimes_with_population"] * 1000.0 / out["residents"], np.nan)
    return out


def _window_counts(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                   previous_start: date, previous_end: date, crime_types: tuple[str, ...]) -> pd.DataFrame:
    """area_counts of the period (period 0) and of the previous period (period 1), in one query."""
    if start <= previous_end and previous_start <= end:  # overlapping windows: a month counts in both
        now = area_counts(con, partnership, level, start, end, crime_types).assign(period=0)
        before = area_counts(con, partnership, level, previous_start, previous_end, crime_types).assign(period=1)
        return pd.concat([now, before], ignore_index=True)
    sql = _counts_sql(level, "CASE WHEN a.month BETWEEN $start AND $end THEN 0 ELSE 1 END",
                      "(a.month BETWEEN $start AND $end OR a.month BETWEEN $pstart AND $pend)")
    frame = con.execute(sql, {"partnership": partnership, "level": level, "start": start, "end": end,
                              "pstart": previous_start, "pend": previous_end,
                              "crime_types": list(crime_types)}).df()
    frame["crimes_with_population"] = frame["crimes_with_population"].fillna(0).astype("int64")
    return frame


def area_measures(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                  previous_start: date, previous_end: date, crime_types: tuple[str, ...] = (),
                  weights: Weights = ()) -> pd.DataFrame:
    """Per area: count, previous count, change verdict, rate, harm, share of the partnership total.

    Columns: area_code, area_name, ward_code, ward_name, residents, crimes, previous_crimes, change_z, p_value,
    dispersion, pct_change, verdict, direction, published, verdict_label, rate, harm, share_of_total. The change
    test reads each area's monthly counts (area_history); with a window not fully published there is no verdict.
    """
    history = area_history(con, partnership, level, start, end, previous_start, previous_end, crime_types)
    if start <= previous_end and previous_start <= end:  # overlapping windows: a month counts in both
        return _area_measures_in_parts(con, partnership, level, start, end, previous_start, previous_end,
                                       crime_types, weights, history)
    area_frame, values, total = _area_values(
        con, partnership, level, 2, "CASE WHEN a.month BETWEEN $start AND $end THEN 0 ELSE 1 END",
        "(a.month BETWEEN $start AND $end OR a.month BETWEEN $pstart AND $pend)",
        {"start": start, "end": end, "pstart": previous_start, "pend": previous_end}, crime_types, weights)
    measures = pd.DataFrame({"crimes": values["crimes"][0].astype("int64"), "harm": values["harm"][0],
                             "rate": values["rate"][0], "previous_crimes": values["crimes"][1].astype("int64")},
                            index=area_frame.index)
    changed = _judged(measures, history)
    # the columns _with_change gives, joined to the areas once (not inserted one by one)
    shares = pd.DataFrame({"published": history.published_text,
                           "verdict_label": changed["verdict"].map(VERDICT_LABELS).fillna("no verdict"),
                           "share_of_total": measures["crimes"] * 100.0 / total if total else np.nan},
                          index=area_frame.index)
    return pd.concat([area_frame, changed, shares], axis=1)


def _judged(frame: pd.DataFrame, history: WindowSeries) -> pd.DataFrame:
    """compare_frame of crimes against previous_crimes with each area's dispersion and the windows' completeness."""
    return compare_frame(frame, "crimes", "previous_crimes", history.phi, history.df, history.complete,
                         history.expected_share).rename(columns={"z": "change_z"})


def area_history(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                 previous_start: date, previous_end: date, crime_types: tuple[str, ...] = ()) -> WindowSeries:
    """Each area's (areas() order) monthly crimes over the HISTORY_MONTHS to ``end``, summed in SQL, with the
    force's unpublished months as gaps: what the change test needs (dispersion, windows published)."""
    first = min(add_months(end, -(HISTORY_MONTHS - 1)), previous_start)
    months = _month_list(first, end)
    published = _published_between(con, partnership, first, end)
    is_published = np.array([m in published for m in months], dtype=bool)
    area_frame = _areas_frame(con, partnership, level)
    scope = _scope(con, partnership, level)
    councils = "list_contains($la_codes::VARCHAR[], a.la_code)"
    if scope.any_without_council:
        councils = f"({councils} OR a.la_code IS NULL)"
    found = con.execute(
        f"SELECT a.lsoa_code, datediff('month', $first::DATE, a.month)::INT AS m, sum(a.crimes)::DOUBLE AS n "
        f"FROM agg_crime_month_lsoa a WHERE {councils} AND a.month BETWEEN $first AND $end AND {_CRIME_FILTER} "
        "GROUP BY ALL", {"la_codes": sorted(set(scope.las) | set(scope.partnership_las)), "first": first,
                         "end": end, "crime_types": list(crime_types)}).fetchnumpy()
    per_lsoa = np.zeros((len(scope.lsoas) + 1, len(months)))  # the last row takes LSOAs outside the scope
    position = pd.Index(scope.lsoas).get_indexer(pd.Index(found["lsoa_code"]))
    position[position < 0] = len(scope.lsoas)
    np.add.at(per_lsoa, (position, np.asarray(found["m"], dtype=np.intp)), np.asarray(found["n"], dtype=float))
    keep = scope.link_area >= 0
    grid = np.zeros((len(area_frame), len(months)))  # areas × months, each link adding its LSOA
    np.add.at(grid, scope.link_area[keep], per_lsoa[scope.link_lsoa[keep]])
    grid[:, ~is_published] = np.nan  # an unpublished month is a gap, never a zero
    return window_series(grid, months, start, end, previous_start, previous_end)


def _month_list(first: date, last: date) -> list[date]:
    months = []
    while first <= last:
        months.append(first)
        first = add_months(first, 1)
    return months


def _published_between(con: duckdb.DuckDBPyConnection, partnership: str, first: date, last: date) -> set[date]:
    """The months from ``first`` to ``last`` that the partnership's force published."""
    rows = con.execute(
        "SELECT p.month FROM published_month p JOIN partnership t ON t.force = p.force "
        "WHERE p.source = 'street' AND t.partnership_code = ? AND p.month BETWEEN ? AND ?",
        [partnership, first, last]).fetchall()
    return {r[0] for r in rows}


def _with_change(frame: pd.DataFrame, total: int, history: WindowSeries) -> pd.DataFrame:
    """Add the change against the previous period and the share of the partnership total."""
    frame = _judged(frame, history)
    frame["published"] = history.published_text
    frame["verdict_label"] = frame["verdict"].map(VERDICT_LABELS).fillna("no verdict")
    frame["share_of_total"] = frame["crimes"] * 100.0 / total if total else np.nan
    return frame.drop(columns=["crimes_with_population"])


def _area_measures_in_parts(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                            previous_start: date, previous_end: date, crime_types: tuple[str, ...],
                            weights: Weights, history: WindowSeries) -> pd.DataFrame:
    """area_measures with a query per window (for windows that share months)."""
    weights = weights or default_weights()
    area_frame = areas(con, partnership, level)
    now = _measures_from_counts(area_counts(con, partnership, level, start, end, crime_types), area_frame, weights)
    before = area_counts(con, partnership, level, previous_start, previous_end, crime_types)
    frame = area_frame.merge(now.drop(columns="residents"), on="area_code", how="left")
    frame["previous_crimes"] = frame["area_code"].map(before.groupby("area_code")["crimes"].sum()).fillna(0).astype(
        "int64")
    return _with_change(frame, partnership_total(con, partnership, start, end, crime_types), history)
