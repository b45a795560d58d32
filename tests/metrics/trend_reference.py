"""The crime trend pipeline as it was before the one-pass grid (commit 4db1308: fill_months, regrain,
add_rolling_12, add_last_year on pandas frames), kept as the oracle that tests/metrics/test_crime.py compares
cspdash.metrics.crime.trend_series with. Not used by the app."""
# ruff: noqa
# mypy: ignore-errors

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from cspdash.metrics.crime import (
    GRAINS,
    _grain_start,
    area_monthly,
    crime_types_for,
    force_monthly,
    month_range,
    published_months,
)
from cspdash.metrics.period import add_months


def fill_months(frame: pd.DataFrame, months: list[date], published: list[date]) -> pd.DataFrame:
    """One row per area and month: 0 in a published month with no crimes, NaN in an unpublished month (a gap)."""
    if frame.empty:
        return frame.assign(published=pd.Series(dtype=bool))
    names = frame.groupby("area_code")["area_name"].first()
    residents = frame.groupby("area_code")["residents"].first()
    grid = pd.MultiIndex.from_product([list(names.index), months], names=["area_code", "month"]).to_frame(index=False)
    out = grid.merge(frame.drop(columns=["area_name", "residents"]), on=["area_code", "month"], how="left")
    published_set = set(published)
    out["published"] = out["month"].isin(published_set)
    for column in ("crimes", "crimes_with_population"):
        out[column] = out[column].astype("Float64").fillna(0).where(out["published"])
    out["area_name"] = out["area_code"].map(names)
    out["residents"] = out["area_code"].map(residents)
    return out


def regrain(frame: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Sum a filled monthly frame to month, quarter or financial year: period, period_label, months, complete, ...

    A quarter or year with a missing month (or cut by the range) is marked incomplete: it is not comparable.
    """
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}; expected one of {', '.join(GRAINS)}")
    out = frame.copy()
    stamps = pd.to_datetime(out["month"])
    if grain == "month":
        out["period"] = stamps.dt.date
        out["period_label"] = stamps.dt.strftime("%b %Y")
        size = 1
    elif grain == "quarter":
        start_month = ((stamps.dt.month - 1) // 3) * 3 + 1
        out["period"] = [date(y, m, 1) for y, m in zip(stamps.dt.year, start_month, strict=True)]
        out["period_label"] = [f"{y} Q{(m - 1) // 3 + 1}" for y, m in zip(stamps.dt.year, start_month, strict=True)]
        size = 3
    else:
        fy = stamps.dt.year.where(stamps.dt.month >= 4, stamps.dt.year - 1)
        out["period"] = [date(y, 4, 1) for y in fy]
        out["period_label"] = [f"{y}/{str(y + 1)[-2:]}" for y in fy]
        size = 12
    keys = ["area_code", "period"]
    by_period = out.groupby(keys, sort=True)
    grouped = by_period[["area_name", "period_label", "residents"]].first()
    grouped["months"] = by_period["published"].sum()
    sums = by_period[["crimes", "crimes_with_population"]].sum(min_count=1)
    grouped = grouped.join(sums).reset_index()
    grouped["complete"] = grouped["months"] == size
    grouped["rate"] = rate_per_1000(grouped["crimes_with_population"], grouped["residents"])
    return grouped


def rate_per_1000(crimes: pd.Series, residents: pd.Series) -> pd.Series:
    """Crimes per 1,000 residents (NaN where residents are unknown or zero)."""
    residents_f = pd.to_numeric(residents, errors="coerce").astype(float).replace(0, np.nan)
    return pd.to_numeric(crimes, errors="coerce").astype(float) * 1000.0 / residents_f


def add_rolling_12(frame: pd.DataFrame) -> pd.DataFrame:
    """Add rolling_12 (sum of the 12 months to each month) and rolling_12_rate to a filled monthly frame."""
    out = frame.sort_values(["area_code", "month"]).copy()
    for column, target in (("crimes", "rolling_12"), ("crimes_with_population", "_rolling_pop")):
        out[target] = out.groupby("area_code")[column].transform(
            lambda s: s.astype(float).rolling(12, min_periods=12).sum())
    out["rolling_12_rate"] = rate_per_1000(out["_rolling_pop"], out["residents"])
    return out.drop(columns="_rolling_pop")


def add_last_year(frame: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Add last_year and last_year_rate: the same period a year earlier, from a regrained frame."""
    out = frame.copy()
    shifted = out[["area_code", "period", "crimes", "rate"]].copy()
    shifted["period"] = [date(p.year + 1, p.month, 1) for p in shifted["period"]]
    shifted = shifted.rename(columns={"crimes": "last_year", "rate": "last_year_rate"})
    return out.merge(shifted, on=["area_code", "period"], how="left")


def reference_trend_series(
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
    filled = fill_months(monthly, months, published)
    if filled.empty:
        return pd.DataFrame(columns=["area_code", "area_name", "period", "period_label", "months", "complete",
                                     "crimes", "rate", "last_year", "last_year_rate"])
    by_grain = add_last_year(regrain(filled, grain), grain)
    if grain == "month":
        rolling = add_rolling_12(filled)[["area_code", "month", "rolling_12", "rolling_12_rate"]]
        rolling = rolling.rename(columns={"month": "period"})
        by_grain = by_grain.merge(rolling, on=["area_code", "period"], how="left")
    first_shown = start if grain == "month" else _grain_start(start, grain)
    shown = by_grain[by_grain["period"] >= first_shown].reset_index(drop=True)
    return shown


