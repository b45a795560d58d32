"""Pre-aggregated tables (month × area × crime type) so pages never scan raw rows."""

from __future__ import annotations

import duckdb

from cspdash.store.writes import insert_rows, transaction
from cspdash.vocab import OUTCOME_GROUP

# Each record's place: its LSOA in the 2021 vintage and its council area.
# * A 2011 LSOA code is first mapped to the 2021 one through the ONS exact-fit lookup (lsoa_lookup_2011, installed
#   with the national geography): unchanged and merged LSOAs map exactly; a split (or irregular) 2011 LSOA is
#   counted in its 2021 piece with the most residents (the lookup's `placed` row), so one area is never counted
#   under two vintages.
# * With the national geography the 2021 LSOA's council area is authoritative; otherwise (an analyst's own
#   lookup) an LSOA name such as "Newport 003F" names its local authority before the code does.
# * British Transport Police records are kept but placed in no council area (counted in no partnership).
_AREA_JOINS = """
    LEFT JOIN lsoa_lookup_2011 m ON m.lsoa11_code = s.lsoa_code AND m.placed
    LEFT JOIN lsoa l ON l.lsoa_code = coalesce(m.lsoa21_code, s.lsoa_code)
    LEFT JOIN lsoa_profile national ON national.lsoa_code = l.lsoa_code
    LEFT JOIN local_authority by_name ON by_name.la_name = regexp_replace(s.lsoa_name, ' [0-9]{3}[A-Z]$', '')
"""
_LA_OF_ROW = ("CASE WHEN s.force = 'British Transport Police' THEN NULL "
              "WHEN national.lsoa_code IS NOT NULL THEN l.la_code ELSE COALESCE(by_name.la_code, l.la_code) END")
_LSOA_OF_ROW = "coalesce(m.lsoa21_code, s.lsoa_code)"
#: each street row joined to its place (_place: one row per force, LSOA code and name, NULLs as '')
_PLACE_JOIN = """
    JOIN _place p ON p.force = s.force AND p.code_key = coalesce(s.lsoa_code, '')
                 AND p.name_key = coalesce(s.lsoa_name, '')
"""


def _create_place_table(con: duckdb.DuckDBPyConnection, where: str, params: object = None) -> None:
    """_place: the 2021 LSOA and council of every (force, LSOA code, LSOA name) among the street rows ``where``
    selects, placed once per triple (a few thousand) rather than once per row or per count."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _place AS
        WITH places AS (SELECT DISTINCT s.force, s.lsoa_code, s.lsoa_name FROM street_crime s {where})
        SELECT s.force, coalesce(s.lsoa_code, '') AS code_key, coalesce(s.lsoa_name, '') AS name_key,
               {_LSOA_OF_ROW} AS lsoa_code, {_LA_OF_ROW} AS la_code
        FROM places s {_AREA_JOINS}
        """,
        params,
    )


def rebuild_crime_aggregates(
    con: duckdb.DuckDBPyConnection, force_months: list[tuple[str, str]] | None = None
) -> None:
    """Rebuild agg_crime_month_lsoa for the given (force, 'YYYY-MM-01') pairs, or entirely when None."""
    with transaction(con):  # one commit: the rows are written once, not also to the write-ahead log
        if force_months is None:
            con.execute("DELETE FROM agg_crime_month_lsoa")
            where = ""
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE _scope (force VARCHAR, month DATE)")
            insert_rows(con, "_scope", force_months)  # (the months as 'YYYY-MM-01' text, cast on insert)
            con.execute("DELETE FROM agg_crime_month_lsoa WHERE (force, month) IN (SELECT (force, month) FROM _scope)")
            where = "WHERE (s.force, s.month) IN (SELECT (force, month) FROM _scope)"
        _create_place_table(con, where)
        con.execute(
            f"""
            INSERT INTO agg_crime_month_lsoa
            SELECT s.force, s.month, p.lsoa_code, p.la_code, s.crime_type, count(*)::BIGINT AS crimes
            FROM street_crime s {_PLACE_JOIN} {where}
            GROUP BY ALL
            ORDER BY la_code, month  -- pages filter by council and months: sorted rows let DuckDB skip row groups
            """
        )
        con.execute("DROP TABLE _place")


def rebuild_outcome_aggregates(con: duckdb.DuckDBPyConnection, forces: list[str] | None = None) -> None:
    """Rebuild agg_outcome_month_lsoa and agg_outcome_month_la for the given forces (outcomes arrive months after
    the crime), or all."""
    with transaction(con):  # one commit for every force's rows, not one per force
        con.execute("CREATE OR REPLACE TEMP TABLE _outcome_group (outcome_type VARCHAR, outcome_group VARCHAR)")
        insert_rows(con, "_outcome_group", list(OUTCOME_GROUP.items()))
        if forces is None:
            con.execute("DELETE FROM agg_outcome_month_lsoa")
            con.execute("DELETE FROM agg_outcome_month_la")
            where = ""
            params: list[object] = []
            scope = [row[0] for row in con.execute("SELECT DISTINCT force FROM street_crime ORDER BY 1").fetchall()]
        else:
            con.execute("DELETE FROM agg_outcome_month_lsoa WHERE list_contains(?, force)", [forces])
            con.execute("DELETE FROM agg_outcome_month_la WHERE list_contains(?, force)", [forces])
            where = "AND list_contains(?, s.force)"
            params = [forces]
            scope = sorted(set(forces))
        _create_place_table(con, f"WHERE true {where}", params)
        # Each crime's latest outcome event; a crime with no event uses the street file's Last outcome category.
        # One force at a time: police.uk publishes a crime's outcome events in the same force's files as the
        # crime, and the hash tables of crime IDs (64-character strings) for a force fit well inside the write
        # connection's memory cap, where those for a whole country's half-year did not (out of memory at 1 GB);
        # a join of a force's IDs is also several times faster than one of a country's. The loader reads files
        # force by force, so each force's rows (and so each force's rows here) sit in a few row groups.
        for force in scope:
            con.execute(
                f"""
                INSERT INTO agg_outcome_month_lsoa
                WITH latest AS (
                    SELECT crime_id, arg_max(outcome_type, month) AS outcome_type FROM outcome
                    WHERE force = $force GROUP BY crime_id
                )
                SELECT s.force, s.month AS crime_month, p.lsoa_code, p.la_code, s.crime_type,
                       COALESCE(g.outcome_group, 'Status unavailable') AS outcome_group, count(*)::BIGINT AS crimes
                FROM street_crime s {_PLACE_JOIN}
                LEFT JOIN latest o ON o.crime_id = s.crime_id
                LEFT JOIN _outcome_group g ON g.outcome_type = COALESCE(o.outcome_type, s.last_outcome)
                WHERE s.crime_id IS NOT NULL AND s.force = $force
                GROUP BY ALL
                """,
                {"force": force},
            )
        con.execute("DROP TABLE _place")
        con.execute(
            f"""
            INSERT INTO agg_outcome_month_la
            SELECT force, crime_month, la_code, crime_type, outcome_group, sum(crimes)::BIGINT AS crimes
            FROM agg_outcome_month_lsoa s
            WHERE true {where}
            GROUP BY ALL
            ORDER BY la_code, crime_month, crime_type
            """,
            params,
        )


def rebuild_all(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every pre-aggregate (after a geography load changes how rows map to areas)."""
    rebuild_crime_aggregates(con)
    rebuild_outcome_aggregates(con)


def fill_new_aggregates(con: duckdb.DuckDBPyConnection) -> None:
    """Build a pre-aggregate that a store written by an older cspdash lacks (empty while its source has rows).

    Called on every store write, after the schema has created any new (empty) aggregate table.
    """
    built = con.execute("SELECT EXISTS (SELECT 1 FROM agg_outcome_month_lsoa)").fetchone()
    if built and not built[0]:
        has_rows = con.execute("SELECT EXISTS (SELECT 1 FROM street_crime WHERE crime_id IS NOT NULL)").fetchone()
        if has_rows and has_rows[0]:
            rebuild_outcome_aggregates(con)
