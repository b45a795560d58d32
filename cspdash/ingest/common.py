"""Shared by every loader: checksums, load ids, the load log and the reject log."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import duckdb

from cspdash.ingest.report import LoadReport, Problem
from cspdash.store.writes import insert_rows


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Hashes:
    """The sha256 of many files, hashed by worker threads at the lowest CPU priority while a load goes on.

    They run on CPU time the load leaves idle (DuckDB's threads are not always all busy, e.g. while it builds the
    pre-aggregates force by force), so the digests are usually ready when the load log is written. Use as a
    context manager: leaving it cancels what is not yet started.
    """

    def __init__(self, paths: Iterable[Path]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="cspdash-sha256",
                                        initializer=_lowest_priority)
        self._futures: dict[Path, Future[str]] = {}
        for path in paths:
            if path not in self._futures:
                self._futures[path] = self._pool.submit(sha256_of, path)

    def of(self, path: Path) -> str:
        """The file's sha256 (waiting for it if need be; hashed now if it was not given)."""
        future = self._futures.get(path)
        return future.result() if future is not None else sha256_of(path)

    def __enter__(self) -> Hashes:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _lowest_priority() -> None:
    """Make the calling thread the last to get a CPU (Linux sets nice per thread)."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, data: object) -> Iterator[str]:
    """A DataFrame or Arrow table visible to SQL as ``name`` inside the with-block, for one INSERT … SELECT over many
    rows. DuckDB refuses register() beside an unfinished result, so any is run to its end first."""
    con.complete()
    con.register(name, data)
    try:
        yield name
    finally:
        con.unregister(name)


def next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    """A new load id from the store's sequence."""
    return next_load_ids(con, 1)[0]


def next_load_ids(con: duckdb.DuckDBPyConnection, count: int) -> list[int]:
    """``count`` new load ids from the store's sequence, increasing, in one query (not one per file)."""
    rows = con.execute("SELECT nextval('load_id_seq') FROM range(?)", [count]).fetchall()
    return sorted(int(row[0]) for row in rows)


def record_load(con: duckdb.DuckDBPyConnection, load_id: int, report: LoadReport, user: str) -> None:
    """Write the report to load_log and its row-level problems to load_reject (nothing is ever lost)."""
    record_loads(con, [(load_id, report)], user)


def record_loads(con: duckdb.DuckDBPyConnection, loads: Sequence[tuple[int, LoadReport]], user: str) -> None:
    """record_load for many files in one statement each for load_log and load_reject (a batch of police.uk files
    is hundreds of reports: one INSERT per row cost a few ms each)."""
    import pyarrow as pa

    if not loads:
        return
    reports = [report for _load_id, report in loads]
    log = pa.table({
        "load_id": pa.array([load_id for load_id, _report in loads], pa.int32()),
        "source": [r.source for r in reports], "file_name": [r.file_name for r in reports],
        "sha256": [r.sha256 for r in reports],
        "rows_read": pa.array([r.rows_read for r in reports], pa.int64()),
        "rows_loaded": pa.array([r.rows_loaded for r in reports], pa.int64()),
        "rows_rejected": pa.array([r.rows_rejected for r in reports], pa.int64()),
        "detail": pa.array([r.detail for r in reports], pa.string()),
        "loaded_by": pa.array([user] * len(reports), pa.string()),
    })
    with registered(con, "_cspdash_load_rows", log):
        con.execute("INSERT INTO load_log (load_id, source, file_name, sha256, rows_read, rows_loaded, rows_rejected,"
                    " detail, loaded_by) SELECT * FROM _cspdash_load_rows")
    problems = [[load_id, p.file, p.line, p.column, None if p.value is None else str(p.value), p.expected]
                for load_id, report in loads for p in report.problems]
    if problems:
        insert_rows(con, "load_reject", problems)


def read_text_lenient(path: Path) -> tuple[str, str]:
    """Decode a text file as UTF-8 (BOM stripped), falling back to cp1252; returns (text, encoding)."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


def problem(file: str, expected: str, line: int | None = None, column: str | None = None,
            value: str | None = None) -> Problem:
    """Shorthand for a Problem."""
    return Problem(file=file, line=line, column=column, value=value, expected=expected)
