"""Public output on the Overview: each tile's count (all crimes) beside its rates per 1,000 residents (crimes in
neighbourhoods with a population figure only).

On the store of test_disclosure_compare_trends (two Newport LSOAs without a population figure) the attacker reads
Newport's tiles for every crime type over the 3, 6 and 12 months to June 2025: the count now and before ('<5'
tiles show no rates) and the two rates as written (to their decimals: an interval on the counted crimes). The
count less the counted crimes is the crimes in neighbourhoods without a population figure; a count of those of 1–4
pinned to one integer is recovered. None may be.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

import duckdb

from cspdash.metrics import compare, crime, public_rates
from cspdash.metrics.disclosure import is_small
from cspdash.metrics.partnership_rates import partnership_residents
from cspdash.metrics.period import Period
from cspdash.metrics.rates import rate_texts
from cspdash.store.versions import Store
from cspdash.vocab import ALL_CRIME, CRIME_TYPES
from tests.trust.test_disclosure_compare_trends import NEWPORT, store  # noqa: F401 (fixture)

PERIODS = [Period(date(2025, 6, 1), n) for n in (3, 6, 12)]
TYPES = (ALL_CRIME, *CRIME_TYPES)

Rates = Callable[[duckdb.DuckDBPyConnection, str, Period, tuple[str, ...]], dict[str, tuple[float | None, float | None]]]


def _bounds(text: str, people: float) -> tuple[int, int]:
    value = float(text.replace(",", ""))
    half = 0.5 * 10 ** -len(text.split(".")[1])
    return math.ceil((value - half) * people / 1000 - 1e-9), math.floor((value + half) * people / 1000 + 1e-9)


def attack(con: duckdb.DuckDBPyConnection, rates_of: Rates) -> tuple[list[str], int]:
    people = float(partnership_residents(con).set_index("partnership_code")["residents"][NEWPORT])
    found: list[str] = []
    targets = 0
    for period in PERIODS:
        tiles = crime.headline_changes(con, NEWPORT, period, TYPES)
        rates = rates_of(con, NEWPORT, period, tuple(tiles["crime_type"]))
        counted = compare.headline_rates(con, NEWPORT, period, tuple(tiles["crime_type"]))
        for tile in tiles.itertuples():
            now, before = rates.get(str(tile.crime_type), (None, None))
            truth_now, truth_before = counted[str(tile.crime_type)]
            for count, rate, truth, when in ((tile.current, now, truth_now, "now"),
                                             (tile.previous, before, truth_before, "before")):
                uncounted = float(count) - float(truth or 0) * people / 1000
                if not 1 <= round(uncounted) <= 4:
                    continue
                targets += 1
                if rate is None or is_small(tile.current) or is_small(tile.previous):
                    continue  # the tile shows no rate
                text = rate_texts([now, before])[0 if when == "now" else 1]
                low, high = _bounds(text, people)
                options = {int(count) - c for c in range(low, high + 1)} & {1, 2, 3, 4}
                if len(options) == 1:
                    found.append(f"{period.label} {tile.crime_type} {when}: {options.pop()} uncounted")
    return found, targets


def test_no_uncounted_count_of_1_to_4_comes_back_from_a_tile(store: Store) -> None:  # noqa: F811
    con = store.connect_read()
    try:
        found, targets = attack(con, public_rates.headline_rates)
    finally:
        con.close()
    assert targets >= 5, "the attack needs small uncounted counts to attack"
    assert not found, f"{len(found)} of {targets} uncounted counts recovered, e.g. {found[:6]}"


def test_the_tiles_rates_gave_them_back(store: Store) -> None:  # noqa: F811
    """Guard: the tiles' rates as they were (compare.headline_rates) let the attack recover them."""
    con = store.connect_read()
    try:
        found, targets = attack(con, compare.headline_rates)
    finally:
        con.close()
    assert found, (found, targets)
