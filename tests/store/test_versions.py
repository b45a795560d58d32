"""The versioned store: atomic publish, failure leaves the live version untouched, rollback, readers unaffected."""

from __future__ import annotations

from pathlib import Path

import pytest

from cspdash.store.versions import KEEP_VERSIONS, Store, StoreError
from tests.conftest import store_checksums


def _add_la(store: Store, code: str) -> None:
    with store.write() as con:
        con.execute("INSERT INTO local_authority VALUES (?, ?)", [code, f"name {code}"])


def _las(store: Store) -> list[str]:
    con = store.connect_read()
    try:
        return [r[0] for r in con.execute("SELECT la_code FROM local_authority ORDER BY 1").fetchall()]
    finally:
        con.close()


def test_write_publishes_a_new_version_via_symlink(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    assert not store.exists()
    _add_la(store, "W06000022")
    assert store.path.is_symlink()
    assert store.current_version() == store.versions_dir / "v000001.duckdb"
    _add_la(store, "W06000018")
    assert store.current_version() == store.versions_dir / "v000002.duckdb"
    assert _las(store) == ["W06000018", "W06000022"]


def test_failed_write_leaves_store_exactly_as_it_was(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    _add_la(store, "W06000022")
    before = store_checksums(store)
    version = store.current_version()
    with pytest.raises(ValueError, match="boom"):
        with store.write() as con:
            con.execute("INSERT INTO local_authority VALUES ('X', 'half a load')")
            raise ValueError("boom")
    assert store.current_version() == version
    assert store_checksums(store) == before
    assert not list(store.versions_dir.glob("next-*"))


def test_reader_keeps_its_version_while_a_write_publishes(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    _add_la(store, "A")
    reader = store.connect_read()
    _add_la(store, "B")
    assert reader.execute("SELECT count(*) FROM local_authority").fetchone() == (1,)
    reader.close()
    assert _las(store) == ["A", "B"]


def test_old_versions_are_pruned_and_rollback_restores_previous(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    for code in ["A", "B", "C", "D", "E"]:
        _add_la(store, code)
    assert len(store.versions()) == KEEP_VERSIONS
    previous = store.rollback()
    assert previous.name == "v000004.duckdb"
    assert _las(store) == ["A", "B", "C", "D"]


def test_stale_temporary_from_a_killed_write_is_cleaned(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    _add_la(store, "A")
    stale = store.versions_dir / "next-999-1.tmp"
    stale.write_bytes(b"half written")
    _add_la(store, "B")
    assert not stale.exists()
    assert _las(store) == ["A", "B"]


def test_read_without_store_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="python -m cspdash demo"):
        Store(tmp_path / "none.duckdb").connect_read()


def test_views_exist_with_documented_columns(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    _add_la(store, "A")
    con = store.connect_read()
    columns = [r[0] for r in con.execute("DESCRIBE crimes").fetchall()]
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE crimes)").fetchall())
    con.close()
    assert columns == ["crime_id", "month", "force", "longitude", "latitude", "location", "lsoa_code",
                       "lsoa_name", "crime_type", "last_outcome"]
    assert types["month"] == "DATE"


def _spill_dirs(store: Store) -> list[Path]:
    return [p for p in store.versions_dir.glob("next-*.spill") if p.is_dir()]


def test_write_caps_memory_spills_to_disk_and_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A national load's hash tables must not grow to DuckDB's default 80% of RAM: the write connection is capped,
    an aggregate larger than the cap spills beside the temporary version, and the spill folder is removed."""
    import duckdb

    def rendered(limit: str) -> object:
        with duckdb.connect() as plain:
            plain.execute(f"SET memory_limit = '{limit}'")
            return plain.execute("SELECT current_setting('memory_limit')").fetchone()

    store = Store(tmp_path / "s.duckdb")
    with store.write() as con:
        assert con.execute("SELECT current_setting('memory_limit')").fetchone() == rendered("1GB")
    monkeypatch.setenv("CSPDASH_WRITE_MEMORY", "100MB")
    with store.write() as con:
        assert con.execute("SELECT current_setting('memory_limit')").fetchone() == rendered("100MB")
        # 3 million distinct 64-character keys (about 400 MB of hash table): finishes under the cap by spilling
        # into the write's own folder
        rows = con.execute("SELECT count(*) FROM (SELECT sha256(i::VARCHAR) AS k, max(i) FROM range(3000000) t(i) "
                           "GROUP BY k)").fetchone()
        assert rows == (3_000_000,)
        assert _spill_dirs(store)
    assert _spill_dirs(store) == []
    with pytest.raises(RuntimeError), store.write() as con:
        con.execute("SELECT count(*) FROM (SELECT sha256(i::VARCHAR) AS k, max(i) FROM range(3000000) t(i) "
                    "GROUP BY k)").fetchone()
        raise RuntimeError("the load failed")
    assert _spill_dirs(store) == []


def test_a_plain_file_store_is_never_missing_while_its_first_write_publishes(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A store that is a plain file (a copy, or one made by an older cspdash) becomes history on its first write.

    Readers ask for the live version at every step of the publish: there must always be one, the old file or the
    new version (a moment with neither made a page rendering during a load say there was no data store)."""
    made = Store(tmp_path / "made.duckdb")
    _add_la(made, "W06000022")
    plain = tmp_path / "plain.duckdb"
    plain.write_bytes(made.current_version().read_bytes())  # type: ignore[union-attr]
    store = Store(plain)
    import cspdash.store.versions as versions

    seen: list[Path | None] = []
    real_replace, real_symlink = versions.os.replace, versions.os.symlink

    def replace(src, dst):  # type: ignore[no-untyped-def]
        real_replace(src, dst)
        seen.append(store.current_version())

    def symlink(src, dst):  # type: ignore[no-untyped-def]
        real_symlink(src, dst)
        seen.append(store.current_version())

    monkeypatch.setattr(versions.os, "replace", replace)
    monkeypatch.setattr(versions.os, "symlink", symlink)
    _add_la(store, "W06000018")
    monkeypatch.undo()
    assert seen and None not in seen, seen
    assert store.current_version() == store.versions_dir / "v000001.duckdb"
    assert _las(store) == ["W06000018", "W06000022"]
    kept = Store(tmp_path / "kept.duckdb")
    (tmp_path / "kept.duckdb").symlink_to(store.versions_dir / "v000000.duckdb")
    assert _las(kept) == ["W06000022"], "the plain file is kept as v000000"


def test_rollback_after_a_rollback_and_a_new_load_returns_to_what_the_load_was_built_on(tmp_path: Path) -> None:
    """Found by an analyst: load A, load B, roll back twice, load C, roll back. On main the last rollback went to
    B's version (the one rolled away from, holding A and B), and the version C was built on had been pruned."""
    store = Store(tmp_path / "s.duckdb")
    _add_la(store, "base")
    _add_la(store, "A")
    _add_la(store, "B")
    store.rollback()
    store.rollback()
    assert _las(store) == ["base"]
    _add_la(store, "C")
    assert _las(store) == ["C", "base"]
    back = store.rollback()
    assert _las(store) == ["base"], "rolled back to a version the user had rolled away from"
    # numbers are never reused: a cached result keyed on a version's path must never meet other contents
    names = sorted(p.name for p in store.versions_dir.iterdir())
    assert names == ["v000001.duckdb", "v000004.duckdb.rolled-back"] and back.name == "v000001.duckdb", names
    with pytest.raises(StoreError, match="No earlier version"):
        store.rollback()


def test_versions_rolled_away_from_are_set_aside_then_removed_by_the_next_load(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    _add_la(store, "base")
    _add_la(store, "A")
    store.rollback()
    assert [p.name for p in store.versions()] == ["v000001.duckdb"]
    assert (store.versions_dir / "v000002.duckdb.rolled-back").exists()  # kept until the next load
    _add_la(store, "B")
    assert store.current_version() == store.versions_dir / "v000003.duckdb"
    assert not (store.versions_dir / "v000002.duckdb.rolled-back").exists()
    assert _las(store) == ["B", "base"]
