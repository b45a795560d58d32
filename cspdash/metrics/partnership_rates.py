"""The partnership rates every comparison reads: the shipped national profiles and most-similar groups, each
partnership's residents (THE population lookup of the comparisons) and its crime rates per 1,000 residents, kept
per store version. cspdash.metrics.compare builds the comparisons on these."""

from __future__ import annotations

import functools
from datetime import date

import duckdb
import pandas as pd

from cspdash.config import PROJECT_ROOT
from cspdash.metrics.catalogue import LSOA_POPULATION, measure
from cspdash.metrics.context import OFFERED_PARTNERSHIPS_SQL
from cspdash.metrics.crime import crime_types_for
from cspdash.metrics.memo import per_store_version
from cspdash.vocab import ALL_CRIME, CRIME_TYPES

COMPARISONS_DIR = PROJECT_ROOT / "data" / "comparisons"
#: the unit of every comparison rate: the catalogue's crime rate unit
RATE_UNIT = measure("crime_rate").unit
#: below this many partnerships the funnel's verdict carries a warning that its limits are wide
FIRM_UNITS = 10


@functools.cache
def profiles() -> pd.DataFrame:
    """The shipped partnership profiles (data/comparisons/csp_profiles.csv)."""
    return pd.read_csv(COMPARISONS_DIR / "csp_profiles.csv", dtype={"csp_code": str, "force_code": str})


@functools.cache
def _profiles_by_code() -> pd.DataFrame:
    return profiles().set_index("csp_code")


@functools.cache
def similar_groups() -> pd.DataFrame:
    """The shipped most-similar groups (data/comparisons/similar_partnerships.csv)."""
    return pd.read_csv(COMPARISONS_DIR / "similar_partnerships.csv", dtype={"csp_code": str, "similar_code": str})


# ------------------------------------------------------------------------------------------- population
#: THE population lookup of the comparisons (used by partnership_residents and inside the rates query): each
#: partnership's residents are the store's LSOA populations (the latest year loaded for each LSOA) summed over its
#: LSOAs. When the Census 2021 populations are loaded (the national geography) they are the latest year and are
#: used here without change.
_RESIDENTS_SQL = f"""
    SELECT pl.partnership_code, sum(p.residents)::BIGINT AS residents, count(*) AS lsoas,
           count(p.residents) AS lsoas_with_population
    FROM lsoa l JOIN partnership_la pl ON pl.la_code = l.la_code
    LEFT JOIN {LSOA_POPULATION} p ON p.area_code = l.lsoa_code AND p.residents > 0
    GROUP BY pl.partnership_code"""

def partnership_residents(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """THE population lookup of the comparisons: partnership_code, residents, lsoas, lsoas_with_population,
    population_source (see _RESIDENTS_SQL)."""
    return _partnership_residents(con).copy()


@per_store_version(maxsize=8)
def _partnership_residents(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        f"""
        SELECT r.*, (SELECT string_agg(DISTINCT source, ', ') FROM population
                     WHERE area_type = 'lsoa' AND year = (SELECT max(year) FROM population WHERE area_type = 'lsoa'))
                        AS population_source
        FROM ({_RESIDENTS_SQL}) r ORDER BY r.partnership_code""").df()


# ------------------------------------------------------------------------------------------- rates
def partnership_rates(con: duckdb.DuckDBPyConnection, start: date, end: date) -> pd.DataFrame:
    """Every partnership in the store × crime type (and 'All crime', excluding ASB) over the months:
    partnership_code, partnership_name, force, crime_type, crimes, crimes_with_population, residents, months
    (published for its force), rate (per 1,000 residents). One scan of the pre-aggregate, once per store version
    (an in-memory store is read every time). Only the partnerships offered in the sidebar
    (context.OFFERED_PARTNERSHIPS_SQL): a declared partnership stands in for the shipped ones it covers, so no
    area is counted twice."""
    return _partnership_rates(con, start, end).copy()


@per_store_version(maxsize=32)
def _partnership_rates(con: duckdb.DuckDBPyConnection, start: date, end: date) -> pd.DataFrame:
    rates = con.execute(
        f"""
        WITH by_la AS (
            SELECT g.la_code, g.crime_type, sum(g.crimes) AS crimes,
                   coalesce(sum(g.crimes) FILTER (WHERE p.residents IS NOT NULL), 0) AS crimes_with_population
            FROM agg_crime_month_lsoa g LEFT JOIN {LSOA_POPULATION} p ON p.area_code = g.lsoa_code AND p.residents > 0
            WHERE g.month BETWEEN $start AND $end
            GROUP BY g.la_code, g.crime_type),
        by_type AS (
            SELECT pl.partnership_code, b.crime_type, sum(b.crimes) AS crimes,
                   sum(b.crimes_with_population) AS crimes_with_population
            FROM by_la b JOIN partnership_la pl ON pl.la_code = b.la_code GROUP BY ALL),
        counts AS (
            SELECT * FROM by_type
            UNION ALL
            SELECT partnership_code, $all AS crime_type, sum(crimes), sum(crimes_with_population)
            FROM by_type WHERE list_contains($non_asb, crime_type) GROUP BY partnership_code),
        months AS (SELECT force, count(*) AS months FROM published_month
                   WHERE source = 'street' AND month BETWEEN $start AND $end GROUP BY force),
        residents AS ({_RESIDENTS_SQL}),
        offered AS ({OFFERED_PARTNERSHIPS_SQL})
        SELECT pt.partnership_code, pt.partnership_name, pt.force, t.crime_type,
               coalesce(c.crimes, 0)::BIGINT AS crimes,
               coalesce(c.crimes_with_population, 0)::BIGINT AS crimes_with_population,
               coalesce(m.months, 0)::BIGINT AS months, r.residents,
               CASE WHEN r.residents > 0 THEN coalesce(c.crimes_with_population, 0) * 1000.0 / r.residents END
                   AS rate
        FROM offered pt CROSS JOIN (SELECT unnest($types) AS crime_type) t
        LEFT JOIN counts c ON c.partnership_code = pt.partnership_code AND c.crime_type = t.crime_type
        LEFT JOIN residents r ON r.partnership_code = pt.partnership_code
        LEFT JOIN months m ON m.force = pt.force
        ORDER BY t.crime_type = $all DESC, pt.partnership_code, t.crime_type
        """, {"start": start, "end": end, "all": ALL_CRIME, "types": [ALL_CRIME, *CRIME_TYPES],
              "non_asb": list(crime_types_for(ALL_CRIME))}).df()
    rates["residents"] = rates["residents"].astype("float64")
    return rates


def profile_codes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Store partnership code → national CSP code: the same code, else the partnership whose councils match.
    Only the partnerships offered: a declared partnership stands for the shipped one it replaces."""
    return dict(_profile_codes(con))


@per_store_version(maxsize=8)
def _profile_codes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    known = profiles()
    by_code = set(known["csp_code"])
    by_councils = {row.la_codes: row.csp_code for row in known.itertuples()}
    offered = f"SELECT partnership_code FROM ({OFFERED_PARTNERSHIPS_SQL})"  # one store code per national one
    councils = con.execute(f"SELECT partnership_code, string_agg(la_code, ';' ORDER BY la_code) FROM partnership_la "
                           f"WHERE partnership_code IN ({offered}) GROUP BY partnership_code").fetchall()
    mapping = {}
    for code, las in councils:
        if code in by_code:
            mapping[code] = code
        elif las in by_councils:
            mapping[code] = by_councils[las]
    for (code,) in con.execute(offered).fetchall():
        if code in by_code:
            mapping.setdefault(code, code)
    return mapping
