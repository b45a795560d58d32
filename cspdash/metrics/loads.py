"""Queries for the Data page: the load log, rejected rows, completeness."""

from __future__ import annotations

import duckdb
import pandas as pd


def load_log(con: duckdb.DuckDBPyConnection, limit: int = 500) -> pd.DataFrame:
    """The most recent loads first."""
    return con.execute(
        "SELECT loaded_at AS \"Loaded at\", source AS \"Source\", file_name AS \"File\", rows_read AS \"Rows read\","
        " rows_loaded AS \"Rows loaded\", rows_rejected AS \"Rows rejected\", detail AS \"Detail\","
        " loaded_by AS \"Loaded by\", sha256 AS \"SHA-256\" FROM load_log ORDER BY load_id DESC LIMIT ?",
        [limit],
    ).df()


def rejected_rows(con: duckdb.DuckDBPyConnection, limit: int = 2000) -> pd.DataFrame:
    """Every rejected row with where and why (nothing is lost: the raw value is kept)."""
    return con.execute(
        "SELECT r.file_name AS \"File\", r.line AS \"Line\", r.column_name AS \"Column\", r.value AS \"Value\","
        " r.reason AS \"Expected\", l.loaded_at AS \"Loaded at\" FROM load_reject r JOIN load_log l USING (load_id)"
        " ORDER BY r.load_id DESC, r.line LIMIT ?",
        [limit],
    ).df()


def completeness_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rows per force and month with a status (ok, low, missing)."""
    from cspdash.store.completeness import completeness

    return completeness(con, source="street")
