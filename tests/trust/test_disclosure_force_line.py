"""Public output on Crime trends: the "Partnership against its force" line.

The whole force's month is the sum of its partnerships' months. The attacker opens Crime trends (demo store, the
36 months to June 2025, month, quarter and financial-year grain) for every Gwent partnership, reads each
partnership's own line ('<5' = 1–4, '[c]' = at least 1, a number exact) and, from Newport's page with the force
comparison on, the force's line (its rate, last year's rate and the rolling 12-month rate, × the force's residents:
the sum of its partnerships', as Compare gives them). Solved as intervals (force = Σ partnerships; a quarter and a year = Σ their months; a rolling sum
= Σ its 12 months), a partnership's month, quarter or year of 1–4 worked out exactly is recovered. None may be.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from cspdash.metrics import crime, public
from cspdash.metrics.disclosure import HIDDEN, hide_trend, period_windows, trend_hidden
from cspdash.metrics.partnership_rates import partnership_residents
from tests.trust.test_disclosure_pages import INF, Seen

GWENT = ["W06000018", "W06000019", "W06000020", "W06000021", "W06000022"]
FORCE = "Gwent Police"
START, END = date(2022, 7, 1), date(2025, 6, 1)
GRAINS = ("month", "quarter", "fy")
#: the types whose small partnership months the force line gave back (7, 3, 2 and 4 of them)
TYPES = ["Bicycle theft", "Criminal damage and arson", "Drugs", "Possession of weapons"]

Reader = Callable[..., pd.DataFrame]


def _old_rule(con: duckdb.DuckDBPyConnection, partnership: str, force: str, level: str, areas: tuple[str, ...],
              crime_type: str, start: date, end: date, grain: str, with_force: bool = False) -> pd.DataFrame:
    """public.trend_series before: the partnership's cells of the type protected on their own (as they were then:
    disclosure.trend_hidden over the type's LSOA months; the joint protection of every type now hides more, so
    that the old force line happens to give nothing back on the demo), the force's line as it is."""
    frame = crime.trend_series(con, partnership, force, level, areas, crime_type, start, end, grain, with_force)
    counts = con.execute(
        """SELECT coalesce(g.lsoa_code, '') AS lsoa_code, coalesce(l.ward_code, '') AS ward_code, g.month,
                  sum(g.crimes)::BIGINT AS crimes
           FROM agg_crime_month_lsoa g LEFT JOIN lsoa l ON l.lsoa_code = g.lsoa_code
           WHERE g.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = $p)
             AND g.month BETWEEN $s AND $e AND g.crime_type = $t GROUP BY ALL""",
        {"p": partnership, "s": _back(start, 12), "e": end, "t": crime_type}).df()
    counts["month"] = [pd.Timestamp(m).date() for m in counts["month"]]
    published = set(crime.published_months(con, force))
    months = [m for m in crime.month_range(_back(start, 12), end) if m in published]
    primary, secondary = trend_hidden(counts, partnership, months, period_windows(end))
    return hide_trend(frame, level, grain, primary, secondary)


def _quarter(m: date) -> date:
    return date(m.year, (m.month - 1) // 3 * 3 + 1, 1)


def _year(m: date) -> date:
    return date(m.year if m.month >= 4 else m.year - 1, 4, 1)


def _back(m: date, n: int) -> date:
    i = m.year * 12 + m.month - 1 - n
    return date(i // 12, i % 12 + 1, 1)


def _attack(con: duckdb.DuckDBPyConnection, read: Reader, crime_type: str) -> tuple[list[str], int]:
    seen = Seen()
    residents = partnership_residents(con).set_index("partnership_code")["residents"]
    people = float(residents[GWENT].sum())  # the force's residents: its partnerships' (public)
    truth: dict[tuple, float] = {}
    months: set[date] = set()
    for grain in GRAINS:
        for code in GWENT:
            full = crime.trend_series(con, code, FORCE, "partnership", (), crime_type, START, END, grain)
            truth.update({(code, grain, p): float(c) for p, c in zip(full["period"], full["crimes"], strict=True)
                          if pd.notna(c)})
            if grain == "month":
                months |= set(full["period"])
            shown = read(con, code, FORCE, "partnership", (), crime_type, START, END, grain)
            for p, text in zip(shown["period"], shown["crimes_shown"], strict=True):
                if text == HIDDEN:  # 5 or more, or a small total whose '<5's fill it: at least 1
                    seen.bound((code, grain, p), 1, INF)
                else:
                    seen.text((code, grain, p), text)
        page = read(con, GWENT[-1], FORCE, "partnership", (), crime_type, START, END, grain, True)
        force = page[page["area_code"] == FORCE]
        for row in force.itertuples():
            cell = ("force", grain, row.period)
            # its rate × residents (its count doubled every partnership before, but not its rate)
            if pd.notna(row.rate):
                seen.exact(cell, float(row.rate) * people / 1000, "force rate × residents")
            if pd.notna(row.last_year_rate):
                seen.exact(("force", grain, date(row.period.year - 1, row.period.month, 1)),
                           float(row.last_year_rate) * people / 1000, "force last year")
            if grain == "month" and pd.notna(getattr(row, "rolling_12_rate", np.nan)):
                seen.exact(("force", "rolling", row.period), float(row.rolling_12_rate) * people / 1000,
                           "force rolling sum")
    constraints: list[tuple[tuple, list[tuple]]] = []
    ordered = sorted(months)
    for who in [*GWENT, "force"]:
        for grain, key in (("quarter", _quarter), ("fy", _year)):
            for period in {key(m) for m in ordered}:
                constraints.append(((who, grain, period), [(who, "month", m) for m in ordered if key(m) == period]))
    for m in ordered:
        if _back(m, 11) in months:
            constraints.append((("force", "rolling", m), [("force", "month", _back(m, i)) for i in range(12)]))
    for grain in GRAINS:
        for period in {p for (_c, g, p) in truth if g == grain}:
            constraints.append((("force", grain, period), [(c, grain, period) for c in GWENT]))
    seen.solve(constraints)
    targets = [cell for cell, value in truth.items() if 1 <= value <= 4]
    found = [f"{cell} = {truth[cell]:g}" for cell in targets
             if cell in seen.low and seen.low[cell] == seen.high.get(cell) == truth[cell]]
    return found, len(targets)


@pytest.mark.parametrize("crime_type", TYPES)
def test_no_partnership_count_of_1_to_4_comes_back_from_the_force_line(demo_con: duckdb.DuckDBPyConnection,
                                                                       crime_type: str) -> None:
    found, targets = _attack(demo_con, public.trend_series, crime_type)
    assert targets >= 3, "the attack needs small counts to attack"
    assert not found, f"{len(found)} of {targets} small partnership cells recovered, e.g. {found[:5]}"


@pytest.mark.parametrize("crime_type", TYPES)
def test_the_old_force_line_gave_cells_back(demo_con: duckdb.DuckDBPyConnection, crime_type: str) -> None:
    """Guard: the force's line as it was (every month shown) lets the attack recover hidden partnership months."""
    found, targets = _attack(demo_con, _old_rule, crime_type)
    assert found, (found, targets)
