"""Crime queries for the overview and trends pages: headline changes, monthly series by area, rates, grains,
outcomes, stop and search, plan events and data freshness.

Every query takes the connection first and hashable arguments, so the UI can cache it per store version.
Months are first-of-month dates. A month the force has not published is a gap (NaN), never a zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.change import HISTORY_MONTHS, compare_frame, window_series
from cspdash.analysis.spc import MIN_LIMIT_POINTS, Signal, gap_starts, series_signals, signals, xmr
from cspdash.metrics.catalogue import LSOA_POPULATION
from cspdash.metrics.disclosure import public_count_format
from cspdash.metrics.memo import per_store_version
from cspdash.metrics.period import Period, add_months, month_label
from cspdash.metrics.rates import rate_decimals
from cspdash.vocab import ALL_CRIME, ASB, CRIME_TYPES, OUTCOME_GROUPS

AREA_LEVELS: dict[str, str] = {"partnership": "Partnership", "ward": "Ward", "lsoa": "LSOA (neighbourhood)"}
GRAINS: dict[str, str] = {"month": "Month", "quarter": "Quarter", "fy": "Financial year"}
ALL_CRIME_LABEL = "All recorded crime (excluding ASB)"
UNKNOWN_AREA = "Not matched to an area"

# identifiers come only from this table, never from user input
_AREA_CODE_SQL = {
    "partnership": "$partnership",
    "ward": "coalesce(l.ward_code, '')",
    "lsoa": "coalesce(g.lsoa_code, '')",
}
_AREA_NAME_SQL = {
    "partnership": "(SELECT partnership_name FROM partnership p WHERE p.partnership_code = $partnership)",
    "ward": "any_value(w.ward_name)",
    "lsoa": "any_value(coalesce(l.lsoa_name, g.lsoa_code))",
}
_POP_AREA_SQL = {"partnership": "$partnership", "ward": "l.ward_code", "lsoa": "l.lsoa_code"}
# crime counts are read from agg_crime_month_lsoa by council (its rows are sorted by council, so DuckDB reads only
# the partnership's row groups); the ward and LSOA names come from these joins
_LSOA_JOINS = "LEFT JOIN lsoa l ON l.lsoa_code = g.lsoa_code LEFT JOIN ward w ON w.ward_code = l.ward_code"


def crime_types_for(choice: str) -> tuple[str, ...]:
    """The police.uk crime types a choice stands for: 'All crime' = every type except ASB."""
    if choice == ALL_CRIME:
        return tuple(t for t in CRIME_TYPES if t != ASB)
    return (choice,)


def crime_type_label(choice: str) -> str:
    """How a crime type choice is named on screen."""
    return ALL_CRIME_LABEL if choice == ALL_CRIME else choice


# ---------------------------------------------------------------------------------------------- months
def published_months(con: duckdb.DuckDBPyConnection, force: str, source: str = "street") -> list[date]:
    """Months the force has published for a source, oldest first."""
    rows = con.execute(
        "SELECT month FROM published_month WHERE source = ? AND force = ? ORDER BY month", [source, force]
    ).fetchall()
    return [r[0] for r in rows]


def month_range(start: date, end: date) -> list[date]:
    """Every month from start to end inclusive."""
    months: list[date] = []
    current = start
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


# ---------------------------------------------------------------------------------------------- headline
def priority_crime_types(con: duckdb.DuckDBPyConnection, partnership: str) -> list[str]:
    """Crime types named by the partnership's priorities (empty when no plan is loaded), in CRIME_TYPES order."""
    rows = con.execute(
        "SELECT DISTINCT trim(unnest(string_split(crime_types, ';'))) FROM priority "
        "WHERE partnership_code = ? AND crime_types IS NOT NULL",
        [partnership],
    ).fetchall()
    named = {r[0] for r in rows}
    return [t for t in CRIME_TYPES if t in named]


def counts_by_type(
    con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date, previous_start: date,
    previous_end: date,
) -> pd.DataFrame:
    """Counts per crime type in the current and previous windows: crime_type, current, previous."""
    frame = con.execute(
        """
        SELECT crime_type,
               coalesce(sum(crimes) FILTER (WHERE month BETWEEN $start AND $end), 0)::BIGINT AS current,
               coalesce(sum(crimes) FILTER (WHERE month BETWEEN $pstart AND $pend), 0)::BIGINT AS previous
        FROM agg_crime_month_lsoa
        WHERE la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = $partnership) AND month BETWEEN $pstart AND $end
        GROUP BY crime_type
        """,
        {"partnership": partnership, "start": start, "end": end, "pstart": previous_start, "pend": previous_end},
    ).df()
    present = set(frame["crime_type"])
    missing = [t for t in CRIME_TYPES if t not in present]
    if missing:
        frame = pd.concat(
            [frame, pd.DataFrame({"crime_type": missing, "current": 0, "previous": 0})], ignore_index=True
        )
    return frame


def partnership_force(con: duckdb.DuckDBPyConnection, partnership: str) -> str | None:
    """The police force of a partnership (None when it is not known)."""
    row = con.execute("SELECT force FROM partnership WHERE partnership_code = ?", [partnership]).fetchone()
    return str(row[0]) if row and row[0] is not None else None


def history_months(con: duckdb.DuckDBPyConnection, partnership: str, end: date,
                   months: int = HISTORY_MONTHS) -> tuple[list[date], np.ndarray]:
    """The ``months`` months to ``end`` and whether the partnership's force published each: the months a change
    test reads (its dispersion comes from them) and the gaps it must leave as gaps."""
    calendar = month_range(add_months(end, -(months - 1)), end)
    force = partnership_force(con, partnership)
    published = set(published_months(con, force)) if force else set()
    return calendar, np.array([m in published for m in calendar], dtype=bool)


def monthly_by_type(con: duckdb.DuckDBPyConnection, partnership: str, end: date,
                    months: int = HISTORY_MONTHS) -> tuple[list[date], dict[str, np.ndarray]]:
    """Each crime type's monthly counts (summed in SQL) over the ``months`` months to ``end``, plus All crime
    (every type but ASB): NaN for a month the force did not publish, 0 for a published month with none."""
    calendar, published = history_months(con, partnership, end, months)
    position = {m: i for i, m in enumerate(calendar)}
    rows = con.execute(
        "SELECT month, crime_type, sum(crimes)::BIGINT FROM agg_crime_month_lsoa WHERE la_code IN "
        "(SELECT la_code FROM partnership_la WHERE partnership_code = ?) AND month BETWEEN ? AND ? GROUP BY ALL",
        [partnership, calendar[0], end]).fetchall()
    gaps = np.where(published, 0.0, np.nan)
    series = {t: gaps.copy() for t in (ALL_CRIME, *CRIME_TYPES)}
    for month, crime_type, crimes in rows:
        i = position.get(month)
        if i is None or not published[i]:
            continue
        series.setdefault(crime_type, gaps.copy())[i] += crimes
        if crime_type != ASB:
            series[ALL_CRIME][i] += crimes
    return calendar, series


def headline_changes(
    con: duckdb.DuckDBPyConnection, partnership: str, period: Period, extra_types: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Rows for All crime, ASB and ``extra_types``: crime_type, label, current, previous, pct_change, z, p_value,
    dispersion, verdict, direction, published (e.g. 'only 7 of 12 months published', '' when complete), sentence
    (e.g. 'up 9% — within normal variation'). The change test reads each type's monthly counts."""
    months, by_type = monthly_by_type(con, partnership, period.end)
    types = list(dict.fromkeys((ALL_CRIME, ASB, *(t for t in extra_types if t in by_type))))
    series = window_series(np.array([by_type[t] for t in types]), months, period.start, period.end,
                           period.previous_start, period.previous_end)
    frame = pd.DataFrame({"crime_type": types, "current": series.current.astype("int64"),
                          "previous": series.previous.astype("int64")})
    frame = compare_frame(frame, "current", "previous", series.phi, series.df, series.complete,
                          series.expected_share)
    frame.insert(1, "label", [crime_type_label(t) for t in frame["crime_type"]])
    frame["published"] = series.published_text
    frame["sentence"] = [change_sentence(r) for r in frame.itertuples()]
    return frame


_VERDICT_WORDS = {"significant": "a real change", "possible": "a possible change, worth watching",
                  "noise": "within normal variation"}


def change_sentence(row: Any) -> str:
    """'up 9% — within normal variation' from a judged row; with no verdict (a window not fully published)
    'up 9% — no verdict: only 7 of 12 months published'."""
    return change_words(row.current, row.previous, row.pct_change, row.verdict, getattr(row, "published", ""))


def change_words(current: float, previous: float, pct: float, verdict: object, published: str = "") -> str:
    """change_sentence from the values themselves."""
    if verdict is None or (isinstance(verdict, float) and np.isnan(verdict)):
        words = f"no verdict: {published or 'not enough months published'}"
    else:
        words = _VERDICT_WORDS[str(verdict)]
    if previous == 0:
        return f"new: 0 → {current:,} — {words}" if current else "none in either period"
    if current == previous:
        return f"no change — {words}"
    return f"{'up' if current > previous else 'down'} {abs(float(pct)):.0f}% — {words}"


def largest_crime_types(con: duckdb.DuckDBPyConnection, partnership: str, period: Period, n: int = 4) -> list[str]:
    """The n crime types (excluding ASB) with most crimes in the period."""
    frame = counts_by_type(con, partnership, period.start, period.end, period.previous_start, period.previous_end)
    frame = frame[frame["crime_type"] != ASB].sort_values(["current", "crime_type"], ascending=[False, True])
    return list(frame["crime_type"].head(n))


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
    """The whole force's partnerships as one area, in the same columns as area_monthly."""
    counts = con.execute(
        f"""
        SELECT g.month, $force AS area_code, $force AS area_name, sum(g.crimes)::BIGINT AS crimes,
               coalesce(sum(g.crimes) FILTER (WHERE p.residents IS NOT NULL), 0)::BIGINT AS crimes_with_population
        FROM monthly_crime_counts g
        JOIN partnership pt ON pt.partnership_code = g.partnership_code AND pt.force = $force
        LEFT JOIN {LSOA_POPULATION} p ON p.area_code = g.lsoa_code
        WHERE g.month BETWEEN $start AND $end AND list_contains($types, g.crime_type)
        GROUP BY g.month
        """,
        {"force": force, "start": start, "end": end, "types": list(crime_types)},
    ).df()
    residents = con.execute(
        f"SELECT sum(p.residents)::BIGINT FROM areas a JOIN {LSOA_POPULATION} p ON p.area_code = a.lsoa_code "
        "WHERE a.force = ?", [force]).fetchone()
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


# ---------------------------------------------------------------------------------------------- SPC
@dataclass(frozen=True)
class SpcResult:
    """An XmR chart on a monthly series with its signals in words."""

    chart: pd.DataFrame  # month + xmr() columns
    signals: list[Signal]
    break_month: date | None

    @property
    def limits_note(self) -> str:
        """Why some or all months have no process limits ('' when every month has them)."""
        chart = self.chart
        if chart.empty or ("unpl" in chart and chart["unpl"].notna().all()):
            return ""
        runs = chart.groupby("run")["month"].agg(["first", "last", "size"]) if "run" in chart else None
        longest = int(runs["size"].max()) if runs is not None else len(chart)
        gaps = len(runs) - 1 if runs is not None else 0
        unlimited = chart[chart["unpl"].isna()] if "unpl" in chart else chart
        span = f"{month_label(unlimited['month'].iloc[0])} – {month_label(unlimited['month'].iloc[-1])}"
        why = (f"process limits need at least {MIN_LIMIT_POINTS} consecutive published months and the longest "
               f"run {'here ' if len(unlimited) < len(chart) else ''}is {_months_text(longest)}")
        if gaps:
            why += f" ({_plural(gaps, 'gap')} where police.uk published nothing)"
        if len(unlimited) == len(chart):
            return f"No process limits: {why}. The months are shown without limits or signals."
        return f"No process limits for {span}: {why}. Those months are shown without limits or signals."


def _plural(n: int, one: str) -> str:
    return f"{n} {one}{'' if n == 1 else 's'}"


def _months_text(n: int) -> str:
    return _plural(n, "month")


def spc_for_series(months: list[date], counts: list[float], break_month: date | None = None) -> SpcResult:
    """XmR chart of monthly counts, limits recalculated from ``break_month`` when given. An unpublished month
    (NaN) is a gap: left out, never filled, never crossed by a moving range or a run; limits only from at least
    MIN_LIMIT_POINTS consecutive published months."""
    values = np.asarray(counts, dtype=float)
    keep = ~np.isnan(values)
    kept_months = [m for m, k in zip(months, keep, strict=True) if k]
    kept = values[keep]
    breaks: list[int] = []
    if break_month is not None:
        after = next((i for i, m in enumerate(kept_months) if m >= break_month), None)
        if after is not None and 0 < after < len(kept_months) - 1:
            breaks = [after]
        else:
            break_month = None
    if len(kept) < 2:
        series = pd.DataFrame({"month": pd.Series(kept_months, dtype=object), "value": kept})
        return SpcResult(series.assign(run=0, mean=np.nan, unpl=np.nan, lnpl=np.nan, any_signal=False), [], None)
    chart = xmr(kept, break_points=breaks, run_starts=gap_starts(kept_months))
    chart.insert(0, "month", pd.Series(kept_months, dtype=object))
    return SpcResult(chart, signals(chart, dates=kept_months), break_month)


def recent_signals(
    con: duckdb.DuckDBPyConnection, partnership: str, force: str, end: date, history_months: int = 36,
    recent_months: int = 3, public: bool = False,
) -> pd.DataFrame:
    """SPC signals touching the last ``recent_months`` months to ``end``, per crime type: crime_type, label, rule,
    direction, sentence."""
    columns = ["crime_type", "label", "rule", "direction", "sentence"]
    start = add_months(end, -(history_months - 1))
    published = set(published_months(con, force))
    months = [m for m in month_range(start, end) if m in published]  # unpublished months are gaps, left out
    if len(months) < MIN_LIMIT_POINTS:
        return pd.DataFrame(columns=columns)
    position = {m: i for i, m in enumerate(months)}
    series: dict[str, np.ndarray] = {t: np.zeros(len(months)) for t in (ALL_CRIME, *CRIME_TYPES)}
    rows = con.execute(
        "SELECT month, crime_type, sum(crimes)::BIGINT FROM agg_crime_month_lsoa WHERE la_code IN "
        "(SELECT la_code FROM partnership_la WHERE partnership_code = ?) AND month BETWEEN ? AND ? GROUP BY ALL",
        [partnership, start, end]).fetchall()
    for month, crime_type, crimes in rows:
        i = position.get(month)
        if i is None:
            continue
        if crime_type in series:
            series[crime_type][i] += crimes
        if crime_type != ASB:
            series[ALL_CRIME][i] += crimes
    recent_from = add_months(end, -(recent_months - 1))
    found = []
    for crime_type, values in series.items():
        for signal in series_signals(values, dates=months, count_format=public_count_format(public)):
            if months[signal.end_index] >= recent_from:
                found.append((crime_type, crime_type_label(crime_type), signal.rule, signal.direction,
                              signal.sentence))
    return pd.DataFrame(found, columns=columns)


# ---------------------------------------------------------------------------------------------- wards
def ward_changes(
    con: duckdb.DuckDBPyConnection, partnership: str, period: Period, crime_type: str = ALL_CRIME,
) -> pd.DataFrame:
    """Each ward's count in the period against the previous period with the change verdict (the test reads each
    ward's monthly counts), largest |z| first. Columns: ward_code, ward_name, current, previous, z, p_value,
    dispersion, pct_change, verdict, direction, published, sentence."""
    councils = [row[0] for row in con.execute(
        "SELECT la_code FROM partnership_la WHERE partnership_code = ?", [partnership]).fetchall()]
    calendar, published = history_months(con, partnership, period.end)
    rows = con.execute(
        """
        SELECT l.ward_code, any_value(coalesce(w.ward_name, l.ward_code)) AS ward_name, g.month,
               sum(g.crimes)::BIGINT AS crimes
        FROM agg_crime_month_lsoa g JOIN lsoa l ON l.lsoa_code = g.lsoa_code
        LEFT JOIN ward w ON w.ward_code = l.ward_code
        WHERE list_contains($councils, g.la_code) AND g.month BETWEEN $hstart AND $end
          AND list_contains($types, g.crime_type) AND l.ward_code IS NOT NULL
        GROUP BY l.ward_code, g.month
        """,
        {"councils": councils, "hstart": calendar[0], "end": period.end,
         "types": list(crime_types_for(crime_type))},
    ).fetchall()
    columns = ["ward_code", "ward_name", "current", "previous", "z", "p_value", "dispersion", "pct_change",
               "verdict", "direction", "published", "sentence"]
    if not rows:
        return pd.DataFrame(columns=columns)
    codes = sorted({r[0] for r in rows})
    names = {r[0]: r[1] for r in rows}
    row_of = {code: i for i, code in enumerate(codes)}
    column_of = {m: i for i, m in enumerate(calendar)}
    grid = np.zeros((len(codes), len(calendar)))
    for code, _name, month, crimes in rows:
        grid[row_of[code], column_of[month]] += crimes
    grid[:, ~published] = np.nan  # an unpublished month is a gap, never a zero
    series = window_series(grid, calendar, period.start, period.end, period.previous_start, period.previous_end)
    frame = pd.DataFrame({"ward_code": codes, "ward_name": [names[c] for c in codes],
                          "current": series.current.astype("int64"), "previous": series.previous.astype("int64")})
    out = compare_frame(frame, "current", "previous", series.phi, series.df, series.complete, series.expected_share)
    out["published"] = series.published_text
    out["sentence"] = [change_words(c, p, g, v, series.published_text) for c, p, g, v in
                       zip(out["current"].tolist(), out["previous"].tolist(), out["pct_change"].tolist(),
                           out["verdict"].tolist(), strict=True)]
    # largest |z| first; ties (equal counts) by ward code, so the order never depends on how rows were read
    order = np.lexsort((out["ward_code"].to_numpy(dtype=object), -out["z"].abs().to_numpy(dtype=float)))
    return out.iloc[order].reset_index(drop=True)[columns]


# ---------------------------------------------------------------------------------------------- outcomes
def outcomes_by_crime_type(
    con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date,
) -> pd.DataFrame:
    """Share of crimes recorded in the window by latest outcome group, per crime type: crime_type, outcome_group,
    crimes, share (percent of that crime type)."""
    frame = con.execute(
        """
        SELECT o.crime_type, o.outcome_group, sum(o.crimes)::BIGINT AS crimes
        FROM agg_outcome_month_la o
        WHERE o.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = ?) AND o.crime_month BETWEEN ? AND ?
        GROUP BY ALL
        """, [partnership, start, end]).df()
    return _with_share(frame, "crime_type")


def outcomes_by_month(
    con: duckdb.DuckDBPyConnection, partnership: str, crime_type: str, start: date, end: date,
) -> pd.DataFrame:
    """Share of each month's crimes by latest outcome group: month, outcome_group, crimes, share."""
    frame = con.execute(
        """
        SELECT o.crime_month AS month, o.outcome_group, sum(o.crimes)::BIGINT AS crimes
        FROM agg_outcome_month_la o
        WHERE o.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = ?) AND o.crime_month BETWEEN ? AND ? AND list_contains(?, o.crime_type)
        GROUP BY ALL
        """, [partnership, start, end, list(crime_types_for(crime_type))]).df()
    frame["month"] = _dates(frame["month"])
    return _with_share(frame, "month")


def _with_share(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Add share (percent within ``by``) and order outcome groups as in OUTCOME_GROUPS."""
    if frame.empty:
        return frame.assign(share=pd.Series(dtype=float))
    _keys, group = np.unique(frame[by].to_numpy(dtype=object), return_inverse=True)  # sorted, as sort_values
    crimes = frame["crimes"].to_numpy()
    totals = np.bincount(group, weights=crimes)
    order = {g: i for i, g in enumerate(OUTCOME_GROUPS)}
    rank = np.array([order.get(g, len(order)) for g in frame["outcome_group"]])
    frame = frame.assign(share=100.0 * crimes / totals[group])
    return frame.iloc[np.lexsort((rank, group))].reset_index(drop=True)  # stable, like a two-key sort_values


# ---------------------------------------------------------------------------------------------- stop and search
def stop_search_rows(con: duckdb.DuckDBPyConnection, force: str, start: date, end: date) -> int:
    """How many stop-and-search records the force has in the window (0 = none loaded)."""
    row = con.execute("SELECT count(*) FROM stop_searches WHERE force = ? AND month BETWEEN ? AND ?",
                      [force, start, end]).fetchone()
    return int(row[0]) if row else 0


def stop_search_by_object(con: duckdb.DuckDBPyConnection, force: str, start: date, end: date) -> pd.DataFrame:
    """Searches by object of search and outcome: object_of_search, outcome, searches."""
    return con.execute(
        """
        SELECT coalesce(object_of_search, 'Not recorded') AS object_of_search,
               coalesce(outcome, 'Not recorded') AS outcome, count(*)::BIGINT AS searches
        FROM stop_searches WHERE force = ? AND month BETWEEN ? AND ?
        GROUP BY ALL ORDER BY object_of_search, searches DESC
        """, [force, start, end]).df()


def stop_search_linked(con: duckdb.DuckDBPyConnection, force: str, start: date, end: date) -> pd.DataFrame:
    """Per object of search: searches, linked (outcome linked to the object), share_linked (percent of those
    with the link recorded), largest first."""
    return con.execute(
        """
        SELECT coalesce(object_of_search, 'Not recorded') AS object_of_search, count(*)::BIGINT AS searches,
               count(*) FILTER (WHERE outcome_linked_to_object)::BIGINT AS linked,
               100.0 * count(*) FILTER (WHERE outcome_linked_to_object)
                     / nullif(count(outcome_linked_to_object), 0) AS share_linked
        FROM stop_searches WHERE force = ? AND month BETWEEN ? AND ?
        GROUP BY 1 ORDER BY searches DESC, object_of_search
        """, [force, start, end]).df()


# ---------------------------------------------------------------------------------------------- events
def plan_events(con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date) -> pd.DataFrame:
    """Action-plan events overlapping the window: event_id, title, start_date, end_date, kind, priority."""
    return con.execute(
        """
        SELECT e.event_id, e.title, e.start_date, e.end_date, coalesce(e.kind, 'event') AS kind,
               p.title AS priority
        FROM plan_event e LEFT JOIN priority p USING (priority_id)
        WHERE e.partnership_code = ? AND e.start_date <= ? AND coalesce(e.end_date, e.start_date) >= ?
        ORDER BY e.start_date, e.event_id
        """, [partnership, end, start]).df()


# ---------------------------------------------------------------------------------------------- freshness
@dataclass(frozen=True)
class Freshness:
    """How current the force's data is and which months are incomplete."""

    latest_month: date | None
    last_loaded: str | None
    incomplete: tuple[tuple[date, str], ...]  # (month, status) for status 'missing' or 'low'

    @property
    def sentence(self) -> str:
        """One line for the banner."""
        if self.latest_month is None:
            return "No police.uk street data is loaded for this force yet."
        text = f"Police.uk data to {month_label(self.latest_month)}"
        if self.last_loaded:
            text += f" (loaded {self.last_loaded})"
        return text + "."


@per_store_version(maxsize=64)
def freshness(con: duckdb.DuckDBPyConnection, force: str) -> Freshness:
    """Latest published month, last load time and incomplete months (missing, or far below normal) for a force.

    Read once per store version (file) and force; an in-memory store is read every time.
    """
    latest = con.execute("SELECT max(month) FROM published_month WHERE source = 'street' AND force = ?",
                         [force]).fetchone()
    loaded = con.execute("SELECT max(loaded_at) FROM load_log WHERE source LIKE 'police_uk%'").fetchone()
    table = _completeness(con, force)
    table = table[(table["force"] == force) & (table["status"] != "ok")]
    incomplete = tuple((_as_date(m), str(s)) for m, s in zip(table["month"], table["status"], strict=True))
    last_loaded = f"{loaded[0]:%d %b %Y}" if loaded and loaded[0] else None
    return Freshness(latest[0] if latest else None, last_loaded, incomplete)


def _completeness(con: duckdb.DuckDBPyConnection, force: str) -> pd.DataFrame:
    """cspdash.store.completeness when present; otherwise gaps and months below half the force's median."""
    try:
        from cspdash.store import completeness as module
    except ImportError:
        module = None  # type: ignore[assignment]
    if module is not None:
        return module.completeness(con, source="street", force=force)  # type: ignore[no-any-return]
    return con.execute(
        """
        WITH bounds AS (SELECT force, min(month) AS first, max(month) AS last, median(rows) AS typical
                        FROM published_month WHERE source = 'street' GROUP BY force),
        grid AS (SELECT b.force, unnest(generate_series(b.first, b.last, INTERVAL 1 MONTH))::DATE AS month,
                        b.typical FROM bounds b)
        SELECT g.force, g.month, coalesce(p.rows, 0) AS rows,
               CASE WHEN p.month IS NULL THEN 'missing' WHEN p.rows < g.typical / 2 THEN 'low' ELSE 'ok' END
                   AS status
        FROM grid g LEFT JOIN published_month p ON p.source = 'street' AND p.force = g.force AND p.month = g.month
        ORDER BY g.force, g.month
        """).df()


def _dates(values: pd.Series) -> pd.Series:
    """A column of first-of-month python dates (DuckDB returns timestamps)."""
    return pd.Series([_as_date(v) for v in values], index=values.index, dtype=object)


def _as_date(value: object) -> date:
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return date(stamp.year, stamp.month, 1)


# ---------------------------------------------------------------------------------------------- SPC per area
def spc_series(
    con: duckdb.DuckDBPyConnection, partnership: str, force: str, level: str, area: str, crime_type: str,
    start: date, end: date, break_month: date | None = None,
) -> SpcResult:
    """XmR chart of one area's monthly counts from ``start`` to ``end`` (unpublished months left out)."""
    if level not in _AREA_CODE_SQL:
        raise ValueError(f"unknown area level {level!r}; expected one of {', '.join(AREA_LEVELS)}")
    code = _AREA_CODE_SQL[level]
    rows = con.execute(
        f"""
        SELECT g.month, sum(g.crimes)::BIGINT
        FROM agg_crime_month_lsoa g {"LEFT JOIN lsoa l ON l.lsoa_code = g.lsoa_code" if level == "ward" else ""}
        WHERE g.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = $partnership)
          AND g.month BETWEEN $start AND $end
          AND list_contains($types, g.crime_type) AND ($level = 'partnership' OR {code} = $area)
        GROUP BY g.month
        """,
        {"partnership": partnership, "start": start, "end": end, "types": list(crime_types_for(crime_type)),
         "level": level, "area": area},
    ).fetchall()
    counts = dict(rows)
    published = set(published_months(con, force))
    months = month_range(start, end)
    values = [float(counts.get(m, 0)) if m in published else np.nan for m in months]
    return spc_for_series(months, values, break_month)


# ---------------------------------------------------------------------------------------------- sentences
def _fmt_number(value: float, rate: bool, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}" if rate else f"{value:,.0f}"


def _unit_for(value: float, unit: str, rate: bool) -> str:
    """'incidents', but '1 incident': a count of exactly one takes the singular."""
    return unit[:-1] if not rate and round(value) == 1 and unit.endswith("s") else unit


def trend_sentence(frame: pd.DataFrame, value: str, what: str, unit: str, compare: str | None = None) -> str:
    """One sentence on the latest complete period of each area (up to three), against a year before."""
    if frame.empty or frame[value].notna().sum() == 0:
        return f"There is no data for {what} in the areas and months chosen."
    rate = "rate" in value
    # every rate in the sentence with the same decimals, enough that two different rates never print alike
    decimals = rate_decimals(frame[value].dropna().astype(float)) if rate else 0
    # counts carry their rate beside them (crimes per 1,000 residents), when the areas have residents
    beside = value == "crimes" and "rate" in frame and frame["rate"].notna().any()
    beside_decimals = rate_decimals(frame["rate"].dropna().astype(float)) if beside else 0
    parts = []
    for area, group in list(frame.groupby("area_name", sort=False))[:3]:
        usable = group[group[value].notna() & group.get("complete", True)]
        if usable.empty:
            continue
        latest = usable.iloc[-1]
        text = (f"{area} {_fmt_number(float(latest[value]), rate, decimals)} "
                f"{_unit_for(float(latest[value]), unit, rate)} in {latest['period_label']}")
        before = latest.get("last_year_rate" if rate else "last_year")
        if value.startswith("rolling"):
            year_ago = usable[usable["period"] == date(latest["period"].year - 1, latest["period"].month, 1)]
            before = year_ago[value].iloc[0] if not year_ago.empty else None
        if before is not None and pd.notna(before) and float(before) > 0:
            change = 100.0 * (float(latest[value]) - float(before)) / float(before)
            text += f" ({'up' if change > 0 else 'down'} {abs(change):.0f}% on a year before)"
        if beside and pd.notna(latest["rate"]):
            text += f", {_fmt_number(float(latest['rate']), True, beside_decimals)} per 1,000 residents"
        peak = usable.loc[usable[value].astype(float).idxmax()]
        text += f"; highest {peak['period_label']} ({_fmt_number(float(peak[value]), rate, decimals)})"
        parts.append(text)
    more = frame["area_name"].nunique() - 3
    tail = f"; and {more} more areas in the download" if more > 0 else ""
    return f"{what}: " + "; ".join(parts) + tail + "." if parts else f"No complete period for {what} yet."


def spc_sentence(result: SpcResult, what: str) -> str:
    """One sentence: the average and limits of the latest segment and how many signals there are; or why there
    are no limits."""
    chart = result.chart
    if chart.empty or "unpl" not in chart or chart["unpl"].isna().all():
        note = result.limits_note or f"too few months to draw process limits for {what}."
        return f"{what}: {note[0].lower()}{note[1:]}" if result.limits_note else note[0].upper() + note[1:]
    limited = chart[chart["unpl"].notna()]
    last = limited.iloc[-1]
    base = (f"{what}: average {last['mean']:,.0f} a month, process limits {last['lnpl']:,.0f} to "
            f"{last['unpl']:,.0f}")
    if result.break_month is not None:
        base += f" (recalculated from {month_label(result.break_month)})"
    tail = f" {result.limits_note}" if result.limits_note else ""
    if not result.signals:
        return base + "; no signals — the months vary within normal limits." + tail
    count = len(result.signals)
    return base + f"; {count} signal{'s' if count != 1 else ''} of a real change, marked on the chart." + tail


def outcome_sentence(frame: pd.DataFrame, what: str, period_label: str) -> str:
    """One sentence on the main outcome shares of the crimes recorded in a window."""
    if frame.empty:
        return f"No outcomes data for {what} in {period_label}."
    totals = frame.groupby("outcome_group")["crimes"].sum()
    total = int(totals.sum())

    def share(group: str) -> str:
        return f"{100.0 * totals.get(group, 0) / total:.0f}%"

    return (f"Of {total:,} {what} recorded in {period_label}, {share('Charged or summonsed')} were charged "
            f"or summonsed, {share('Out-of-court resolution')} resolved out of court, "
            f"{share('No suspect identified')} closed with no suspect identified, "
            f"{share('Evidential difficulties')} closed with evidential difficulties and "
            f"{share('Still under investigation')} are still under investigation.")


def stop_search_sentence(linked: pd.DataFrame, force: str, period_label: str) -> str:
    """One sentence on stop-and-search volume and how often the outcome was linked to the object."""
    total = int(linked["searches"].sum())
    linked_total = int(linked["linked"].sum())
    top = linked.iloc[0]
    return (f"{force} recorded {total:,} stop and searches in {period_label}; the most common object was "
            f"{str(top['object_of_search']).lower()} ({int(top['searches']):,}); overall "
            f"{100.0 * linked_total / total:.0f}% had an outcome linked to what was searched for.")


def largest_areas(
    con: duckdb.DuckDBPyConnection, partnership: str, level: str, crime_type: str, start: date, end: date,
    n: int = 3,
) -> list[str]:
    """Codes of the n areas of a level with most crimes of the type in the window (a sensible default view)."""
    monthly = area_monthly(con, partnership, level, crime_types_for(crime_type), start, end)
    monthly = monthly[monthly["area_code"] != ""]
    totals = monthly.groupby("area_code")["crimes"].sum().sort_values(ascending=False)
    return [str(code) for code in totals.index[:n]]
