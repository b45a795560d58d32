"""What the store offers the filters: partnerships, months with data, crime types."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from cspdash.metrics.memo import per_store_version, store_file

__all__ = ["crime_types_present", "months_available", "partnerships", "store_file"]


def partnerships(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Partnerships with data: partnership_code, partnership_name, force (sorted by name)."""
    return con.execute(
        "SELECT partnership_code, partnership_name, force FROM partnership ORDER BY partnership_name"
    ).df()


def months_available(con: duckdb.DuckDBPyConnection, force: str | None = None) -> list[date]:
    """Months with published street data (for a force, or any), oldest first."""
    rows = con.execute(
        "SELECT DISTINCT month FROM published_month WHERE source = 'street' AND ($force IS NULL OR force = $force)"
        " ORDER BY month",
        {"force": force},
    ).fetchall()
    return [row[0] for row in rows]


def crime_types_present(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Crime types that appear in the store, alphabetically (read once per store version)."""
    return list(_crime_types(con))


@per_store_version(maxsize=16)
def _crime_types(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.execute("SELECT DISTINCT crime_type FROM agg_crime_month_lsoa ORDER BY 1").fetchall()]
