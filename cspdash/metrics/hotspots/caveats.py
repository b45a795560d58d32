"""The data caveats beside the hot spot map, the crime points and the measures' labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from cspdash.metrics.catalogue import measure
from cspdash.metrics.hotspots.scope import _CACHE_LIMIT, _CRIME_FILTER, _PARTNERSHIP_LAS, MAP_MEASURES, areas
from cspdash.metrics.memo import connection_file, per_store_version


# ---------------------------------------------------------------------------------------------- caveats and points
@dataclass(frozen=True)
class Caveats:
    """Figures for the notes beside every map."""

    force_records: int           # all the force's records in the period
    no_location: int             # of which had no location (no LSOA, no coordinates)
    partnership_records: int     # records placed in the partnership
    on_map: int                  # of which fall in an LSOA drawn on the map
    old_codes: int               # of which carry an LSOA code with no current boundary (e.g. 2011 codes)
    lsoa_vintages: dict[str, int]  # records by LSOA code vintage ('2021', '2011', 'unknown')
    areas: int                   # LSOAs on the map
    areas_with_population: int   # of which have a Census population
    residents: int               # Census residents of those LSOAs
    population_source: str = "Census 2011"  # e.g. Census 2021 (the latest population loaded)
    lsoa_lookup: bool = False    # 2011 codes were placed in 2021 LSOAs through the ONS lookup


def _force_records(con: duckdb.DuckDBPyConnection, force: str, start: date, end: date) -> tuple[int, int]:
    """The force's records between two months and how many had no location (no LSOA, no coordinates).

    For a store file (an immutable version) the force's monthly totals are read once and kept, since they
    need a scan of the force's rows; an in-memory store is read for the period each time.
    """
    if not connection_file(con):
        row = con.execute(
            "SELECT coalesce(sum(crimes), 0)::BIGINT, coalesce(sum(crimes) FILTER (WHERE lsoa_code IS NULL), 0)::BIGINT"
            " FROM agg_crime_month_lsoa WHERE force = $force AND month BETWEEN $start AND $end",
            {"force": force, "start": start, "end": end}).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)
    chosen = [value for month, value in _force_months(con, force).items() if start <= month <= end]
    return sum(r for r, _n in chosen), sum(n for _r, n in chosen)


@per_store_version(maxsize=_CACHE_LIMIT)
def _force_months(con: duckdb.DuckDBPyConnection, force: str) -> dict[date, tuple[int, int]]:
    return {month: (int(records), int(no_location)) for month, records, no_location in con.execute(
        "SELECT month, sum(crimes)::BIGINT, coalesce(sum(crimes) FILTER (WHERE lsoa_code IS NULL), 0)::BIGINT"
        " FROM agg_crime_month_lsoa WHERE force = $force GROUP BY month", {"force": force}).fetchall()}


_VINTAGE_SQL = f"""
        SELECT {{month}}, coalesce(CAST(l.vintage AS VARCHAR), 'unknown') AS vintage,
               (b.area_code IS NOT NULL) AS on_map, sum(a.crimes)::BIGINT AS crimes
        FROM agg_crime_month_lsoa a
        LEFT JOIN lsoa l ON l.lsoa_code = a.lsoa_code
        LEFT JOIN boundary b ON b.area_code = a.lsoa_code AND b.area_type = 'lsoa'
                            AND b.la_code IN {_PARTNERSHIP_LAS}
        WHERE a.la_code IN {_PARTNERSHIP_LAS}{{months}}
        GROUP BY ALL"""


def _vintage_rows(con: duckdb.DuckDBPyConnection, partnership: str, start: date,
                  end: date) -> list[tuple[str, bool, int]]:
    """The partnership's records between two months by LSOA code vintage and whether the LSOA is on the map.

    For a store file (an immutable version) the partnership's monthly rows are read once and kept.
    """
    if not connection_file(con):
        rows = con.execute(_VINTAGE_SQL.format(month="NULL", months=" AND a.month BETWEEN $start AND $end"),
                           {"partnership": partnership, "start": start, "end": end}).fetchall()
        return [(vintage, placed, crimes) for _month, vintage, placed, crimes in rows]
    return [(vintage, placed, crimes) for month, vintage, placed, crimes in _vintage_months(con, partnership)
            if start <= month <= end]


@per_store_version(maxsize=_CACHE_LIMIT)
def _vintage_months(con: duckdb.DuckDBPyConnection, partnership: str) -> list[tuple[date, str, bool, int]]:
    return con.execute(_VINTAGE_SQL.format(month="a.month", months=""), {"partnership": partnership}).fetchall()


def caveats(con: duckdb.DuckDBPyConnection, partnership: str, force: str, start: date, end: date) -> Caveats:
    """How complete the map is for a partnership and period: locations, code vintages, population."""
    rows = _vintage_rows(con, partnership, start, end)
    force_records, no_location = _force_records(con, force, start, end)
    vintages: dict[str, int] = {}
    total = on_map = 0
    for vintage, placed, crimes in rows:
        vintages[str(vintage)] = vintages.get(str(vintage), 0) + int(crimes)  # months of a vintage add up
        total += int(crimes)
        on_map += int(crimes) if placed else 0
    population = areas(con, partnership, "lsoa")
    return Caveats(
        force_records=force_records, no_location=no_location,
        partnership_records=total, on_map=on_map, old_codes=total - on_map,
        lsoa_vintages=dict(sorted(vintages.items())),
        areas=len(population), areas_with_population=int(population["residents"].notna().sum()),
        residents=int(population["residents"].sum(skipna=True)),
        population_source=_population_source(con),
        lsoa_lookup=bool(con.execute("SELECT EXISTS (SELECT 1 FROM lsoa_lookup_2011)").fetchone()[0]),  # type: ignore[index]
    )


def _population_source(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT arg_max(source, year) FROM population WHERE area_type = 'lsoa'").fetchone()
    return str(row[0]) if row and row[0] else "no population loaded"


def crime_points(con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date,
                 crime_types: tuple[str, ...] = (), limit: int = 3000) -> pd.DataFrame:
    """Anonymised map points with their record counts (busiest first, at most ``limit``).

    Columns: lon, lat, location, crimes, main_crime_type, points_total (number of points before the limit).
    """
    return con.execute(
        f"""
        WITH scope AS (SELECT lsoa_code FROM boundary b JOIN lsoa l ON l.lsoa_code = b.area_code
                       WHERE b.area_type = 'lsoa' AND b.la_code IN {_PARTNERSHIP_LAS})
        SELECT a.longitude AS lon, a.latitude AS lat, any_value(a.location) AS location, count(*)::BIGINT AS crimes,
               mode(a.crime_type) AS main_crime_type, count(*) OVER ()::BIGINT AS points_total
        FROM street_crime a JOIN scope ON scope.lsoa_code = a.lsoa_code
        WHERE a.month BETWEEN $start AND $end AND {_CRIME_FILTER} AND a.longitude IS NOT NULL
        GROUP BY a.longitude, a.latitude
        ORDER BY crimes DESC, lon, lat LIMIT $limit""",
        {"partnership": partnership, "start": start, "end": end, "crime_types": list(crime_types), "limit": limit},
    ).df()


def measure_label(map_measure: str) -> tuple[str, str, str]:
    """(label, unit, format) of a map measure from the catalogue."""
    declared = measure(MAP_MEASURES[map_measure][0])
    return declared.label, declared.unit, declared.fmt
