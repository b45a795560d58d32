"""Public output across Compare and Crime trends: crimes in neighbourhoods with no population figure.

Compare counts a partnership's crimes in neighbourhoods (LSOAs) with a population figure only (its rates divide by
their residents); Crime trends counts all its crimes. For the same period and crime type, the trends total less
Compare's count is the crimes in neighbourhoods without a population figure: a further count, which may be 1–4.

The store is the demo with the population figures of Newport's two quietest LSOAs removed (a boundary change
leaves some so). The attacker reads Compare for every Gwent partnership (counts, rates and pooled rates to their
rounding: tests/trust/test_disclosure_pooled_rates) and Newport's Crime trends by month for each crime type
('<5' = 1–4, '[c]' at least 1), over the 3, 6 and 12 months to June 2025, and solves: trends' months add up to
the period's total, which is Compare's count plus the uncounted crimes. An uncounted count of 1–4 worked out
exactly is recovered. None may be.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from cspdash.metrics import public
from cspdash.metrics.disclosure import HIDDEN
from cspdash.metrics.partnership_rates import partnership_rates
from cspdash.metrics.period import Period
from cspdash.store.versions import Store
from tests.trust.test_disclosure_pages import INF, Seen
from tests.trust.test_disclosure_pooled_rates import (
    GWENT,
    TYPES,
    Sentences,
    _sentences,
    constraints_of,
    pools_of,
    read_compare,
)

NEWPORT, FORCE = "W06000022", "Gwent Police"
START = date(2022, 7, 1)  # Crime trends' first month for a June 2025 end (36 months)
PERIODS = [Period(date(2025, 6, 1), n) for n in (3, 6, 12)]


@pytest.fixture(scope="module")
def store(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo without the population figures of Newport's two LSOAs with fewest crimes in Jan–Jun 2025."""
    target = tmp_path_factory.mktemp("nopop") / "store.duckdb"
    shutil.copyfile(Store(demo_store_path).current_version(), target)  # type: ignore[arg-type]
    con = duckdb.connect(str(target))
    try:
        quiet = [c for (c, _n) in con.execute(
            "SELECT lsoa_code, sum(crimes) n FROM agg_crime_month_lsoa WHERE la_code = ? AND lsoa_code IS NOT NULL "
            "AND month BETWEEN '2025-01-01' AND '2025-06-01' GROUP BY 1 ORDER BY n, lsoa_code LIMIT 2",
            [NEWPORT]).fetchall()]
        con.execute("DELETE FROM population WHERE area_type = 'lsoa' AND list_contains(?, area_code)", [quiet])
    finally:
        con.close()
    return Store(target)


def attack(con: duckdb.DuckDBPyConnection, sentences: Sentences) -> tuple[list[str], int]:
    """(uncounted counts of 1–4 recovered, how many there are)."""
    pools = pools_of(con)
    found: list[str] = []
    targets = 0
    for period in PERIODS:
        seen = Seen()
        read_compare(con, seen, period, pools, sentences)
        constraints = constraints_of(pools)
        for crime_type in TYPES:
            trend = public.trend_series(con, NEWPORT, FORCE, "partnership", (), crime_type, START, period.end,
                                        "month")
            months = [(p, s) for p, s in zip(trend["period"], trend["crimes_shown"], strict=True)
                      if period.start <= p <= period.end]
            for month, shown in months:
                if shown == HIDDEN:
                    seen.bound(("trends", crime_type, month), 1, INF)
                else:
                    seen.text(("trends", crime_type, month), shown)
            total = ("trends", crime_type, "period")
            constraints.append((total, [("trends", crime_type, m) for m, _s in months]))
            constraints.append((total, [(NEWPORT, crime_type), ("uncounted", crime_type)]))
        seen.solve(constraints)
        rates = partnership_rates(con, period.start, period.end)
        mine = rates[rates["partnership_code"] == NEWPORT]
        for crime_type, every, counted in zip(mine["crime_type"], mine["crimes"], mine["crimes_with_population"],
                                              strict=True):
            value = float(every - counted)
            if 1 <= value <= 4:
                targets += 1
                cell = ("uncounted", crime_type)
                if cell in seen.low and seen.low[cell] == seen.high.get(cell) == value:
                    found.append(f"{period.label} {crime_type}: {value:g} uncounted")
    return found, targets


def test_no_uncounted_count_of_1_to_4_comes_back(store: Store) -> None:
    con = store.connect_read()
    try:
        found, targets = attack(con, _sentences)
    finally:
        con.close()
    assert targets >= 5, "the attack needs small uncounted counts to attack"
    assert not found, f"{len(found)} of {targets} uncounted counts recovered, e.g. {found[:6]}"


def test_compare_hidden_counts_do_not_come_back_with_crime_trends(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Compare hides a partnership of 1–4 and, beside it, others ('[c]') so the whole force's rate cannot pin it.
    But each partnership's Crime trends gives its period's count (its months added up; every LSOA of the demo has
    residents, so nothing is left out of Compare's count): a '[c]' comes back there, and the force's rate less the
    others pinned the small one (3 small counts over the 3 months to June 2025, before pools beside a hidden
    partnership were hidden too). The attacker reads Compare for every Gwent partnership and every partnership's
    Crime trends by month for each crime type Compare hides: no count of 1–4 may come back."""
    from cspdash.metrics.compare import by_crime_type

    pools = pools_of(demo_con)
    found: list[str] = []
    targets = 0
    for period in (Period(date(2025, 6, 1), 3), Period(date(2025, 3, 1), 3)):
        seen = Seen()
        read_compare(demo_con, seen, period, pools, _sentences)
        constraints = constraints_of(pools)
        hidden = public.compare_protection(demo_con, period.start, period.end)
        types = sorted({str(c[1]) for c in hidden if isinstance(c, tuple) and len(c) == 2})
        for code in GWENT:
            for crime_type in types:
                trend = public.trend_series(demo_con, code, FORCE, "partnership", (), crime_type, START, period.end,
                                            "month")
                months = [(p, s) for p, s in zip(trend["period"], trend["crimes_shown"], strict=True)
                          if period.start <= p <= period.end]
                for month, shown in months:
                    if shown == HIDDEN:
                        seen.bound(("trends", code, crime_type, month), 1, INF)
                    else:
                        seen.text(("trends", code, crime_type, month), shown)
                constraints.append(((code, crime_type), [("trends", code, crime_type, m) for m, _s in months]))
        seen.solve(constraints)
        for code in GWENT:
            full = by_crime_type(demo_con, code, period)
            for crime_type, value in zip(full["crime_type"], full["crimes"], strict=True):
                if value is not None and 1 <= value <= 4:
                    targets += 1
                    cell = (code, crime_type)
                    if cell in seen.low and seen.low[cell] == seen.high.get(cell) == value:
                        found.append(f"{period.label} {cell} = {value:g}")
    assert targets >= 3, "the attack needs small counts to attack"
    assert not found, f"{len(found)} of {targets} small counts recovered, e.g. {found[:6]}"
