"""Faults during a load: killed mid-way (SIGKILL), a full disk, a read-only store.

Real faults where the machine allows: a tmpfs of a chosen size for a full disk and a read-only remount for a
read-only store (both need root and mount permission; otherwise the same OS errors are injected in-process).
The load runs as an analyst would run it: `python -m cspdash --db STORE load …` in a subprocess.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cspdash.ingest.load import load_paths
from cspdash.store.versions import Store
from tests.conftest import store_checksums

ROOT = Path(__file__).resolve().parents[2]
DEMO_ZIP = ROOT / "data" / "demo" / "police_uk_gwent.zip"
JAN = ROOT / "tests" / "fixtures" / "police_uk" / "2024-01"
FEB = ROOT / "tests" / "fixtures" / "police_uk" / "2024-02"


def _cli(store: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "cspdash", "--db", str(store), *args]


def _live_file(store: Store) -> Path:
    current = store.current_version()
    assert current is not None
    return current


@contextlib.contextmanager
def _tmpfs(folder: Path, size_bytes: int) -> Iterator[bool]:
    """Mount a tmpfs of ``size_bytes`` at ``folder``; yields False (and mounts nothing) when not permitted."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(folder)],
                             capture_output=True, check=False).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def _remount_read_only(folder: Path) -> bool:
    return subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True,
                          check=False).returncode == 0


@pytest.fixture()
def small_store(tmp_path: Path) -> Store:
    """A small store (January's fixture files), quick to copy onto a tiny disk."""
    store = Store(tmp_path / "small" / "store.duckdb")
    load_paths(store, [JAN / "2024-01-gwent-street.csv", JAN / "2024-01-gwent-outcomes.csv"])
    return store


def test_load_killed_mid_way_leaves_the_previous_data_and_a_rerun_completes(writable_demo_store: Store) -> None:
    """SIGKILL while the next version is being written: the live version is untouched; the re-run loads."""
    store = writable_demo_store
    live_before = _live_file(store)
    before = store_checksums(store)
    original_size = live_before.stat().st_size
    proc = subprocess.Popen(_cli(store.path, "load", str(DEMO_ZIP), "--user", "analyst"), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    killed_while_writing = False
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        partial = list(store.versions_dir.glob("next-*.tmp")) if store.versions_dir.exists() else []
        if partial and any(p.stat().st_size > original_size for p in partial if p.exists()):
            os.kill(proc.pid, signal.SIGKILL)  # it has copied the store and started writing the new rows
            killed_while_writing = True
            break
        time.sleep(0.02)
    proc.wait(timeout=30)
    assert killed_while_writing, "the load finished before it could be killed; use a bigger input"
    assert proc.returncode == -signal.SIGKILL
    assert list(store.versions_dir.glob("next-*.tmp")), "the killed write should have left its temporary file"
    assert _live_file(store) == live_before or _live_file(store).read_bytes() == live_before.read_bytes()
    assert store_checksums(store) == before  # every table exactly as before the load
    rerun = subprocess.run(_cli(store.path, "load", str(DEMO_ZIP), "--user", "analyst"), cwd=ROOT,
                           capture_output=True, text=True, check=False, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "Done: 72 files" in rerun.stdout
    after = store_checksums(store)
    assert after["load_log"][0] == before["load_log"][0] + 72  # one load_log row per file of the re-run
    assert after["street_crime"][0] == before["street_crime"][0]  # same months replaced, never doubled
    assert not list(store.versions_dir.glob("next-*.tmp*")), "the re-run cleans up the killed write's leftovers"


def test_disk_full_before_the_copy_is_a_clear_message(small_store: Store, tmp_path: Path) -> None:
    """No room even to copy the store: 'The disk is full…', exit code 3, the store unchanged."""
    live = _live_file(small_store)
    with _tmpfs(tmp_path / "disk", live.stat().st_size + 300_000) as mounted:
        if not mounted:
            pytest.skip("mount not permitted here; test_disk_full_simulated covers the message")
        target = tmp_path / "disk" / "store.duckdb"
        shutil.copyfile(live, target)
        store = Store(target)
        before = store_checksums(store)
        result = subprocess.run(_cli(target, "load", str(FEB)), cwd=ROOT, capture_output=True, text=True,
                                check=False, timeout=300)
        assert result.returncode == 3, result.stderr[-2000:]
        assert "The disk is full" in result.stderr and "nothing was changed" in result.stderr
        assert "Traceback" not in result.stderr
        assert store_checksums(store) == before


def test_disk_full_during_the_load_is_a_clear_message(small_store: Store, tmp_path: Path) -> None:
    """Room for the copy but not for 36 months of rows: a plain message, non-zero exit, the store unchanged."""
    live = _live_file(small_store)
    with _tmpfs(tmp_path / "disk", 2 * live.stat().st_size + 600_000) as mounted:
        if not mounted:
            pytest.skip("mount not permitted here; test_disk_full_simulated covers the message")
        target = tmp_path / "disk" / "store.duckdb"
        shutil.copyfile(live, target)
        store = Store(target)
        before = store_checksums(store)
        result = subprocess.run(_cli(target, "load", str(DEMO_ZIP)), cwd=ROOT, capture_output=True, text=True,
                                check=False, timeout=300)
        assert store_checksums(store) == before
        assert not list(store.versions_dir.glob("next-*.tmp*")), "the failed write removes its temporary file"
        assert "Traceback" not in result.stderr
        assert result.returncode == 3
        assert "The disk is full" in result.stderr


def test_disk_full_simulated(small_store: Store, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    """Where mounting isn't allowed: ENOSPC from the copy gives the same message and exit code (in-process)."""
    from cspdash import cli
    from cspdash.store import versions

    before = store_checksums(small_store)

    def no_space(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(versions.shutil, "copyfile", no_space)
    code = cli.main(["--db", str(small_store.path), "load", str(FEB)])
    assert code == 3
    assert "The disk is full" in capsys.readouterr().err
    monkeypatch.undo()
    assert store_checksums(small_store) == before


def test_read_only_store_is_a_clear_message(small_store: Store, tmp_path: Path) -> None:
    """A store on a read-only file system: 'The store is read-only here…', exit code 3, nothing changed."""
    live = _live_file(small_store)
    folder = tmp_path / "ro"
    with _tmpfs(folder, 4 * live.stat().st_size + 1_000_000) as mounted:
        if not mounted:
            pytest.skip("mount not permitted here; test_read_only_simulated covers the message")
        target = folder / "store.duckdb"
        shutil.copyfile(live, target)
        Store(target).versions_dir.mkdir()
        before = store_checksums(Store(target))
        assert _remount_read_only(folder)
        result = subprocess.run(_cli(target, "load", str(FEB)), cwd=ROOT, capture_output=True, text=True,
                                check=False, timeout=300)
        assert result.returncode == 3, result.stderr[-2000:]
        assert "read-only" in result.stderr and "nothing was changed" in result.stderr
        assert "Traceback" not in result.stderr
        assert store_checksums(Store(target)) == before
        status = subprocess.run(_cli(target, "status"), cwd=ROOT, capture_output=True, text=True, check=False,
                                timeout=120)
        assert status.returncode == 0, status.stderr[-2000:]  # reading still works


def test_read_only_simulated(small_store: Store, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    """Where mounting isn't allowed: EROFS on the lock file gives the read-only message (in-process)."""
    from cspdash import cli
    from cspdash.store import versions

    real_open = open

    def read_only_open(file: object, mode: str = "r", *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if str(file).endswith(".lock"):
            raise OSError(errno.EROFS, "Read-only file system", str(file))
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    before = store_checksums(small_store)
    monkeypatch.setattr(versions, "open", read_only_open, raising=False)
    code = cli.main(["--db", str(small_store.path), "load", str(FEB)])
    assert code == 3
    assert "read-only" in capsys.readouterr().err
    monkeypatch.undo()
    assert store_checksums(small_store) == before
