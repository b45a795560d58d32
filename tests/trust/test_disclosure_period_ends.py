"""Public output plays the attacker across period ends: Hot spots and Crime trends for two choices of the sidebar.

The hidden cells used to be chosen for the sidebar's "Period ending" and "Period length": a month hidden beside a
small one under one end could be shown under another, and two ends' 12-month totals of an area differ by one
month less the month a year before, so a hidden month comes back from two shown totals. The attacker
(tests/trust/area_attack) reads Hot spots' per-area totals (the period and the one before, every level) and Crime
trends' series (month, quarter, year; a quarter or year cut short by the end is the run of months it holds) for
violence and sexual offences in Newport (demo store) ending June 2025 and May 2025, 12 and 3 months, and solves them
together, the overlap of any two periods of an area being a cell of its own. None may be recovered.
"""

from __future__ import annotations

from datetime import date

import duckdb

from cspdash.metrics import public
from cspdash.metrics.period import Period
from tests.trust.area_attack import Table, read_hotspots, read_trends, solve
from tests.trust.test_disclosure_pages import NEWPORT, Seen, assert_none_recovered

ENDS = (date(2025, 6, 1), date(2025, 5, 1))
VIOLENCE = "Violence and sexual offences"  # months of 1–4 beside months of 5 or more: the ends differ


def test_two_period_ends_together_give_back_no_small_count(demo_con: duckdb.DuckDBPyConnection) -> None:
    table = Table(demo_con, NEWPORT)
    seen, read = Seen(), 0
    for end in ENDS:
        read += read_trends(seen, table, demo_con, VIOLENCE, end)
        for length in (12, 3):
            read += read_hotspots(seen, table, demo_con, VIOLENCE, (VIOLENCE,), Period(end, length))
    assert read > 10_000, "both ends' series and totals were read"
    solve(seen, table.constraints())
    targets = table.small_cells()
    assert len(targets) >= 500, "the attack needs small counts to attack"
    assert_none_recovered(seen, table, len(targets))  # type: ignore[arg-type]


def test_hot_spots_still_shows_each_neighbourhoods_12_month_total(demo_con: duckdb.DuckDBPyConnection) -> None:
    """The protection of every end and length hides a period total only where it would pin a hidden month: Hot
    spots' default view (Newport, the 12 months to June 2025, LSOAs) shows nearly every LSOA's total of every type
    (before: a total was shown only as the sum of shown parts, and none of the 100 was), and of Possession of
    weapons every total that is not itself 1-4 or made of months of 1 (5 crimes in 5 months of 1 is five 1s)."""
    from cspdash.vocab import CRIME_TYPES

    table = Table(demo_con, NEWPORT)
    period = Period(ENDS[0], 12)
    window = (period.start, period.end)
    lsoas = table.areas("lsoa")
    for types, at_least in ((tuple(CRIME_TYPES), 95), (("Possession of weapons",), 35)):
        primary, secondary = public.hotspot_protection(demo_con, NEWPORT, table.force, types, period.start, period.end)
        shown = [a for a in lsoas if ("lsoa", a, "window", window) not in primary | secondary]
        assert len(lsoas) >= 100 and len(shown) >= at_least, (types[:1], len(shown), len(lsoas))
