"""Public output: Hot spots' 'All crime types' (ASB included) against Crime trends' 'All crime' (ASB left out).

The attacker reads the same area × period cell three ways: Hot spots with no crime type chosen (every type), Crime
trends' 'All crime' (every type but ASB) and ASB alone (either page). Since every type = all crime + ASB, any one of
the three is the difference of the other two: a cell hidden in one view ('<5' or '[c]') whose two partners are
shown comes back. The protection (metrics.public.area_protection) must treat the three as one table; none may
come back.
"""

from __future__ import annotations

from datetime import date

import duckdb

from cspdash.metrics import public
from cspdash.vocab import ASB, CRIME_TYPES

NEWPORT = "W06000022"
END = date(2025, 6, 1)
START = date(2024, 7, 1)
FIRST = date(2000, 1, 1)  # every loaded month: the protection covers them all, whatever the page's start


def _partnership(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    row = con.execute("SELECT partnership_code, force FROM partnership WHERE partnership_code = ?", [NEWPORT]
                      ).fetchone()
    assert row is not None
    code, force = row
    return str(code), str(force)


def _cells(con: duckdb.DuckDBPyConnection, code: str, types: tuple[str, ...]) -> dict:
    """Every cell's true count of a crime type choice (partnership, ward, LSOA × month, quarter, fy, window), over
    every loaded month to END (a quarter or year is the whole one: the page's range starts with the data)."""
    from cspdash.metrics.disclosure import period_windows, trend_cells

    counts = con.execute(
        """SELECT coalesce(g.lsoa_code, '') AS lsoa_code, coalesce(l.ward_code, '') AS ward_code, g.month,
                  sum(g.crimes)::BIGINT AS crimes
           FROM agg_crime_month_lsoa g LEFT JOIN lsoa l ON l.lsoa_code = g.lsoa_code
           WHERE g.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = $p)
             AND g.month BETWEEN $s AND $e AND list_contains($t, g.crime_type) GROUP BY ALL""",
        {"p": code, "s": FIRST, "e": END, "t": list(types)}).df()
    counts["month"] = [m.date() if hasattr(m, "date") else m for m in counts["month"]]
    months = sorted(set(counts["month"]))
    values, _groups = trend_cells(counts, code, months, period_windows(END))
    return values


def _attack(con: duckdb.DuckDBPyConnection) -> tuple[list[str], int]:
    code, force = _partnership(con)
    every = tuple(CRIME_TYPES)
    crime = tuple(t for t in CRIME_TYPES if t != ASB)
    views = {"all types": every, "all crime": crime, "ASB": (ASB,)}
    truth = {name: _cells(con, code, types) for name, types in views.items()}
    hidden = {}
    for name, types in views.items():
        primary, secondary = public.area_protection(con, code, force, types, START, END)
        hidden[name] = primary | secondary
    found, targets = [], 0
    keys = set().union(*truth.values())
    for key in keys:
        value = {n: truth[n].get(key, 0.0) for n in views}
        shown = {n: key not in hidden[n] for n in views}
        for target in views:
            if not 1 <= value[target] <= 4:
                continue
            targets += 1
            others = [n for n in views if n != target]
            if shown[target]:
                found.append(f"{target} {key} = {value[target]:.0f} shown")
            elif all(shown[n] for n in others):
                a, b = (value[n] for n in others)
                worked = a + b if target == "all types" else abs(a - b)
                assert worked == value[target]
                found.append(f"{target} {key} = {worked:.0f} from {' and '.join(others)}")
    return found, targets


def test_asb_all_crime_and_all_types_give_back_no_small_count(demo_con: duckdb.DuckDBPyConnection) -> None:
    found, targets = _attack(demo_con)
    assert targets >= 20, "the attack needs small counts to attack"
    assert not found, f"{len(found)} small cells recovered (of {targets}), e.g. {sorted(found)[:6]}"
