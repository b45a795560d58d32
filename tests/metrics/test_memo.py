"""The per-store-version memo (cspdash/metrics/memo.py): kept per version file and arguments, a new version read
afresh, in-memory stores never kept, at most maxsize results with the least recently used forgotten first."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cspdash.metrics.memo import per_store_version
from cspdash.store.versions import Store


def _counting(maxsize: int):  # type: ignore[no-untyped-def]
    calls: list[tuple[str, int]] = []

    @per_store_version(maxsize=maxsize)
    def rows(con: duckdb.DuckDBPyConnection, table: str, add: int = 0) -> int:
        """Rows in a table plus ``add``."""
        calls.append((table, add))
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) + add  # type: ignore[index]

    return rows, calls


def _store(tmp_path: Path, rows: int) -> Store:
    store = Store(tmp_path / "memo.duckdb")
    with store.write() as con:
        con.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
        con.execute("INSERT INTO t SELECT range FROM range(?)", [rows])
    return store


def test_a_version_is_read_once_per_arguments(tmp_path: Path) -> None:
    rows, calls = _counting(maxsize=8)
    con = _store(tmp_path, 3).connect_read()
    try:
        assert rows(con, "t") == 3 and rows(con, "t") == 3
        assert rows(con, "t", add=1) == 4 and rows(con, "t", add=1) == 4
        assert calls == [("t", 0), ("t", 1)]  # two distinct calls, each read once
        assert (rows.hits, rows.misses, len(rows)) == (2, 2, 2)
        assert rows.holds(con, "t") and rows.holds(con, "t", add=1) and not rows.holds(con, "t", add=2)
        assert rows.__name__ == "rows" and rows.__doc__ == "Rows in a table plus ``add``."
    finally:
        con.close()


def test_a_new_version_is_read_afresh(tmp_path: Path) -> None:
    rows, calls = _counting(maxsize=8)
    store = _store(tmp_path, 3)
    first = store.connect_read()
    assert rows(first, "t") == 3
    first.close()
    store = _store(tmp_path, 2)  # a load: a new version file with 5 rows
    second = store.connect_read()
    try:
        assert rows(second, "t") == 5
        assert calls == [("t", 0), ("t", 0)]
    finally:
        second.close()


def test_in_memory_stores_are_never_kept() -> None:
    rows, calls = _counting(maxsize=8)
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS x FROM range(4)")
    assert rows(con, "t") == 4
    con.execute("INSERT INTO t VALUES (9)")
    assert rows(con, "t") == 5  # read again, so the change is seen
    assert len(calls) == 2 and len(rows) == 0 and not rows.holds(con, "t")
    con.close()


def test_at_most_maxsize_results_least_recently_used_forgotten_first(tmp_path: Path) -> None:
    rows, calls = _counting(maxsize=2)
    con = _store(tmp_path, 1).connect_read()
    try:
        rows(con, "t", add=1)
        rows(con, "t", add=2)
        rows(con, "t", add=1)  # used again: now add=2 is the least recently used
        rows(con, "t", add=3)
        assert len(rows) == 2
        assert rows.holds(con, "t", add=1) and rows.holds(con, "t", add=3) and not rows.holds(con, "t", add=2)
        rows(con, "t", add=2)
        assert calls == [("t", 1), ("t", 2), ("t", 3), ("t", 2)]
        rows.clear()
        assert len(rows) == 0 and (rows.hits, rows.misses) == (0, 0)
    finally:
        con.close()


def test_a_failing_call_is_not_kept(tmp_path: Path) -> None:
    rows, _calls = _counting(maxsize=2)
    con = _store(tmp_path, 1).connect_read()
    try:
        with pytest.raises(duckdb.CatalogException):
            rows(con, "missing")
        assert len(rows) == 0
    finally:
        con.close()


def test_maxsize_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        per_store_version(maxsize=0)(lambda con: 1)


def test_a_memo_pickles_by_name_as_a_function_does() -> None:
    """The benchmark records the pages' queries and pickles them; a memo travels by its module and name."""
    import pickle

    from cspdash.metrics import crime, hotspots

    for memo in (crime.freshness, hotspots.map_geometry, hotspots._scope):
        assert pickle.loads(pickle.dumps(memo)) is memo
