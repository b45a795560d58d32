"""Which force-months police.uk has published, so gaps show as gaps and never as zero crime."""

from __future__ import annotations

import duckdb
import pandas as pd

LOW_SHARE = 0.5
COMPLETENESS_RULE = (
    "A month is 'missing' when no file was published for the force; 'low' when it has fewer than half "
    "(50%) of the median rows of the force's other published months; otherwise 'ok'. Missing months have no "
    "row count: they are gaps, not zero crime."
)


def completeness(con: duckdb.DuckDBPyConnection, source: str = "street") -> pd.DataFrame:
    """Every force × month from the first to the last month published by any force: force, month, rows, status."""
    grid = con.execute(
        """
        WITH span AS (SELECT min(month) AS first, max(month) AS last FROM published_month WHERE source = ?),
        forces AS (
            SELECT DISTINCT force FROM published_month
            UNION SELECT DISTINCT force FROM partnership WHERE force IS NOT NULL
        ),
        months AS (
            SELECT CAST(m AS DATE) AS month FROM span, generate_series(span.first, span.last, INTERVAL 1 MONTH) g(m)
            WHERE span.first IS NOT NULL
        )
        SELECT f.force, m.month, p.rows
        FROM forces f CROSS JOIN months m
        LEFT JOIN published_month p ON p.source = ? AND p.force = f.force AND p.month = m.month
        ORDER BY f.force, m.month
        """,
        [source, source],
    ).df()
    if grid.empty:
        return pd.DataFrame({"force": pd.Series(dtype="object"), "month": pd.Series(dtype="datetime64[ns]"),
                             "rows": pd.Series(dtype="Int64"), "status": pd.Series(dtype="object")})
    grid["rows"] = grid["rows"].astype("Int64")
    grid["status"] = [
        _status(rows, _median_of_others(grid, force, month))
        for force, month, rows in zip(grid["force"], grid["month"], grid["rows"], strict=True)
    ]
    return grid.reset_index(drop=True)


def _median_of_others(grid: pd.DataFrame, force: str, month: object) -> float | None:
    others = grid.loc[(grid["force"] == force) & (grid["month"] != month), "rows"].dropna()
    return float(others.median()) if len(others) else None


def _status(rows: object, median_of_others: float | None) -> str:
    if pd.isna(rows):
        return "missing"
    if median_of_others is not None and float(rows) < LOW_SHARE * median_of_others:  # type: ignore[arg-type]
        return "low"
    return "ok"
