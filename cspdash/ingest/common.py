"""Shared by every loader: checksums, load ids, the load log and the reject log."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from cspdash.ingest.report import LoadReport, Problem


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    """A new load id from the store's sequence."""
    rows = con.execute("SELECT nextval('load_id_seq')").fetchall()
    return int(rows[0][0])


def record_load(con: duckdb.DuckDBPyConnection, load_id: int, report: LoadReport, user: str) -> None:
    """Write the report to load_log and its row-level problems to load_reject (nothing is ever lost)."""
    con.execute(
        "INSERT INTO load_log (load_id, source, file_name, sha256, rows_read, rows_loaded, rows_rejected, detail,"
        " loaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, report.source, report.file_name, report.sha256, report.rows_read, report.rows_loaded,
         report.rows_rejected, report.detail, user],
    )
    if report.problems:
        con.executemany(
            "INSERT INTO load_reject VALUES (?, ?, ?, ?, ?, ?)",
            [[load_id, p.file, p.line, p.column, p.value, p.expected] for p in report.problems],
        )


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
