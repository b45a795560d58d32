"""Which force-months police.uk has published, so gaps show as gaps and never as zero crime."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

LOW_SHARE = 0.5
COMPLETENESS_RULE = (
    "A month is 'missing' when no file was published for the force; 'low' when it has fewer than half "
    "(50%) of the median rows of the force's other published months; otherwise 'ok'. Missing months have no "
    "row count: they are gaps, not zero crime."
)


#: every force × month with its status by COMPLETENESS_RULE (parameters: $source, $low)
_GRID_SQL = """
        WITH span AS (SELECT min(month) AS first, max(month) AS last FROM published_month WHERE source = $source),
        forces AS (
            SELECT DISTINCT force FROM published_month
            UNION SELECT DISTINCT force FROM partnership  -- a declared partnership's force, even before its data
            WHERE force IS NOT NULL AND source IS DISTINCT FROM 'shipped'
        ),
        months AS (
            SELECT CAST(m AS DATE) AS month FROM span, generate_series(span.first, span.last, INTERVAL 1 MONTH) g(m)
            WHERE span.first IS NOT NULL
        ),
        published AS (SELECT force, month, rows FROM published_month WHERE source = $source),
        others AS (  -- each published month against the median of the force's other published months
            SELECT a.force, a.month, median(b.rows) AS median_of_others
            FROM published a JOIN published b ON b.force = a.force AND b.month <> a.month
            GROUP BY a.force, a.month
        )
        SELECT f.force, m.month, p.rows,
               CASE WHEN p.rows IS NULL THEN 'missing'
                    WHEN o.median_of_others IS NOT NULL AND p.rows < $low * o.median_of_others THEN 'low'
                    ELSE 'ok' END AS status
        FROM forces f CROSS JOIN months m
        LEFT JOIN published p ON p.force = f.force AND p.month = m.month
        LEFT JOIN others o ON o.force = f.force AND o.month = m.month
"""


def completeness(con: duckdb.DuckDBPyConnection, source: str = "street", force: str | None = None) -> pd.DataFrame:
    """Every force × month from the first to the last month published by any force: force, month, rows, status
    (only ``force``'s rows when given)."""
    params: dict[str, object] = {"source": source, "low": LOW_SHARE}
    if force is not None:
        params["force"] = force
    only = "" if force is None else "WHERE force = $force"
    grid = con.execute(f"SELECT * FROM ({_GRID_SQL}) {only} ORDER BY force, month", params).df()
    if grid.empty:
        return pd.DataFrame({"force": pd.Series(dtype="object"), "month": pd.Series(dtype="datetime64[ns]"),
                             "rows": pd.Series(dtype="Int64"), "status": pd.Series(dtype="object")})
    grid["rows"] = grid["rows"].astype("Int64")
    return grid.reset_index(drop=True)


def completeness_counts(con: duckdb.DuckDBPyConnection, source: str = "street") -> tuple[date | None, date | None, int, int]:
    """(first month, last month, force-months not 'ok', force-months) of completeness(), without the table."""
    row = con.execute(
        f"SELECT min(month), max(month), count(*) FILTER (WHERE status <> 'ok'), count(*) FROM ({_GRID_SQL})",
        {"source": source, "low": LOW_SHARE},
    ).fetchone()
    first, last, gaps, cells = row if row else (None, None, 0, 0)
    return first, last, int(gaps), int(cells)
