"""One explicit transaction for many statements: one commit instead of one per statement."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[bool]:
    """One transaction for the block, unless the caller has one open.

    Yields True when this transaction is ours (rolled back on any exception, so the block can be retried),
    False when the caller's is in use (then a failed statement leaves it aborted: the caller must roll back).
    Autocommit commits every statement, and each commit writes the statement's rows to the write-ahead log;
    inside one transaction large appends are written once, straight to the database file.
    """
    if in_transaction(con):
        yield False  # (a failed BEGIN would abort the caller's transaction, so ask first)
        return
    con.execute("BEGIN TRANSACTION")
    try:
        yield True
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """True when an explicit transaction is open: two statements then share one transaction id."""
    ids = [con.execute("SELECT current_transaction_id()").fetchone() for _ in range(2)]
    return ids[0] == ids[1]
