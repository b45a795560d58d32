"""Public output: the whole force's line on Crime trends ("Partnership against its force").

The force's month is the sum of its partnerships' months, each of which anyone can read on that partnership's own
Crime trends page: a force month shown beside a partnership's hidden month would give it back (the force less the
others). So a period of the force's line (a month, a quarter, a year, a rolling 12 months, last year's figure) is
left out when any of its partnerships has a month of it hidden on Crime trends, as the Compare page's whole-force
rate line does (public.rate_trend). A period left in holds only months every partnership shows: its total is the
sum of what is shown already.
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from cspdash.metrics.disclosure import HIDDEN
from cspdash.metrics.period import add_months

#: how the public Crime trends page leaves months out of the force's line (said on the page)
FORCE_LINE_RULE = ("Public output: a period is left out of the force's line when any of its partnerships has a "
                   "month of it hidden on its own Crime trends page (the force less the others would give it back).")


def force_hidden_months(con: duckdb.DuckDBPyConnection, force: str, crime_type: str, start: date,
                        end: date) -> set[date]:
    """The months any partnership of the force hides as a whole on Crime trends (from 12 months before ``start``,
    as far back as last year's figures and rolling sums reach)."""
    from cspdash.metrics.context import OFFERED_PARTNERSHIPS_SQL
    from cspdash.metrics.public import _hidden_months

    codes = [str(c) for (c,) in con.execute(f"SELECT partnership_code FROM ({OFFERED_PARTNERSHIPS_SQL}) "
                                            "WHERE force = ?", [force]).fetchall()]
    months: set[date] = set()
    for code in codes:
        months |= _hidden_months(con, code, crime_type, start, end)
    return months


def _span(period: date, grain: str) -> list[date]:
    """The months of a period of ``grain`` starting at ``period``."""
    length = {"month": 1, "quarter": 3, "fy": 12}[grain]
    return [add_months(period, i) for i in range(length)]


def hide_force_line(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, force: str, crime_type: str, start: date,
                    end: date, grain: str) -> pd.DataFrame:
    """``frame`` (public.trend_series with the force's line) with the force's periods blank where any of its
    partnerships hides a month of them (FORCE_LINE_RULE): its count, rate and last year's figures by the periods
    they stand for, and a rolling 12-month sum when any of its 12 months is hidden."""
    gone_months = force_hidden_months(con, force, crime_type, start, end)
    out = frame.copy()
    mine = (out["area_code"] == force).to_numpy()
    periods = list(out["period"])
    gone = np.array([m and any(x in gone_months for x in _span(p, grain)) for m, p in zip(mine, periods,
                                                                                           strict=True)])
    before = np.array([m and any(x in gone_months for x in _span(date(p.year - 1, p.month, 1), grain))
                       for m, p in zip(mine, periods, strict=True)])
    for column in ("crimes", "crimes_with_population"):
        if column in out:
            out[column] = out[column].astype("Float64").mask(gone)
    out["rate"] = out["rate"].astype(float).mask(gone)
    if "crimes_shown" in out:
        out["crimes_shown"] = out["crimes_shown"].astype(object).mask(gone, HIDDEN)
    for column in ("last_year", "last_year_rate"):
        if column in out:
            out[column] = out[column].astype("Float64" if column == "last_year" else float).mask(before)
    if "rolling_12" in out:
        window = np.array([m and any(add_months(p, -i) in gone_months for i in range(12))
                           for m, p in zip(mine, periods, strict=True)])
        for column in ("rolling_12", "rolling_12_rate"):
            out[column] = out[column].astype(float).mask(window)
    return out
