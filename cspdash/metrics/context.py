"""What the store offers the filters: partnerships, months with data, crime types."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from cspdash.metrics.memo import per_store_version, store_file

__all__ = ["OFFERED_PARTNERSHIPS_SQL", "crime_types_present", "months_available", "partnerships", "store_file"]


#: the partnerships offered (and compared): partnership_code, partnership_name, force — see partnerships()
OFFERED_PARTNERSHIPS_SQL = """
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
           AND p.partnership_code NOT IN (SELECT partnership_code FROM superseded))"""


def partnerships(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Partnerships to choose from: partnership_code, partnership_name, force (sorted by force, then name).

    The national geography ships all 314 partnerships; one is offered once its force has published street data.
    A partnership declared in a partnerships CSV is always offered, and takes the place of the shipped
    partnerships whose councils it covers entirely.
    """
    return con.execute(f"{OFFERED_PARTNERSHIPS_SQL} ORDER BY force NULLS LAST, partnership_name").df()


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
