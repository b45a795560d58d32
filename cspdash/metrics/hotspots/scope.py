"""Hot spot levels, map measures, harm weights, the areas of a level and the per-store-version scope."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd
from shapely.geometry import shape

from cspdash.analysis.harm import harm_score, load_harm_weights
from cspdash.metrics.catalogue import LSOA_POPULATION
from cspdash.metrics.memo import per_store_version
from cspdash.vocab import CRIME_TYPES

_CACHE_LIMIT = 64  # results each per-store-version memo keeps (versions × partnerships × levels)


LEVELS: dict[str, str] = {"lsoa": "Neighbourhood (LSOA)", "ward": "Electoral ward"}


#: map measure → (catalogue measure giving its label/unit/format, column in area tables)
MAP_MEASURES: dict[str, tuple[str, str]] = {
    "count": ("crimes", "crimes"),
    "rate": ("crime_rate", "rate"),
    "harm": ("harm", "harm"),
}


#: short colour-bar titles per map measure
SCALE_TITLES: dict[str, str] = {
    "count": "Crimes and<br>ASB incidents",
    "rate": "Per 1,000<br>residents",
    "harm": "Harm, days<br>(estimate)",
}


#: how each level is named in sentences and titles
LEVEL_NOUNS: dict[str, str] = {"lsoa": "neighbourhood (LSOA)", "ward": "ward"}


NEIGHBOURS: dict[str, str] = {
    "boundary": "Areas sharing a boundary",
    "distance": "Areas within a distance",
}


CONFIDENCE: dict[str, float] = {"90": 0.10, "95": 0.05, "99": 0.01}


PERSISTENCE_SCHEMES: dict[str, tuple[int, int, str]] = {
    "quarters": (4, 3, "each of the last four quarters"),
    "years": (3, 12, "each of the last three years"),
}


Weights = tuple[tuple[str, float], ...]


# the area an LSOA row belongs to, per level (fixed SQL, never user input)
_AREA_OF_LSOA = {"lsoa": "l.lsoa_code", "ward": "l.ward_code"}


_CRIME_FILTER = "(len($crime_types) = 0 OR list_contains($crime_types, a.crime_type))"


_PARTNERSHIP_LAS = "(SELECT la_code FROM partnership_la WHERE partnership_code = $partnership)"


def _level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"Unknown area level {level!r}; expected one of {', '.join(LEVELS)}")
    return level


def default_weights() -> Weights:
    """The shipped harm weights (Cambridge Crime Harm Index 2020 × Home Office offence mix 2017/18)."""
    return weights_tuple(load_harm_weights())


def weights_tuple(weights: pd.DataFrame) -> Weights:
    """Harm weights as a hashable tuple of (crime type, days) for cached queries."""
    return tuple((str(c), float(w)) for c, w in zip(weights["crime_type"], weights["harm_weight_days"], strict=True))


def check_weights_cover(weights: pd.DataFrame, crime_types: tuple[str, ...] = CRIME_TYPES) -> None:
    """ValueError naming any police.uk crime type that a (user) weights table leaves out."""
    missing = sorted(set(crime_types) - set(weights["crime_type"]))
    if missing:
        raise ValueError(
            f"The weights file has no row for {len(missing)} crime type(s): {', '.join(missing)}. "
            "It needs one row per police.uk crime type (columns crime_type, harm_weight_days)."
        )


# ---------------------------------------------------------------------------------------------- areas
_AREAS_SQL = {
    "lsoa": f"""
        SELECT b.area_code, b.area_name, l.ward_code, w.ward_name,
               p.residents::DOUBLE AS residents, 1 AS lsoas, (p.residents IS NOT NULL)::INT AS lsoas_with_population
        FROM boundary b
        LEFT JOIN lsoa l ON l.lsoa_code = b.area_code
        LEFT JOIN ward w ON w.ward_code = l.ward_code
        LEFT JOIN {LSOA_POPULATION} p ON p.area_code = b.area_code
        WHERE b.area_type = 'lsoa' AND b.la_code IN {_PARTNERSHIP_LAS}
        ORDER BY b.area_code""",
    "ward": f"""
        SELECT b.area_code, b.area_name, b.area_code AS ward_code, b.area_name AS ward_name,
               sum(p.residents)::DOUBLE AS residents, count(l.lsoa_code) AS lsoas,
               count(p.residents) AS lsoas_with_population
        FROM boundary b
        LEFT JOIN lsoa l ON l.ward_code = b.area_code
        LEFT JOIN {LSOA_POPULATION} p ON p.area_code = l.lsoa_code
        WHERE b.area_type = 'ward' AND b.la_code IN {_PARTNERSHIP_LAS}
        GROUP BY ALL ORDER BY b.area_code""",
}


def areas(con: duckdb.DuckDBPyConnection, partnership: str, level: str) -> pd.DataFrame:
    """The partnership's areas at a level: area_code, area_name, ward_code, ward_name, residents, LSOA coverage."""
    return _areas_frame(con, partnership, level).copy()


@per_store_version(maxsize=_CACHE_LIMIT)
def _areas_frame(con: duckdb.DuckDBPyConnection, partnership: str, level: str) -> pd.DataFrame:
    """areas() without the copy: the frame kept per store version, which callers must not modify."""
    frame = con.execute(_AREAS_SQL[_level(level)], {"partnership": partnership}).df()
    frame.loc[frame["lsoas_with_population"] == 0, "residents"] = np.nan
    return frame


@dataclass(frozen=True)
class MapGeometry:
    """Boundary polygons as a GeoJSON FeatureCollection (feature id = area code) with a view that fits them."""

    feature_collection: dict
    center_lat: float
    center_lon: float
    zoom: float
    centroids: pd.DataFrame = field(repr=False)  # area_code, lon, lat (a point inside each area)


@per_store_version(maxsize=_CACHE_LIMIT)
def map_geometry(con: duckdb.DuckDBPyConnection, partnership: str, level: str) -> MapGeometry:
    """The partnership's boundaries at a level, with an explicit centre and zoom (no tiles needed)."""
    rows = con.execute(
        f"SELECT area_code, geometry FROM boundary WHERE area_type = $level AND la_code IN {_PARTNERSHIP_LAS}"
        " ORDER BY area_code",
        {"partnership": partnership, "level": _level(level)},
    ).fetchall()
    features, points = [], []
    bounds = [math.inf, math.inf, -math.inf, -math.inf]
    for code, text in rows:
        geometry = json.loads(text)
        polygon = shape(geometry)
        x0, y0, x1, y1 = polygon.bounds
        bounds = [min(bounds[0], x0), min(bounds[1], y0), max(bounds[2], x1), max(bounds[3], y1)]
        inside = polygon.representative_point()
        points.append((code, inside.x, inside.y))
        features.append({"type": "Feature", "id": code, "properties": {}, "geometry": geometry})
    if not features:
        return MapGeometry({"type": "FeatureCollection", "features": []}, 52.5, -2.0, 5.5,
                           pd.DataFrame(columns=["area_code", "lon", "lat"]))
    lat, lon, zoom = view_for_bounds(bounds[0], bounds[1], bounds[2], bounds[3])
    return MapGeometry({"type": "FeatureCollection", "features": features}, lat, lon, zoom,
                       pd.DataFrame(points, columns=["area_code", "lon", "lat"]))


def view_for_bounds(west: float, south: float, east: float, north: float,
                    width_px: int = 560, height_px: int = 520) -> tuple[float, float, float]:
    """Centre (lat, lon) and a web-mercator zoom that fits the bounds in a map of the given size."""

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    center_lon = (west + east) / 2
    y_mid = (mercator_y(south) + mercator_y(north)) / 2
    center_lat = math.degrees(2 * math.atan(math.exp(y_mid)) - math.pi / 2)
    lon_span = max(east - west, 1e-6)
    y_span = max(mercator_y(north) - mercator_y(south), 1e-6)
    zoom_x = math.log2(width_px * 360 / (512 * lon_span))
    zoom_y = math.log2(height_px * 2 * math.pi / (512 * y_span))
    return center_lat, center_lon, round(min(zoom_x, zoom_y) - 0.15, 2)


# ---------------------------------------------------------------------------------------------- counts
def _counts_sql(level: str, period_expr: str = "NULL", months: str = "a.month BETWEEN $start AND $end",
                areas_filter: bool = False) -> str:
    area = _AREA_OF_LSOA[_level(level)]
    only_areas = f" AND list_contains($areas, {area})" if areas_filter else ""
    return f"""
        WITH pop AS (SELECT DISTINCT area_code FROM population WHERE area_type = 'lsoa' AND residents IS NOT NULL)
        SELECT {area} AS area_code, {period_expr} AS period, a.crime_type, sum(a.crimes)::BIGINT AS crimes,
               (sum(a.crimes) FILTER (WHERE pop.area_code IS NOT NULL))::BIGINT AS crimes_with_population
        FROM agg_crime_month_lsoa a
        JOIN lsoa l ON l.lsoa_code = a.lsoa_code
        JOIN boundary b ON b.area_code = {area} AND b.area_type = $level AND b.la_code IN {_PARTNERSHIP_LAS}
        LEFT JOIN pop ON pop.area_code = a.lsoa_code
        WHERE {months} AND {_CRIME_FILTER}{only_areas}
        GROUP BY ALL"""


@dataclass(frozen=True)
class _Scope:
    """The partnership's mapped LSOAs at a level and the area each counts towards, as arrays (read once per store
    version). One link per row of the lsoa × boundary join: an LSOA has one ward and a boundary one row per area
    and type (their primary keys), so each LSOA counts towards one area."""

    lsoas: list[str]                 # distinct LSOA codes, sorted
    index: dict[str, int]            # LSOA code → position in lsoas
    link_lsoa: np.ndarray            # per link: position in lsoas
    link_area: np.ndarray            # per link: row in _areas_frame() (−1: not one of its areas)
    with_population: np.ndarray      # per LSOA: has Census residents (its crimes count towards rates)
    area_lsoas: dict[str, list[str]]  # area code → its LSOAs
    las: list[str]                    # the councils the LSOAs' crime rows carry
    any_without_council: bool         # … and whether some carry none
    forces: list[str]                 # the forces that recorded them
    partnership_las: list[str]        # the partnership's councils

    def rows_of(self, alias: str, lsoas: list[str], by: str = "la_code") -> tuple[str, dict[str, list[str]]]:
        """A WHERE condition (and its parameters) for the rows of ``lsoas`` (some of this scope's) in a table
        aliased ``alias``: narrowed first by their councils (by="la_code") or forces (by="force"), which are few
        and sorted together in the tables, so DuckDB skips the rest of the country without testing each row."""
        if not lsoas:
            return "false", {}
        condition = f"list_contains($lsoas::VARCHAR[], {alias}.lsoa_code)"
        keys = self.las if by == "la_code" else self.forces
        if by == "la_code" and self.any_without_council:
            return condition, {"lsoas": lsoas}
        return f"list_contains(${by}s::VARCHAR[], {alias}.{by}) AND {condition}", {"lsoas": lsoas, f"{by}s": keys}


@per_store_version(maxsize=_CACHE_LIMIT)
def _scope(con: duckdb.DuckDBPyConnection, partnership: str, level: str) -> _Scope:
    """The partnership's LSOA → area links at a level (kept per store version: they do not depend on filters)."""
    rows = con.execute(f"""
        WITH pop AS (SELECT DISTINCT area_code FROM population WHERE area_type = 'lsoa' AND residents IS NOT NULL)
        SELECT scope.lsoa_code, scope.area_code, pop.area_code IS NOT NULL
        FROM ({_scope_sql(level)}) scope LEFT JOIN pop ON pop.area_code = scope.lsoa_code
        ORDER BY 1, 2""", {"partnership": partnership, "level": level}).fetchall()
    lsoas = sorted({str(code) for code, _area, _pop in rows})
    index = {code: position for position, code in enumerate(lsoas)}
    with_population = np.zeros(len(lsoas), dtype=bool)
    area_lsoas: dict[str, list[str]] = {}
    for code, area, has_population in rows:
        with_population[index[code]] = bool(has_population)
        area_lsoas.setdefault(str(area), []).append(str(code))
    area_rows = pd.Index(_areas_frame(con, partnership, level)["area_code"]).get_indexer([r[1] for r in rows])
    # every council and force the LSOAs' rows carry (a row's council comes from its LSOA name, so it may differ)
    carried = con.execute("SELECT DISTINCT la_code, force FROM agg_crime_month_lsoa "
                          "WHERE list_contains($lsoas::VARCHAR[], lsoa_code)", {"lsoas": lsoas}).fetchall()
    councils = [str(la) for (la,) in con.execute(
        "SELECT la_code FROM partnership_la WHERE partnership_code = $partnership", {"partnership": partnership}
    ).fetchall()]
    scope = _Scope(lsoas, index, np.array([index[r[0]] for r in rows], dtype=np.intp), np.asarray(area_rows),
                   with_population, area_lsoas, sorted({str(la) for la, _f in carried if la is not None}),
                   any(la is None for la, _f in carried), sorted({str(force) for _la, force in carried}),
                   sorted(councils))
    return scope


def _area_values_sql(councils: str, bucket: str, months: str) -> str:
    """Crimes (all, and of $start..$end) and harm per LSOA, council and bucket of the rows of the ``councils``
    condition: every row of the scope's LSOAs and of the partnership's councils (whose total is the share's base)."""
    return f"""
        SELECT a.lsoa_code, a.la_code, {bucket} AS bucket, sum(a.crimes)::BIGINT AS crimes,
               coalesce(sum(a.crimes) FILTER (WHERE a.month BETWEEN $start AND $end), 0)::BIGINT AS in_period,
               sum(a.crimes * $weight_days[list_position($weight_types, a.crime_type)]) AS harm,
               bool_or(list_position($weight_types, a.crime_type) IS NULL) AS unweighted
        FROM agg_crime_month_lsoa a
        WHERE {councils} AND {months} AND {_CRIME_FILTER}
        GROUP BY ALL"""


def _area_values(con: duckdb.DuckDBPyConnection, partnership: str, level: str, buckets: int, bucket: str,
                 months: str, windows: dict[str, date], crime_types: tuple[str, ...],
                 weights: Weights) -> tuple[pd.DataFrame, dict[str, np.ndarray], int]:
    """The areas (areas(), shared: do not modify), and in one query: crimes, crimes_with_population, harm and rate
    per bucket (rows) and area (columns), and the partnership total between $start and $end (``months`` must
    include them).

    The query reads the rows of the councils that the scope's LSOAs and the partnership carry (DuckDB skips the
    rest of the country) per LSOA; the scope's LSOAs are summed into their areas here, the others left out.
    """
    weights = weights or default_weights()
    area_frame = _areas_frame(con, partnership, level)
    scope = _scope(con, partnership, level)
    councils = "list_contains($la_codes::VARCHAR[], a.la_code)"
    if scope.any_without_council:
        councils = f"({councils} OR a.la_code IS NULL)"
    rows = con.execute(_area_values_sql(councils, bucket, months), {
        "la_codes": sorted(set(scope.las) | set(scope.partnership_las)), "crime_types": list(crime_types),
        **windows, "weight_types": [t for t, _w in weights],
        "weight_days": [float(w) for _t, w in weights]}).fetchall()
    total = 0
    ours = set(scope.partnership_las)
    per_lsoa = np.zeros((3, buckets, len(scope.lsoas)))  # crimes, harm, crimes of LSOAs with a population
    unweighted = False
    for code, council, period, crimes, in_period, harm, missing in rows:
        if council in ours:
            total += in_period
        position = scope.index.get(code)
        if position is None:  # not one of the scope's LSOAs
            continue
        per_lsoa[0, period, position] += crimes
        per_lsoa[1, period, position] += harm if harm is not None else np.nan
        unweighted = unweighted or bool(missing)
    if unweighted:  # name them as harm_score does
        harm_score(con.execute(_counts_sql(level, months=months), {
            "partnership": partnership, "level": level, "crime_types": list(crime_types), **windows}).df(),
            dict(weights), count_col="crimes")
    per_lsoa[2] = np.where(scope.with_population, per_lsoa[0], 0.0)
    keep = scope.link_area >= 0
    grid = np.zeros((3, buckets, len(area_frame)))
    np.add.at(grid.T, scope.link_area[keep], per_lsoa.T[scope.link_lsoa[keep]])  # each link adds its LSOA
    values: dict[str, np.ndarray] = {"crimes": grid[0], "crimes_with_population": grid[2],
                                     "harm": np.nan_to_num(grid[1], nan=0.0)}
    residents = area_frame["residents"].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        values["rate"] = np.where(residents > 0, values["crimes_with_population"] * 1000.0 / residents, np.nan)
    return area_frame, values, total


# ---------------------------------------------------------------------------------------------- top hot spots table
def _scope_sql(level: str) -> str:
    """LSOA → area rows for the partnership's mapped areas at a level."""
    area = _AREA_OF_LSOA[_level(level)]
    return f"""SELECT l.lsoa_code, {area} AS area_code FROM lsoa l
               JOIN boundary b ON b.area_code = {area} AND b.area_type = $level AND b.la_code IN {_PARTNERSHIP_LAS}"""
