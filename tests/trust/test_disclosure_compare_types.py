"""Public output on Compare: 'Every crime type against its comparators' on every Gwent partnership's page.

The attacker reads each page's table (demo store, the 3 months to June 2025): the counts shown, 'All crime' (the sum
of every type but ASB) and the whole force's pooled rate (× the partnerships' residents ÷ 1,000: the force's
count). A type of 1–4 shown '<5' came back as 'All crime' less the other types, or as the force's count less the
other partnerships' counts of that type (each on its own page). None may come back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb
import pandas as pd

from cspdash.metrics import compare, public
from cspdash.metrics.partnership_rates import partnership_residents
from cspdash.metrics.period import Period
from cspdash.vocab import ALL_CRIME, ASB, CRIME_TYPES

GWENT = ["W06000018", "W06000019", "W06000020", "W06000021", "W06000022"]
PERIOD = Period(date(2025, 6, 1), 3)

Reader = Callable[[duckdb.DuckDBPyConnection, str, Period], pd.DataFrame]


def _old_rule(con: duckdb.DuckDBPyConnection, code: str, period: Period) -> pd.DataFrame:
    frame = compare.by_crime_type(con, code, period)
    gone = frame["crimes"].between(1, 4)
    return frame.assign(crimes=frame["crimes"].astype("Float64").mask(gone), rate=frame["rate"].mask(gone))


def _solve(rest: float, hidden: int) -> int | None:
    """The value of each of ``hidden`` cells (each 1–4 or more) adding up to ``rest``, when only one fits."""
    if hidden == 1:
        return round(rest)
    return 1 if round(rest) == hidden else 4 if round(rest) == 4 * hidden else None


def _attack(con: duckdb.DuckDBPyConnection, read: Reader) -> tuple[list[str], int]:
    residents = partnership_residents(con).set_index("partnership_code")["residents"]
    truth, seen, force_rate = {}, {}, {}
    for code in GWENT:
        full = compare.by_crime_type(con, code, PERIOD)
        truth.update({(code, t): c for t, c in zip(full["crime_type"], full["crimes"], strict=True)})
        shown = read(con, code, PERIOD)
        for t, c, fr in zip(shown["crime_type"], shown["crimes"], shown["force_rate"], strict=True):
            if pd.notna(c):
                seen[(code, t)] = float(c)
            if pd.notna(fr):
                force_rate[t] = float(fr)
    found, targets = [], 0
    types = [t for t in CRIME_TYPES if t != ASB]
    for (code, crime_type), count in truth.items():
        if count is None or not 1 <= count <= 4:
            continue
        targets += 1
        if (code, crime_type) in seen:
            found.append(f"{code} {crime_type} shown")
            continue
        if crime_type != ALL_CRIME and crime_type != ASB and (code, ALL_CRIME) in seen:
            hidden = [t for t in types if (code, t) not in seen]
            worked = _solve(seen[(code, ALL_CRIME)] - sum(seen[(code, t)] for t in types if t not in hidden),
                            len(hidden))
            if worked == count:
                found.append(f"{code} {crime_type} = {worked} from All crime less the other types")
                continue
        if crime_type in force_rate:
            total = force_rate[crime_type] * float(residents[GWENT].sum()) / 1000
            hidden = [c for c in GWENT if (c, crime_type) not in seen]
            worked = _solve(total - sum(seen[(c, crime_type)] for c in GWENT if c not in hidden), len(hidden))
            if worked == count:
                found.append(f"{code} {crime_type} = {worked} from the force's rate less the others")
    return found, targets


def test_no_type_of_1_to_4_comes_back_from_the_crime_type_table(demo_con: duckdb.DuckDBPyConnection) -> None:
    found, targets = _attack(demo_con, public.by_crime_type)
    assert targets >= 3, "the attack needs small counts to attack"
    assert not found, f"{len(found)} of {targets} small counts recovered: {found[:6]}"


def test_the_old_rule_gave_types_back(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Guard: '<5' for the small counts alone (the page before) lets the attack recover them."""
    found, targets = _attack(demo_con, _old_rule)
    assert found, (found, targets)
