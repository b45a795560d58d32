"""Public output on Compare: pooled rates read to their rounding.

A pooled rate (the whole force, a partnership's loaded similar group, every loaded partnership) is all its
partnerships' crimes over all their residents. Shown as text to d decimals, it gives the pooled count to within
± 0.5·10⁻ᵈ per 1,000 × the pool's residents (public). The attacker opens Compare for every Gwent partnership, crime
type and period length (demo store, to March and to June 2025) and reads every rate the page writes: the crime type table
(counts, the partnership's rate, Force, Similar loaded, All loaded, each column to its own decimals) and the
answer's sentences (the force's rate, the similar group's pooled rate). Each rate is an interval on a count; the
counts are solved as intervals (a pool = Σ its partnerships, 'All crime' = Σ the types but ASB, '<5' = 1–4, '[c]'
at least 1). A count of 1–4 whose interval admits one integer is recovered. None may be.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date

import duckdb
import pandas as pd

from cspdash.metrics import compare, public
from cspdash.metrics.disclosure import HIDDEN, is_small
from cspdash.metrics.partnership_rates import partnership_residents
from cspdash.metrics.period import Period
from cspdash.metrics.rates import rate_texts
from cspdash.vocab import ALL_CRIME, ASB, CRIME_TYPES
from tests.trust.test_disclosure_pages import INF, Seen

GWENT = ["W06000018", "W06000019", "W06000020", "W06000021", "W06000022"]
PERIODS = [Period(end, n) for end in (date(2025, 6, 1), date(2025, 3, 1)) for n in (3, 6, 12)]
TYPES = [ALL_CRIME, *CRIME_TYPES]
NUMBER = r"(\d[\d,]*\.\d+)"

Sentences = Callable[[duckdb.DuckDBPyConnection, str, Period, str], list[str]]


def _old_sentences(con: duckdb.DuckDBPyConnection, code: str, period: Period, crime_type: str) -> list[str]:
    """The answer as Compare wrote it before: the plain comparison's sentences unless its own count is hidden."""
    result = compare.comparison(con, code, period, crime_type)
    if result.own is not None and (is_small(result.own["crimes_with_population"])
                                   or public.compare_hidden(con, code, period, crime_type)):
        return []
    return [result.sentence, result.similar_sentence]


def _sentences(con: duckdb.DuckDBPyConnection, code: str, period: Period, crime_type: str) -> list[str]:
    """The answer as Compare writes it in public output."""
    return public.answer_sentences(con, code, period, crime_type)


def _interval(seen: Seen, cell: tuple, text: str, residents: float) -> None:
    """A rate written as ``text`` (per 1,000) bounds the count of ``cell`` over ``residents``."""
    value = float(text.replace(",", ""))
    half = 0.5 * 10 ** -len(text.split(".")[1]) if "." in text else 0.5
    seen.bound(cell, math.ceil((value - half) * residents / 1000 - 1e-9),
               math.floor((value + half) * residents / 1000 + 1e-9))


def pools_of(con: duckdb.DuckDBPyConnection) -> dict[tuple, list[str]]:
    """Each pooled total Compare shows → its partnerships (the force, each similar group, all loaded)."""
    pools: dict[tuple, list[str]] = {("force", t): GWENT for t in TYPES}
    pools.update({("all", t): GWENT for t in TYPES})
    for code in GWENT:
        members = [m for m in compare.similar_members(con, code) if m in GWENT]
        pools.update({("group", code, t): members for t in TYPES if members})
    return pools


def constraints_of(pools: dict[tuple, list[str]]) -> list[tuple[tuple, list[tuple]]]:
    """What anyone knows: a pool is the sum of its partnerships, 'All crime' the sum of the types but ASB."""
    out = [(pool, [(m, pool[-1]) for m in members]) for pool, members in pools.items()]
    return out + [((code, ALL_CRIME), [(code, t) for t in CRIME_TYPES if t != ASB]) for code in GWENT]


def read_table_row(seen: Seen, code: str, crime_type: str, count: str, rates: dict[str, str],
                   pools: dict[tuple, list[str]], people: pd.Series) -> None:
    """One crime type's row as a table prints it: the count ('<5', '[c]' or exact) and the rates ('rate': the
    partnership's; 'force', 'group', 'all': pooled) as intervals on the counts they stand for."""
    if count == HIDDEN:
        seen.bound((code, crime_type), 1, INF)
    else:
        seen.text((code, crime_type), count)
    for column, text in rates.items():
        if not text or text == "n/a":
            continue
        pool = {"rate": (code, crime_type), "force": ("force", crime_type), "group": ("group", code, crime_type),
                "all": ("all", crime_type)}[column]
        members = [code] if column == "rate" else pools.get(pool, [])
        if members:
            _interval(seen, pool, text, float(people[members].sum()))


def read_compare(con: duckdb.DuckDBPyConnection, seen: Seen, period: Period, pools: dict[tuple, list[str]],
                 sentences: Sentences) -> None:
    """Compare for every Gwent partnership and crime type: the crime type table and the answer's sentences."""
    people = partnership_residents(con).set_index("partnership_code")["residents"].astype(float)
    for code in GWENT:
        table = public.by_crime_type(con, code, period)
        texts = {c: rate_texts(table[c]) for c in ("rate", "force_rate", "group_rate", "all_rate")}
        for i, crime_type in enumerate(table["crime_type"]):
            read_table_row(seen, code, str(crime_type), str(table["crimes_shown"].iat[i]),
                           {c.removesuffix("_rate") or "rate": texts[c][i] for c in texts}, pools, people)
        for crime_type in TYPES:
            for line in sentences(con, code, period, crime_type):
                force = re.search(rf"Gwent Police {NUMBER}\)", line)
                if force:
                    _interval(seen, ("force", crime_type), force.group(1), float(people[GWENT].sum()))
                group = re.search(rf"their pooled rate: {NUMBER} per 1,000", line)
                if group and ("group", code, crime_type) in pools:
                    _interval(seen, ("group", code, crime_type), group.group(1),
                              float(people[pools[("group", code, crime_type)]].sum()))


def truth_of(con: duckdb.DuckDBPyConnection, period: Period) -> dict[tuple, float]:
    out: dict[tuple, float] = {}
    for code in GWENT:
        full = compare.by_crime_type(con, code, period)
        out.update({(code, t): float(c) for t, c in zip(full["crime_type"], full["crimes"], strict=True)})
    return out


def _attack(con: duckdb.DuckDBPyConnection, sentences: Sentences) -> tuple[list[str], int]:
    found: list[str] = []
    targets = 0
    pools = pools_of(con)
    for period in PERIODS:
        seen = Seen()
        truth = truth_of(con, period)
        read_compare(con, seen, period, pools, sentences)
        seen.solve(constraints_of(pools))
        for cell, value in truth.items():
            if 1 <= value <= 4:
                targets += 1
                if cell in seen.low and seen.low[cell] == seen.high.get(cell) == value:
                    found.append(f"{period.label} {cell} = {value:g}")
    return found, targets


def test_no_count_of_1_to_4_comes_back_from_the_pooled_rates(demo_con: duckdb.DuckDBPyConnection) -> None:
    found, targets = _attack(demo_con, _sentences)
    assert targets >= 3, "the attack needs small counts to attack"
    assert not found, f"{len(found)} of {targets} small counts recovered, e.g. {found[:6]}"


def test_the_old_sentences_gave_counts_back(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Guard: the answer's sentences as they were (every pooled rate written) let the attack recover counts."""
    found, targets = _attack(demo_con, _old_sentences)
    assert found, (found, targets)


def test_an_interval_of_one_integer_is_read_as_it() -> None:
    """Hand-worked: '0.31' per 1,000 over 159,569 residents is 48.7–50.3 crimes (49 or 50); '0.1' over 35,000
    is 1.75–5.25 (2–5): with '<5' (1–4) that leaves 2–4; '0.03' over 100,000 is 2.5–3.5: 3 exactly."""
    seen = Seen()
    _interval(seen, ("a",), "0.31", 159_569)
    _interval(seen, ("b",), "0.1", 35_000)
    seen.text(("b",), "<5")
    _interval(seen, ("c",), "0.03", 100_000)
    assert (seen.low[("a",)], seen.high[("a",)]) == (49, 50)
    assert (seen.low[("b",)], seen.high[("b",)]) == (2, 4)
    assert seen.low[("c",)] == seen.high[("c",)] == 3
