"""Public output: a rate beside a count, where the rate leaves some crimes out.

Rates count only crimes in neighbourhoods with a population figure; Crime trends' counts are all crimes. So a
month's count less its rate × residents ÷ 1,000 is the month's crimes in neighbourhoods without a population
figure: a further count, which may be 1–4. On the store of test_disclosure_compare_trends (two Newport LSOAs
without a population figure) the attacker reads Newport's Crime trends (count and rate, by month and by quarter:
counts, rates, last year's figures, rolling 12-month sums) and Compare's monthly rate line, and solves (a count =
the counted crimes + the uncounted; a quarter, a rolling sum = their months). An uncounted count of 1–4 worked out
exactly is recovered. None may be.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from cspdash.metrics import crime, public
from cspdash.store.versions import Store
from tests.trust.test_disclosure_compare_trends import FORCE, NEWPORT, START, store  # noqa: F401 (fixture)
from tests.trust.test_disclosure_pages import Seen

END = date(2025, 6, 1)
TYPES = ["All crime", "Anti-social behaviour", "Public order", "Criminal damage and arson", "Other crime"]


def _quarter(m: date) -> date:
    return date(m.year, (m.month - 1) // 3 * 3 + 1, 1)


def _back(m: date, n: int) -> date:
    i = m.year * 12 + m.month - 1 - n
    return date(i // 12, i % 12 + 1, 1)


def attack(con: duckdb.DuckDBPyConnection, crime_type: str) -> tuple[list[str], int]:
    seen = Seen()
    truth: dict[tuple, float] = {}
    constraints: list[tuple[tuple, list[tuple]]] = []
    months: list[date] = []
    for grain in ("month", "quarter"):
        full = crime.trend_series(con, NEWPORT, FORCE, "partnership", (), crime_type, START, END, grain)
        for p, every, counted in zip(full["period"], full["crimes"], full["crimes_with_population"], strict=True):
            if pd.notna(every):
                truth[("uncounted", grain, p)] = float(every) - float(counted)
        if grain == "month":
            months = sorted(full["period"])
        frame = public.trend_series(con, NEWPORT, FORCE, "partnership", (), crime_type, START, END, grain)
        for row in frame.itertuples():
            people = float(row.residents)
            ago = date(row.period.year - 1, row.period.month, 1)
            seen.text(("all", grain, row.period), str(row.crimes_shown))
            if pd.notna(row.rate):
                seen.exact(("counted", grain, row.period), float(row.rate) * people / 1000, "rate")
            if pd.notna(row.last_year):
                seen.exact(("all", grain, ago), float(row.last_year), "last year")
            if pd.notna(row.last_year_rate):
                seen.exact(("counted", grain, ago), float(row.last_year_rate) * people / 1000, "last year's rate")
            if grain == "month" and pd.notna(row.rolling_12):
                seen.exact(("all", "rolling", row.period), float(row.rolling_12), "rolling sum")
            if grain == "month" and pd.notna(row.rolling_12_rate):
                seen.exact(("counted", "rolling", row.period), float(row.rolling_12_rate) * people / 1000,
                           "rolling rate")
    line = public.rate_trend(con, NEWPORT, START, END, crime_type)
    own = line[~line["area_name"].str.endswith("(whole force)") & ~line["area_name"].str.startswith("Similar")]
    for p, rate, people in zip(own["period"], own["rate"], own["residents"], strict=True):
        seen.exact(("counted", "month", p), float(rate) * float(people) / 1000, "Compare's rate line")
    for kind in ("all", "counted", "uncounted"):
        for q in {_quarter(m) for m in months}:
            constraints.append(((kind, "quarter", q), [(kind, "month", m) for m in months if _quarter(m) == q]))
        for m in months:
            if _back(m, 11) in months:
                constraints.append(((kind, "rolling", m), [(kind, "month", _back(m, i)) for i in range(12)]))
    for cell in list(truth):
        constraints.append((("all", *cell[1:]), [("counted", *cell[1:]), cell]))
    for m in months:
        constraints.append((("all", "rolling", m), [("counted", "rolling", m), ("uncounted", "rolling", m)]))
    seen.solve(constraints)
    targets = [c for c, v in truth.items() if 1 <= v <= 4]
    found = [f"{crime_type} {c} = {truth[c]:g}" for c in targets
             if c in seen.low and seen.low[c] == seen.high.get(c) == truth[c]]
    return found, len(targets)


def test_no_uncounted_count_of_1_to_4_comes_back_from_a_rate(store: Store) -> None:  # noqa: F811
    con = store.connect_read()
    try:
        found: list[str] = []
        targets = 0
        for crime_type in TYPES:
            more, small = attack(con, crime_type)
            found += more
            targets += small
    finally:
        con.close()
    assert targets >= 10, "the attack needs small uncounted counts to attack"
    assert not found, f"{len(found)} of {targets} uncounted counts recovered, e.g. {found[:6]}"
