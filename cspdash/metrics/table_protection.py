"""One table's protection: small counts hidden, and further cells wherever a total and the cells shown beside it
would give one back (metrics.area_disclosure builds the table of a partnership's areas, periods and crime types).

``Protector`` applies disclosure.protect_cells' rule group by group, rechecking a group when one of its cells
changes; ``protect_table`` then plays an attacker who carries bounds from group to group over the whole table
(``Audit``), and breaks, for each count still pinned, the one group that gives it at least cost (``_cost``).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from cspdash.config import SMALL_COUNT_MAX
from cspdash.metrics.disclosure import Cell, Group, pinned


class Protector:
    """disclosure.protect_cells' rule, as a work list: a group is checked when one of its cells was hidden, so a
    table of 100,000 cells is done in one pass and the few groups a new secondary touches."""

    def __init__(self, values: dict[Cell, float], groups: list[Group], lookahead: bool = False,
                 unpublished: frozenset[Cell] = frozenset()) -> None:
        self.values, self.groups = values, groups
        self.lookahead = lookahead  # choose the cell to hide that starts fewest new chains
        #: cells never shown (``UNPUBLISHED``): hidden from the start, and an attacker knows only that each is
        #: at least 1; one may be worked out exactly unless it is a small count
        self.unpublished = unpublished
        self.primary = {c for c, v in values.items() if 1 <= v <= SMALL_COUNT_MAX and c not in unpublished}
        self.secondary: set[Cell] = set(unpublished)
        self.touching: dict[Cell, list[int]] = {}
        for index, (total, members) in enumerate(groups):
            for cell in (total, *members) if total is not None else members:
                self.touching.setdefault(cell, []).append(index)
        self.queue = deque(i for i, (_t, members) in enumerate(groups) if any(m in self.primary for m in members))
        self.waiting = set(self.queue)

    def hide(self, cell: Cell) -> None:
        self.primary.discard(cell)
        self.secondary.add(cell)
        for index in self.touching.get(cell, ()):
            if index not in self.waiting:
                self.waiting.add(index)
                self.queue.append(index)

    def _chains(self, cell: Cell, index: int) -> int:
        """How many of the cell's other groups have nothing hidden (with ``lookahead``): hiding it there would
        pin it and hide more."""
        if not self.lookahead:
            return 0
        out = 0
        for other in self.touching.get(cell, ()):
            total, members = self.groups[other]
            if other != index and total != cell and not any(
                    m != cell and (m in self.primary or m in self.secondary) for m in members):
                out += 1
        return out

    def _pinned(self, members: list[Cell], counts: list[int], hidden: list[bool], small_total: bool = False
                ) -> bool:
        """Whether the group's total and shown cells pin a hidden member that must not be known: any '<5' or
        '[c]', or an unpublished small count."""
        unpublished = [m in self.unpublished for m in members]
        found = pinned(counts, hidden, [m in self.secondary for m in members], small_total=small_total,
                       unknown=unpublished if any(unpublished) else None)
        return any(p and not (u and v > SMALL_COUNT_MAX) for p, u, v in zip(found, unpublished, counts, strict=True))

    def run(self) -> None:
        primary, secondary, values = self.primary, self.secondary, self.values
        while self.queue:
            index = self.queue.popleft()
            self.waiting.discard(index)
            total, members = self.groups[index]
            counts = [int(values.get(m, 0)) for m in members]
            if total is not None and total in primary:  # shown '<5': it pins only when its members' '<5' fill it
                hidden = [m in primary or m in secondary for m in members]
                if any(hidden) and self._pinned(members, counts, hidden, small_total=True):
                    self.hide(total)
                continue
            if total is not None and total in secondary:
                continue  # not shown: it pins nothing
            while True:
                hidden = [m in primary or m in secondary for m in members]
                if not any(hidden) or not self._pinned(members, counts, hidden):
                    break
                candidates = [m for m, h, v in zip(members, hidden, counts, strict=True)
                              if not h and v > SMALL_COUNT_MAX]
                if candidates:
                    self.hide(min(candidates, key=lambda m: (self._chains(m, index), values.get(m, 0), str(m))))
                else:
                    if total is not None:
                        self.hide(total)
                    break


def protect_table(values: dict[Cell, float], groups: list[Group], audits: int = 16,
                  unpublished: frozenset[Cell] = frozenset()) -> tuple[set[Cell], set[Cell]]:
    """(primary, secondary) hidden cells of a table whose cells add up in ``groups`` (each with its total cell):
    disclosure.protect_cells' rule group by group, then rounds of an attacker's check over all groups at once
    (``Audit``: bounds carried from group to group, as a quarter's '<5' months make it at least 3). Each cell
    still pinned costs one group that gives it one of its bounds (``Audit.binding``), the cheapest (``_cost``: a
    shown member before a total, the lowest level and finest grain first), and the rule is applied again; a round
    that frees none follows the hidden cells that pin it (``_free``). If ``audits`` rounds leave a cell pinned, every
    shown cell in its groups is hidden, until none is (an error if nothing is left to hide: never published
    unprotected). ``unpublished`` cells are hidden throughout (with the secondaries) and known only to be at least
    1; only the small ones among them must not be pinned. (Giving up a cell in every group of a pinned cell, as
    this did before, hid every month of every Gwent partnership's all-crime line: bench/README.md.)"""
    table = Protector(values, groups, unpublished=unpublished)
    table.run()
    check = Audit(values, groups)
    before = None
    for _ in range(audits):
        pinned_cells = check.pinned(table.primary, table.secondary, unpublished)
        if not pinned_cells:
            break
        stuck = before is not None and len(pinned_cells) >= before
        before = len(pinned_cells)
        for cell in sorted(pinned_cells, key=str):  # one group that pins it, the one costing least: the
            _free(table, check, cell, further=stuck)  # partnership's month is not given up for its LSOAs' pins
        table.run()
    else:
        while pinned_cells := check.pinned(table.primary, table.secondary, unpublished):  # the rounds ran out:
            before = len(table.secondary)  # every shown cell in the groups of the cells that pin them goes
            for other in sorted(_shown_beside(table, check, pinned_cells), key=str):
                table.hide(other)
            if len(table.secondary) == before:
                raise RuntimeError(f"disclosure control cannot protect {len(pinned_cells)} cells, "
                                   f"e.g. {pinned_cells[0]}")
            table.run()
    return table.primary, table.secondary


_LEVEL_RANK = {"lsoa": 0, "ward": 1, "partnership": 2}
_GRAIN_RANK = {"month": 0, "quarter": 1, "fy": 2, "window": 3}


def _shown(table: Protector, members: list[Cell]) -> list[Cell]:
    return [m for m in members if m not in table.primary and m not in table.secondary
            and table.values.get(m, 0) > SMALL_COUNT_MAX]


def _cost(table: Protector, cell: Cell, group: Group) -> tuple[int, int, int]:
    """What breaking the group for a pinned cell hides: a shown member before a total, and the lowest level and
    finest grain first (a ward's month before the partnership's); a group that nothing breaks, last."""
    total, members = group
    if _shown(table, members):
        return (0, _LEVEL_RANK.get(members[0][1], 3), _GRAIN_RANK.get(members[0][3], 4))  # type: ignore[index]
    if cell in members and total is not None and total not in table.secondary:
        return (1, _LEVEL_RANK.get(total[1], 3), _GRAIN_RANK.get(total[3], 4))  # type: ignore[index]
    return (2, 0, 0)


def _free(table: Protector, check: Audit, cell: Cell, further: bool) -> None:
    """Breaks the cheapest group (``_cost``) that pins the cell. Where none can be broken (every cell in them is
    hidden already), the hidden cells that pin it are themselves known exactly: with ``further`` (the last round
    freed no cell), their groups are tried, nearest first (an LSOA's only ASB month in its ward: the ward's month
    is hidden, but the ward's all types less its all crime gives it back)."""
    queue, seen = deque([cell]), {cell}
    while queue and (further or len(seen) == 1):
        here = queue.popleft()
        binding = sorted(check.binding(here), key=lambda i: _cost(table, here, table.groups[i]))
        for index in binding:
            if _break(table, here, index):
                return
        for index in binding:
            total, members = table.groups[index]
            for other in (total, *members):
                if (other is not None and other not in seen and (other in table.primary or other in table.secondary)
                        and check.known(other)):
                    seen.add(other)
                    queue.append(other)


def _shown_beside(table: Protector, check: Audit, cells: list[Cell]) -> set[Cell]:
    """Every cell that bounds the cells from above: each shown cell and '<5' in their groups and in the groups of
    the hidden cells with an upper bound that join them to them (hidden, a '<5' becomes '[c]')."""
    queue, seen = deque(cells), set(cells)
    out = {c for c in cells if c not in table.secondary}  # a pinned '<5' is bounded by 4 no more as '[c]'
    while queue:
        for index in table.touching.get(queue.popleft(), ()):
            total, members = table.groups[index]
            for other in (total, *members):
                if other is None or other in seen:
                    continue
                seen.add(other)
                if other not in table.secondary:
                    out.add(other)
                elif check.bounded(other):
                    queue.append(other)
    return out


def _break(table: Protector, cell: Cell, index: int) -> bool:
    """Hides the smallest shown cell beside a pinned cell in the group, or, with none, its total ('[c]', not '<5',
    if small); False when there is nothing left to hide."""
    total, members = table.groups[index]
    shown = _shown(table, members)
    if shown:
        table.hide(min(shown, key=lambda m: (table.values.get(m, 0), str(m))))
        return True
    if cell in members and total is not None and total not in table.secondary:
        table.hide(total)
        return True
    return False


class Audit:
    """Interval propagation over every group at once (total = Σ members), vectorised: a shown cell is exact, '<5'
    is 1–4, '[c]' 5 or more (at least 1 when it is a small total written '[c]')."""

    def __init__(self, values: dict[Cell, float], groups: list[Group]) -> None:
        cells: dict[Cell, int] = {}
        for total, members in groups:
            for cell in (total, *members):
                cells.setdefault(cell, len(cells))
        self.cells = list(cells)
        self.value = np.array([values.get(c, 0.0) for c in self.cells])
        self.con_of = np.concatenate([np.full(len(m), i) for i, (_t, m) in enumerate(groups)] or [np.zeros(0)]
                                     ).astype(int)
        self.member = np.array([cells[c] for _t, ms in groups for c in ms], dtype=int)
        self.totals = np.array([cells[t] for t, _m in groups], dtype=int)
        self.index = cells
        self.groups = [(cells[t], [cells[c] for c in ms]) for t, ms in groups]
        self.touching: dict[int, list[int]] = {}
        for g, (t, ms) in enumerate(self.groups):
            for c in (t, *ms):
                self.touching.setdefault(c, []).append(g)
        self.low = self.high = self.value

    def bounded(self, cell: Cell) -> bool:
        """Whether the last ``pinned`` left the cell with an upper bound."""
        i = self.index.get(cell)
        return i is not None and bool(np.isfinite(self.high[i]))

    def known(self, cell: Cell) -> bool:
        """Whether the last ``pinned`` left the cell with one possible value."""
        i = self.index.get(cell)
        return i is not None and bool(self.high[i] <= self.low[i])

    def binding(self, cell: Cell) -> list[int]:
        """The groups that give a pinned cell (of the last ``pinned``) one of its bounds: with the other cells'
        bounds, each alone pins it from below or above."""
        low, high, c = self.low, self.high, self.index[cell]
        out = []
        for g in self.touching.get(c, ()):
            t, ms = self.groups[g]
            if c == t:
                g_low, g_high = low[ms].sum(), high[ms].sum()
            else:
                others = [m for m in ms if m != c]
                g_low, g_high = low[t] - high[others].sum(), high[t] - low[others].sum()
            if g_low >= low[c] or g_high <= high[c]:
                out.append(g)
        return out

    def pinned(self, primary: set[Cell], secondary: set[Cell], unpublished: frozenset[Cell] = frozenset(),
               rounds: int = 60) -> list[Cell]:
        """The cells that must not be known and are: '<5's, and small counts hidden as '[c]' or unpublished."""
        is_primary = np.array([c in primary for c in self.cells], dtype=bool)
        is_secondary = np.array([c in secondary for c in self.cells], dtype=bool)
        is_unpublished = np.array([c in unpublished for c in self.cells], dtype=bool)
        low, high = self.value.copy(), self.value.copy()
        low[is_primary], high[is_primary] = 1.0, float(SMALL_COUNT_MAX)
        low[is_secondary] = np.where(self.value[is_secondary] > SMALL_COUNT_MAX, SMALL_COUNT_MAX + 1.0, 1.0)
        high[is_secondary] = np.inf
        low[is_unpublished] = 1.0
        # what must stay unknown: each '<5', and each small count hidden as '[c]' or never published
        must_stay_unknown = is_primary | (is_secondary & (self.value >= 1) & (self.value <= SMALL_COUNT_MAX))
        n, con_of, member, totals = len(self.totals), self.con_of, self.member, self.totals
        for _ in range(rounds):
            before = (low.copy(), high.copy())
            m_low, m_high = low[member], high[member]
            infinite = np.isinf(m_high)
            sum_low = np.bincount(con_of, weights=m_low, minlength=n)
            sum_high = np.bincount(con_of, weights=np.where(infinite, 0.0, m_high), minlength=n)
            n_inf = np.bincount(con_of, weights=infinite.astype(float), minlength=n)
            np.maximum.at(low, totals, sum_low)
            np.minimum.at(high, totals, np.where(n_inf > 0, np.inf, sum_high))
            t_low, t_high = low[totals][con_of], high[totals][con_of]
            others_high = np.where(n_inf[con_of] - infinite > 0, np.inf,
                                   sum_high[con_of] - np.where(infinite, 0.0, m_high))
            with np.errstate(invalid="ignore"):
                new_low = np.where(np.isinf(others_high), m_low, t_low - others_high)
                new_high = np.where(np.isinf(t_high), np.inf, t_high - (sum_low[con_of] - m_low))
            np.maximum.at(low, member, np.nan_to_num(new_low, nan=0.0, neginf=0.0))
            np.minimum.at(high, member, new_high)
            if np.array_equal(low, before[0]) and np.array_equal(high, before[1]):
                break
        self.low, self.high = low, high
        return [self.cells[i] for i in np.nonzero(must_stay_unknown & (high <= low))[0]]
