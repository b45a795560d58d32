"""Crime types, published months and the headline changes of the overview."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.change import HISTORY_MONTHS, compare_frame, window_series
from cspdash.metrics.period import Period, add_months
from cspdash.vocab import ALL_CRIME, ASB, CRIME_TYPES

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
