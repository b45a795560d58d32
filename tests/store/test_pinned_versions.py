"""A version held for reading (Store.pin) outlives quick loads: a reader that resolved the link just before
three loads used to find its version removed; a page run reads one version from its first query to its last."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from cspdash.store.versions import KEEP_VERSIONS, READ_CONFIG, Store


def _add_la(store: Store, code: str) -> None:
    with store.write() as con:
        con.execute("INSERT INTO local_authority VALUES (?, ?)", [code, f"name {code}"])


def _las(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True, config=READ_CONFIG)
    try:
        row = con.execute("SELECT count(*) FROM local_authority").fetchone()
        return int(row[0]) if row else -1
    finally:
        con.close()


def test_a_pinned_version_outlives_three_quick_loads_and_goes_once_released(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    _add_la(store, "A")
    pin = store.pin()
    assert pin is not None and pin.path == store.current_version()
    for code in ("B", "C", "D", "E"):  # more loads than versions kept
        _add_la(store, code)
    assert pin.path.exists() and _las(pin.path) == 1  # still there, still the version it was
    assert len(store.versions()) == KEEP_VERSIONS + 1
    pin.close()
    _add_la(store, "F")
    assert not pin.path.exists() and len(store.versions()) == KEEP_VERSIONS


def test_readers_pinning_during_quick_loads_always_open_their_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    _add_la(store, "A")
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                pin = store.pin()
                assert pin is not None
                try:
                    _las(pin.path)
                finally:
                    pin.close()
            except BaseException as exc:  # noqa: BLE001 - every failure is reported below
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for number in range(12):
            _add_la(store, f"L{number}")
    finally:
        done.set()
        for reader in readers:
            reader.join(timeout=30)
    assert not errors, errors
    assert len(store.versions()) == KEEP_VERSIONS


def _one_run_reads_one_version() -> None:
    """A page run that queries, sees four loads publish, then queries again."""
    import uuid

    import streamlit as st

    from cspdash.ui import db

    first = db.version()
    for _load in range(4):
        with db.store().write() as con:
            con.execute("INSERT INTO local_authority VALUES (?, 'loaded during the run')", [uuid.uuid4().hex])
    con = db.cursor()
    count = con.execute("SELECT count(*) FROM local_authority").fetchone()
    st.write(f"first={first}")
    st.write(f"last={db.version()}")
    st.write(f"count={count[0] if count else -1}")


def test_one_page_run_reads_one_version(tmp_path: Path, use_store: Callable[[Path], None]) -> None:
    store = Store(tmp_path / "s.duckdb")
    _add_la(store, "A")
    use_store(store.path)
    at = AppTest.from_function(_one_run_reads_one_version, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    shown = dict(str(m.value).split("=", 1) for m in at.markdown)
    assert shown["first"] == shown["last"] == str(store.versions_dir / "v000001.duckdb")
    assert shown["count"] == "1"  # the version the run began with, though four loads published meanwhile
    at.run()  # the next run reads the newest version
    assert not at.exception, at.exception
    shown = dict(str(m.value).split("=", 1) for m in at.markdown)
    assert shown["first"] == str(store.versions_dir / "v000005.duckdb") and shown["count"] == "5"
