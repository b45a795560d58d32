"""Public output on Compare: the monthly rate lines of a partnership, its whole force and its similar partnerships.

The attacker opens Compare for every Gwent partnership (demo store, Robbery, the 36 months to June 2025) and reads
each line's months as counts (rate × residents ÷ 1,000). A partnership's month of 1–4 crimes left out of its own
line came back as the whole force's month less the other partnerships' months (each shown on its own page); the
rule of compare_blocks before (leave out a line's months of 1–4) let it through. None may come back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb
import pandas as pd

from cspdash.metrics import compare, public
from cspdash.metrics.disclosure import small

GWENT = ["W06000018", "W06000019", "W06000020", "W06000021", "W06000022"]
START, END, TYPE = date(2022, 7, 1), date(2025, 6, 1), "Robbery"

Reader = Callable[[duckdb.DuckDBPyConnection, str, date, date, str], pd.DataFrame]


def _old_rule(con: duckdb.DuckDBPyConnection, code: str, start: date, end: date, crime_type: str) -> pd.DataFrame:
    frame = compare.rate_trend(con, code, start, end, crime_type)
    return frame[~small(frame["crimes"])]


def _attack(con: duckdb.DuckDBPyConnection, read: Reader) -> tuple[list[str], int]:
    truth: dict[tuple[str, date], int] = {}
    residents: dict[str, float] = {}
    own: dict[tuple[str, date], float] = {}
    force: dict[date, float] = {}
    for code in GWENT:
        full = compare.rate_trend(con, code, START, END, TYPE)
        mine = full[~full["area_name"].str.endswith("(whole force)") & ~full["area_name"].str.startswith("Similar")]
        truth.update({(code, p): int(c) for p, c in zip(mine["period"], mine["crimes"], strict=True)})
        residents[code] = float(mine["residents"].iat[0])
        seen = read(con, code, START, END, TYPE)
        for name, period, rate, people in zip(seen["area_name"], seen["period"], seen["rate"], seen["residents"],
                                              strict=True):
            if name.endswith("(whole force)"):
                force[period] = float(rate)  # the force's rate (its residents counted as the chart pools them)
            elif not name.startswith("Similar"):
                own[(code, period)] = float(rate) * float(people) / 1000
    found, targets = [], 0
    for (code, period), count in truth.items():
        if not 1 <= count <= 4:
            continue
        targets += 1
        if (code, period) in own:
            found.append(f"{code} {period} = {round(own[(code, period)])} from its own line")
            continue
        others = [c for c in GWENT if c != code]
        hidden = [c for c in others if (c, period) not in own]
        if period in force:  # the rest of the force's month is shared by the hidden partnerships (each 1-4 or more)
            total = force[period] * sum(residents.values()) / 1000
            rest = round(total - sum(own[(c, period)] for c in others if c not in hidden))
            worked = rest if not hidden else 1 if rest == len(hidden) + 1 else 4 if rest == 4 * (len(hidden) + 1) \
                else None
            if worked == count:
                found.append(f"{code} {period} = {worked} from the force's line less the others")
    return found, targets


def test_no_monthly_count_of_1_to_4_comes_back_from_the_rate_lines(demo_con: duckdb.DuckDBPyConnection) -> None:
    found, targets = _attack(demo_con, public.rate_trend)
    assert targets >= 10, "the attack needs small counts to attack"
    assert not found, f"{len(found)} of {targets} small months recovered, e.g. {found[:5]}"


def test_the_old_rule_gave_months_back(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Guard: leaving out only a line's own months of 1–4 (compare_blocks before) lets the attack recover them."""
    found, targets = _attack(demo_con, _old_rule)
    assert targets >= 10 and found, (len(found), targets)
