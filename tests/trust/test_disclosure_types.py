"""Public output plays the attacker across crime types: Crime trends and Hot spots for every type they offer.

Each area × month/quarter/year/period cell of 'All crime' (Crime trends) is the sum of the same cell of each type
but ASB, and of every type (Hot spots with none chosen) the sum of all types; the pages show each type's cells
too. So 'All crime' less the types shown gives back a type hidden as '<5', and two choices that differ by one type
give that type. The attacker (tests/trust/area_attack) reads every choice of both pages for Newport (demo store,
the 12 months to June 2025) at every level and grain, and solves them together. None may be recovered.
"""

from __future__ import annotations

from datetime import date

import duckdb

from cspdash.metrics.period import Period
from tests.trust.area_attack import Table, choices, read_hotspots, read_trends, solve
from tests.trust.test_disclosure_pages import NEWPORT, Seen, assert_none_recovered

END = date(2025, 6, 1)


def test_crime_types_together_give_back_no_small_count(demo_con: duckdb.DuckDBPyConnection) -> None:
    table = Table(demo_con, NEWPORT)
    seen, read = Seen(), 0
    for choice, types in choices(table).items():
        read += read_trends(seen, table, demo_con, choice, END)
        read += read_hotspots(seen, table, demo_con, choice, types, Period(END, 12))
    assert len(choices(table)) >= 15 and read > 90_000, "every type, All crime and every type were read"
    solve(seen, table.constraints())
    targets = table.small_cells()
    assert len(targets) >= 1000, "the attack needs small counts to attack"
    assert_none_recovered(seen, table, len(targets))  # type: ignore[arg-type]


def test_the_attackers_solver_pins_what_seen_solve_pins() -> None:
    """Guard: the numpy solver works out by hand what Seen.solve does: 12 = 6 + '<5' + '[c]' gives 1 and 5; two
    periods of 30 and 28 sharing all but one shown month (5) and one hidden month give the hidden month, 3."""
    results = []
    for way in ("seen", "numpy"):
        seen = Seen()
        for cell, value in (("T", 12), ("a", 6), ("W1", 30), ("W2", 28), ("m1", 5)):
            seen.exact(cell, value, "shown")
        seen.text("b", "<5")
        seen.text("c", "[c]")
        rules = [("T", ["a", "b", "c"]), ("W1", ["X", "m1"]), ("W2", ["X", "m2"])]
        seen.solve(rules) if way == "seen" else solve(seen, rules)
        results.append({k: (seen.low[k], seen.high[k]) for k in ("b", "c", "m2")})
    assert results[0] == results[1] == {"b": (1, 1), "c": (5, 5), "m2": (3, 3)}
