"""A store write runs the schema only when the store's schema is not this cspdash's: always for a fresh store
and for one written by an older cspdash, never again once it is current (it used to run on every write)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cspdash.store import versions
from cspdash.store.versions import Store


class _CountingFile:
    """schema.sql, counting how often a write reads it to run it."""

    def __init__(self, path: Path) -> None:
        self.path, self.reads = path, 0

    def read_text(self, *args: object, **kwargs: object) -> str:
        self.reads += 1
        return self.path.read_text(encoding="utf-8")

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


@pytest.fixture()
def schema_runs(monkeypatch: pytest.MonkeyPatch) -> _CountingFile:
    versions.schema_digest(), versions.schema_objects()  # read once per process, before the counting starts
    counting = _CountingFile(versions.SCHEMA_SQL)
    monkeypatch.setattr(versions, "SCHEMA_SQL", counting)
    return counting


def _add_la(store: Store, code: str) -> None:
    with store.write() as con:
        con.execute("INSERT INTO local_authority VALUES (?, ?)", [code, f"name {code}"])


def _read(store: Store, sql: str) -> list[tuple]:
    con = store.connect_read()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_fresh_store_gets_the_schema_once_then_writes_skip_it(tmp_path: Path, schema_runs: _CountingFile) -> None:
    store = Store(tmp_path / "s.duckdb")
    _add_la(store, "W06000022")
    assert schema_runs.reads == 1  # the fresh store: every table and view created
    assert _read(store, "SELECT count(*) FROM crimes") == [(0,)]  # a public view exists
    for code in ("W06000018", "W06000019", "W06000020"):
        _add_la(store, code)
    assert schema_runs.reads == 1, "a write to a current store ran the schema again"
    assert len(_read(store, "SELECT * FROM local_authority")) == 4


def test_an_older_store_is_brought_up_to_the_schema(tmp_path: Path, schema_runs: _CountingFile) -> None:
    """A store written before schema digests (no record), lacking a newer column and a public view."""
    store = Store(tmp_path / "s.duckdb")
    _add_la(store, "W06000022")
    with store.write() as con:  # make the live version look like an older cspdash's
        con.execute("DROP TABLE store_schema")
        con.execute("DROP VIEW crimes")
        con.execute("ALTER TABLE priority DROP COLUMN lead_officer")
    assert not _read(store, "SELECT * FROM duckdb_views() WHERE view_name = 'crimes'")
    reads = schema_runs.reads
    _add_la(store, "W06000018")
    assert schema_runs.reads == reads + 1  # behind: applied
    assert _read(store, "SELECT count(*) FROM crimes") == [(0,)]
    assert ("lead_officer",) in _read(store, "SELECT column_name FROM duckdb_columns() WHERE table_name = 'priority'")
    assert _read(store, "SELECT la_code FROM local_authority ORDER BY 1") == [("W06000018",), ("W06000022",)]


def test_a_store_of_another_schema_is_brought_up_to_this_one(tmp_path: Path, schema_runs: _CountingFile) -> None:
    store = Store(tmp_path / "s.duckdb")
    _add_la(store, "W06000022")
    with store.write() as con:
        con.execute("UPDATE store_schema SET digest = 'an older one'")
    reads = schema_runs.reads
    _add_la(store, "W06000018")
    assert schema_runs.reads == reads + 1
    assert _read(store, "SELECT digest FROM store_schema") == [(versions.schema_digest(),)]


def test_a_store_missing_a_table_is_behind_whatever_its_digest(tmp_path: Path, schema_runs: _CountingFile) -> None:
    store = Store(tmp_path / "s.duckdb")
    _add_la(store, "W06000022")
    with store.write() as con:
        con.execute("DROP TABLE agg_outcome_month_la")
    reads = schema_runs.reads
    _add_la(store, "W06000018")
    assert schema_runs.reads == reads + 1
    assert _read(store, "SELECT count(*) FROM agg_outcome_month_la") == [(0,)]


def test_the_digest_changes_with_either_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = versions.schema_digest()
    edited = tmp_path / "views.sql"
    edited.write_text(versions.VIEWS_SQL.read_text(encoding="utf-8") + "\n-- a new view\n", encoding="utf-8")
    monkeypatch.setattr(versions, "VIEWS_SQL", edited)
    versions.schema_digest.cache_clear()
    try:
        assert versions.schema_digest() != before
    finally:
        versions.schema_digest.cache_clear()


def test_apply_schema_is_idempotent_on_a_connection() -> None:
    con = duckdb.connect(":memory:")
    versions.apply_schema(con)
    versions.apply_schema(con)
    assert con.execute("SELECT count(*) FROM store_schema").fetchone() == (1,)
