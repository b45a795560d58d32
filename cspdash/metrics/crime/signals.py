"""SPC on a series (the signals and their sentences) and changes by ward."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.change import compare_frame, window_series
from cspdash.analysis.spc import MIN_LIMIT_POINTS, Signal, gap_starts, series_signals, signals, xmr
from cspdash.metrics.crime.headline import (
    _AREA_CODE_SQL,
    AREA_LEVELS,
    change_words,
    crime_type_label,
    crime_types_for,
    history_months,
    month_range,
    published_months,
)
from cspdash.metrics.disclosure import public_count_format
from cspdash.metrics.period import Period, add_months, month_label
from cspdash.vocab import ALL_CRIME, ASB, CRIME_TYPES


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
