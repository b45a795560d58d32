"""What the store offers the filters: partnerships, months with data, crime types."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd


def partnerships(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Partnerships to choose from: partnership_code, partnership_name, force (sorted by force, then name).

    The national geography ships all 314 partnerships; one is offered once its force has published street data.
    A partnership declared in a partnerships CSV is always offered, and takes the place of the shipped
    partnerships whose councils it covers entirely.
    """
    return con.execute(
        """
        WITH declared_las AS (
            SELECT DISTINCT pl.la_code FROM partnership_la pl JOIN partnership p USING (partnership_code)
            WHERE p.source IS DISTINCT FROM 'shipped'
        ), superseded AS (
            SELECT pl.partnership_code FROM partnership_la pl JOIN partnership p USING (partnership_code)
            WHERE p.source = 'shipped'
            GROUP BY pl.partnership_code HAVING bool_and(pl.la_code IN (SELECT la_code FROM declared_las))
        ), with_data AS (SELECT DISTINCT force FROM published_month WHERE source = 'street')
        SELECT partnership_code, partnership_name, force FROM partnership p
        WHERE p.source IS DISTINCT FROM 'shipped'
           OR (p.force IN (SELECT force FROM with_data)
               AND p.partnership_code NOT IN (SELECT partnership_code FROM superseded))
        ORDER BY force NULLS LAST, partnership_name
        """
    ).df()


def months_available(con: duckdb.DuckDBPyConnection, force: str | None = None) -> list[date]:
    """Months with published street data (for a force, or any), oldest first."""
    rows = con.execute(
        "SELECT DISTINCT month FROM published_month WHERE source = 'street' AND ($force IS NULL OR force = $force)"
        " ORDER BY month",
        {"force": force},
    ).fetchall()
    return [row[0] for row in rows]


#: store versions are immutable files, so the crime types present are kept per file (never for in-memory stores)
_TYPES_CACHE: dict[str, list[str]] = {}
_CACHE_LIMIT = 16


def store_file(con: duckdb.DuckDBPyConnection) -> str:
    """The database file behind a connection ('' for in-memory stores)."""
    row = con.execute("SELECT file FROM pragma_database_list WHERE name = current_database()").fetchone()
    return str(row[0]) if row and row[0] else ""


def crime_types_present(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Crime types that appear in the store, alphabetically (read once per store version)."""
    key = store_file(con)
    if key and key in _TYPES_CACHE:
        return list(_TYPES_CACHE[key])
    types = [row[0] for row in con.execute("SELECT DISTINCT crime_type FROM agg_crime_month_lsoa ORDER BY 1").fetchall()]
    if key:
        if len(_TYPES_CACHE) >= _CACHE_LIMIT:
            _TYPES_CACHE.clear()
        _TYPES_CACHE[key] = types
    return list(types)
