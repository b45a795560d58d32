"""The versioned store: readers open an immutable version; a write builds the next version and swaps a link.

Layout for a store path ``data/cspdash.duckdb``::

    data/cspdash.duckdb             symlink → cspdash.duckdb.versions/v000007.duckdb (the live version)
    data/cspdash.duckdb.versions/   v000005.duckdb, v000006.duckdb, v000007.duckdb (older ones kept for rollback)
    data/cspdash.duckdb.lock        serialises writers

A write copies the live version to a temporary file, opens it read-write, runs the change, checkpoints,
renames it to the next version number and atomically replaces the symlink. A failure or a kill at any
point leaves the live version untouched (the temporary file is removed, or cleaned up by the next write).
Readers never hold the file a writer writes, so loads work while the dashboard runs.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from cspdash.store.aggregates import fill_new_aggregates

SCHEMA_SQL = Path(__file__).with_name("schema.sql")
VIEWS_SQL = Path(__file__).with_name("views.sql")
KEEP_VERSIONS = 3
#: every read-only connection uses this configuration: DuckDB refuses a second connection to the same file
#: in one process with a different one
READ_CONFIG: dict[str, str | bool | int | float | list[str]] = {"threads": 2}
#: the write connection's memory cap: DuckDB's default (80% of RAM) lets a national load's outcome aggregate
#: (each crime's latest outcome joined to 6 million street rows) hold 3 GB; capped, DuckDB spills its hash
#: tables to a folder beside the temporary version instead. $CSPDASH_WRITE_MEMORY overrides (e.g. "4GB").
WRITE_MEMORY_LIMIT = "1GB"
_VERSION_RE = re.compile(r"^v(\d{6})\.duckdb$")
#: a version rolled away from is renamed with this suffix: never rolled back to, removed by the next write
ROLLED_BACK = ".rolled-back"
_NUMBERED_RE = re.compile(r"^v(\d{6})\.duckdb(?:\.rolled-back)?$")


class StoreError(RuntimeError):
    """A store problem a person can act on (message says what and what to do)."""


class Store:
    """A versioned DuckDB store at ``path``."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path).absolute()
        self.versions_dir = self.path.with_name(self.path.name + ".versions")
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    # ------------------------------------------------------------------ reading
    def exists(self) -> bool:
        """True when a live version exists."""
        return self.current_version() is not None

    def current_version(self) -> Path | None:
        """The file of the live version (the symlink's target), or None when there is no store yet."""
        if self.path.is_symlink():
            target = self.path.resolve()
            return target if target.exists() else None
        if self.path.is_file():
            return self.path
        return None

    def versions(self) -> list[Path]:
        """All kept versions, oldest first."""
        if not self.versions_dir.is_dir():
            return []
        return sorted(p for p in self.versions_dir.iterdir() if _VERSION_RE.match(p.name))

    def connect_read(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the live version."""
        version = self.current_version()
        if version is None:
            raise StoreError(f"No store at {self.path}. Build one with: python -m cspdash demo")
        return duckdb.connect(str(version), read_only=True, config=READ_CONFIG)

    def pin(self) -> Pin | None:
        """The live version, held for reading: a write does not remove it while the Pin is open (None: no
        store). A reader that resolved the link just before three quick loads would otherwise find it gone."""
        for _attempt in range(10):
            version = self.current_version()
            if version is None:
                return None
            try:
                fd = os.open(version, os.O_RDONLY)
            except FileNotFoundError:
                continue  # removed between resolving the link and opening it: resolve again
            fcntl.flock(fd, fcntl.LOCK_SH)
            if os.fstat(fd).st_nlink > 0:
                return Pin(version, fd)
            os.close(fd)  # removed before the lock was granted: resolve again
        raise StoreError(f"The store at {self.path} kept changing while it was opened; try again.")

    # ------------------------------------------------------------------ writing
    @contextlib.contextmanager
    def write(self, lock_timeout_s: float = 600.0) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a read-write connection to the next version; publish it only if the block succeeds."""
        try:
            self.versions_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(_os_message(exc, self.versions_dir)) from exc
        with self._lock(lock_timeout_s):
            self._remove_stale_temporaries()
            tmp = self.versions_dir / f"next-{os.getpid()}-{time.time_ns()}.tmp"
            spill = Path(str(tmp) + ".spill")  # DuckDB's temp_directory when a step exceeds the memory cap
            con: duckdb.DuckDBPyConnection | None = None
            try:
                current = self.current_version()
                try:
                    if current is not None:
                        shutil.copyfile(current, tmp)
                    con = duckdb.connect(str(tmp))
                except (OSError, duckdb.IOException) as exc:
                    raise StoreError(_os_message(exc, tmp)) from exc
                con.execute("SET preserve_insertion_order = false")
                con.execute("SET memory_limit = ?", [os.environ.get("CSPDASH_WRITE_MEMORY") or WRITE_MEMORY_LIMIT])
                con.execute("SET temp_directory = ?", [str(spill)])
                ensure_schema(con)
                fill_new_aggregates(con)
                yield con
                con.execute("CHECKPOINT")
                con.close()
                con = None
                shutil.rmtree(spill, ignore_errors=True)
                self._publish(tmp)
            except BaseException as exc:
                if con is not None:
                    with contextlib.suppress(Exception):
                        con.close()
                for leftover in (tmp, Path(str(tmp) + ".wal")):
                    with contextlib.suppress(OSError):
                        leftover.unlink()
                shutil.rmtree(spill, ignore_errors=True)
                cause = _storage_cause(exc)
                if cause is not None and not isinstance(exc, StoreError):
                    raise StoreError(_os_message(cause, tmp)) from exc
                raise

    def _publish(self, tmp: Path) -> None:
        """Rename the finished temporary file to the next version and swap the link atomically."""
        # numbered after every version ever kept here, set-aside ones too: a version's path is never reused, so
        # a result cached on it (ui.db, metrics.memo) can never meet other contents
        numbers = [int(m.group(1)) for p in self.versions_dir.iterdir() if (m := _NUMBERED_RE.match(p.name))]
        version = self.versions_dir / f"v{(max(numbers, default=0) + 1):06d}.duckdb"
        try:
            os.replace(tmp, version)
            if self.path.exists() and not self.path.is_symlink():
                # a plain file from elsewhere becomes history, not lost: linked into the versions (not moved), so
                # the path keeps a live version until the link below replaces it in one step (a reader must
                # never find no store while a load publishes: the dashboard would say there is no data, and its
                # first-start check, ui/shell.ensure_store, would start building the demo store)
                history = self.versions_dir / "v000000.duckdb"
                with contextlib.suppress(FileNotFoundError):
                    history.unlink()
                try:
                    os.link(self.path, history)
                except OSError:  # a file system without hard links
                    shutil.copyfile(self.path, history)
            link_tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.link")
            with contextlib.suppress(FileNotFoundError):
                link_tmp.unlink()
            os.symlink(os.path.relpath(version, self.path.parent), link_tmp)
            os.replace(link_tmp, self.path)
        except OSError as exc:
            raise StoreError(_os_message(exc, version)) from exc
        for old in self.versions()[:-KEEP_VERSIONS]:
            _remove_unless_read(old)
        for discarded in self.versions_dir.glob(f"v*.duckdb{ROLLED_BACK}"):
            _remove_unless_read(discarded)  # a new load after a rollback: what was rolled away from is gone for good

    def _remove_stale_temporaries(self) -> None:
        """Remove temporary files left by a killed write (we hold the lock, so none is in use)."""
        for leftover in self.versions_dir.glob("next-*.tmp*"):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            with contextlib.suppress(OSError):
                leftover.unlink()

    @contextlib.contextmanager
    def _lock(self, timeout_s: float) -> Iterator[None]:
        try:
            handle = open(self.lock_path, "a+")
        except OSError as exc:
            raise StoreError(_os_message(exc, self.lock_path)) from exc
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreError(
                            f"Another load is writing to {self.path}; try again when it has finished."
                        ) from None
                    time.sleep(0.1)
            yield
        finally:
            handle.close()

    def rollback(self) -> Path:
        """Point the store back at the previous kept version; returns it.

        Every version after it is set aside (renamed ``…duckdb.rolled-back``), so a later rollback, after a new
        load built on this version, returns here and never to a state the user rolled away from; the next write
        removes them."""
        with self._lock(60):
            kept = self.versions()
            current = self.current_version()
            older = [v for v in kept if current is None or v.name < current.name]
            if not older:
                raise StoreError("No earlier version is kept to roll back to.")
            link_tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.link")
            os.symlink(os.path.relpath(older[-1], self.path.parent), link_tmp)
            os.replace(link_tmp, self.path)
            for newer in kept:
                if newer.name > older[-1].name:  # a reader holding one keeps reading it (renaming keeps the file)
                    with contextlib.suppress(OSError):
                        os.replace(newer, newer.with_name(newer.name + ROLLED_BACK))
            return older[-1]


class Pin:
    """A version held for reading (a shared lock on its file): writes keep it until it is closed."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self._fd = path, fd

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # releases the lock
            self._fd = -1

    def __del__(self) -> None:
        self.close()


def _remove_unless_read(version: Path) -> None:
    """Remove an old version unless a reader holds it (Store.pin); a later write removes it once released."""
    try:
        fd = os.open(version, os.O_RDONLY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return
    try:
        with contextlib.suppress(OSError):
            version.unlink()  # under the exclusive lock: a reader locking after this sees no link and resolves again
    finally:
        os.close(fd)


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table, sequence and public view that does not exist yet, add any new column, and record
    which schema the store now has (schema_digest)."""
    con.execute(SCHEMA_SQL.read_text())
    con.execute(VIEWS_SQL.read_text())
    con.execute(f"CREATE TABLE IF NOT EXISTS {_SCHEMA_TABLE} (digest VARCHAR NOT NULL)")
    con.execute(f"DELETE FROM {_SCHEMA_TABLE}")
    con.execute(f"INSERT INTO {_SCHEMA_TABLE} VALUES (?)", [schema_digest()])


#: one row: the schema_digest() of the schema.sql and views.sql the store was last brought up to
_SCHEMA_TABLE = "store_schema"


@functools.cache
def schema_digest() -> str:
    """This cspdash's schema: a digest of schema.sql and views.sql (any edit to either changes it, so no
    version number has to be remembered)."""
    digest = hashlib.sha256(SCHEMA_SQL.read_bytes() + b"\0" + VIEWS_SQL.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def schema_objects() -> frozenset[str]:
    """The tables and views the schema files create."""
    tables = re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", SCHEMA_SQL.read_text(encoding="utf-8"))
    views = re.findall(r"CREATE OR REPLACE VIEW (\w+)", VIEWS_SQL.read_text(encoding="utf-8"))
    return frozenset(tables + views + [_SCHEMA_TABLE])


def stored_digest(con: duckdb.DuckDBPyConnection) -> str | None:
    """The schema digest recorded in the store; None for a fresh store, one written before digests, or one
    missing a table or view the schema creates (e.g. dropped by hand)."""
    present = {name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' UNION ALL "
        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal").fetchall()}
    if not schema_objects() <= present:
        return None
    row = con.execute(f"SELECT max(digest) FROM {_SCHEMA_TABLE}").fetchone()
    return str(row[0]) if row and row[0] is not None else None


def ensure_schema(con: duckdb.DuckDBPyConnection) -> bool:
    """Apply the schema only when the store's is behind this cspdash's (a fresh store, an older one, one written
    by another version); True when it was applied. A write used to run the whole schema and views every time."""
    if stored_digest(con) == schema_digest():
        return False
    apply_schema(con)
    return True


_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}
_STORAGE_TEXT = ("No space left", "Read-only file system", "Permission denied", "Disk quota exceeded")


def _storage_cause(exc: BaseException) -> BaseException | None:
    """The disk-full / read-only / permission error behind ``exc`` (its cause or context chain), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _STORAGE_ERRNOS:
            return current
        if isinstance(current, duckdb.Error) and any(text in str(current) for text in _STORAGE_TEXT):
            return current
        current = current.__cause__ or current.__context__
    return None


def _os_message(exc: BaseException, where: Path) -> str:
    """A message a person can act on for a failed file operation."""
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or "No space left" in str(exc):
        return f"The disk is full: could not write {where}. Free some space and run the load again; nothing was changed."
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or "Read-only" in str(exc) or "Permission denied" in str(exc):
        return f"The store is read-only here: could not write {where}. Check the folder's permissions; nothing was changed."
    return f"Could not write {where}: {exc}. Nothing was changed."
