"""The attacker of every area × period × crime type view: what Crime trends and Hot spots send in public output.

Reads, per crime type choice, period end and length, exactly what the pages hand the browser for their counts:
Crime trends' series (public.trend_series: count or '<5'/'[c]' and last year's figure, at month, quarter and year
grain, per LSOA, ward and partnership) and Hot spots' per-area totals of the period and the one before
(public.hotspot_protection's window cells, as hotspot_blocks.load applies them). Each shown figure is an exact
value of a cell (choice, level, area, grain, key), '<5' is 1–4 and '[c]' 5 or more. The cells add up in every
way anyone can write down: a ward is the sum of its LSOAs, the partnership of its wards; a quarter, a year and a
period the sum of their months; 'all crime' the sum of the types but ASB and 'all types' of every type; and two
periods of one area share the months they overlap (a cell for the overlap, so their difference is seen).
``Seen.solve`` (interval propagation, tests/trust/test_disclosure_pages) then tries to pin each count of 1–4.
"""

from __future__ import annotations

from datetime import date
from itertools import combinations

import duckdb
import pandas as pd

from cspdash.metrics import public
from cspdash.metrics.period import Period, add_months
from cspdash.vocab import ALL_CRIME, ASB, CRIME_TYPES
from tests.trust.test_disclosure_pages import Seen

LEVELS = ("lsoa", "ward", "partnership")


def _quarter(m: date) -> date:
    return date(m.year, (m.month - 1) // 3 * 3 + 1, 1)


def _year(m: date) -> date:
    return date(m.year if m.month >= 4 else m.year - 1, 4, 1)


def _last(first: date, grain: str) -> date:
    return add_months(first, 2 if grain == "quarter" else 11)


class Table:
    """The true counts of a partnership by (choice, level, area, month), and sums over any run of months."""

    def __init__(self, con: duckdb.DuckDBPyConnection, code: str) -> None:
        rows = con.execute(
            """SELECT coalesce(g.lsoa_code, '') lsoa, coalesce(l.ward_code, '') ward, g.month, g.crime_type,
                      sum(g.crimes)::DOUBLE n
               FROM agg_crime_month_lsoa g LEFT JOIN lsoa l ON l.lsoa_code = g.lsoa_code
               WHERE g.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = ?) GROUP BY ALL""",
            [code]).df()
        rows["month"] = [pd.Timestamp(m).date() for m in rows["month"]]
        self.code = code
        self.force = str(con.execute("SELECT force FROM partnership WHERE partnership_code = ?", [code]).fetchone()[0])
        self.months = sorted(set(rows["month"]))
        self.types = sorted(set(rows["crime_type"]))
        self.wards: dict[str, set[str]] = {}
        for lsoa, ward in zip(rows["lsoa"], rows["ward"], strict=True):
            self.wards.setdefault(str(ward), set()).add(str(lsoa))
        self.monthly: dict[tuple, float] = {}
        for lsoa, ward, month, crime_type, n in rows.itertuples(index=False):
            for choice in {crime_type, "all types", *(("all crime",) if crime_type != ASB else ())}:
                for level, area in (("lsoa", lsoa), ("ward", ward), ("partnership", code)):
                    key = (choice, level, str(area), month)
                    self.monthly[key] = self.monthly.get(key, 0.0) + float(n)
        self.values: dict[tuple, float] = {}
        self._small: tuple[int, set[tuple]] | None = None

    def areas(self, level: str) -> list[str]:
        if level == "partnership":
            return [self.code]
        return sorted(self.wards) if level == "ward" else sorted({a for s in self.wards.values() for a in s})

    def months_of(self, grain: str, key: object) -> list[date]:
        if grain == "month":
            return [key] if key in self.months else []  # type: ignore[list-item]
        if grain == "window":
            first, last = key  # type: ignore[misc]
            return [m for m in self.months if first <= m <= last]
        kind = _quarter if grain == "quarter" else _year
        return [m for m in self.months if kind(m) == key]

    def cell(self, cell: tuple) -> tuple:
        """Register a cell (its true value worked out) and return it."""
        if cell not in self.values:
            choice, level, area, grain, key = cell
            self.values[cell] = sum(self.monthly.get((choice, level, area, m), 0.0) for m in self.months_of(grain, key))
        return cell

    def value(self, cell: tuple) -> float:
        return self.values.get(cell, 0.0)

    def small_cells(self) -> set[tuple]:
        """The counts of 1–4 among the cells the pages show (kept: Seen.recovered asks once per reading)."""
        if self._small is None or self._small[0] != len(self.values):
            self._small = (len(self.values), {c for c, v in self.values.items() if 1 <= v <= 4 and c[3] != "overlap"})
        return self._small[1]

    def _rules(self, cell: tuple) -> list[tuple[tuple, list[tuple]]]:
        """total = Σ members with ``cell`` as the total: its months, its areas, its types."""
        choice, level, area, grain, key = cell
        out = []
        if grain != "month":
            out.append((cell, [(choice, level, area, "month", m) for m in self.months_of(grain, key)]))
        if level == "ward":
            out.append((cell, [(choice, "lsoa", a, grain, key) for a in sorted(self.wards[area])]))
        elif level == "partnership":
            out.append((cell, [(choice, "ward", w, grain, key) for w in sorted(self.wards)]))
        if choice == "all crime":
            out.append((cell, [(t, level, area, grain, key) for t in self.types if t != ASB]))
        elif choice == "all types":
            out.append((cell, [(t, level, area, grain, key) for t in self.types]))
            out.append((cell, [("all crime", level, area, grain, key), (ASB, level, area, grain, key)]))
        return out

    def constraints(self) -> list[tuple[tuple, list[tuple]]]:
        """total = Σ members for every cell seen and every cell those rules name (their months, areas, types),
        and the overlap of two periods of one area (a cell of its own, so that their difference is known)."""
        out: list[tuple[tuple, list[tuple]]] = []
        todo, done = list(self.values), set()
        while todo:
            cell = todo.pop()
            if cell in done:
                continue
            done.add(cell)
            for total, members in self._rules(cell):
                out.append((total, [self.cell(m) for m in members]))
                todo += [m for m in members if m not in done]
        spans: dict[tuple, dict[tuple[date, ...], tuple]] = {}
        for cell in list(self.values):
            if cell[3] != "month":
                months = tuple(self.months_of(cell[3], cell[4]))
                if len(months) > 1:
                    spans.setdefault(cell[:3], {}).setdefault(months, cell)
        for (choice, level, area), runs in spans.items():
            for a, b in combinations(sorted(runs), 2):
                both = sorted(set(a) & set(b))
                if not both or set(a) <= set(b) or set(b) <= set(a):
                    continue
                overlap = (choice, level, area, "overlap", (both[0], both[-1]))
                self.values.setdefault(overlap, sum(self.monthly.get((choice, level, area, m), 0.0) for m in both))
                out.append((overlap, [(choice, level, area, "month", m) for m in both]))
                for span in (a, b):
                    out.append((runs[span], [overlap] + [(choice, level, area, "month", m) for m in span
                                                         if m not in both]))
        return out


def choices(table: Table) -> dict[str, tuple[str, ...]]:
    """Every crime type choice the two pages offer: each type (Crime trends lists every type, Hot spots those in
    the store), 'All crime' (Crime trends) and every type (Hot spots with none chosen)."""
    out = {t: (t,) for t in CRIME_TYPES if t in table.types}
    out["all crime"] = tuple(t for t in CRIME_TYPES if t != ASB)
    out["all types"] = tuple(CRIME_TYPES)
    return out


def read_trends(seen: Seen, table: Table, con: duckdb.DuckDBPyConnection, choice: str, end: date,
                grains: tuple[str, ...] = ("month", "quarter", "fy")) -> int:
    """Crime trends' series of a choice at every level and grain, for the period ending ``end`` (the page's range:
    36 months to ``end``, the series 12 months before that); returns the figures read."""
    crime_type = ALL_CRIME if choice == "all crime" else choice
    start = max(table.months[0], add_months(end, -35))
    first = add_months(start, -12)
    read = 0
    for level in LEVELS:
        for grain in grains:
            frame = public.trend_series(con, table.code, table.force, level, (), crime_type, start, end, grain)
            for row in frame.to_dict("records"):
                area, period = str(row["area_code"]), row["period"]
                cell = table.cell(_series_cell(choice, level, area, grain, period, first, end))
                if level == "lsoa" and cell[3] != "window":  # never published: '[c]' whatever it holds, 0 too
                    assert row["crimes_shown"] == "[c]" and pd.isna(row["crimes"]) and pd.isna(row.get("last_year")), \
                        (cell, row)
                    read += 1
                    continue
                seen.text(cell, row["crimes_shown"])
                if pd.notna(row["crimes"]):
                    seen.exact(cell, float(row["crimes"]), "trends count")
                if pd.notna(row.get("last_year")):
                    before = date(period.year - 1, period.month, 1)
                    seen.exact(table.cell(_series_cell(choice, level, area, grain, before, first, end)),
                               float(row["last_year"]), "trends last year")
                read += 1
    return read


def _series_cell(choice: str, level: str, area: str, grain: str, period: date, first: date, end: date) -> tuple:
    """The cell a series figure is: a month, a whole quarter or year, or the run of months the series cut it to."""
    if grain == "month":
        return (choice, level, area, "month", period)
    run = (max(period, first), min(_last(period, grain), end))
    return (choice, level, area, grain, period) if run == (period, _last(period, grain)) else \
        (choice, level, area, "window", run)


def read_hotspots(seen: Seen, table: Table, con: duckdb.DuckDBPyConnection, choice: str,
                  types: tuple[str, ...], period: Period) -> int:
    """Hot spots' per-area totals of the period and the one before, at every level, as the page shows them
    (hotspot_blocks.load: cell_masks of hotspot_protection); returns the figures read."""
    start = max(table.months[0], add_months(period.end, -35))
    primary, secondary = public.hotspot_protection(con, table.code, table.force, () if choice == "all types" else types,
                                                   start, period.end)
    read = 0
    for level in LEVELS:
        for window in ((period.start, period.end), (period.previous_start, period.previous_end)):
            for area in table.areas(level):
                cell = table.cell((choice, level, area, "window", window))
                key = (level, area, "window", window)
                seen.text(cell, "<5" if key in primary else "[c]" if key in secondary else str(int(table.value(cell))))
                read += 1
    return read


def recovered(seen: Seen, table: Table) -> list[str]:
    """The counts of 1–4 the attacker pinned exactly (or read), each named with its cell."""
    return seen.recovered(table)  # type: ignore[arg-type]


def solve(seen: Seen, constraints: list[tuple[tuple, list[tuple]]], rounds: int = 60) -> None:
    """Seen.solve's interval propagation (total = Σ members) over every constraint at once, with numpy: each
    round tightens every total to its members' sums and every member to the total less the others."""
    import numpy as np

    cells: dict[tuple, int] = {}
    for total, members in constraints:
        for cell in (total, *members):
            cells.setdefault(cell, len(cells))
    low = np.array([seen.low.get(c, 0.0) for c in cells])
    high = np.array([seen.high.get(c, np.inf) for c in cells])
    high[high >= 10.0**9] = np.inf
    con_of = np.concatenate([np.full(len(m), i) for i, (_t, m) in enumerate(constraints)]).astype(int)
    member = np.array([cells[c] for _t, ms in constraints for c in ms], dtype=int)
    totals = np.array([cells[t] for t, _m in constraints], dtype=int)
    n = len(constraints)
    for _ in range(rounds):
        before_low, before_high = low.copy(), high.copy()
        m_low, m_high = low[member], high[member]
        infinite = np.isinf(m_high)
        sum_low = np.bincount(con_of, weights=m_low, minlength=n)
        sum_high = np.bincount(con_of, weights=np.where(infinite, 0.0, m_high), minlength=n)
        n_inf = np.bincount(con_of, weights=infinite.astype(float), minlength=n)
        upper = np.where(n_inf > 0, np.inf, sum_high)
        np.maximum.at(low, totals, sum_low)
        np.minimum.at(high, totals, upper)
        t_low, t_high = low[totals][con_of], high[totals][con_of]
        others_low = sum_low[con_of] - m_low
        others_inf = n_inf[con_of] - infinite
        others_high = np.where(others_inf > 0, np.inf, sum_high[con_of] - np.where(infinite, 0.0, m_high))
        with np.errstate(invalid="ignore"):
            new_low = np.where(np.isinf(others_high), m_low, t_low - others_high)
            new_high = np.where(np.isinf(t_high), np.inf, t_high - others_low)
        np.maximum.at(low, member, np.nan_to_num(new_low, nan=0.0, neginf=0.0))
        np.minimum.at(high, member, new_high)
        if np.array_equal(low, before_low) and np.array_equal(high, before_high):
            break
    for cell, i in cells.items():
        seen.low[cell], seen.high[cell] = float(low[i]), float(high[i]) if np.isfinite(high[i]) else 10.0**9
