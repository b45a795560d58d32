"""Public output: a rate shown beside a count that counts more crimes.

Rates count only crimes in neighbourhoods (LSOAs) with a population figure; Crime trends' counts are all crimes.
A period's count less its rate × residents ÷ 1,000 is then the period's crimes in neighbourhoods without a
population figure ("uncounted"): a further count, which may be 1–4. So a rate is left out for every period that
holds a month whose uncounted crimes are 1–4 (a quarter, a year, a rolling 12 months, last year's figure): a rate
left in covers only months whose uncounted crimes are 0 or 5 or more, and no sum or difference of such months is
1–4 unless one of them is. The same months leave the Compare page's monthly rate lines, and the Overview's
tiles drop their rates when the period's or the period before's uncounted crimes are 1–4.
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from cspdash.metrics import crime
from cspdash.metrics.catalogue import LSOA_POPULATION
from cspdash.metrics.disclosure import is_small
from cspdash.metrics.period import Period, add_months

#: said on the pages where rates are shown in public output
UNCOUNTED_RULE = ("Public output: a rate is left out for a period holding a month with 1–4 crimes in "
                  "neighbourhoods without a population figure (they are in the count, not in the rate).")


def _small_months(frame: pd.DataFrame) -> dict[str, set[date]]:
    """Per area_code: the months whose crimes less crimes_with_population are 1–4."""
    out: dict[str, set[date]] = {}
    left = frame["crimes"].astype(float) - frame["crimes_with_population"].astype(float)
    for area, month, n in zip(frame["area_code"], frame["month"], left, strict=True):
        if is_small(n):
            out.setdefault(str(area), set()).add(month)
    return out


def uncounted_months(con: duckdb.DuckDBPyConnection, partnership: str, force: str, level: str,
                     areas: tuple[str, ...], crime_type: str, start: date, end: date,
                     with_force: bool = False) -> dict[str, set[date]]:
    """Per area of a Crime trends view (and the force, ``with_force``): the months, from 12 months before
    ``start``, whose uncounted crimes are 1–4."""
    types = crime.crime_types_for(crime_type)
    lead = add_months(start, -12)
    out = _small_months(crime.area_monthly(con, partnership, level, types, lead, end, areas))
    if with_force:
        out.update(_small_months(crime.force_monthly(con, force, types, lead, end)))
    return out


def _span(period: date, grain: str) -> list[date]:
    return [add_months(period, i) for i in range({"month": 1, "quarter": 3, "fy": 12}[grain])]


def hide_uncounted_rates(frame: pd.DataFrame, gone: dict[str, set[date]], grain: str) -> pd.DataFrame:
    """A trends frame with its rates blank (rate, last year's rate, the rolling 12-month rate) for every period
    holding a month of ``gone`` (per area_code): UNCOUNTED_RULE."""
    if frame.empty or not gone:
        return frame
    out = frame.copy()
    areas = [str(a) for a in out["area_code"]]
    periods = list(out["period"])

    def touches(area: str, months: list[date]) -> bool:
        return any(m in gone.get(area, ()) for m in months)

    now = np.array([touches(a, _span(p, grain)) for a, p in zip(areas, periods, strict=True)], dtype=bool)
    ago = np.array([touches(a, _span(date(p.year - 1, p.month, 1), grain)) for a, p in zip(areas, periods,
                                                                                            strict=True)], dtype=bool)
    out["rate"] = out["rate"].astype(float).mask(now)
    if "last_year_rate" in out:
        out["last_year_rate"] = out["last_year_rate"].astype(float).mask(ago)
    if "rolling_12_rate" in out:
        window = np.array([touches(a, [add_months(p, -i) for i in range(12)]) for a, p in zip(areas, periods,
                                                                                              strict=True)])
        out["rolling_12_rate"] = out["rolling_12_rate"].astype(float).mask(window)
    return out


def pooled_uncounted_months(con: duckdb.DuckDBPyConnection, pools: list[list[str]], crime_type: str, start: date,
                            end: date) -> list[set[date]]:
    """For each pool of partnerships (Compare's rate lines: the partnership, the whole force, the similar group):
    the months whose uncounted crimes, pooled, are 1–4."""
    rows = con.execute(
        f"""
        SELECT pl.partnership_code, g.month,
               coalesce(sum(g.crimes) FILTER (WHERE p.residents IS NULL), 0) AS uncounted
        FROM agg_crime_month_lsoa g JOIN partnership_la pl ON pl.la_code = g.la_code
        LEFT JOIN {LSOA_POPULATION} p ON p.area_code = g.lsoa_code AND p.residents > 0
        WHERE g.month BETWEEN $start AND $end AND list_contains($types, g.crime_type)
          AND list_contains($codes, pl.partnership_code)
        GROUP BY ALL
        """, {"start": start, "end": end, "types": list(crime.crime_types_for(crime_type)),
              "codes": sorted({c for pool in pools for c in pool})}).fetchall()
    by_code: dict[str, dict[date, float]] = {}
    for code, month, n in rows:
        by_code.setdefault(str(code), {})[pd.Timestamp(month).date()] = float(n)
    out = []
    for pool in pools:
        totals: dict[date, float] = {}
        for code in pool:
            for month, n in by_code.get(code, {}).items():
                totals[month] = totals.get(month, 0.0) + n
        out.append({m for m, n in totals.items() if is_small(n)})
    return out


def headline_rates(con: duckdb.DuckDBPyConnection, partnership: str, period: Period,
                   crime_types: tuple[str, ...]) -> dict[str, tuple[float | None, float | None]]:
    """compare.headline_rates (the Overview tiles' rates beside their counts) as public output may show them: no
    rates (None, None) for a crime type whose crimes in neighbourhoods without a population figure are 1–4 in the
    period or the period before (UNCOUNTED_RULE)."""
    from cspdash.metrics import compare

    rates = compare.headline_rates(con, partnership, period, crime_types)
    rows = con.execute(
        f"""
        SELECT g.crime_type,
               coalesce(sum(g.crimes) FILTER (WHERE g.month BETWEEN $start AND $end), 0) AS current,
               coalesce(sum(g.crimes) FILTER (WHERE g.month BETWEEN $pstart AND $pend), 0) AS previous
        FROM agg_crime_month_lsoa g LEFT JOIN {LSOA_POPULATION} p ON p.area_code = g.lsoa_code AND p.residents > 0
        WHERE g.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = $partnership)
          AND g.month BETWEEN $pstart AND $end AND p.area_code IS NULL
        GROUP BY g.crime_type
        """, {"partnership": partnership, "start": period.start, "end": period.end,
              "pstart": period.previous_start, "pend": period.previous_end}).fetchall()
    left_out = {str(t): (float(c), float(p)) for t, c, p in rows}
    for crime_type in crime_types:
        types = crime.crime_types_for(crime_type)
        now = sum(left_out.get(t, (0.0, 0.0))[0] for t in types)
        before = sum(left_out.get(t, (0.0, 0.0))[1] for t in types)
        if is_small(now) or is_small(before):
            rates[crime_type] = (None, None)
    return rates
