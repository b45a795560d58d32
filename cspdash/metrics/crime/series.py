"""Monthly crime series by area (partnership, ward, LSOA), rates per 1,000 residents and grains."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from cspdash.metrics.catalogue import LSOA_POPULATION
from cspdash.metrics.crime.freshness import _dates
from cspdash.metrics.crime.headline import (
    _AREA_CODE_SQL,
    _AREA_NAME_SQL,
    _LSOA_JOINS,
    _POP_AREA_SQL,
    AREA_LEVELS,
    GRAINS,
    UNKNOWN_AREA,
    crime_types_for,
    month_range,
    published_months,
)
from cspdash.metrics.period import add_months


# ---------------------------------------------------------------------------------------------- series by area
def area_options(con: duckdb.DuckDBPyConnection, partnership: str, level: str) -> pd.DataFrame:
    """Areas of a level in the partnership: area_code, area_name (sorted by name)."""
    if level == "partnership":
        return con.execute(
            "SELECT partnership_code AS area_code, partnership_name AS area_name FROM partnership "
            "WHERE partnership_code = ?", [partnership]).df()
    if level == "ward":
        sql = ("SELECT DISTINCT ward_code AS area_code, coalesce(ward_name, ward_code) AS area_name FROM areas "
               "WHERE partnership_code = ? AND ward_code IS NOT NULL ORDER BY area_name")
    elif level == "lsoa":
        sql = ("SELECT DISTINCT lsoa_code AS area_code, coalesce(lsoa_name, lsoa_code) AS area_name FROM areas "
               "WHERE partnership_code = ? ORDER BY area_name")
    else:
        raise ValueError(f"unknown area level {level!r}; expected one of {', '.join(AREA_LEVELS)}")
    return con.execute(sql, [partnership]).df()


def area_monthly(
    con: duckdb.DuckDBPyConnection, partnership: str, level: str, crime_types: tuple[str, ...], start: date,
    end: date, areas: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Monthly counts per area: month, area_code, area_name, crimes, crimes_with_population, residents.

    ``crimes_with_population`` counts only crimes in LSOAs that have a population figure, so a rate never divides
    crimes in an area without residents counted by the residents of others. Empty ``areas`` = every area.
    """
    if level not in _AREA_CODE_SQL:
        raise ValueError(f"unknown area level {level!r}; expected one of {', '.join(AREA_LEVELS)}")
    code, name, pop_area = _AREA_CODE_SQL[level], _AREA_NAME_SQL[level], _POP_AREA_SQL[level]
    joins = "" if level == "partnership" else _LSOA_JOINS
    counts = con.execute(
        f"""
        WITH counts AS (
            SELECT g.month, {code} AS area_code, {name} AS area_name, sum(g.crimes)::BIGINT AS crimes,
                   coalesce(sum(g.crimes) FILTER (WHERE p.residents IS NOT NULL), 0)::BIGINT
                       AS crimes_with_population
            FROM agg_crime_month_lsoa g
            {joins}
            LEFT JOIN {LSOA_POPULATION} p ON p.area_code = g.lsoa_code
            WHERE g.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = $partnership)
              AND g.month BETWEEN $start AND $end AND list_contains($types, g.crime_type)
              AND (len($areas) = 0 OR list_contains($areas, {code}))
            GROUP BY 1, 2),
        residents AS (
            SELECT {pop_area} AS area_code, sum(p.residents)::BIGINT AS residents
            FROM lsoa l JOIN {LSOA_POPULATION} p ON p.area_code = l.lsoa_code
            WHERE l.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = $partnership)
              AND (len($areas) = 0 OR list_contains($areas, {pop_area}))
            GROUP BY 1)
        SELECT counts.*, residents.residents FROM counts LEFT JOIN residents USING (area_code)
        """,
        {"partnership": partnership, "start": start, "end": end, "types": list(crime_types), "areas": list(areas)},
    ).df()
    missing = counts["residents"].isna()
    counts["residents"] = counts["residents"].astype("float64" if missing.any() else "int64")  # as a merge gives
    counts["month"] = _dates(counts["month"])
    counts["area_name"] = counts["area_name"].where(counts["area_code"] != "", UNKNOWN_AREA)
    return counts.sort_values(["area_code", "month"]).reset_index(drop=True)


def force_monthly(
    con: duckdb.DuckDBPyConnection, force: str, crime_types: tuple[str, ...], start: date, end: date,
) -> pd.DataFrame:
    """The whole force's partnerships as one area, in the same columns as area_monthly. Each council area counts
    once (a declared partnership and the shipped one it stands for share their councils)."""
    councils = ("SELECT DISTINCT pl.la_code FROM partnership_la pl JOIN partnership pt USING (partnership_code) "
                "WHERE pt.force = $force")
    counts = con.execute(
        f"""
        SELECT g.month, $force AS area_code, $force AS area_name, sum(g.crimes)::BIGINT AS crimes,
               coalesce(sum(g.crimes) FILTER (WHERE p.residents IS NOT NULL), 0)::BIGINT AS crimes_with_population
        FROM agg_crime_month_lsoa g
        LEFT JOIN {LSOA_POPULATION} p ON p.area_code = g.lsoa_code
        WHERE g.la_code IN ({councils}) AND g.month BETWEEN $start AND $end AND list_contains($types, g.crime_type)
        GROUP BY g.month
        """,
        {"force": force, "start": start, "end": end, "types": list(crime_types)},
    ).df()
    residents = con.execute(
        f"SELECT sum(p.residents)::BIGINT FROM lsoa l JOIN {LSOA_POPULATION} p ON p.area_code = l.lsoa_code "
        f"WHERE l.la_code IN ({councils})", {"force": force}).fetchone()
    counts["residents"] = residents[0] if residents else None
    counts["month"] = _dates(counts["month"])
    return counts


def population_coverage(con: duckdb.DuckDBPyConnection, partnership: str) -> dict[str, int]:
    """How many of the partnership's LSOAs have a population figure: lsoas, with_population, without_population."""
    row = con.execute(
        f"""
        SELECT count(*), count(p.residents)
        FROM areas a LEFT JOIN {LSOA_POPULATION} p ON p.area_code = a.lsoa_code
        WHERE a.partnership_code = ?
        """, [partnership]).fetchone()
    total, with_pop = (int(row[0]), int(row[1])) if row else (0, 0)
    return {"lsoas": total, "with_population": with_pop, "without_population": total - with_pop}


def population_source(con: duckdb.DuckDBPyConnection) -> str:
    """Where the residents behind rates come from, e.g. "Census 2021" (the latest year loaded)."""
    row = con.execute("SELECT arg_max(source, year) FROM population WHERE area_type = 'lsoa'").fetchone()
    return str(row[0]) if row and row[0] else "no population loaded"


def trend_series(
    con: duckdb.DuckDBPyConnection, partnership: str, force: str, level: str, areas: tuple[str, ...],
    crime_type: str, start: date, end: date, grain: str, with_force: bool = False,
) -> pd.DataFrame:
    """The trends chart's data: one row per area and period with crimes, rate, last_year, rolling_12 (monthly).

    Columns: area_code, area_name, period, period_label, months, complete, crimes, rate, last_year, last_year_rate,
    and for the month grain rolling_12, rolling_12_rate. The series starts 12 months before ``start`` internally
    so last year and rolling sums exist from the first period shown.
    """
    types = crime_types_for(crime_type)
    lead_start = add_months(start, -12)
    months = month_range(lead_start, end)
    published = published_months(con, force)
    monthly = area_monthly(con, partnership, level, types, lead_start, end, areas)
    if level != "partnership" and not areas:
        monthly = monthly[monthly["area_code"] != ""]
    if with_force:
        monthly = pd.concat([monthly, force_monthly(con, force, types, lead_start, end)], ignore_index=True)
    if monthly.empty:
        return pd.DataFrame(columns=["area_code", "area_name", "period", "period_label", "months", "complete",
                                     "crimes", "rate", "last_year", "last_year_rate"])
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}; expected one of {', '.join(GRAINS)}")
    first_shown = start if grain == "month" else _grain_start(start, grain)
    return _trend_frame(monthly, months, set(published), grain, first_shown)


def _trend_frame(monthly: pd.DataFrame, months: list[date], published: set[date], grain: str,
                 first_shown: date) -> pd.DataFrame:
    """trend_series' frame from area_monthly rows on an areas × months grid, in one pass: gaps (unpublished
    months) stay missing, periods sum with min_count=1, last year and rolling 12-month sums need every month."""
    names = monthly.groupby("area_code")["area_name"].first()
    residents = monthly.groupby("area_code")["residents"].first()
    codes = list(names.index)
    position = {m: i for i, m in enumerate(months)}
    rows = pd.Index(codes).get_indexer(monthly["area_code"])
    cols = np.array([position.get(m, -1) for m in monthly["month"]], dtype=int)
    keep = cols >= 0
    is_published = np.array([m in published for m in months])
    grids = {}
    for column in ("crimes", "crimes_with_population"):
        grid = np.zeros((len(codes), len(months)))
        grid[rows[keep], cols[keep]] = monthly[column].to_numpy(dtype=float)[keep]
        grid[:, ~is_published] = np.nan  # an unpublished month is a gap, never a zero
        grids[column] = grid
    keys, labels, size = _periods(months, grain)
    periods = list(dict.fromkeys(keys))
    period_of = {p: i for i, p in enumerate(periods)}
    starts = [keys.index(p) for p in periods]
    period_labels = np.array([labels[i] for i in starts], dtype=object)
    month_count = np.add.reduceat(is_published.astype(np.int64), starts)
    resident_values = pd.to_numeric(residents, errors="coerce").astype(float).replace(0, np.nan).to_numpy()
    sums = {}
    for column, grid in grids.items():
        known = ~np.isnan(grid)
        total = np.add.reduceat(np.where(known, grid, 0.0), starts, axis=1)
        sums[column] = np.where(np.add.reduceat(known, starts, axis=1) > 0, total, np.nan)  # sum(min_count=1)
    rate = sums["crimes_with_population"] * 1000.0 / resident_values[:, None]
    year_before = [period_of.get(date(p.year - 1, p.month, 1), -1) for p in periods]
    had = np.array(year_before) >= 0
    last_year = np.where(had, sums["crimes"][:, year_before], np.nan)
    last_year_rate = np.where(had, rate[:, year_before], np.nan)
    area_index = np.repeat(np.arange(len(codes)), len(periods))
    period_index = np.tile(np.arange(len(periods)), len(codes))
    frame = pd.DataFrame({
        "area_code": pd.Series(np.array(codes, dtype=object)[area_index], dtype="str"),
        "period": pd.Series(np.array(periods, dtype=object)[period_index], dtype=object),
        "area_name": names.iloc[area_index].reset_index(drop=True),
        "period_label": pd.Series(period_labels[period_index], dtype="str"),
        "residents": residents.iloc[area_index].reset_index(drop=True),
        "months": month_count[period_index].astype(np.int64),
        "crimes": pd.array(sums["crimes"].ravel(), dtype="Float64"),
        "crimes_with_population": pd.array(sums["crimes_with_population"].ravel(), dtype="Float64"),
        "complete": month_count[period_index] == size,
        "rate": rate.ravel(),
        "last_year": pd.array(last_year.ravel(), dtype="Float64"),
        "last_year_rate": last_year_rate.ravel(),
    })
    if grain == "month":
        for column, target in (("crimes", "rolling_12"), ("crimes_with_population", "_rolling_pop")):
            rolled = np.full(grids[column].shape, np.nan)
            if len(months) >= 12:
                rolled[:, 11:] = np.lib.stride_tricks.sliding_window_view(grids[column], 12, axis=1).sum(axis=2)
            frame[target] = rolled.ravel()
        frame["rolling_12_rate"] = frame.pop("_rolling_pop") * 1000.0 / resident_values[area_index]
    shown = np.array([periods[i] >= first_shown for i in period_index], dtype=bool)
    return frame[shown].reset_index(drop=True)


def _periods(months: list[date], grain: str) -> tuple[list[date], list[str], int]:
    """Each month's period (first month), its label, and the number of months in a whole period."""
    if grain == "month":
        return list(months), [m.strftime("%b %Y") for m in months], 1
    if grain == "quarter":
        keys = [date(m.year, (m.month - 1) // 3 * 3 + 1, 1) for m in months]
        return keys, [f"{k.year} Q{(k.month - 1) // 3 + 1}" for k in keys], 3
    keys = [date(m.year if m.month >= 4 else m.year - 1, 4, 1) for m in months]
    return keys, [f"{k.year}/{str(k.year + 1)[-2:]}" for k in keys], 12


def _grain_start(month: date, grain: str) -> date:
    if grain == "quarter":
        return date(month.year, ((month.month - 1) // 3) * 3 + 1, 1)
    return date(month.year if month.month >= 4 else month.year - 1, 4, 1)
