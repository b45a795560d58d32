"""disclosure.protect where no shown cell is left to hide beside a small one: the total pins the '<5's.

protect() hides a further cell wherever a group's total and its shown cells would give a hidden one back; but when
every other cell is 0 or hidden already there is nothing left to hide, and it used to stop there ("the caller hides
the total"). The total, though, is published elsewhere: four '<5's in a total written '<5' are each 1, two '<5's in
a total of 8 are each 4. The drill-down's crime type mix is such a caller: its previous period's total is the
area's 'Previous period' count on the same page ('<5' when 1–4). Worked by hand below.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from cspdash.metrics.disclosure import HIDDEN, SUPPRESSED, pinned, protect
from cspdash.metrics.hotspots import Drilldown, disclose_drilldown


def _attacker_pins(values: list[int], shown: list[str], small_total: bool) -> list[bool]:
    """What anyone knows: '<5' is 1–4, '[c]' at least 0 (written where the rule could not keep 1–4), the total
    exactly (or 1–4 when written '<5'); which cells have one possible value."""
    hidden = [s in (SUPPRESSED, HIDDEN) for s in shown]
    # '[c]' cells are taken as secondaries (5+) only when that fits the total; here they read as unbounded
    flags = pinned(values, [s == SUPPRESSED for s in shown], [False] * len(shown), small_total=small_total)
    if any(s == HIDDEN for s in shown):
        return [False] * len(shown)  # an unbounded cell beside them: nothing has one value
    return [f and h for f, h in zip(flags, hidden, strict=True)]


def test_four_ones_in_a_small_total_are_not_all_written_small() -> None:
    # by hand: total '<5' (1–4) and four cells each '<5' (at least 1): 4 ≤ total ≤ 4, so each is exactly 1
    assert pinned([1, 1, 1, 1], [True] * 4, [False] * 4, small_total=True) == [True] * 4
    primary, secondary = protect(pd.Series([1, 1, 1, 1]), [[0, 1, 2, 3]])
    shown = [SUPPRESSED if p else HIDDEN if s else "" for p, s in zip(primary, secondary, strict=True)]
    assert shown.count(SUPPRESSED) < 4, shown
    assert not any(_attacker_pins([1, 1, 1, 1], shown, small_total=True))


def test_two_fours_in_a_shown_total_of_eight_are_not_written_small() -> None:
    # by hand: total 8 shown, two cells '<5' (at most 4 each): 8 = 4 + 4, so each is exactly 4
    assert pinned([4, 4], [True, True], [False, False]) == [True, True]
    primary, secondary = protect(pd.Series([4, 4]), [[0, 1]])
    assert not primary.all(), "the two fours are not both written '<5'"
    assert secondary.all()


def test_a_small_total_that_does_not_pin_keeps_its_small_counts() -> None:
    # by hand: total '<5' with 1, 2, 1: each '<5' is at least 1, so each is 1–2: not pinned; nothing changes
    assert pinned([1, 2, 1], [True] * 3, [False] * 3, small_total=True) == [False] * 3
    primary, secondary = protect(pd.Series([1, 2, 1]), [[0, 1, 2]])
    assert primary.all() and not secondary.any()


def test_a_small_cell_hidden_for_another_reason_is_written_hidden() -> None:
    # ``also``: a ward whose total would give its LSOAs back is hidden; when it is itself 1–4 '<5' would not do
    primary, secondary = protect(pd.Series([3, 40]), [[0, 1]], also=pd.Series([True, False]))
    assert not primary[0] and secondary[0]


def test_the_drilldown_mix_does_not_give_back_the_previous_period_by_type() -> None:
    """The area's previous period is 4 ('<5' on the page); four types of 1 each in the mix."""
    monthly = pd.DataFrame({"month": pd.to_datetime(["2024-06-01", "2025-06-01"]), "crimes": [4, 9]})
    mix = pd.DataFrame({"crime_type": ["Burglary", "Drugs", "Robbery", "Shoplifting"], "crimes": [3, 2, 2, 2],
                        "previous_crimes": [1, 1, 1, 1]})
    outcomes = pd.DataFrame({"outcome_group": ["Charged"], "crimes": [9], "share": [100.0]})
    out = disclose_drilldown(Drilldown(monthly, mix, outcomes), date(2025, 6, 1), date(2025, 6, 1),
                             date(2024, 6, 1), date(2024, 6, 1))
    shown = list(out.mix["previous_crimes_shown"])
    assert not any(_attacker_pins([1, 1, 1, 1], shown, small_total=True)), shown
