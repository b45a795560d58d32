"""cspdash.metrics.hotspots as it was at commit 1e0ef70 (counts joined to lsoa, boundary and population in SQL;
top locations and drill-down joined to a scope of every mapped LSOA), kept whole as the oracle that
tests/metrics/test_hotspots_reference.py compares the faster module with. Not used by the app."""
# ruff: noqa
# mypy: ignore-errors


from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd
from shapely.geometry import shape

from cspdash.analysis import hotspots as gi
from cspdash.analysis.change import POSSIBLE_Z, SIGNIFICANT_Z, VERDICT_LABELS
from cspdash.analysis.harm import harm_score, load_harm_weights
from cspdash.metrics.catalogue import LSOA_POPULATION, measure
from cspdash.metrics.context import store_file
from cspdash.metrics.period import add_months
from cspdash.vocab import CRIME_TYPES, OUTCOME_GROUP

# compare_frame as it was at commit 1e0ef70 (cspdash.analysis.change)
def compare_frame(df: pd.DataFrame, current_col: str, previous_col: str) -> pd.DataFrame:
    """Return a copy of df with z, pct_change (NaN when previous is 0), verdict and direction."""
    current = df[current_col].astype(float).to_numpy()
    previous = df[previous_col].astype(float).to_numpy()
    if np.any(current < 0) or np.any(previous < 0):
        raise ValueError(f"counts in {current_col!r} and {previous_col!r} must not be negative")
    out = df.copy()
    z = 2.0 * (np.sqrt(current) - np.sqrt(previous))
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(previous > 0, 100.0 * (current - previous) / previous, np.nan)
    size = np.abs(z)
    verdict = np.full(len(z), "noise", dtype=object)
    verdict[size >= POSSIBLE_Z] = "possible"
    verdict[size > SIGNIFICANT_Z] = "significant"
    direction = np.full(len(z), "flat", dtype=object)
    direction[current > previous] = "up"
    direction[current < previous] = "down"
    missing = np.isnan(z)
    verdict[missing] = None
    direction[missing] = None
    out["z"] = z
    out["pct_change"] = pct
    out["verdict"] = pd.Series(verdict, index=df.index, dtype=object)
    out["direction"] = pd.Series(direction, index=df.index, dtype=object)
    return out


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
    key = (store_file(con), partnership, _level(level))
    if key[0] and key in _AREAS_CACHE:
        return _AREAS_CACHE[key].copy()
    frame = con.execute(_AREAS_SQL[level], {"partnership": partnership}).df()
    frame.loc[frame["lsoas_with_population"] == 0, "residents"] = np.nan
    if key[0]:
        if len(_AREAS_CACHE) >= _CACHE_LIMIT:
            _AREAS_CACHE.clear()
        _AREAS_CACHE[key] = frame
    return frame.copy()


@dataclass(frozen=True)
class MapGeometry:
    """Boundary polygons as a GeoJSON FeatureCollection (feature id = area code) with a view that fits them."""

    feature_collection: dict
    center_lat: float
    center_lon: float
    zoom: float
    centroids: pd.DataFrame = field(repr=False)  # area_code, lon, lat (a point inside each area)


#: store versions are immutable files, so geometry and neighbours can be kept per (file, partnership, level)
_GEOMETRY_CACHE: dict[tuple[str, str, str], MapGeometry] = {}
_NEIGHBOUR_CACHE: dict[tuple[str, str, str, str], dict[str, list[str]]] = {}
_AREAS_CACHE: dict[tuple[str, str, str], pd.DataFrame] = {}
_CACHE_LIMIT = 64


def map_geometry(con: duckdb.DuckDBPyConnection, partnership: str, level: str) -> MapGeometry:
    """The partnership's boundaries at a level, with an explicit centre and zoom (no tiles needed)."""
    key = (store_file(con), partnership, _level(level))
    if key[0] and key in _GEOMETRY_CACHE:
        return _GEOMETRY_CACHE[key]
    geometry = _read_geometry(con, partnership, level)
    if key[0]:
        if len(_GEOMETRY_CACHE) >= _CACHE_LIMIT:
            _GEOMETRY_CACHE.clear()
        _GEOMETRY_CACHE[key] = geometry
    return geometry


def _read_geometry(con: duckdb.DuckDBPyConnection, partnership: str, level: str) -> MapGeometry:
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


def area_counts(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                crime_types: tuple[str, ...] = ()) -> pd.DataFrame:
    """Crimes per area and crime type between two months: area_code, crime_type, crimes, crimes_with_population."""
    frame = con.execute(_counts_sql(level), {"partnership": partnership, "level": level, "start": start, "end": end,
                                             "crime_types": list(crime_types)}).df()
    frame["crimes_with_population"] = frame["crimes_with_population"].fillna(0).astype("int64")
    return frame.drop(columns="period")


def period_counts(con: duckdb.DuckDBPyConnection, partnership: str, level: str, end: date, periods: int,
                  months_per_period: int, crime_types: tuple[str, ...] = ()) -> pd.DataFrame:
    """Crimes per area, period and crime type for ``periods`` consecutive windows ending at ``end``.

    period 0 is the oldest window, periods − 1 the latest (so periods sort in time order).
    """
    start = add_months(end, -(periods * months_per_period - 1))
    period_expr = f"({periods - 1} - floor(datediff('month', a.month, $end::DATE) / {int(months_per_period)}))::INT"
    frame = con.execute(_counts_sql(level, period_expr),
                        {"partnership": partnership, "level": level, "start": start, "end": end,
                         "crime_types": list(crime_types)}).df()
    frame["crimes_with_population"] = frame["crimes_with_population"].fillna(0).astype("int64")
    return frame


def partnership_total(con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date,
                      crime_types: tuple[str, ...] = ()) -> int:
    """All records placed in the partnership between two months (including those not on the map)."""
    row = con.execute(
        f"SELECT coalesce(sum(crimes), 0)::BIGINT FROM agg_crime_month_lsoa a WHERE a.la_code IN {_PARTNERSHIP_LAS}"
        f" AND a.month BETWEEN $start AND $end AND {_CRIME_FILTER}",
        {"partnership": partnership, "start": start, "end": end, "crime_types": list(crime_types)},
    ).fetchone()
    return int(row[0]) if row else 0


def _measures_from_counts(counts: pd.DataFrame, area_frame: pd.DataFrame, weights: Weights) -> pd.DataFrame:
    """count, rate (per 1,000 residents) and harm (days) per area; areas with no crimes get 0."""
    scored = counts.assign(harm=harm_score(counts, dict(weights), count_col="crimes") if len(counts) else 0.0)
    sums = scored.groupby("area_code", as_index=False)[["crimes", "crimes_with_population", "harm"]].sum()
    out = area_frame[["area_code", "residents"]].merge(sums, on="area_code", how="left")
    out[["crimes", "crimes_with_population"]] = out[["crimes", "crimes_with_population"]].fillna(0).astype("int64")
    out["harm"] = out["harm"].fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(out["residents"] > 0, out["crimes_with_population"] * 1000.0 / out["residents"], np.nan)
    return out


def _window_counts(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                   previous_start: date, previous_end: date, crime_types: tuple[str, ...]) -> pd.DataFrame:
    """area_counts of the period (period 0) and of the previous period (period 1), in one query."""
    if start <= previous_end and previous_start <= end:  # overlapping windows: a month counts in both
        now = area_counts(con, partnership, level, start, end, crime_types).assign(period=0)
        before = area_counts(con, partnership, level, previous_start, previous_end, crime_types).assign(period=1)
        return pd.concat([now, before], ignore_index=True)
    sql = _counts_sql(level, "CASE WHEN a.month BETWEEN $start AND $end THEN 0 ELSE 1 END",
                      "(a.month BETWEEN $start AND $end OR a.month BETWEEN $pstart AND $pend)")
    frame = con.execute(sql, {"partnership": partnership, "level": level, "start": start, "end": end,
                              "pstart": previous_start, "pend": previous_end,
                              "crime_types": list(crime_types)}).df()
    frame["crimes_with_population"] = frame["crimes_with_population"].fillna(0).astype("int64")
    return frame


def area_measures(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                  previous_start: date, previous_end: date, crime_types: tuple[str, ...] = (),
                  weights: Weights = ()) -> pd.DataFrame:
    """Per area: count, previous count, Poisson change, rate, harm, share of the partnership total.

    Columns: area_code, area_name, ward_code, ward_name, residents, crimes, previous_crimes, change_z, pct_change,
    verdict, verdict_label, direction, rate, harm, share_of_total.
    """
    if start <= previous_end and previous_start <= end:  # overlapping windows: a month counts in both
        return _area_measures_in_parts(con, partnership, level, start, end, previous_start, previous_end,
                                       crime_types, weights)
    area_frame, values, total = _area_values(
        con, partnership, level, 2, "CASE WHEN a.month BETWEEN $start AND $end THEN 0 ELSE 1 END",
        "(a.month BETWEEN $start AND $end OR a.month BETWEEN $pstart AND $pend)",
        {"start": start, "end": end, "pstart": previous_start, "pend": previous_end}, crime_types, weights)
    frame = area_frame.copy()
    frame["crimes"] = values["crimes"][0].astype("int64")
    frame["crimes_with_population"] = values["crimes_with_population"][0].astype("int64")
    frame["harm"] = values["harm"][0]
    frame["rate"] = values["rate"][0]
    frame["previous_crimes"] = values["crimes"][1].astype("int64")
    return _with_change(frame, total)


def _with_change(frame: pd.DataFrame, total: int) -> pd.DataFrame:
    """Add the Poisson change against the previous period and the share of the partnership total."""
    frame = compare_frame(frame, "crimes", "previous_crimes").rename(columns={"z": "change_z"})
    frame["verdict_label"] = frame["verdict"].map(VERDICT_LABELS)
    frame["share_of_total"] = frame["crimes"] * 100.0 / total if total else np.nan
    return frame.drop(columns=["crimes_with_population"])


def _area_measures_in_parts(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                            previous_start: date, previous_end: date, crime_types: tuple[str, ...],
                            weights: Weights) -> pd.DataFrame:
    """area_measures with a query per window (for windows that share months)."""
    weights = weights or default_weights()
    area_frame = areas(con, partnership, level)
    now = _measures_from_counts(area_counts(con, partnership, level, start, end, crime_types), area_frame, weights)
    before = area_counts(con, partnership, level, previous_start, previous_end, crime_types)
    frame = area_frame.merge(now.drop(columns="residents"), on="area_code", how="left")
    frame["previous_crimes"] = frame["area_code"].map(before.groupby("area_code")["crimes"].sum()).fillna(0).astype(
        "int64")
    return _with_change(frame, partnership_total(con, partnership, start, end, crime_types))


def _area_values_sql(level: str, bucket: str, months: str) -> str:
    area = _AREA_OF_LSOA[_level(level)]
    return f"""
        WITH pop AS (SELECT DISTINCT area_code FROM population WHERE area_type = 'lsoa' AND residents IS NOT NULL),
        weights AS (SELECT unnest($weight_types) AS crime_type, unnest($weight_days) AS days),
        counts AS (
            SELECT {area} AS area_code, {bucket} AS bucket, sum(a.crimes)::BIGINT AS crimes,
                   coalesce(sum(a.crimes) FILTER (WHERE pop.area_code IS NOT NULL), 0)::BIGINT AS with_population,
                   sum(a.crimes * w.days) AS harm, bool_or(w.days IS NULL) AS unweighted
            FROM agg_crime_month_lsoa a
            JOIN lsoa l ON l.lsoa_code = a.lsoa_code
            JOIN boundary b ON b.area_code = {area} AND b.area_type = $level AND b.la_code IN {_PARTNERSHIP_LAS}
            LEFT JOIN pop ON pop.area_code = a.lsoa_code
            LEFT JOIN weights w ON w.crime_type = a.crime_type
            WHERE {months} AND {_CRIME_FILTER}
            GROUP BY ALL),
        total AS (
            SELECT coalesce(sum(t.crimes), 0)::BIGINT AS total FROM agg_crime_month_lsoa t
            WHERE t.la_code IN {_PARTNERSHIP_LAS} AND t.month BETWEEN $start AND $end
              AND (len($crime_types) = 0 OR list_contains($crime_types, t.crime_type)))
        SELECT counts.*, total.total FROM total LEFT JOIN counts ON true"""


def _area_values(con: duckdb.DuckDBPyConnection, partnership: str, level: str, buckets: int, bucket: str,
                 months: str, windows: dict[str, date], crime_types: tuple[str, ...],
                 weights: Weights) -> tuple[pd.DataFrame, dict[str, np.ndarray], int]:
    """The areas (areas()), and in one query: crimes, crimes_with_population, harm and rate per bucket (rows)
    and area (columns), and the partnership total between $start and $end."""
    weights = weights or default_weights()
    area_frame = areas(con, partnership, level)
    rows = con.execute(_area_values_sql(level, bucket, months), {
        "partnership": partnership, "level": level, "crime_types": list(crime_types), **windows,
        "weight_types": [t for t, _w in weights], "weight_days": [float(w) for _t, w in weights]}).df()
    total = int(rows["total"].iat[0])
    rows = rows[rows["area_code"].notna()]
    if rows["unweighted"].fillna(False).any():  # name them as harm_score does
        harm_score(con.execute(_counts_sql(level, months=months), {
            "partnership": partnership, "level": level, "crime_types": list(crime_types), **windows}).df(),
            dict(weights), count_col="crimes")
    column = pd.Index(area_frame["area_code"]).get_indexer(rows["area_code"])
    keep = column >= 0
    row = rows["bucket"].to_numpy(dtype=int)[keep]
    values: dict[str, np.ndarray] = {}
    for name, source in (("crimes", "crimes"), ("crimes_with_population", "with_population"), ("harm", "harm")):
        grid = np.zeros((buckets, len(area_frame)))
        grid[row, column[keep]] = rows[source].to_numpy(dtype=float, na_value=np.nan)[keep]
        values[name] = np.nan_to_num(grid, nan=0.0)
    residents = area_frame["residents"].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        values["rate"] = np.where(residents > 0, values["crimes_with_population"] * 1000.0 / residents, np.nan)
    return area_frame, values, total


# ---------------------------------------------------------------------------------------------- neighbours and Gi*
def neighbours(con: duckdb.DuckDBPyConnection, partnership: str, level: str, method: str) -> dict[str, list[str]]:
    """Neighbour lists: shared boundary (queen contiguity) or centroids within the smallest distance that gives
    every area at least one neighbour."""
    key = (store_file(con), partnership, _level(level), method)
    if key[0] and key in _NEIGHBOUR_CACHE:
        return _NEIGHBOUR_CACHE[key]
    links = _find_neighbours(con, partnership, level, method)
    if key[0]:
        if len(_NEIGHBOUR_CACHE) >= _CACHE_LIMIT:
            _NEIGHBOUR_CACHE.clear()
        _NEIGHBOUR_CACHE[key] = links
    return links


def _find_neighbours(con: duckdb.DuckDBPyConnection, partnership: str, level: str, method: str) -> dict[str, list[str]]:
    geometry = map_geometry(con, partnership, level)
    if method == "distance":
        return gi.distance_neighbours(_projected(geometry.centroids), distance_threshold(geometry.centroids))
    if method != "boundary":
        raise ValueError(f"Unknown neighbour method {method!r}; expected one of {', '.join(NEIGHBOURS)}")
    shapes = {f["id"]: shape(f["geometry"]) for f in geometry.feature_collection["features"]}
    return gi.queen_neighbours(shapes)


def _projected(centroids: pd.DataFrame) -> pd.DataFrame:
    """Centroids in approximate metres (equirectangular about the mean latitude), for distance neighbours."""
    lat0 = math.radians(float(centroids["lat"].mean())) if len(centroids) else 0.0
    return pd.DataFrame({
        "area_code": centroids["area_code"],
        "x": centroids["lon"].astype(float) * 111_320.0 * math.cos(lat0),
        "y": centroids["lat"].astype(float) * 110_574.0,
    })


def distance_threshold(centroids: pd.DataFrame) -> float:
    """The smallest distance (metres) at which every area has a neighbour: the largest nearest-neighbour gap."""
    points = _projected(centroids)[["x", "y"]].to_numpy()
    if len(points) < 2:
        return 1.0
    from scipy.spatial import cKDTree

    gaps, _ = cKDTree(points).query(points, k=2)
    return float(np.ceil(gaps[:, 1].max() + 1.0))


def _gi_for(values: pd.DataFrame, column: str, links: dict[str, list[str]]) -> pd.DataFrame:
    """Gi* over the areas that have a value in ``column`` (areas without, e.g. no population, sit out)."""
    usable = values.loc[values[column].notna(), ["area_code", column]].rename(columns={column: "value"})
    if len(usable) < 3:
        return pd.DataFrame(columns=["area_code", "z", "p", "fdr_q", "hot_spot_class", "is_hot"])
    return gi.gi_star(usable, links)[["area_code", "z", "p", "fdr_q", "hot_spot_class", "is_hot"]]


def classify_at(frame: pd.DataFrame, confidence: str) -> pd.Series:
    """Hot/cold spot class shown at a chosen confidence: classes below it read 'Not significant'."""
    alpha = CONFIDENCE[confidence]
    keep = frame["fdr_q"].astype(float) < alpha
    return frame["hot_spot_class"].where(keep, gi.NOT_SIGNIFICANT).fillna(gi.NOT_SIGNIFICANT)


def hot_spots(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
              previous_start: date, previous_end: date, map_measure: str, method: str,
              crime_types: tuple[str, ...] = (), weights: Weights = ()) -> pd.DataFrame:
    """area_measures plus Gi* (z, p, fdr_q, hot_spot_class, is_hot) of the chosen map measure."""
    column = MAP_MEASURES[map_measure][1]
    frame = area_measures(con, partnership, level, start, end, previous_start, previous_end, crime_types, weights)
    links = neighbours(con, partnership, level, method)
    values = frame[column].to_numpy(dtype=float, na_value=np.nan)
    usable = ~np.isnan(values)
    if usable.sum() >= 3:  # Gi* on arrays, placed by row (areas without a value sit out)
        codes = frame["area_code"].astype(str).to_numpy(dtype=object)[usable].tolist()
        _stat, _k, z, p, q = gi.gi_star_arrays(codes, values[usable], links)
        out = frame.copy()
        for name, part in (("z", z), ("p", p), ("fdr_q", q)):
            full = np.full(len(frame), np.nan)
            full[usable] = part
            out[name] = full
        classes = np.full(len(frame), gi.NOT_SIGNIFICANT, dtype=object)
        classes[usable] = [gi.classify(zi, qi) for zi, qi in zip(z, q, strict=True)]
        out["hot_spot_class"] = pd.Series(classes.tolist(), index=frame.index, dtype="str")
        hot = np.zeros(len(frame), dtype=bool)
        hot[usable] = gi.is_hot_spot(z, q)
        out["is_hot"] = hot
        return out
    out = frame.merge(_gi_for(frame, column, links), on="area_code", how="left")
    out["hot_spot_class"] = out["hot_spot_class"].fillna(gi.NOT_SIGNIFICANT)
    out["is_hot"] = out["is_hot"].fillna(False).astype(bool)
    return out


def persistence_classes(con: duckdb.DuckDBPyConnection, partnership: str, level: str, end: date, scheme: str,
                        map_measure: str, method: str, crime_types: tuple[str, ...] = (),
                        weights: Weights = ()) -> pd.DataFrame:
    """Gi* in each period of a scheme ('quarters' or 'years') and each area's persistence class.

    Columns: area_code, persistence, explanation, hot_periods, periods, and hot_<label> per period.
    """
    periods, length, _text = PERSISTENCE_SCHEMES[scheme]
    weights = weights or default_weights()
    column = MAP_MEASURES[map_measure][1]
    start = add_months(end, -(periods * length - 1))
    area_frame, values, _total = _area_values(
        con, partnership, level, periods,
        f"({periods - 1} - floor(datediff('month', a.month, $end::DATE) / {int(length)}))::INT",
        "a.month BETWEEN $start AND $end", {"start": start, "end": end}, crime_types, weights)
    links = neighbours(con, partnership, level, method)
    by_period = values[column]
    usable = ~np.isnan(by_period)
    if (usable.sum(axis=1) >= 3).all():  # Gi* in every period, on arrays
        codes = np.asarray(area_frame["area_code"].astype(str).tolist(), dtype=object)
        parts = []
        for index in range(periods):
            keep = usable[index]
            _stat, _k, z, _p, q = gi.gi_star_arrays(codes[keep].tolist(), by_period[index][keep], links)
            parts.append((codes[keep], np.full(int(keep.sum()), index), gi.is_hot_spot(z, q), z))
        frame = pd.DataFrame({"area_code": np.concatenate([p[0] for p in parts]).tolist(),
                              "period": np.concatenate([p[1] for p in parts]),
                              "is_hot": np.concatenate([p[2] for p in parts]),
                              "z": np.concatenate([p[3] for p in parts])})
    else:
        frame = _persistence_history(area_frame, by_period, column, links)
    classes = gi.persistence(frame[["area_code", "period", "is_hot", "z"]])
    labels = period_labels(end, periods, length)
    row = pd.Index(classes["area_code"]).get_indexer(frame["area_code"])
    column = frame["period"].to_numpy(dtype=int)
    hot = np.zeros((len(classes), periods), dtype=bool)
    np.logical_or.at(hot, (row, column), frame["is_hot"].to_numpy(dtype=bool))
    for index in sorted(set(column.tolist())):
        classes[f"hot in {labels[index]}"] = hot[:, index]
    return classes


def _persistence_history(area_frame: pd.DataFrame, by_period: np.ndarray, column: str,
                         links: dict[str, list[str]]) -> pd.DataFrame:
    """Gi* per period through _gi_for (a period with fewer than three areas with a value has no rows)."""
    history = []
    for index in range(len(by_period)):
        values = pd.DataFrame({"area_code": area_frame["area_code"], column: by_period[index]})
        stats = _gi_for(values, column, links)
        stats["period"] = index
        history.append(stats)
    frame = pd.concat(history, ignore_index=True)
    frame["is_hot"] = frame["is_hot"].astype(bool)
    return frame


def period_labels(end: date, periods: int, months_per_period: int) -> list[str]:
    """Labels of each window ending at ``end``, oldest first, e.g. 'Jul–Sep 2024' or 'Jul 2022–Jun 2023'."""
    labels = []
    for index in range(periods):
        last = add_months(end, -(periods - 1 - index) * months_per_period)
        first = add_months(last, -(months_per_period - 1))
        labels.append(f"{first:%b}–{last:%b %Y}" if first.year == last.year else f"{first:%b %Y}–{last:%b %Y}")
    return labels


# ---------------------------------------------------------------------------------------------- top hot spots table
def _scope_sql(level: str) -> str:
    """LSOA → area rows for the partnership's mapped areas at a level."""
    area = _AREA_OF_LSOA[_level(level)]
    return f"""SELECT l.lsoa_code, {area} AS area_code FROM lsoa l
               JOIN boundary b ON b.area_code = {area} AND b.area_type = $level AND b.la_code IN {_PARTNERSHIP_LAS}"""


def top_locations(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                  area_codes: tuple[str, ...], crime_types: tuple[str, ...] = (), per_area: int = 3) -> pd.DataFrame:
    """The busiest anonymised 'On or near' locations in each area: area_code, location, crimes, rank."""
    return con.execute(
        f"""
        WITH scope AS ({_scope_sql(level)})
        SELECT scope.area_code, a.location, count(*)::BIGINT AS crimes,
               row_number() OVER (PARTITION BY scope.area_code ORDER BY count(*) DESC, a.location) AS rank
        FROM street_crime a JOIN scope ON scope.lsoa_code = a.lsoa_code
        WHERE a.month BETWEEN $start AND $end AND {_CRIME_FILTER} AND a.location IS NOT NULL
          AND list_contains($areas, scope.area_code)
        GROUP BY scope.area_code, a.location QUALIFY rank <= $per_area ORDER BY scope.area_code, rank""",
        {"partnership": partnership, "level": level, "start": start, "end": end, "crime_types": list(crime_types),
         "areas": list(area_codes), "per_area": per_area},
    ).df()


def _top_types_text(counts: pd.DataFrame, top: int = 3, public: bool = False) -> pd.Series:
    """'Violence and sexual offences 41%; Anti-social behaviour 22%; …' per area (public output: names only)."""
    if counts.empty:
        return pd.Series(dtype=object)
    totals = counts.groupby("area_code")["crimes"].transform("sum")
    ranked = counts.assign(share=counts["crimes"] * 100.0 / totals).sort_values(
        ["area_code", "crimes", "crime_type"], ascending=[True, False, True])
    ranked = ranked.groupby("area_code").head(top)
    return ranked.groupby("area_code").apply(
        lambda g: "; ".join(t if public else f"{t} {s:.0f}%" for t, s in zip(g["crime_type"], g["share"], strict=True)),
        include_groups=False)


def top_hot_spots(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                  previous_start: date, previous_end: date, map_measure: str, method: str, confidence: str,
                  crime_types: tuple[str, ...] = (), weights: Weights = (), limit: int = 15,
                  public: bool = False) -> pd.DataFrame:
    """The areas a committee should look at first: significant hot spots by z, then the highest values.

    Columns: area_code, area, ward, crimes, rate, harm, previous_crimes, change, verdict, share_of_total,
    hot_spot, top_crime_types, top_locations. The page builds the same table from the hot_spots() frame it
    already has (top_hot_spot_codes, top_hot_spot_details, top_hot_spots_table).
    """
    spots = hot_spots(con, partnership, level, start, end, previous_start, previous_end, map_measure, method,
                      crime_types, weights)
    codes = top_hot_spot_codes(spots, map_measure, confidence, limit)
    details = top_hot_spot_details(con, partnership, level, start, end, codes, crime_types)
    return top_hot_spots_table(spots, details, map_measure, confidence, limit, public)


def _ranked(spots: pd.DataFrame, map_measure: str, confidence: str, limit: int) -> pd.DataFrame:
    """The top ``limit`` areas with crimes: significant hot spots (at the confidence) by z, then by value."""
    column = MAP_MEASURES[map_measure][1]
    frame = spots.copy()
    frame["hot_spot"] = classify_at(frame, confidence)
    frame["_hot"] = frame["hot_spot"].str.startswith("Hot")
    ranked = frame.sort_values(["_hot", "z", column, "area_code"], ascending=[False, False, False, True],
                               na_position="last", kind="stable")  # ties in area code order
    return ranked[ranked["crimes"] > 0].head(limit)


def top_hot_spot_codes(spots: pd.DataFrame, map_measure: str, confidence: str, limit: int = 15) -> tuple[str, ...]:
    """The area codes of the top hot spots table, in its order."""
    return tuple(str(code) for code in _ranked(spots, map_measure, confidence, limit)["area_code"])


def top_hot_spot_details(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                         area_codes: tuple[str, ...], crime_types: tuple[str, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For the given areas: crimes by type (area_code, crime_type, crimes, …) and their busiest locations."""
    mix = con.execute(_counts_sql(level, areas_filter=True),
                      {"partnership": partnership, "level": level, "start": start, "end": end,
                       "crime_types": list(crime_types), "areas": list(area_codes)}).df()
    places = top_locations(con, partnership, level, start, end, area_codes, crime_types)
    return mix, places


def top_hot_spots_table(spots: pd.DataFrame, details: tuple[pd.DataFrame, pd.DataFrame], map_measure: str,
                        confidence: str, limit: int = 15, public: bool = False) -> pd.DataFrame:
    """The top hot spots table from the hot_spots() frame and top_hot_spot_details() of its areas."""
    ranked = _ranked(spots, map_measure, confidence, limit)
    mix, places = details
    types = _top_types_text(mix[mix["area_code"].isin(tuple(ranked["area_code"]))], public=public)
    place_text = places.groupby("area_code").apply(
        lambda g: "; ".join(f"{loc} ({_count_text(n, public)})" for loc, n in zip(g["location"], g["crimes"], strict=True)),
        include_groups=False) if len(places) else pd.Series(dtype=object)
    change = [_change_text(p, v) for p, v in zip(ranked["pct_change"], ranked["verdict_label"], strict=True)]
    return pd.DataFrame({
        "area_code": ranked["area_code"],
        "area": ranked["area_name"],
        "ward": ranked["ward_name"],
        "crimes": ranked["crimes"].astype("int64"),
        "rate": ranked["rate"].round(1),
        "harm": ranked["harm"].round(0),
        "previous_crimes": ranked["previous_crimes"].astype("int64"),
        "change": change,
        "verdict": ranked["verdict_label"],
        "share_of_total": ranked["share_of_total"].round(1),
        "hot_spot": ranked["hot_spot"],
        "top_crime_types": ranked["area_code"].map(types).astype(object).fillna(""),
        "top_locations": ranked["area_code"].map(place_text).astype(object).fillna(""),
    }).reset_index(drop=True)


def _change_text(pct: float, verdict: str | None) -> str:
    if pct is None or (isinstance(pct, float) and math.isnan(pct)):
        return "new (none before)"
    return f"{'+' if pct > 0 else ''}{pct:.0f}%"


# ---------------------------------------------------------------------------------------------- drill-down
def area_monthly(con: duckdb.DuckDBPyConnection, partnership: str, level: str, area_code: str, start: date,
                 end: date, crime_types: tuple[str, ...] = ()) -> pd.DataFrame:
    """One area's crimes per month (months with none included as 0): month, crimes."""
    frame = con.execute(
        f"""
        WITH scope AS ({_scope_sql(level)}),
        months AS (SELECT CAST(m AS DATE) AS month FROM range($start::DATE, $end::DATE + INTERVAL 1 MONTH,
                                                              INTERVAL 1 MONTH) t(m))
        SELECT months.month, coalesce(sum(a.crimes), 0)::BIGINT AS crimes
        FROM months
        LEFT JOIN (SELECT a.month, a.crimes FROM agg_crime_month_lsoa a JOIN scope ON scope.lsoa_code = a.lsoa_code
                   WHERE scope.area_code = $area AND {_CRIME_FILTER}) a ON a.month = months.month
        GROUP BY months.month ORDER BY months.month""",
        {"partnership": partnership, "level": level, "start": start, "end": end, "area": area_code,
         "crime_types": list(crime_types)},
    ).df()
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def area_crime_mix(con: duckdb.DuckDBPyConnection, partnership: str, level: str, area_code: str, start: date,
                   end: date, previous_start: date, previous_end: date) -> pd.DataFrame:
    """One area's crimes by type this period and the period before: crime_type, crimes, previous_crimes."""
    frame = con.execute(
        f"""
        WITH scope AS ({_scope_sql(level)})
        SELECT a.crime_type,
               coalesce(sum(a.crimes) FILTER (WHERE a.month BETWEEN $start AND $end), 0)::BIGINT AS crimes,
               coalesce(sum(a.crimes) FILTER (WHERE a.month BETWEEN $pstart AND $pend), 0)::BIGINT AS previous_crimes
        FROM agg_crime_month_lsoa a JOIN scope ON scope.lsoa_code = a.lsoa_code
        WHERE scope.area_code = $area AND (a.month BETWEEN $start AND $end OR a.month BETWEEN $pstart AND $pend)
        GROUP BY 1""",
        {"partnership": partnership, "level": level, "area": area_code, "start": start, "end": end,
         "pstart": previous_start, "pend": previous_end},
    ).df()
    frame = frame.sort_values(["crimes", "crime_type"], ascending=[False, True])
    return frame.reset_index(drop=True)


def area_outcome_mix(con: duckdb.DuckDBPyConnection, partnership: str, level: str, area_code: str, start: date,
                     end: date, crime_types: tuple[str, ...] = ()) -> pd.DataFrame:
    """Latest outcome group of the area's crimes recorded in the period: outcome_group, crimes, share.

    Read from the pre-aggregate agg_outcome_month_lsoa; a store written before that table existed is read from
    its raw rows (area_outcome_mix_from_rows) until its next write adds the table.
    """
    params = {"partnership": partnership, "level": level, "start": start, "end": end, "area": area_code,
              "crime_types": list(crime_types)}
    try:
        frame = con.execute(
            f"""
            WITH scope AS ({_scope_sql(level)})
            SELECT a.outcome_group, sum(a.crimes)::BIGINT AS crimes
            FROM agg_outcome_month_lsoa a JOIN scope ON scope.lsoa_code = a.lsoa_code
            WHERE scope.area_code = $area AND a.crime_month BETWEEN $start AND $end AND {_CRIME_FILTER}
            GROUP BY 1 ORDER BY 2 DESC, 1""", params).df()
    except duckdb.CatalogException:
        return area_outcome_mix_from_rows(con, partnership, level, area_code, start, end, crime_types)
    return _with_outcome_share(frame)


def area_outcome_mix_from_rows(con: duckdb.DuckDBPyConnection, partnership: str, level: str, area_code: str,
                               start: date, end: date, crime_types: tuple[str, ...] = ()) -> pd.DataFrame:
    """area_outcome_mix from the raw street and outcome rows (each crime's latest outcome event)."""
    frame = con.execute(
        f"""
        WITH scope AS ({_scope_sql(level)}),
        grouping AS (SELECT unnest($types) AS outcome_type, unnest($groups) AS outcome_group),
        crimes AS (SELECT a.crime_id, a.last_outcome FROM street_crime a JOIN scope ON scope.lsoa_code = a.lsoa_code
                   WHERE scope.area_code = $area AND a.crime_id IS NOT NULL AND a.month BETWEEN $start AND $end
                     AND {_CRIME_FILTER}),
        latest AS (SELECT o.crime_id, arg_max(o.outcome_type, o.month) AS outcome_type FROM outcome o
                   WHERE o.crime_id IN (SELECT crime_id FROM crimes) GROUP BY o.crime_id)
        SELECT coalesce(g.outcome_group, 'Status unavailable') AS outcome_group, count(*)::BIGINT AS crimes
        FROM crimes c LEFT JOIN latest USING (crime_id)
        LEFT JOIN grouping g ON g.outcome_type = coalesce(latest.outcome_type, c.last_outcome)
        GROUP BY 1 ORDER BY 2 DESC, 1""",
        {"partnership": partnership, "level": level, "start": start, "end": end, "area": area_code,
         "crime_types": list(crime_types), "types": list(OUTCOME_GROUP), "groups": list(OUTCOME_GROUP.values())},
    ).df()
    return _with_outcome_share(frame)


@dataclass(frozen=True)
class Drilldown:
    """One area's drill-down: area_monthly, area_crime_mix and area_outcome_mix frames."""

    monthly: pd.DataFrame
    mix: pd.DataFrame
    outcomes: pd.DataFrame


def area_drilldown(con: duckdb.DuckDBPyConnection, partnership: str, level: str, area_code: str, series_start: date,
                   start: date, end: date, previous_start: date, previous_end: date,
                   crime_types: tuple[str, ...] = ()) -> Drilldown:
    """area_monthly (series_start..end), area_crime_mix and area_outcome_mix of one area, read in one query."""
    params = {"partnership": partnership, "level": level, "area": area_code, "mstart": series_start, "start": start,
              "end": end, "pstart": previous_start, "pend": previous_end}
    crimes_sql = f"""
        WITH scope AS ({_scope_sql(level)} WHERE {_AREA_OF_LSOA[level]} = $area)
        SELECT 0 AS part, a.month, a.crime_type AS label, sum(a.crimes)::BIGINT AS crimes
        FROM agg_crime_month_lsoa a JOIN scope ON scope.lsoa_code = a.lsoa_code
        WHERE a.month BETWEEN $mstart AND $end OR a.month BETWEEN $start AND $end OR a.month BETWEEN $pstart AND $pend
        GROUP BY ALL"""
    outcomes_sql = f"""
        SELECT 1 AS part, NULL::DATE AS month, a.outcome_group AS label, sum(a.crimes)::BIGINT AS crimes
        FROM agg_outcome_month_lsoa a JOIN scope ON scope.lsoa_code = a.lsoa_code
        WHERE a.crime_month BETWEEN $start AND $end AND {_CRIME_FILTER}
        GROUP BY ALL"""
    try:
        rows = con.execute(f"{crimes_sql} UNION ALL {outcomes_sql}",
                           {**params, "crime_types": list(crime_types)}).fetchall()
        outcomes = None
    except duckdb.CatalogException:  # a store written before agg_outcome_month_lsoa existed
        rows = con.execute(crimes_sql, params).fetchall()
        outcomes = area_outcome_mix_from_rows(con, partnership, level, area_code, start, end, crime_types)
    chosen = set(crime_types)
    by_month: dict[date, int] = {}
    now: dict[str, int] = {}
    before: dict[str, int] = {}
    groups: dict[str, int] = {}
    for part, month, label, crimes in rows:
        if part == 1:
            groups[label] = groups.get(label, 0) + crimes
            continue
        if series_start <= month <= end and (not chosen or label in chosen):
            by_month[month] = by_month.get(month, 0) + crimes
        if start <= month <= end:
            now[label] = now.get(label, 0) + crimes
        if previous_start <= month <= previous_end:
            before[label] = before.get(label, 0) + crimes
        if (start <= month <= end or previous_start <= month <= previous_end) and label not in now:
            now[label] = 0
    months = []
    month = series_start
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    monthly = pd.DataFrame({"month": np.array(months, dtype="datetime64[us]"),
                            "crimes": np.array([by_month.get(m, 0) for m in months], dtype="int64")})
    types = sorted(now, key=lambda t: (-now[t], t))
    # text columns typed as DuckDB's .df() types them ("str" when there are rows, object when empty)
    mix = pd.DataFrame({"crime_type": pd.Series(types, dtype="str" if types else object),
                        "crimes": np.array([now[t] for t in types], dtype="int64"),
                        "previous_crimes": np.array([before.get(t, 0) for t in types], dtype="int64")})
    if outcomes is None:
        names = sorted(groups, key=lambda g: (-groups[g], g))
        outcomes = _with_outcome_share(pd.DataFrame({
            "outcome_group": pd.Series(names, dtype="str" if names else object),
            "crimes": np.array([groups[g] for g in names], dtype="int64")}))
    return Drilldown(monthly, mix, outcomes)


def _with_outcome_share(frame: pd.DataFrame) -> pd.DataFrame:
    total = frame["crimes"].sum()
    frame["share"] = (frame["crimes"] * 100.0 / total).round(1) if total else 0.0
    return frame


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
    areas_with_population: int   # of which have a Census 2011 population
    residents: int               # Census 2011 residents of those LSOAs


def _force_records(con: duckdb.DuckDBPyConnection, force: str, start: date, end: date) -> tuple[int, int]:
    """The force's records between two months and how many had no location (no LSOA, no coordinates).

    For a store file (an immutable version) the force's monthly totals are read once and kept, since they
    need a scan of the force's rows; an in-memory store is read for the period each time.
    """
    key = (store_file(con), force)
    if not key[0]:
        row = con.execute(
            "SELECT coalesce(sum(crimes), 0)::BIGINT, coalesce(sum(crimes) FILTER (WHERE lsoa_code IS NULL), 0)::BIGINT"
            " FROM agg_crime_month_lsoa WHERE force = $force AND month BETWEEN $start AND $end",
            {"force": force, "start": start, "end": end}).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)
    months = _FORCE_MONTHS_CACHE.get(key)
    if months is None:
        months = {
            month: (int(records), int(no_location)) for month, records, no_location in con.execute(
                "SELECT month, sum(crimes)::BIGINT, coalesce(sum(crimes) FILTER (WHERE lsoa_code IS NULL), 0)::BIGINT"
                " FROM agg_crime_month_lsoa WHERE force = $force GROUP BY month", {"force": force}).fetchall()}
        if len(_FORCE_MONTHS_CACHE) >= _CACHE_LIMIT:
            _FORCE_MONTHS_CACHE.clear()
        _FORCE_MONTHS_CACHE[key] = months
    chosen = [value for month, value in months.items() if start <= month <= end]
    return sum(r for r, _n in chosen), sum(n for _r, n in chosen)


_FORCE_MONTHS_CACHE: dict[tuple[str, str], dict[date, tuple[int, int]]] = {}


_VINTAGE_SQL = f"""
        SELECT {{month}}, coalesce(CAST(l.vintage AS VARCHAR), 'unknown') AS vintage,
               (b.area_code IS NOT NULL) AS on_map, sum(a.crimes)::BIGINT AS crimes
        FROM agg_crime_month_lsoa a
        LEFT JOIN lsoa l ON l.lsoa_code = a.lsoa_code
        LEFT JOIN boundary b ON b.area_code = a.lsoa_code AND b.area_type = 'lsoa'
                            AND b.la_code IN {_PARTNERSHIP_LAS}
        WHERE a.la_code IN {_PARTNERSHIP_LAS}{{months}}
        GROUP BY ALL"""
_VINTAGE_CACHE: dict[tuple[str, str], list[tuple[date, str, bool, int]]] = {}


def _vintage_rows(con: duckdb.DuckDBPyConnection, partnership: str, start: date,
                  end: date) -> list[tuple[str, bool, int]]:
    """The partnership's records between two months by LSOA code vintage and whether the LSOA is on the map.

    For a store file (an immutable version) the partnership's monthly rows are read once and kept.
    """
    key = (store_file(con), partnership)
    if not key[0]:
        rows = con.execute(_VINTAGE_SQL.format(month="NULL", months=" AND a.month BETWEEN $start AND $end"),
                           {"partnership": partnership, "start": start, "end": end}).fetchall()
        return [(vintage, placed, crimes) for _month, vintage, placed, crimes in rows]
    monthly = _VINTAGE_CACHE.get(key)
    if monthly is None:
        monthly = con.execute(_VINTAGE_SQL.format(month="a.month", months=""), {"partnership": partnership}).fetchall()
        if len(_VINTAGE_CACHE) >= _CACHE_LIMIT:
            _VINTAGE_CACHE.clear()
        _VINTAGE_CACHE[key] = monthly
    return [(vintage, placed, crimes) for month, vintage, placed, crimes in monthly if start <= month <= end]


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
    )


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


# ---------------------------------------------------------------------------------------------- words and hovers
def _count_text(value: float, public: bool) -> str:
    """A count as shown: '<5' for 1–4 in public output (the one rule, metrics.disclosure)."""
    from cspdash.metrics.disclosure import count_text

    return count_text(int(value), public)


def map_frame(spots: pd.DataFrame, map_measure: str, confidence: str, centroids: pd.DataFrame,
              public: bool = False) -> pd.DataFrame:
    """What the map draws per area: area_code, value, hot_spot (at the confidence), lon, lat and hover text."""
    column = MAP_MEASURES[map_measure][1]
    _label, unit, _fmt = measure_label(map_measure)
    frame = spots.merge(centroids, on="area_code", how="left")
    frame["value"] = frame[column]
    frame["hot_spot"] = classify_at(frame, confidence) if "fdr_q" in frame else gi.NOT_SIGNIFICANT
    hovers = []
    for row in frame.itertuples():
        rate = "population unknown" if pd.isna(row.rate) else f"{row.rate:,.1f} per 1,000 residents"
        ward = f" · {row.ward_name}" if isinstance(row.ward_name, str) and row.ward_name != row.area_name else ""
        hovers.append(
            f"<b>{row.area_name}</b>{ward}<br>{_count_text(row.crimes, public)} crimes · {rate}<br>"
            f"harm {row.harm:,.0f} days (estimate)<br>{row.hot_spot}"
        )
    frame["hover"] = hovers
    return frame[["area_code", "area_name", "value", "hot_spot", "lon", "lat", "hover"]]


def points_frame(points: pd.DataFrame, public: bool = False) -> pd.DataFrame:
    """Crime points with hover text (counts of 1–4 as '<5' in public output)."""
    out = points.copy()
    out["hover"] = [f"{loc}<br>{_count_text(n, public)} records · mostly {kind}"
                    for loc, n, kind in zip(out["location"], out["crimes"], out["main_crime_type"], strict=True)]
    return out


def map_summary(frame: pd.DataFrame, map_measure: str, level: str, confidence: str) -> str:
    """One sentence saying what the map shows."""
    label, unit, fmt = measure_label(map_measure)
    noun = "neighbourhoods (LSOAs)" if level == "lsoa" else "wards"
    hot = frame[frame["hot_spot"].str.startswith("Hot")]
    cold = frame[frame["hot_spot"].str.startswith("Cold")]
    known = frame[frame["value"].notna()]
    if known.empty:
        return f"No {noun} have a value for {label.lower()} in this period."
    top = known.loc[known["value"].idxmax()]
    from cspdash.metrics.catalogue import format_value

    return (f"Of {len(frame)} {noun}, {len(hot)} {'is a hot spot' if len(hot) == 1 else 'are hot spots'} and "
            f"{len(cold)} {'is a cold spot' if len(cold) == 1 else 'are cold spots'} at {confidence}% confidence or "
            f"more; the highest {label.lower()} is in {top['area_name']} ({format_value(top['value'], fmt)} {unit}).")


def caveat_lines(figures: Caveats, level: str) -> list[str]:
    """The notes to show beside every map, with this selection's figures."""
    lines = [
        "**Locations are approximate.** police.uk moves every crime to the nearest of about 750,000 anonymous map "
        "points (each covering at least eight addresses), so points can fall across a street, ward or force border.",
    ]
    if figures.force_records:
        share = figures.no_location * 100.0 / figures.force_records
        lines.append(f"**{figures.no_location:,} of the force's {figures.force_records:,} records ({share:.1f}%) had no "
                     "location** in this period and cannot be placed in any area: they are missing from every map.")
    vintages = ", ".join(f"{v:,} with {k} codes" for k, v in sorted(figures.lsoa_vintages.items(), reverse=True))
    if figures.old_codes:
        lines.append(f"**LSOA codes:** {vintages}. {figures.old_codes:,} records carry older (2011) LSOA codes that "
                     "have no 2021 boundary; they count in the partnership total but are not drawn on the map.")
    else:
        lines.append(f"**LSOA codes:** all {figures.partnership_records:,} records in the partnership use codes that "
                     "match the 2021 boundaries drawn here.")
    missing = figures.areas - figures.areas_with_population
    lines.append(
        f"**Rates use Census 2011 residents** ({figures.residents:,} people in {figures.areas_with_population} of "
        f"{figures.areas} neighbourhoods; {missing} newer 2021 neighbourhoods have no 2011 population and no rate). "
        "Residents mislead in town centres, where visitors, shoppers and night-time crowds far outnumber residents."
    )
    if level == "ward":
        lines.append("Wards are today's (2025) electoral wards; each neighbourhood counts towards the ward it lies in.")
    return lines
