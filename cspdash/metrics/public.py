"""Public output: the pages' data as public-output mode may hand it to charts, tables and reports.

Each function here wraps one page query and applies the disclosure rules (metrics.disclosure): a count of 1–4 is
hidden with everything worked out from it (rate, change, share, rolling sum, last year's figure), and further
cells are hidden where a total and its shown parts would give it back (a ward against its LSOAs, the
partnership against its wards, a quarter or a year against its months, a crime type against its outcome
groups). The UI calls these instead of the plain queries when CSPDASH_PUBLIC_OUTPUT is on.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from cspdash.metrics import crime
from cspdash.metrics.area_disclosure import (
    ALL_CRIME,
    ALL_TYPES,
    Protection,
    by_choice,
    cut_period,
    month_masks,
    protect_area_table,
    protect_months,
    protect_windows,
    published,
)
from cspdash.metrics.disclosure import (
    Cell,
    Group,
    hide_trend,
    is_small,
    protect_cells,
    shown_text,
    small,
)
from cspdash.metrics.hidden_cells import EMPTY, HiddenCells
from cspdash.metrics.memo import per_store_version
from cspdash.metrics.period import Period, add_months

if TYPE_CHECKING:
    from cspdash.metrics.compare import Comparison


#: what Crime trends says at LSOA level in public output (area_disclosure.published)
UNPUBLISHED_RULE = ("Public output does not publish a single neighbourhood's (LSOA's) months, quarters or years: "
                    "nearly all are counts of 1–4, and showing them with the totals they add up to would mean hiding "
                    "most of the wards' and the partnership's months too. Each neighbourhood's 3-, 6- and 12-month "
                    "totals are on Hot spots; choose Ward or Partnership here.")

#: partnerships whose protections each process keeps (about 2 MB each, metrics.hidden_cells): every partnership of
#: the largest force (the Met's 32) and its similar partnerships, so Compare's lines and a visitor going from one
#: partnership to the next do not work them out again
PROTECTIONS_KEPT = 64


def _type_counts(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """The partnership's LSOA × month × crime type counts, every month loaded."""
    counts = con.execute(
        """
        SELECT coalesce(g.lsoa_code, '') AS lsoa_code, coalesce(l.ward_code, '') AS ward_code, g.month,
               g.crime_type, sum(g.crimes)::BIGINT AS crimes
        FROM agg_crime_month_lsoa g LEFT JOIN lsoa l ON l.lsoa_code = g.lsoa_code
        WHERE g.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = $partnership)
        GROUP BY ALL
        """,
        {"partnership": partnership}).df()
    counts["month"] = [pd.Timestamp(m).date() for m in counts["month"]]
    return counts


@per_store_version(maxsize=2)
def _month_cells(con: duckdb.DuckDBPyConnection, partnership: str, force: str
                 ) -> tuple[pd.DataFrame, list[date], dict[Cell, float], set[Cell], set[Cell]]:
    """(counts, months, cells, primary, secondary) of area_disclosure.protect_months for the partnership."""
    from cspdash.vocab import ASB

    counts = _type_counts(con, partnership)
    months = crime.published_months(con, force) or sorted(set(counts["month"]))
    return (counts, months, *protect_months(counts, partnership, months, ASB))


@per_store_version(maxsize=PROTECTIONS_KEPT)
def month_protection(con: duckdb.DuckDBPyConnection, partnership: str, force: str) -> Protection:
    """``partnership_protection``'s months, quarters and years alone (the same cells: the periods hide no month),
    for the pages that show no period total (a monthly series, Compare's lines), without working the periods
    out. Taken from ``partnership_protection`` when that is kept already: its cells but the periods'."""
    if partnership_protection.holds(con, partnership, force):
        return {choice: (p.without_grain("window"), s.without_grain("window"))
                for choice, (p, s) in partnership_protection(con, partnership, force).items()}
    _counts, _months, _values, primary, secondary = _month_cells(con, partnership, force)
    return by_choice(primary, secondary)


@per_store_version(maxsize=PROTECTIONS_KEPT)
def partnership_protection(con: duckdb.DuckDBPyConnection, partnership: str, force: str) -> Protection:
    """The hidden cells of every area × period view of a partnership, for every crime type choice at once
    (metrics.area_disclosure): every month the force has published, every period any end and length may show.
    Worked out once per store version; no choice of end, length or type changes what another hides."""
    from cspdash.vocab import ASB

    counts, months, values, primary, secondary = _month_cells(con, partnership, force)
    w_primary, w_secondary = protect_windows(counts, partnership, months, ASB, values, primary, secondary)
    return by_choice(primary | w_primary, secondary | w_secondary)


def protected_choice(crime_types: tuple[str, ...]) -> str | None:
    """The protected table's name of a crime type choice (None: a combination no page offers)."""
    from cspdash.vocab import ASB, CRIME_TYPES

    chosen = set(crime_types)
    if chosen == set(CRIME_TYPES):
        return ALL_TYPES
    if chosen == set(CRIME_TYPES) - {ASB}:
        return ALL_CRIME
    return crime_types[0] if len(chosen) == 1 else None


@per_store_version(maxsize=4)
def _other_protection(con: duckdb.DuckDBPyConnection, partnership: str, force: str,
                      crime_types: tuple[str, ...]) -> tuple[HiddenCells, HiddenCells]:
    """A combination of types no page offers, protected as one table of its own."""
    counts = _type_counts(con, partnership)
    counts = counts[counts["crime_type"].isin(set(crime_types))]
    months = crime.published_months(con, force) or sorted(set(counts["month"]))
    return protect_area_table(counts, partnership, months, "").get(ALL_TYPES, (EMPTY, EMPTY))


def area_protection(con: duckdb.DuckDBPyConnection, partnership: str, force: str, crime_types: tuple[str, ...],
                    start: date, end: date) -> tuple[HiddenCells, HiddenCells]:
    """(primary, secondary) hidden cells of every area × period view of a partnership and crime type choice (Crime
    trends and Hot spots alike): months, quarters, financial years and every period a page may choose, per LSOA,
    ward and partnership (``partnership_protection``). ``start`` and ``end`` (the page's) do not change it: what
    one period ending hides, no other shows."""
    choice = protected_choice(crime_types)
    if choice is None:
        return _other_protection(con, partnership, force, tuple(sorted(set(crime_types))))
    return partnership_protection(con, partnership, force).get(choice, (EMPTY, EMPTY))


def trend_protection(con: duckdb.DuckDBPyConnection, partnership: str, force: str, crime_type: str, start: date,
                     end: date) -> tuple[HiddenCells, HiddenCells]:
    """area_protection of a Crime trends crime type choice ('All crime' = every type but ASB)."""
    return area_protection(con, partnership, force, tuple(crime.crime_types_for(crime_type)), start, end)


def hotspot_protection(con: duckdb.DuckDBPyConnection, partnership: str, force: str, crime_types: tuple[str, ...],
                       start: date, end: date) -> tuple[HiddenCells, HiddenCells]:
    """area_protection of a Hot spots crime type choice (none chosen = every type, ASB included)."""
    from cspdash.vocab import CRIME_TYPES

    return area_protection(con, partnership, force, tuple(crime_types) or tuple(CRIME_TYPES), start, end)


def cell_masks(primary: HiddenCells, secondary: HiddenCells, level: str, codes: list[object], grain: str,
               key: object) -> tuple[list[bool], list[bool]]:
    """(primary, secondary) flags of the cells (level, code, grain, key) for each code, in order."""
    return ([(level, str(c), grain, key) in primary for c in codes],
            [(level, str(c), grain, key) in secondary for c in codes])


def trend_series(con: duckdb.DuckDBPyConnection, partnership: str, force: str, level: str, areas: tuple[str, ...],
                 crime_type: str, start: date, end: date, grain: str, with_force: bool = False) -> pd.DataFrame:
    """crime.trend_series with hidden cells blank (``crimes_shown`` says '<5' or '[c]'); the force's line
    (``with_force``) as ``hide_force_line`` leaves it."""
    frame = crime.trend_series(con, partnership, force, level, areas, crime_type, start, end, grain, with_force)
    choice = protected_choice(tuple(crime.crime_types_for(crime_type))) if grain == "month" else None
    if choice is not None:  # months alone: the same cells, without the period totals worked out
        primary, secondary = month_protection(con, partnership, force).get(choice, (EMPTY, EMPTY))
    else:
        primary, secondary = trend_protection(con, partnership, force, crime_type, start, end)
    first = add_months(start, -12)
    cells = _frame_cells(frame, level, grain, first, end)
    out = hide_trend(frame, level, grain, *_cut_periods(  # an unpublished level's periods all '[c]', 0s too
        frame, level, grain, {c for c in cells if c in primary and published(level, c[2])},  # type: ignore[index]
        {c for c in cells if c in secondary or not published(level, c[2])}, first, end))  # type: ignore[index]
    if with_force and not out.empty:
        from cspdash.metrics.public_force import hide_force_line

        out = hide_force_line(con, out, force, crime_type, start, end, grain)
    from cspdash.metrics.public_rates import hide_uncounted_rates, uncounted_months

    gone = uncounted_months(con, partnership, force, level, areas, crime_type, start, end, with_force)
    return hide_uncounted_rates(out, gone, grain)


def _frame_cells(frame: pd.DataFrame, level: str, grain: str, first: date, last: date) -> set[Cell]:
    """Every cell hide_trend and _cut_periods may look up for ``frame``: each area's periods and the periods a
    year before them, its months (a rolling sum's window goes back 11 months from the first period) and the windows
    of the periods the series (``first``–``last``) cuts short. The protection is read for these alone."""
    if frame.empty:
        return set()
    areas = set(frame["area_code"].astype(str))
    periods = set(frame["period"]) | {date(p.year - 1, p.month, 1) for p in frame["period"]}
    months = crime.month_range(add_months(min(periods), -12), max(periods))
    windows = [w for w in (cut_period(p, grain, first, last) for p in periods) if w is not None] \
        if grain != "month" else []
    return ({(level, a, grain, p) for a in areas for p in periods} | {(level, a, "month", m) for a in areas
                                                                       for m in months}
            | {(level, a, "window", w) for a in areas for w in windows})


def _cut_periods(frame: pd.DataFrame, level: str, grain: str, primary: set[Cell], secondary: set[Cell],
                 first: date, last: date) -> tuple[set[Cell], set[Cell]]:
    """The hidden cells as hide_trend reads them, where the series (``first``–``last``) cuts a quarter or a year
    short: its figure is then the window of the months it holds, hidden as that window is
    (area_disclosure.cut_period), not as the whole period."""
    if grain == "month" or frame.empty:
        return primary, secondary
    periods = set(frame["period"]) | {date(p.year - 1, p.month, 1) for p in frame["period"]}
    for period in periods:
        window = cut_period(period, grain, first, last)
        if window is None:
            continue
        for area in set(frame["area_code"].astype(str)):
            cell, cut = (level, area, grain, period), (level, area, "window", window)
            primary.discard(cell)
            secondary.discard(cell)
            if cut in primary:
                primary.add(cell)
            elif cut in secondary:
                secondary.add(cell)
    return primary, secondary


def spc_series(con: duckdb.DuckDBPyConnection, partnership: str, force: str, level: str, area: str,
               crime_type: str, start: date, end: date, break_month: date | None = None) -> crime.SpcResult | None:
    """crime.spc_series, or None when a month of the area is hidden (its average and limits would give the hidden
    months' total back), or the area's months are never published (an LSOA's: area_disclosure.published)."""
    choice = protected_choice(tuple(crime.crime_types_for(crime_type)))
    if choice is not None:  # its months alone (month_protection)
        primary, secondary = month_protection(con, partnership, force).get(choice, (EMPTY, EMPTY))
    else:
        primary, secondary = trend_protection(con, partnership, force, crime_type, start, end)
    code = partnership if level == "partnership" else area
    months = crime.month_range(start, end)
    hidden = month_masks(primary, secondary, level, code, months)
    if any(hidden[0]) or any(hidden[1]):
        return None
    return crime.spc_series(con, partnership, force, level, area, crime_type, start, end, break_month)


def _hide_parts(frame: pd.DataFrame, by: str, part: str, count: str, derived: list[str]) -> pd.DataFrame:
    """Counts of each ``by`` split into ``part``s (its total shown or implied by shares): small parts hidden, and a
    further part where the total and the shown parts would pin one; ``derived`` columns blank on hidden rows."""
    out = frame.copy()
    if out.empty:
        return out.assign(**{f"{count}_shown": pd.Series(dtype=str)})
    keys = list(zip(out[by], out[part], strict=True))
    values: dict[Cell, float] = {k: float(v) for k, v in zip(keys, out[count], strict=True)}
    groups: list[Group] = [(None, [k for k in keys if k[0] == g]) for g in dict.fromkeys(out[by])]
    primary, secondary = protect_cells(values, groups)
    gone = np.array([k in primary or k in secondary for k in keys])
    out[f"{count}_shown"] = [shown_text(v, k in primary, k in secondary) for k, v in zip(keys, out[count],
                                                                                     strict=True)]
    out[count] = out[count].astype("Float64").mask(gone)
    for column in derived:
        out[column] = out[column].astype(float).mask(gone)
    return out


def outcomes_by_crime_type(con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date) -> pd.DataFrame:
    """crime.outcomes_by_crime_type with small outcome counts (and one beside each) hidden, and their shares."""
    return _hide_parts(crime.outcomes_by_crime_type(con, partnership, start, end), "crime_type", "outcome_group",
                       "crimes", ["share"])


def outcomes_by_month(con: duckdb.DuckDBPyConnection, partnership: str, crime_type: str, start: date,
                      end: date) -> pd.DataFrame:
    """crime.outcomes_by_month with small outcome counts (and one beside each) hidden, and their shares."""
    return _hide_parts(crime.outcomes_by_month(con, partnership, crime_type, start, end), "month", "outcome_group",
                       "crimes", ["share"])


def stop_search_by_object(con: duckdb.DuckDBPyConnection, force: str, start: date, end: date) -> pd.DataFrame:
    """crime.stop_search_by_object with small counts (and one beside each, the object's total being shown)
    hidden."""
    return _hide_parts(crime.stop_search_by_object(con, force, start, end), "object_of_search", "outcome",
                       "searches", [])


def stop_search_linked(con: duckdb.DuckDBPyConnection, force: str, start: date, end: date) -> pd.DataFrame:
    """crime.stop_search_linked with the share and the linked count blank where either count is 1–4 (the share
    times the searches gives the linked count back)."""
    out = crime.stop_search_linked(con, force, start, end)
    gone = (small(out["searches"]) | small(out["linked"])).to_numpy()
    unlinked = out["searches"] - out["linked"]
    gone |= small(unlinked).to_numpy()
    out["linked"] = out["linked"].astype("Float64").mask(gone)
    out["share_linked"] = out["share_linked"].astype(float).mask(gone)
    out["searches_shown"] = [shown_text(v, bool(s), False) for v, s in zip(out["searches"], small(out["searches"]),
                                                                           strict=True)]
    out["searches"] = out["searches"].astype("Float64").mask(small(out["searches"]).to_numpy())
    return out


def side_by_side(frame: pd.DataFrame, also: list[bool] | None = None) -> pd.DataFrame:
    """compare.side_by_side's frame as public output may show it: a partnership of 1–4 crimes hidden, and since
    the whole force's row is the sum of its partnerships, a further partnership where the force's count and the
    ones shown would give it back (the force's own row when none is left); a hidden row's rate, rank, quartile and
    verdict are blank too (its rate × residents is its count). ``also`` marks rows hidden for a reason outside this
    table (compare_protection: the cell is hidden elsewhere on Compare). ``crimes_shown``: '12', '<5' or '[c]'."""
    out = frame.reset_index(drop=True).copy()
    values: dict[Cell, float] = {i: float(v) for i, v in enumerate(out["crimes"])}
    members: list[Cell] = [i for i, kind in enumerate(out["kind"]) if kind == "partnership"]
    force: Cell | None = next((i for i, kind in enumerate(out["kind"]) if kind == "force"), None)
    primary, secondary = protect_cells(values, [(force, members)])
    secondary |= {i for i, hide in enumerate(also or []) if hide and i not in primary}
    out["crimes_shown"] = [shown_text(v, i in primary, i in secondary) for i, v in enumerate(out["crimes"])]
    gone = np.array([i in primary or i in secondary for i in range(len(out))], dtype=bool)
    out["hidden"] = gone
    out["rate"] = out["rate"].astype(float).mask(gone)
    out["rate_text"] = out["rate_text"].astype(object).mask(gone, None)
    for column in ("rank", "quartile", "verdict"):
        out[column] = out[column].astype(object).mask(gone, None if column != "verdict" else "")
    return out


#: how the public Compare page's monthly rate lines leave months out (said on the page)
RATE_TREND_RULE = ("Public output: a month is left out of a line when its count is 1–4 or is hidden on Crime trends, "
                   "or when its crimes in neighbourhoods without a population figure are 1–4 (pooled, for the "
                   "whole force's and the similar partnerships' lines), and out of those two lines when any "
                   "partnership they add up has that month hidden (their total less the others would give it back).")


def _hidden_months(con: duckdb.DuckDBPyConnection, partnership: str, crime_type: str, start: date,
                   end: date) -> set[date]:
    """The months Crime trends hides ('<5' or '[c]') for the partnership as a whole."""
    row = con.execute("SELECT force FROM partnership WHERE partnership_code = ?", [partnership]).fetchone()
    force = str(row[0]) if row else ""
    choice = protected_choice(tuple(crime.crime_types_for(crime_type)))
    if choice is None:
        primary, secondary = trend_protection(con, partnership, force, crime_type, start, end)
    else:  # the same month cells as Crime trends', without working its period totals out
        primary, secondary = month_protection(con, partnership, force).get(choice, (EMPTY, EMPTY))
    return set(primary.keys_of("partnership", partnership, "month")) | set(
        secondary.keys_of("partnership", partnership, "month"))


def rate_trend(con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date,
               crime_type: str) -> pd.DataFrame:
    """compare.rate_trend as public output may show it (RATE_TREND_RULE): the partnership's months hidden on Crime
    trends are left out (rate × residents is the count), and the whole force's and the similar partnerships'
    months when any partnership they pool has that month hidden (the total less the others' lines, each shown on
    its own page, would give it back)."""
    from cspdash.metrics import compare

    frame = compare.rate_trend(con, partnership, start, end, crime_type)
    if frame.empty:
        return frame
    row = con.execute("SELECT force FROM partnership WHERE partnership_code = ?", [partnership]).fetchone()
    force = str(row[0]) if row else ""
    from cspdash.metrics.context import OFFERED_PARTNERSHIPS_SQL

    # the partnerships compare.rate_trend pools for the whole force: those offered (a shipped partnership that a
    # declared one supersedes is neither pooled nor shown, and would only be worked out for nothing)
    in_force = [str(c) for (c,) in con.execute(
        f"SELECT partnership_code FROM ({OFFERED_PARTNERSHIPS_SQL}) WHERE force = ?", [force]).fetchall()]
    pools = [[partnership], in_force, compare.similar_members(con, partnership)]
    from cspdash.metrics.public_rates import pooled_uncounted_months

    gone: list[set[date]] = pooled_uncounted_months(con, pools, crime_type, start, end)  # public_rates' rule
    for members, months in zip(pools, gone, strict=True):
        for code in members:
            months |= _hidden_months(con, code, crime_type, start, end)

    def pool(name: str) -> int:  # compare.rate_trend's lines: the partnership, the whole force, the similar group
        return 1 if name.endswith("(whole force)") else 2 if name.startswith("Similar partnerships") else 0

    drop = [p in gone[pool(str(n))] for n, p in zip(frame["area_name"], frame["period"], strict=True)]
    drop = np.array(drop, dtype=bool) | small(frame["crimes"]).to_numpy()
    return frame[~drop].reset_index(drop=True)


@per_store_version(maxsize=16)
def compare_protection(con: duckdb.DuckDBPyConnection, start: date, end: date) -> frozenset[Cell]:
    """The cells Compare hides in public output over the months ``start``–``end``: (partnership code, crime type)
    counts of 1–4 and, where a total Compare shows would give one back, further cells: a partnership's 'All crime'
    is the sum of its types but ASB, and ('force', force, type), ('group', partnership, type) and ('all', type) —
    the pooled rates of the whole force, a partnership's similar group and every loaded partnership — the sums of
    their partnerships. A cell is hidden too where its crimes in neighbourhoods with no population figure (counted on
    Crime trends and Hot spots, not here: ``uncounted``) are 1–4: the trends total less Compare's count would be
    that small count."""
    from cspdash.metrics import compare
    from cspdash.metrics.partnership_rates import partnership_rates
    from cspdash.vocab import ALL_CRIME, ASB, CRIME_TYPES

    rates = partnership_rates(con, start, end)
    loaded = rates[(rates["months"] > 0) & (rates["residents"].fillna(0) > 0)]
    values: dict[Cell, float] = {(str(c), str(t)): float(v) for c, t, v in zip(
        loaded["partnership_code"], loaded["crime_type"], loaded["crimes_with_population"], strict=True)}
    forces = {str(c): str(f) for c, f in zip(loaded["partnership_code"], loaded["force"], strict=True)}
    codes = sorted(forces)
    groups: list[Group] = [((c, ALL_CRIME), [(c, t) for t in CRIME_TYPES if t != ASB]) for c in codes]
    similar = {c: [m for m in compare.similar_members(con, c) if m in forces] for c in codes}
    for crime_type in (ALL_CRIME, *CRIME_TYPES):
        pools: list[tuple[Cell, list[str]]] = [(("all", crime_type), codes)]
        pools += [(("force", f, crime_type), [c for c in codes if forces[c] == f]) for f in sorted(set(forces.values()))]
        pools += [(("group", c, crime_type), members) for c, members in similar.items() if members]
        for total, members in pools:
            cells: list[Cell] = [(m, crime_type) for m in members]
            values[total] = sum(values.get(m, 0.0) for m in cells)
            groups.append((total, cells))
    primary, secondary = protect_cells(values, groups, uncounted(loaded, values, groups))
    gone = primary | secondary
    # a pool beside a hidden partnership is hidden too: the cells hidden beside a small one here may be shown
    # elsewhere (each partnership's Crime trends gives its period's count), and the pool less them would pin it
    pooled = {total for total, members in groups if isinstance(total, tuple) and total[0] in ("all", "force", "group")
              and any(m in gone for m in members)}
    return frozenset(gone | pooled)


def uncounted(loaded: pd.DataFrame, values: dict[Cell, float], groups: list[Group]) -> set[Cell]:
    """Compare's cells (a partnership's and a pool's) whose crimes left out of the rates — in neighbourhoods with no
    population figure, counted on Crime trends and Hot spots — are 1–4, when the cell itself is shown (not 0):
    a trends total less the cell would give that small count back."""
    left_out: dict[Cell, float] = {(str(c), str(t)): float(a) - float(w) for c, t, a, w in zip(
        loaded["partnership_code"], loaded["crime_type"], loaded["crimes"], loaded["crimes_with_population"],
        strict=True)}
    for total, members in groups:
        if total is not None and isinstance(total, tuple) and total[0] in ("all", "force", "group"):
            left_out[total] = sum(left_out.get(m, 0.0) for m in members)
    return {cell for cell, n in left_out.items() if is_small(n) and values.get(cell, 0.0) > 0}


def by_crime_type(con: duckdb.DuckDBPyConnection, partnership: str, period: Period) -> pd.DataFrame:
    """compare.by_crime_type as public output may show it (``compare_protection``): a hidden count is '<5' or
    '[c]' (``crimes_shown``) with its rate, rank, quartile and verdict blank; a pooled rate whose total is hidden
    is blank."""
    from cspdash.metrics import compare

    frame = compare.by_crime_type(con, partnership, period)
    hidden = compare_protection(con, period.start, period.end)
    row = con.execute("SELECT force FROM partnership WHERE partnership_code = ?", [partnership]).fetchone()
    force = str(row[0]) if row else ""
    mine = np.array([(partnership, t) in hidden for t in frame["crime_type"]], dtype=bool)
    frame["crimes_shown"] = [shown_text(v, h and is_small(v), h and not is_small(v))
                             for v, h in zip(frame["crimes"], mine, strict=True)]
    frame["crimes"] = frame["crimes"].astype("Float64").mask(mine)
    frame["rate"] = frame["rate"].astype(float).mask(mine)
    for column in ("rank", "quartile"):
        frame[column] = frame[column].astype(object).mask(mine, None)
    frame["position"] = frame["position"].astype(object).mask(mine, "no_verdict")
    for column, key in (("force_rate", lambda t: ("force", force, t)), ("group_rate", lambda t: ("group", partnership, t)),
                        ("all_rate", lambda t: ("all", t))):
        frame[column] = frame[column].astype(float).mask(np.array([key(t) in hidden for t in frame["crime_type"]],
                                                                  dtype=bool))
    return frame


def compare_hidden(con: duckdb.DuckDBPyConnection, partnership: str, period: Period, crime_type: str) -> bool:
    """The partnership's count of the crime type is hidden on Compare in public output (``compare_protection``)."""
    return (partnership, crime_type) in compare_protection(con, period.start, period.end)


def comparison(con: duckdb.DuckDBPyConnection, partnership: str, period: Period, crime_type: str) -> Comparison:
    """compare.comparison as public output may write it: the force's and the similar group's pooled rates left out
    (None) where ``compare_protection`` hides their totals (read to its rounding, a pooled rate × the pool's
    residents less the counts shown gives a hidden one back)."""
    import dataclasses

    from cspdash.metrics import compare

    result = compare.comparison(con, partnership, period, crime_type)
    hidden = compare_protection(con, period.start, period.end)
    return dataclasses.replace(
        result, force_rate=None if ("force", result.force, crime_type) in hidden else result.force_rate,
        group_rate=None if ("group", partnership, crime_type) in hidden else result.group_rate)


def own_hidden(con: duckdb.DuckDBPyConnection, result: Comparison, period: Period) -> bool:
    """The comparison's own count is hidden in public output (1–4, or hidden beside one: ``compare_protection``):
    no rate, rank or verdict may be written for it."""
    if result.own is None:
        return False
    return is_small(result.own["crimes_with_population"]) or compare_hidden(con, result.partnership_code, period,
                                                                            result.crime_type)


def answer_sentences(con: duckdb.DuckDBPyConnection, partnership: str, period: Period, crime_type: str) -> list[str]:
    """Compare's answer in public output: the sentence and the similar group's (``comparison``), or one line saying
    there are too few crimes to compare when the partnership's own count is hidden."""
    result = comparison(con, partnership, period, crime_type)
    if own_hidden(con, result, period):
        return [f"{result.partnership_name}: too few {result.label.lower()} to compare in public output (counts of "
                "1–4 are not shown)."]
    return [result.sentence, result.similar_sentence]


def funnel_hidden(con: duckdb.DuckDBPyConnection, period: Period, crime_type: str) -> bool:
    """The funnel's centre line is every loaded partnership's pooled rate, drawn exactly: no funnel in public
    output when ``compare_protection`` hides that total."""
    return ("all", crime_type) in compare_protection(con, period.start, period.end)
