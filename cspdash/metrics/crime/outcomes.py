"""Outcomes by crime type and month, stop and search, and the plan's events on the trend chart."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from cspdash.metrics.crime.freshness import _dates
from cspdash.metrics.crime.headline import crime_types_for
from cspdash.vocab import OUTCOME_GROUPS


# ---------------------------------------------------------------------------------------------- outcomes
def outcomes_by_crime_type(
    con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date,
) -> pd.DataFrame:
    """Share of crimes recorded in the window by latest outcome group, per crime type: crime_type, outcome_group,
    crimes, share (percent of that crime type)."""
    frame = con.execute(
        """
        SELECT o.crime_type, o.outcome_group, sum(o.crimes)::BIGINT AS crimes
        FROM agg_outcome_month_la o
        WHERE o.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = ?) AND o.crime_month BETWEEN ? AND ?
        GROUP BY ALL
        """, [partnership, start, end]).df()
    return _with_share(frame, "crime_type")


def outcomes_by_month(
    con: duckdb.DuckDBPyConnection, partnership: str, crime_type: str, start: date, end: date,
) -> pd.DataFrame:
    """Share of each month's crimes by latest outcome group: month, outcome_group, crimes, share."""
    frame = con.execute(
        """
        SELECT o.crime_month AS month, o.outcome_group, sum(o.crimes)::BIGINT AS crimes
        FROM agg_outcome_month_la o
        WHERE o.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = ?) AND o.crime_month BETWEEN ? AND ? AND list_contains(?, o.crime_type)
        GROUP BY ALL
        """, [partnership, start, end, list(crime_types_for(crime_type))]).df()
    frame["month"] = _dates(frame["month"])
    return _with_share(frame, "month")


def _with_share(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Add share (percent within ``by``) and order outcome groups as in OUTCOME_GROUPS."""
    if frame.empty:
        return frame.assign(share=pd.Series(dtype=float))
    _keys, group = np.unique(frame[by].to_numpy(dtype=object), return_inverse=True)  # sorted, as sort_values
    crimes = frame["crimes"].to_numpy()
    totals = np.bincount(group, weights=crimes)
    order = {g: i for i, g in enumerate(OUTCOME_GROUPS)}
    rank = np.array([order.get(g, len(order)) for g in frame["outcome_group"]])
    frame = frame.assign(share=100.0 * crimes / totals[group])
    return frame.iloc[np.lexsort((rank, group))].reset_index(drop=True)  # stable, like a two-key sort_values


# ---------------------------------------------------------------------------------------------- stop and search
def stop_search_rows(con: duckdb.DuckDBPyConnection, force: str, start: date, end: date) -> int:
    """How many stop-and-search records the force has in the window (0 = none loaded)."""
    row = con.execute("SELECT count(*) FROM stop_searches WHERE force = ? AND month BETWEEN ? AND ?",
                      [force, start, end]).fetchone()
    return int(row[0]) if row else 0


def stop_search_by_object(con: duckdb.DuckDBPyConnection, force: str, start: date, end: date) -> pd.DataFrame:
    """Searches by object of search and outcome: object_of_search, outcome, searches."""
    return con.execute(
        """
        SELECT coalesce(object_of_search, 'Not recorded') AS object_of_search,
               coalesce(outcome, 'Not recorded') AS outcome, count(*)::BIGINT AS searches
        FROM stop_searches WHERE force = ? AND month BETWEEN ? AND ?
        GROUP BY ALL ORDER BY object_of_search, searches DESC
        """, [force, start, end]).df()


def stop_search_linked(con: duckdb.DuckDBPyConnection, force: str, start: date, end: date) -> pd.DataFrame:
    """Per object of search: searches, linked (outcome linked to the object), share_linked (percent of those
    with the link recorded), largest first."""
    return con.execute(
        """
        SELECT coalesce(object_of_search, 'Not recorded') AS object_of_search, count(*)::BIGINT AS searches,
               count(*) FILTER (WHERE outcome_linked_to_object)::BIGINT AS linked,
               100.0 * count(*) FILTER (WHERE outcome_linked_to_object)
                     / nullif(count(outcome_linked_to_object), 0) AS share_linked
        FROM stop_searches WHERE force = ? AND month BETWEEN ? AND ?
        GROUP BY 1 ORDER BY searches DESC, object_of_search
        """, [force, start, end]).df()


# ---------------------------------------------------------------------------------------------- events
def plan_events(con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date) -> pd.DataFrame:
    """Action-plan events overlapping the window: event_id, title, start_date, end_date, kind, priority."""
    return con.execute(
        """
        SELECT e.event_id, e.title, e.start_date, e.end_date, coalesce(e.kind, 'event') AS kind,
               p.title AS priority
        FROM plan_event e LEFT JOIN priority p USING (priority_id)
        WHERE e.partnership_code = ? AND e.start_date <= ? AND coalesce(e.end_date, e.start_date) >= ?
        ORDER BY e.start_date, e.event_id
        """, [partnership, end, start]).df()
