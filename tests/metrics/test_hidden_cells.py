"""The compact hidden-cell set answers as the frozenset of tuples it replaces, on hand-made cells and on Newport's
whole protection, in a fraction of the memory."""

from __future__ import annotations

import pickle
import sys
from datetime import date, datetime

import duckdb
import pandas as pd
import pytest

from cspdash.metrics import crime, public
from cspdash.metrics.area_disclosure import protect_months, protect_windows
from cspdash.metrics.hidden_cells import EMPTY, HiddenCells
from cspdash.vocab import ASB

JAN, FEB, APR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 4, 1)
CELLS = {
    ("lsoa", "W01001621", "month", JAN),
    ("lsoa", "W01001621", "window", (JAN, FEB)),
    ("ward", "W05000001", "quarter", JAN),
    ("partnership", "W06000022", "fy", APR),
    ("partnership", "W06000022", "month", FEB),
    ("partnership", "W06000022", "month", JAN),
}


def test_every_cell_is_in_and_nothing_else() -> None:
    cells = HiddenCells(CELLS)
    assert len(cells) == 6
    assert all(c in cells for c in CELLS)
    # the same area at another level, grain or key; another area; keys a frozenset of dates would not match either
    for absent in [("ward", "W01001621", "month", JAN), ("lsoa", "W01001621", "quarter", JAN),
                   ("lsoa", "W01001621", "month", FEB), ("lsoa", "W01009999", "month", JAN),
                   ("lsoa", "W01001621", "window", (JAN, JAN)), ("lsoa", "W01001621", "window", JAN),
                   ("lsoa", "W01001621", "month", datetime(2024, 1, 1)),
                   ("lsoa", "W01001621", "month", pd.Timestamp(JAN)), ("lsoa", "W01001621", "month", date(2024, 1, 2)),
                   ("lsoa", "W01001621", "month", "2024-01-01"), ("county", "W01001621", "month", JAN),
                   ("lsoa", "W01001621", "month"), "lsoa", None]:
        assert absent not in cells, absent
        assert (absent in frozenset(CELLS)) is False


def test_it_equals_the_frozenset_and_iterates_the_same_tuples() -> None:
    cells = HiddenCells(CELLS)
    assert cells == frozenset(CELLS)
    assert frozenset(CELLS) == cells
    assert set(cells) == CELLS
    assert cells != frozenset(list(CELLS)[:5])
    assert HiddenCells() == frozenset() and EMPTY == frozenset() and len(EMPTY) == 0
    assert HiddenCells(list(CELLS) * 2) == frozenset(CELLS)  # a cell given twice is one cell


def test_union_with_another_set_is_a_frozenset_of_tuples() -> None:
    one, two = HiddenCells(list(CELLS)[:3]), HiddenCells(list(CELLS)[3:])
    both = one | two
    assert isinstance(both, frozenset) and both == frozenset(CELLS)
    assert (frozenset({("x", 1)}) | one) == frozenset(list(CELLS)[:3]) | {("x", 1)}


def test_keys_of_one_area_and_grain_in_order() -> None:
    cells = HiddenCells(CELLS)
    assert cells.keys_of("partnership", "W06000022", "month") == [JAN, FEB]
    assert cells.keys_of("lsoa", "W01001621", "window") == [(JAN, FEB)]
    assert cells.keys_of("partnership", "W06000022", "quarter") == []
    assert cells.keys_of("partnership", "nowhere", "month") == []


def test_a_cell_it_cannot_hold_is_refused_not_dropped() -> None:
    with pytest.raises(ValueError):
        HiddenCells([("lsoa", "W01001621", "month", date(2024, 1, 15))])
    with pytest.raises(ValueError):
        HiddenCells([("lsoa", "W01001621", "day", JAN)])


def test_it_pickles_to_the_same_cells_and_hashes_as_the_frozenset() -> None:
    cells = HiddenCells(CELLS)
    back = pickle.loads(pickle.dumps(cells))
    assert back == frozenset(CELLS) and ("lsoa", "W01001621", "window", (JAN, FEB)) in back
    assert back.keys_of("partnership", "W06000022", "month") == [JAN, FEB]
    assert hash(cells) == hash(back)


def _deep_size(obj: object, seen: set[int]) -> int:
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, (tuple, list, set, frozenset)):
        size += sum(_deep_size(x, seen) for x in obj)
    elif isinstance(obj, dict):
        size += sum(_deep_size(k, seen) + _deep_size(v, seen) for k, v in obj.items())
    return size


def test_newports_protection_is_the_same_cells_in_a_tenth_of_the_memory(demo_con: duckdb.DuckDBPyConnection) -> None:
    """partnership_protection's compact sets hold exactly the cells protect_months and protect_windows hide (split
    by choice as before), and take under a tenth of the frozensets' memory and half their pickled bytes."""
    counts = public._type_counts(demo_con, "W06000022")
    months = crime.published_months(demo_con, "Gwent Police") or sorted(set(counts["month"]))
    _values, primary, secondary = protect_months(counts, "W06000022", months, ASB)
    w_primary, w_secondary = protect_windows(counts, "W06000022", months, ASB, _values, primary, secondary)
    old: dict[str, tuple[frozenset[object], frozenset[object]]] = {}
    for which, cells in ((0, primary | w_primary), (1, secondary | w_secondary)):
        for cell in cells:
            old.setdefault(cell[0], (set(), set()))[which].add(cell[1:])  # type: ignore[index, arg-type]
    old = {c: (frozenset(p), frozenset(s)) for c, (p, s) in old.items()}
    new = public.partnership_protection(demo_con, "W06000022", "Gwent Police")
    assert set(new) == set(old) and len(old) >= 10
    total = 0
    for choice, (p, s) in old.items():
        assert new[choice][0] == p and new[choice][1] == s, choice
        total += len(p) + len(s)
    assert total > 50_000  # the whole protection, windows included, not a sample
    old_bytes = _deep_size(old, set())
    new_bytes = sum(h.nbytes + _deep_size(h._areas, set()) + _deep_size(h._index, set()) for pair in new.values()
                    for h in pair)
    assert new_bytes * 10 < old_bytes, (new_bytes, old_bytes)
    assert len(pickle.dumps(new)) * 2 < len(pickle.dumps(old))  # 8 bytes a cell; pickle shares the tuples' parts


def test_every_partnership_compare_pools_for_the_largest_force_stays_kept() -> None:
    """Public Compare works out the month protection of every partnership of the force and of the similar group
    (public.rate_trend), and a visitor moves from partnership to partnership: the memos keep all of them for the
    largest force in the shipped national profiles (the Met's 32, and a similar group of up to 15), so none is
    worked out again (4–17 s each) while the visitor stays. Fails with the memos' old size of 8."""
    import csv
    from collections import Counter

    from cspdash.config import PROJECT_ROOT

    profiles = list(csv.DictReader((PROJECT_ROOT / "data/comparisons/csp_profiles.csv").open(encoding="utf-8")))
    similar = Counter(r["csp_code"] for r in
                      csv.DictReader((PROJECT_ROOT / "data/comparisons/similar_partnerships.csv").open(encoding="utf-8")))
    largest_force = max(Counter(r["force"] for r in profiles).values())
    assert largest_force >= 32 and max(similar.values()) >= 10  # the real national files, not a sample
    needed = largest_force + max(similar.values()) + 1
    for memo in (public.month_protection, public.partnership_protection):
        assert memo.maxsize >= needed, (memo.__name__, memo.maxsize, needed)


def test_month_protection_taken_from_the_whole_protection_is_the_one_worked_out(
        demo_con: duckdb.DuckDBPyConnection) -> None:
    """When the whole protection is kept, the months' protection is read from it (the periods' cells left out)
    instead of working the months out again: the same cells, choice by choice."""
    for memo in (public.month_protection, public.partnership_protection, public._month_cells):
        memo.clear()
    worked = public.month_protection(demo_con, "W06000018", "Gwent Police")
    public.month_protection.clear()
    public.partnership_protection(demo_con, "W06000018", "Gwent Police")
    public._month_cells.clear()  # so a month protection worked out again would show as a miss here
    taken = public.month_protection(demo_con, "W06000018", "Gwent Police")
    assert public._month_cells.misses == 0
    assert sum(len(p) + len(s) for p, s in worked.values()) > 10_000
    for choice in set(worked) | set(taken):
        want = worked.get(choice, (EMPTY, EMPTY))
        got = taken.get(choice, (EMPTY, EMPTY))
        assert got[0] == want[0] and got[1] == want[1], choice
    assert not any(cell[2] == "window" for p, s in taken.values() for cell in p | s)  # type: ignore[index]


def test_without_grain_keeps_the_other_grains() -> None:
    cells = HiddenCells(CELLS).without_grain("window")
    assert cells == frozenset(c for c in CELLS if c[2] != "window")
    assert ("lsoa", "W01001621", "month", JAN) in cells


def test_public_compare_works_out_only_the_partnerships_it_pools(demo_con: duckdb.DuckDBPyConnection) -> None:
    """The whole force's line pools the partnerships offered (compare.rate_trend); the demo's five declared
    partnerships supersede the five shipped ones with the same councils, so those five are not worked out (on
    main they were: ten protections of 4–17 s each on the first public Compare visit, where five are needed)."""
    from cspdash.metrics.context import partnerships

    for memo in (public.month_protection, public.partnership_protection, public._month_cells):
        memo.clear()
    months = crime.published_months(demo_con, "Gwent Police")
    frame = public.rate_trend(demo_con, "W06000022", months[-12], months[-1], "All crime")
    assert {"area_name", "period", "rate"} <= set(frame.columns)
    offered = set(partnerships(demo_con).query("force == 'Gwent Police'")["partnership_code"])
    everyone = {c for (c,) in demo_con.execute("SELECT partnership_code FROM partnership WHERE force = 'Gwent Police'"
                                               ).fetchall()}
    assert len(offered) == 5 and len(everyone - offered) == 5  # the shipped duplicates exist, and are not offered
    assert all(public.month_protection.holds(demo_con, c, "Gwent Police") for c in offered)
    assert not any(public.month_protection.holds(demo_con, c, "Gwent Police") for c in everyone - offered)
