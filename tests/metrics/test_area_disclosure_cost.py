"""What public output's protection costs: a single LSOA's months, quarters and years are never published
(area_disclosure.unpublished), and a pin found over all groups at once costs the cheapest group that gives it, so
the partnership's months stay shown. On main the protection hid every month of every Gwent partnership's all-crime
line (bench/README.md, 'Public output')."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from cspdash.metrics import crime, public
from cspdash.metrics.area_disclosure import ALL_CRIME, protect_table, unpublished
from cspdash.metrics.disclosure import pinned
from cspdash.metrics.period import add_months
from cspdash.store.versions import Store

GWENT = {"W06000022": "Newport", "W06000018": "Caerphilly", "W06000019": "Blaenau Gwent", "W06000020": "Torfaen",
         "W06000021": "Monmouthshire"}
JAN = date(2024, 1, 1)


def test_a_cell_never_shown_is_known_only_to_be_1_or_more() -> None:
    """Hand-worked: a total of 7 over two never-shown cells (1 and 6) leaves each anywhere in 1–6; a total of 2
    over two never-shown cells pins both at 1. As '[c]'s (5 or more) the first pair would be impossible, so the
    rule's own bounds are not used for them."""
    assert pinned([1, 6], [True, True], [True, True], unknown=[True, True]) == [False, False]
    assert pinned([1, 1], [True, True], [True, True], unknown=[True, True]) == [True, True]
    # one never-shown cell beside a '<5': 4 = '<5' + x, x ≥ 1, '<5' ≤ 3; neither is pinned
    assert pinned([2, 2], [True, True], [False, True], unknown=[False, True]) == [False, False]
    # a total of 6 over a '<5' and a '[c]' (5 or more) pins both (1 and 5); never shown, neither is pinned
    assert pinned([1, 5], [True, True], [False, True]) == [True, True]
    assert pinned([1, 5], [True, True], [False, True], unknown=[False, True]) == [False, False]


def _cell(level: str, area: str) -> tuple:
    return (ALL_CRIME, level, area, "month", JAN)


def test_lsoas_never_shown_leave_their_wards_and_partnership_shown() -> None:
    """Hand-worked: ward W (10) = LSOAs a (7) + b (3); ward V (15) = LSOA c (15); partnership P (25) = W + V.
    With the LSOAs published, b is '<5' and a goes too ('[c]': 10 − 7 gives b back). Never published, the three
    LSOAs are hidden and W, V and P all stay shown: b lies anywhere in 1–9."""
    a, b, c = _cell("lsoa", "a"), _cell("lsoa", "b"), _cell("lsoa", "c")
    w, v, p = _cell("ward", "W"), _cell("ward", "V"), _cell("partnership", "P")
    values = {a: 7.0, b: 3.0, c: 15.0, w: 10.0, v: 15.0, p: 25.0}
    groups = [(w, [a, b]), (v, [c]), (p, [w, v]), (p, [a, b, c])]
    primary, secondary = protect_table(values, groups)
    assert primary == {b} and a in secondary
    never = unpublished(values)
    assert never == {a, b, c}
    primary, secondary = protect_table(values, groups, unpublished=never)
    assert primary == set() and secondary == {a, b, c}


def test_an_lsoa_pinned_by_its_ward_alone_costs_the_ward_not_the_partnership() -> None:
    """Hand-worked: LSOA a (2) is the only LSOA of ward W with a crime of the type that month, so W (2) equals it;
    W is '<5' itself. The partnership P (40) = W + V (38). P − V gives W, so V goes ('[c]'), and P stays shown:
    nothing then gives a or W back."""
    a, d = _cell("lsoa", "a"), _cell("lsoa", "d")
    w, v, p = _cell("ward", "W"), _cell("ward", "V"), _cell("partnership", "P")
    values = {a: 2.0, d: 38.0, w: 2.0, v: 38.0, p: 40.0}
    groups = [(w, [a]), (v, [d]), (p, [w, v]), (p, [a, d])]
    primary, secondary = protect_table(values, groups, unpublished=unpublished(values))
    assert w in primary and p not in primary | secondary
    assert a in secondary and d in secondary and v in secondary


@pytest.fixture(scope="module")
def protections(demo_store_path: Path) -> dict[str, public.Protection]:
    con = Store(demo_store_path).connect_read()
    try:
        return {code: public.partnership_protection(con, code, "Gwent Police") for code in GWENT}
    finally:
        con.close()


@pytest.mark.parametrize("code", list(GWENT), ids=list(GWENT.values()))
def test_public_output_shows_most_of_the_partnerships_months(demo_con: duckdb.DuckDBPyConnection,
                                                             protections: dict[str, public.Protection],
                                                             code: str) -> None:
    """All crime, violence and ASB: at least three months in four of the partnership's line are shown; so are
    its latest 12 months and the 12 before them (the Overview's tile and its change), and three in four of its
    12-month totals at any other end. On main every month of every Gwent partnership's all-crime line was hidden."""
    months = crime.published_months(demo_con, "Gwent Police")
    assert len(months) >= 24

    def window(end: date) -> tuple:
        return ("partnership", code, "window", (add_months(end, -11), end))

    for choice in (ALL_CRIME, "Violence and sexual offences", "Anti-social behaviour"):
        primary, secondary = protections[code][choice]
        hidden = [m for m in months if ("partnership", code, "month", m) in primary
                  or ("partnership", code, "month", m) in secondary]
        assert len(hidden) * 4 <= len(months), (choice, len(hidden), len(months))
        for end in (months[-1], months[-13]):
            assert window(end) not in primary and window(end) not in secondary, (choice, end)
        ends = months[11:]
        gone = [e for e in ends if window(e) in primary or window(e) in secondary]
        assert len(gone) * 4 <= len(ends), (choice, gone)


def test_no_lsoa_month_quarter_or_year_is_published(demo_con: duckdb.DuckDBPyConnection,
                                                    protections: dict[str, public.Protection]) -> None:
    """Every LSOA month, quarter and year with a crime is hidden, and hidden as '[c]' (never '<5', which would
    say it is small)."""
    counts = public._type_counts(demo_con, "W06000022")
    primary, secondary = protections["W06000022"][ALL_CRIME]
    for lsoa, month in counts[counts["crime_type"] != "Anti-social behaviour"][["lsoa_code", "month"]].drop_duplicates(
            ).itertuples(index=False):
        cell = ("lsoa", str(lsoa), "month", month)
        assert cell in secondary and cell not in primary, cell


def test_no_process_chart_of_an_lsoa_in_public_output(demo_con: duckdb.DuckDBPyConnection) -> None:
    """An LSOA whose months are all 0 for a type had its process chart drawn in public output (a line of 0s: its
    months published); none is now, while the partnership's is."""
    counts = public._type_counts(demo_con, "W06000022")
    weapons = set(counts.loc[counts["crime_type"] == "Possession of weapons", "lsoa_code"])
    never = sorted(set(counts["lsoa_code"]) - weapons)
    assert never, "every LSOA has a weapons offence"
    start, end = date(2023, 7, 1), date(2025, 6, 1)
    assert crime.spc_series(demo_con, "W06000022", "Gwent Police", "lsoa", never[0], "Possession of weapons", start,
                            end) is not None  # the chart exists outside public output
    assert public.spc_series(demo_con, "W06000022", "Gwent Police", "lsoa", never[0], "Possession of weapons", start,
                             end) is None
    assert public.spc_series(demo_con, "W06000022", "Gwent Police", "partnership", "W06000022", "All crime", start,
                             end) is not None


def test_no_count_is_left_pinned_when_the_rounds_run_out(demo_con: duckdb.DuckDBPyConnection) -> None:
    """With no round of the check over all groups (audits=0: as if the rounds had run out), every cell that bounds a
    pinned count is hidden until none is pinned, instead of returning the table as it stands, with thousands of
    counts pinned (main did). It costs more than the rounds do, so it is only the last resort."""
    from cspdash.metrics.area_disclosure import area_table
    from cspdash.metrics.table_protection import Audit
    from cspdash.vocab import ASB

    counts = public._type_counts(demo_con, "W06000021")
    months = crime.published_months(demo_con, "Gwent Police")
    values, groups = area_table(counts, "W06000021", months, ASB)
    never = unpublished(values)
    check = Audit(values, groups)
    last_resort = protect_table(values, groups, audits=0, unpublished=never)
    rounds = protect_table(values, groups, unpublished=never)
    for primary, secondary in (last_resort, rounds):
        assert check.pinned(primary, secondary, never) == []
    assert len(rounds[0] | rounds[1]) < len(last_resort[0] | last_resort[1])
    small = {c for c, v in values.items() if 1 <= v <= 4}
    assert small <= rounds[0] | rounds[1] and small <= last_resort[0] | last_resort[1]


def test_one_rule_says_what_is_never_published_and_every_month_of_it_is_hidden() -> None:
    """``area_disclosure.published`` is the one place the rule lives: an LSOA's months, quarters and years are
    never published, its 3-, 6- and 12-month windows are, and every other level's figures are. ``month_masks``
    applies it to a page's months: an LSOA's are all '[c]', a month with no crime (no cell of the protection) too;
    a ward's follow its protection."""
    from cspdash.metrics.area_disclosure import published
    from cspdash.metrics.hidden_cells import HiddenCells

    assert [published("lsoa", g) for g in ("month", "quarter", "fy", "window")] == [False, False, False, True]
    assert all(published(level, g) for level in ("ward", "partnership") for g in ("month", "quarter", "fy", "window"))
    feb, mar = date(2024, 2, 1), date(2024, 3, 1)
    primary = HiddenCells({("ward", "W05000001", "month", JAN), ("lsoa", "W01000001", "month", JAN)})
    secondary = HiddenCells({("ward", "W05000001", "month", feb)})
    months = [JAN, feb, mar]
    assert public.month_masks(primary, secondary, "ward", "W05000001", months) == ([True, False, False],
                                                                                   [False, True, False])
    assert public.month_masks(primary, secondary, "lsoa", "W01000001", months) == ([False] * 3, [True] * 3)
    assert public.month_masks(HiddenCells(), HiddenCells(), "lsoa", "W01000099", months) == ([False] * 3, [True] * 3)
