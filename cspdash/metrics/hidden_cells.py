"""A partnership's hidden cells held compactly: one sorted array of 64-bit codes instead of a set of tuples.

Public output's protection of a partnership (metrics.area_disclosure) hides up to some 300,000 cells
(level, area, grain, key): a month, quarter or financial year keyed by its first day, or a period ('window') keyed by
its (first, last) months. As a frozenset of tuples that is about 115 bytes a cell (32 MB for Newport's), kept for
every partnership a public visitor opens, and copied whole through the pages' cache on every run. Here each cell is
one integer (8 bytes: level, the area's index in a small table, grain and the months), so the same protection is
about 2 MB, pickles in milliseconds and answers ``cell in cells`` by a binary search.

A ``HiddenCells`` is a read-only set (``collections.abc.Set``): ``in``, ``len``, iteration, ``==`` and ``|`` work as
on a frozenset of the same tuples, and a key that is not a first-of-month ``date`` (nor a pair of them) is never
in it, as it was never in the frozenset. ``keys_of`` gives one area's keys of a grain without going through the
rest.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Set
from datetime import date
from typing import Any

import numpy as np

LEVELS = ("lsoa", "ward", "partnership")
GRAINS = ("month", "quarter", "fy", "window")
_KEY_BITS = 30  # a key: a month's index (year × 12 + month − 1, under 2**15) or a window's two, 15 bits each
_MONTH_BITS = 15


def _month(value: object) -> int | None:
    """A first-of-month date's index; None for anything else (a datetime, a mid-month date, a string)."""
    if type(value) is not date or value.day != 1:
        return None
    return value.year * 12 + value.month - 1


def _key_code(grain: str, key: object) -> int | None:
    """A key's code in its grain; None when no cell of that grain can have that key."""
    if grain == "window":
        if type(key) is not tuple or len(key) != 2:
            return None
        first, last = _month(key[0]), _month(key[1])
        return None if first is None or last is None else (first << _MONTH_BITS) | last
    return _month(key)


def _key_of(grain: str, code: int) -> object:
    def month(index: int) -> date:
        return date(index // 12, index % 12 + 1, 1)

    if grain == "window":
        return (month(code >> _MONTH_BITS), month(code & ((1 << _MONTH_BITS) - 1)))
    return month(code)


class HiddenCells(Set[Hashable]):
    """The cells (level, area, grain, key) of one protection choice, as sorted 64-bit codes."""

    __slots__ = ("_areas", "_codes", "_index")

    def __init__(self, cells: Iterable[Hashable] = ()) -> None:
        areas: dict[str, int] = {}
        codes: list[int] = []
        for cell in cells:
            code = self._encode(cell, areas, add=True)
            if code is None:
                raise ValueError(f"not a protection cell (level, area, grain, first-of-month key): {cell!r}")
            codes.append(code)
        self._index = areas
        self._areas = list(areas)
        self._codes = np.unique(np.array(codes, dtype=np.int64))

    @staticmethod
    def _prefix(level: object, area: int, grain: object) -> int | None:
        if level not in LEVELS or grain not in GRAINS:
            return None
        return (area * len(LEVELS) + LEVELS.index(str(level))) * len(GRAINS) + GRAINS.index(str(grain))

    @classmethod
    def _encode(cls, cell: object, areas: dict[str, int], add: bool = False) -> int | None:
        if type(cell) is not tuple or len(cell) != 4:
            return None
        level, area, grain, key = cell
        if not isinstance(area, str):
            return None
        index = areas.setdefault(str(area), len(areas)) if add else areas.get(str(area))
        prefix = None if index is None else cls._prefix(level, index, grain)
        code = None if prefix is None else _key_code(str(grain), key)
        return None if prefix is None or code is None else (prefix << _KEY_BITS) | code

    def __contains__(self, cell: object) -> bool:
        code = self._encode(cell, self._index)
        if code is None:
            return False
        at = int(np.searchsorted(self._codes, code))
        return at < len(self._codes) and int(self._codes[at]) == code

    def __len__(self) -> int:
        return len(self._codes)

    def __iter__(self) -> Iterator[Hashable]:
        for code in self._codes.tolist():
            prefix, key = code >> _KEY_BITS, code & ((1 << _KEY_BITS) - 1)
            grain = GRAINS[prefix % len(GRAINS)]
            level = LEVELS[(prefix // len(GRAINS)) % len(LEVELS)]
            yield (level, self._areas[prefix // len(GRAINS) // len(LEVELS)], grain, _key_of(grain, key))

    def keys_of(self, level: str, area: str, grain: str) -> list[Any]:
        """The keys of the cells (level, area, grain, ·), in order."""
        index = self._index.get(area)
        prefix = None if index is None else self._prefix(level, index, grain)
        if prefix is None:
            return []
        low, high = np.searchsorted(self._codes, [prefix << _KEY_BITS, (prefix + 1) << _KEY_BITS])
        return [_key_of(grain, c & ((1 << _KEY_BITS) - 1)) for c in self._codes[low:high].tolist()]

    @classmethod
    def _from_iterable(cls, cells: Iterable[Hashable]) -> frozenset[Hashable]:  # type: ignore[override]
        """``|``, ``&`` and ``-`` give a frozenset of tuples, as they did on the frozensets this replaces."""
        return frozenset(cells)

    def without_grain(self, grain: str) -> HiddenCells:
        """The cells of every other grain."""
        keep = (self._codes >> _KEY_BITS) % len(GRAINS) != GRAINS.index(grain)
        return _rebuild(self._areas, self._codes[keep])

    def __hash__(self) -> int:  # read-only, as a frozenset: usable as a cache argument
        return self._hash()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._areas, self._codes))

    def __repr__(self) -> str:
        return f"HiddenCells({len(self)} cells, {len(self._areas)} areas)"

    @property
    def nbytes(self) -> int:
        """The codes' bytes (the area table aside)."""
        return int(self._codes.nbytes)


def _rebuild(areas: list[str], codes: np.ndarray) -> HiddenCells:
    out = HiddenCells()
    out._areas = list(areas)
    out._index = {a: i for i, a in enumerate(areas)}
    out._codes = codes
    return out


EMPTY = HiddenCells()
