"""Hot spot measures per small area (LSOA or ward): counts, rates, harm, Gi*, persistence, drill-down, caveats.

Areas are the partnership's boundary polygons of the chosen level. Counts come from agg_crime_month_lsoa; an
LSOA counts towards a ward through the lsoa table's ward_code. Rates are per 1,000 Census residents (2021 in the
shipped geography) and use only the crimes of LSOAs whose population is known (e.g. a 2021 code in a 2011 Census),
so a ward's rate never divides crimes of unknown-population LSOAs by a partial denominator.
The page's queries read counts per LSOA and sum them into areas in numpy: which LSOAs count towards which area,
which have residents, and which councils and forces their rows carry (the _Scope) are read once per store
version, so each query is a plain scan of a few councils' rows, which DuckDB finds without reading the rest.
Every query is parameterised; the only SQL fragments chosen in code are the fixed per-level expressions below.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd
from shapely.geometry import shape

from cspdash.analysis import hotspots as gi
from cspdash.analysis.change import HISTORY_MONTHS, VERDICT_LABELS, WindowSeries, compare_frame, window_series
from cspdash.analysis.harm import harm_score, load_harm_weights
from cspdash.metrics.catalogue import LSOA_POPULATION, measure
from cspdash.metrics.memo import connection_file, per_store_version
from cspdash.metrics.period import add_months
from cspdash.vocab import CRIME_TYPES, OUTCOME_GROUP

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
    """Per area: count, previous count, change verdict, rate, harm, share of the partnership total.

    Columns: area_code, area_name, ward_code, ward_name, residents, crimes, previous_crimes, change_z, p_value,
    dispersion, pct_change, verdict, direction, published, verdict_label, rate, harm, share_of_total. The change
    test reads each area's monthly counts (area_history); with a window not fully published there is no verdict.
    """
    history = area_history(con, partnership, level, start, end, previous_start, previous_end, crime_types)
    if start <= previous_end and previous_start <= end:  # overlapping windows: a month counts in both
        return _area_measures_in_parts(con, partnership, level, start, end, previous_start, previous_end,
                                       crime_types, weights, history)
    area_frame, values, total = _area_values(
        con, partnership, level, 2, "CASE WHEN a.month BETWEEN $start AND $end THEN 0 ELSE 1 END",
        "(a.month BETWEEN $start AND $end OR a.month BETWEEN $pstart AND $pend)",
        {"start": start, "end": end, "pstart": previous_start, "pend": previous_end}, crime_types, weights)
    measures = pd.DataFrame({"crimes": values["crimes"][0].astype("int64"), "harm": values["harm"][0],
                             "rate": values["rate"][0], "previous_crimes": values["crimes"][1].astype("int64")},
                            index=area_frame.index)
    changed = _judged(measures, history)
    # the columns _with_change gives, joined to the areas once (not inserted one by one)
    shares = pd.DataFrame({"published": history.published_text,
                           "verdict_label": changed["verdict"].map(VERDICT_LABELS).fillna("no verdict"),
                           "share_of_total": measures["crimes"] * 100.0 / total if total else np.nan},
                          index=area_frame.index)
    return pd.concat([area_frame, changed, shares], axis=1)


def _judged(frame: pd.DataFrame, history: WindowSeries) -> pd.DataFrame:
    """compare_frame of crimes against previous_crimes with each area's dispersion and the windows' completeness."""
    return compare_frame(frame, "crimes", "previous_crimes", history.phi, history.df, history.complete,
                         history.expected_share).rename(columns={"z": "change_z"})


def area_history(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                 previous_start: date, previous_end: date, crime_types: tuple[str, ...] = ()) -> WindowSeries:
    """Each area's (areas() order) monthly crimes over the HISTORY_MONTHS to ``end``, summed in SQL, with the
    force's unpublished months as gaps: what the change test needs (dispersion, windows published)."""
    first = min(add_months(end, -(HISTORY_MONTHS - 1)), previous_start)
    months = _month_list(first, end)
    published = _published_between(con, partnership, first, end)
    is_published = np.array([m in published for m in months], dtype=bool)
    area_frame = _areas_frame(con, partnership, level)
    scope = _scope(con, partnership, level)
    councils = "list_contains($la_codes::VARCHAR[], a.la_code)"
    if scope.any_without_council:
        councils = f"({councils} OR a.la_code IS NULL)"
    found = con.execute(
        f"SELECT a.lsoa_code, datediff('month', $first::DATE, a.month)::INT AS m, sum(a.crimes)::DOUBLE AS n "
        f"FROM agg_crime_month_lsoa a WHERE {councils} AND a.month BETWEEN $first AND $end AND {_CRIME_FILTER} "
        "GROUP BY ALL", {"la_codes": sorted(set(scope.las) | set(scope.partnership_las)), "first": first,
                         "end": end, "crime_types": list(crime_types)}).fetchnumpy()
    per_lsoa = np.zeros((len(scope.lsoas) + 1, len(months)))  # the last row takes LSOAs outside the scope
    position = pd.Index(scope.lsoas).get_indexer(pd.Index(found["lsoa_code"]))
    position[position < 0] = len(scope.lsoas)
    np.add.at(per_lsoa, (position, np.asarray(found["m"], dtype=np.intp)), np.asarray(found["n"], dtype=float))
    keep = scope.link_area >= 0
    grid = np.zeros((len(area_frame), len(months)))  # areas × months, each link adding its LSOA
    np.add.at(grid, scope.link_area[keep], per_lsoa[scope.link_lsoa[keep]])
    grid[:, ~is_published] = np.nan  # an unpublished month is a gap, never a zero
    return window_series(grid, months, start, end, previous_start, previous_end)


def _month_list(first: date, last: date) -> list[date]:
    months = []
    while first <= last:
        months.append(first)
        first = add_months(first, 1)
    return months


def _published_between(con: duckdb.DuckDBPyConnection, partnership: str, first: date, last: date) -> set[date]:
    """The months from ``first`` to ``last`` that the partnership's force published."""
    rows = con.execute(
        "SELECT p.month FROM published_month p JOIN partnership t ON t.force = p.force "
        "WHERE p.source = 'street' AND t.partnership_code = ? AND p.month BETWEEN ? AND ?",
        [partnership, first, last]).fetchall()
    return {r[0] for r in rows}


def _with_change(frame: pd.DataFrame, total: int, history: WindowSeries) -> pd.DataFrame:
    """Add the change against the previous period and the share of the partnership total."""
    frame = _judged(frame, history)
    frame["published"] = history.published_text
    frame["verdict_label"] = frame["verdict"].map(VERDICT_LABELS).fillna("no verdict")
    frame["share_of_total"] = frame["crimes"] * 100.0 / total if total else np.nan
    return frame.drop(columns=["crimes_with_population"])


def _area_measures_in_parts(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                            previous_start: date, previous_end: date, crime_types: tuple[str, ...],
                            weights: Weights, history: WindowSeries) -> pd.DataFrame:
    """area_measures with a query per window (for windows that share months)."""
    weights = weights or default_weights()
    area_frame = areas(con, partnership, level)
    now = _measures_from_counts(area_counts(con, partnership, level, start, end, crime_types), area_frame, weights)
    before = area_counts(con, partnership, level, previous_start, previous_end, crime_types)
    frame = area_frame.merge(now.drop(columns="residents"), on="area_code", how="left")
    frame["previous_crimes"] = frame["area_code"].map(before.groupby("area_code")["crimes"].sum()).fillna(0).astype(
        "int64")
    return _with_change(frame, partnership_total(con, partnership, start, end, crime_types), history)


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


# ---------------------------------------------------------------------------------------------- neighbours and Gi*
@per_store_version(maxsize=_CACHE_LIMIT)
def neighbours(con: duckdb.DuckDBPyConnection, partnership: str, level: str, method: str) -> dict[str, list[str]]:
    """Neighbour lists: shared boundary (queen contiguity) or centroids within the smallest distance that gives
    every area at least one neighbour."""
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


#: Gi* compares each area with its neighbours and the whole map: with fewer areas than this it is not reliable
MIN_GI_AREAS = 30


def few_areas_warning(spots: pd.DataFrame, map_measure: str, level: str) -> str:
    """A plain-words warning when Gi* ran on fewer than MIN_GI_AREAS areas ('' otherwise)."""
    column = MAP_MEASURES[map_measure][1]
    areas = int(spots[column].notna().sum()) if column in spots else 0
    if areas >= MIN_GI_AREAS:
        return ""
    one, many = {"lsoa": ("neighbourhood (LSOA)", "neighbourhoods (LSOAs)"), "ward": ("ward", "wards")}.get(
        level, ("area", "areas"))
    return (f"Only {areas} {one if areas == 1 else many} to compare: hot spot statistics (Getis-Ord Gi*) need "
            f"about {MIN_GI_AREAS} or more areas to tell a real cluster from chance, so treat any hot or cold spot "
            "here as a hint, not a finding." + (" Choose neighbourhoods (LSOAs) for a sounder picture." if level != "lsoa"
                                             else ""))


def classify_at(frame: pd.DataFrame, confidence: str) -> pd.Series:
    """Hot/cold spot class shown at a chosen confidence: classes below it read 'Not significant'."""
    if "hot_spot" in frame and frame["fdr_q"].isna().all():  # disclose()d: classed before q was blanked
        return frame["hot_spot"]
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
        stats: dict[str, object] = {}
        for name, part in (("z", z), ("p", p), ("fdr_q", q)):
            full = np.full(len(frame), np.nan)
            full[usable] = part
            stats[name] = full
        classes = np.full(len(frame), gi.NOT_SIGNIFICANT, dtype=object)
        classes[usable] = [gi.classify(zi, qi) for zi, qi in zip(z, q, strict=True)]
        stats["hot_spot_class"] = pd.Series(classes.tolist(), index=frame.index, dtype="str")
        hot = np.zeros(len(frame), dtype=bool)
        hot[usable] = gi.is_hot_spot(z, q)
        stats["is_hot"] = hot
        return pd.concat([frame, pd.DataFrame(stats, index=frame.index)], axis=1)
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
    elif not (usable.sum(axis=1) >= 3).any():  # no period has a Gi*: what _persistence_history gives, directly
        frame = pd.DataFrame({"area_code": pd.Series([], dtype=object), "period": pd.Series([], dtype="int64"),
                              "is_hot": pd.Series([], dtype=bool), "z": pd.Series([], dtype=object)})
    else:
        frame = _persistence_history(area_frame, by_period, column, links)
    classes = gi.persistence(frame[["area_code", "period", "is_hot", "z"]])
    labels = period_labels(end, periods, length)
    row = pd.Index(classes["area_code"]).get_indexer(frame["area_code"])
    column = frame["period"].to_numpy(dtype=int)
    hot = np.zeros((len(classes), periods), dtype=bool)
    np.logical_or.at(hot, (row, column), frame["is_hot"].to_numpy(dtype=bool))
    flags = {f"hot in {labels[index]}": hot[:, index] for index in sorted(set(column.tolist()))}
    return pd.concat([classes, pd.DataFrame(flags, index=classes.index)], axis=1) if flags else classes


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
    """'Violence and sexual offences 41%; Anti-social behaviour 22%; …' per area (public output: the names
    only, since a share times the area's count gives the type's count back)."""
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
    frame = spots[~spots["hidden"]].copy() if "hidden" in spots else spots.copy()  # public: no rank for them
    frame["hot_spot"] = classify_at(frame, confidence)
    frame["_hot"] = frame["hot_spot"].str.startswith("Hot")
    # hot spots by Gi* z (strongest first); every other area by its value alone, highest first
    frame["_hot_z"] = frame["z"].astype(float).where(frame["_hot"])
    ranked = frame.sort_values(["_hot", "_hot_z", column, "area_code"], ascending=[False, False, False, True],
                               na_position="last", kind="stable")  # ties in area code order
    return ranked[ranked["crimes"] > 0].head(limit)


def top_hot_spot_codes(spots: pd.DataFrame, map_measure: str, confidence: str, limit: int = 15) -> tuple[str, ...]:
    """The area codes of the top hot spots table, in its order."""
    return tuple(str(code) for code in _ranked(spots, map_measure, confidence, limit)["area_code"])


def top_hot_spot_details(con: duckdb.DuckDBPyConnection, partnership: str, level: str, start: date, end: date,
                         area_codes: tuple[str, ...], crime_types: tuple[str, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For the given areas: crimes by type (area_code, crime_type, crimes) and their busiest locations
    (top_locations' columns), read in one query of their LSOAs' rows."""
    scope = _scope(con, partnership, level)
    chosen = set(area_codes)
    lsoas = sorted({code for area in chosen for code in scope.area_lsoas.get(area, [])})
    (in_agg, params), (in_street, by_force) = scope.rows_of("a", lsoas), scope.rows_of("a", lsoas, "force")
    rows = con.execute(f"""
        SELECT 0 AS part, a.lsoa_code, a.crime_type AS label, sum(a.crimes)::BIGINT AS crimes
        FROM agg_crime_month_lsoa a
        WHERE {in_agg} AND a.month BETWEEN $start AND $end AND {_CRIME_FILTER}
        GROUP BY ALL
        UNION ALL
        SELECT 1 AS part, a.lsoa_code, a.location AS label, count(*)::BIGINT AS crimes
        FROM street_crime a
        WHERE {in_street} AND a.month BETWEEN $start AND $end AND {_CRIME_FILTER} AND a.location IS NOT NULL
        GROUP BY ALL""", {**params, **by_force, "start": start, "end": end,
                          "crime_types": list(crime_types)}).fetchall() if lsoas else []
    area_of = {code: area for area in chosen for code in scope.area_lsoas.get(area, [])}
    sums: tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]] = ({}, {})
    for part, code, label, crimes in rows:
        key = (area_of[code], label)
        sums[part][key] = sums[part].get(key, 0) + crimes
    mix_keys = sorted(sums[0])
    mix = pd.DataFrame({"area_code": _text_column([area for area, _t in mix_keys]),
                        "crime_type": _text_column([kind for _a, kind in mix_keys]),
                        "crimes": np.array([sums[0][k] for k in mix_keys], dtype="int64")})
    ranked = sorted(sums[1].items(), key=lambda item: (item[0][0], -item[1], item[0][1]))
    places: list[tuple[str, str, int, int]] = []
    for (area, location), crimes in ranked:
        rank = places[-1][3] + 1 if places and places[-1][0] == area else 1
        if rank <= 3:
            places.append((area, location, crimes, rank))
    return mix, pd.DataFrame({"area_code": _text_column([p[0] for p in places]),
                              "location": _text_column([p[1] for p in places]),
                              "crimes": np.array([p[2] for p in places], dtype="int64"),
                              "rank": np.array([p[3] for p in places], dtype="int64")})


def _text_column(values: list[str]) -> pd.Series:
    """A text column typed as DuckDB's .df() types it ("str" when there are rows, object when empty)."""
    return pd.Series(values, dtype="str" if values else object)


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
    if "previous_hidden" in ranked:  # public output: no change worked out from a hidden count
        change = ["" if h else c for c, h in zip(change, ranked["previous_hidden"], strict=True)]
    return pd.DataFrame({
        "area_code": ranked["area_code"],
        "area": ranked["area_name"],
        "ward": ranked["ward_name"],
        "crimes": ranked["crimes"].astype("int64"),
        "rate": ranked["rate"].round(1),
        "harm": ranked["harm"].round(0),
        "previous_crimes": (ranked["previous_shown"] if "previous_shown" in ranked
                            else ranked["previous_crimes"].astype("int64")),
        "change": change,
        "verdict": [v if v != "no verdict" or not w else f"no verdict: {w}"
                    for v, w in zip(ranked["verdict_label"], ranked.get("published", pd.Series("", index=ranked.index)),
                                    strict=True)],
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
    """One area's crimes per month: month, crimes (0 for a published month with none, NaN for a month the force
    did not publish: a gap, never a zero)."""
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
    published = _published_between(con, partnership, start, end)
    frame["month"] = pd.to_datetime(frame["month"])
    frame["crimes"] = np.where([m.date() in published for m in frame["month"]],
                               frame["crimes"].to_numpy(dtype=float), np.nan)
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
    scope = _scope(con, partnership, level)  # kept per store version
    condition, lsoas = scope.rows_of("a", scope.area_lsoas.get(area_code, []))
    params = {**lsoas, "mstart": series_start, "start": start, "end": end, "pstart": previous_start,
              "pend": previous_end}
    crimes_sql = f"""
        SELECT 0 AS part, a.month, a.crime_type AS label, sum(a.crimes)::BIGINT AS crimes
        FROM agg_crime_month_lsoa a
        WHERE {condition}
          AND (a.month BETWEEN $mstart AND $end OR a.month BETWEEN $start AND $end OR a.month BETWEEN $pstart AND $pend)
        GROUP BY ALL"""
    outcomes_sql = f"""
        SELECT 1 AS part, NULL::DATE AS month, a.outcome_group AS label, sum(a.crimes)::BIGINT AS crimes
        FROM agg_outcome_month_lsoa a
        WHERE {condition} AND a.crime_month BETWEEN $start AND $end
          AND {_CRIME_FILTER}
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
    published = _published_between(con, partnership, series_start, end)
    monthly = pd.DataFrame({"month": np.array(months, dtype="datetime64[us]"),  # unpublished: a gap, never 0
                            "crimes": np.array([by_month.get(m, 0) if m in published else np.nan for m in months],
                                               dtype=float)})
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


def _hide(frame: pd.DataFrame, column: str, groups: list[list[object]]) -> pd.Series:
    """Protect ``column`` (primary and secondary, metrics.disclosure.protect): add ``<column>_shown`` as text,
    blank the hidden values; returns the hidden mask."""
    from cspdash.metrics.disclosure import HIDDEN, SUPPRESSED, protect

    primary, secondary = protect(frame[column], groups)
    frame[f"{column}_shown"] = frame[column].map(lambda v: f"{int(v)}").mask(primary, SUPPRESSED).mask(secondary, HIDDEN)
    frame[column] = frame[column].astype(float).mask(primary | secondary)
    return primary | secondary


def disclose_drilldown(drill: Drilldown, start: date, end: date, previous_start: date,
                       previous_end: date) -> Drilldown:
    """An area's drill-down as public output may show it (the area's own count being shown).

    The months of each period add up to the area's count of that period, the crime types too, and the outcome
    groups to the total the page writes: small counts are hidden in each, with secondary cells hidden so that
    the total cannot give them back; a hidden outcome group's share is blanked too. Each frame gains
    ``<count>_shown`` text columns and a ``hidden`` column (any of its counts hidden).
    """
    monthly = drill.monthly.reset_index(drop=True).copy()
    months = pd.to_datetime(monthly["month"]).dt.date
    now: list[object] = [i for i, m in enumerate(months) if start <= m <= end]
    before: list[object] = [i for i, m in enumerate(months) if previous_start <= m <= previous_end]
    monthly["hidden"] = _hide(monthly, "crimes", [now, before])
    mix = drill.mix.reset_index(drop=True).copy()
    hidden = _hide(mix, "crimes", [list(mix.index)]) | _hide(mix, "previous_crimes", [list(mix.index)])
    mix["hidden"] = hidden
    outcomes = drill.outcomes.reset_index(drop=True).copy()
    outcomes["hidden"] = _hide(outcomes, "crimes", [list(outcomes.index)])
    if "share" in outcomes:
        outcomes["share"] = outcomes["share"].astype(float).mask(outcomes["hidden"])
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


# ---------------------------------------------------------------------------------------------- words and hovers
def _count_text(value: float, public: bool) -> str:
    """A count as shown: '<5' for 1–4 in public output (the one rule, metrics.disclosure)."""
    from cspdash.metrics.disclosure import count_text

    return count_text(int(value), public)


#: the figures worked out from an area's count in the period (hidden with it in public output)
_FROM_NOW = ("rate", "harm", "share_of_total")
#: the figures worked out from both periods' counts (hidden when either is)
_FROM_BOTH = ("change_z", "pct_change")
#: Gi* statistics: each is a weighted sum of its neighbours' values, so together they give the values back
_GI_STATS = ("z", "p", "fdr_q")


def exposed_wards(lsoa_spots: pd.DataFrame) -> dict[str, set[str]]:
    """From disclose()'s LSOA frame: the wards whose total would give back one of their LSOAs' hidden counts
    (all a ward's other LSOAs too small to hide beside it), per count column: the ward view hides them."""
    from cspdash.metrics.disclosure import group_exposed

    frame = lsoa_spots.reset_index(drop=True)
    out: dict[str, set[str]] = {"crimes": set(), "previous_crimes": set()}
    for column, mask in (("crimes", "hidden"), ("previous_crimes", "previous_hidden")):
        for ward, rows in frame.groupby("ward_code", dropna=True).groups.items():
            if group_exposed(frame[column], frame[mask], list(rows)):
                out[column].add(str(ward))
    return out


def disclose(spots: pd.DataFrame, level: str, confidence: str,
             exposed: dict[str, set[str]] | None = None) -> pd.DataFrame:
    """hot_spots() as public output may show it: small counts hidden with everything worked out from them.

    Counts of 1–4 are hidden (primary), and further areas (secondary) wherever the partnership's total, or at
    LSOA level a ward's total, and the counts shown beside it would give a hidden count back
    (metrics.disclosure.protect); at ward level also the ``exposed`` wards (exposed_wards of the LSOA view).
    For a hidden count the rate, harm and share of the total are blanked, and the
    change wherever either period's count is hidden; the Gi* z, p and q values are blanked everywhere (a
    weighted sum of neighbours' values: all of them together give the values back). Adds the columns
    ``crimes_shown`` and ``previous_shown`` (the counts as text: '12', '<5' or '[c]') and ``hidden`` (the
    period's count is hidden).
    """
    from cspdash.metrics.disclosure import HIDDEN, SUPPRESSED, protect

    frame = spots.reset_index(drop=True).copy()
    frame["hot_spot"] = classify_at(frame, confidence)  # at the chosen confidence, before q is blanked
    groups: list[list[object]] = [list(frame.index)]
    if level == "lsoa" and "ward_code" in frame:
        groups += [list(rows) for _ward, rows in frame.groupby("ward_code", dropna=True).groups.items()]
    masks = {}
    for column, shown in (("crimes", "crimes_shown"), ("previous_crimes", "previous_shown")):
        forced = frame["area_code"].astype(str).isin((exposed or {}).get(column, set()))
        primary, secondary = protect(frame[column], groups, also=forced)
        masks[column] = primary | secondary
        text = frame[column].map(lambda v: "" if pd.isna(v) else f"{int(v)}")
        frame[shown] = text.mask(primary, SUPPRESSED).mask(secondary, HIDDEN)
    now, before = masks["crimes"], masks["previous_crimes"]
    for column in _FROM_NOW:
        if column in frame:
            frame[column] = frame[column].astype(float).mask(now)
    for column in _FROM_BOTH:
        if column in frame:
            frame[column] = frame[column].astype(float).mask(now | before)
    for column in ("verdict", "verdict_label", "direction"):
        if column in frame:
            frame[column] = frame[column].astype(object).mask(now | before, None)
    for column in _GI_STATS:
        if column in frame:
            frame[column] = np.nan
    frame["hidden"] = now
    frame["previous_hidden"] = before
    return frame


def map_frame(spots: pd.DataFrame, map_measure: str, confidence: str, centroids: pd.DataFrame,
              public: bool = False) -> pd.DataFrame:
    """What the map draws per area: area_code, value, hot_spot (at the confidence), lon, lat and hover text.

    In public output ``spots`` is disclose()'s frame: a hidden area has no value (drawn grey, left out of the
    colour scale) and its hover text gives only '<5' or '[c]'.
    """
    column = MAP_MEASURES[map_measure][1]
    _label, unit, _fmt = measure_label(map_measure)
    frame = spots.merge(centroids, on="area_code", how="left")
    frame["value"] = frame[column]
    hidden = frame["hidden"] if public and "hidden" in frame else pd.Series(False, index=frame.index)
    if public:
        frame["value"] = frame["value"].astype(float).mask(hidden)
    frame["hot_spot"] = classify_at(frame, confidence) if "fdr_q" in frame else gi.NOT_SIGNIFICANT
    hovers = []
    for row, is_hidden in zip(frame.itertuples(), hidden, strict=True):
        ward = f" · {html.escape(row.ward_name)}" if isinstance(row.ward_name, str) and row.ward_name != row.area_name else ""
        name = html.escape(str(row.area_name))  # plotly reads <a href> and <span style> in hover text
        if is_hidden:
            hovers.append(f"<b>{name}</b>{ward}<br>{row.crimes_shown} crimes (hidden in public output)"
                          f"<br>{row.hot_spot}")
            continue
        rate = "population unknown" if pd.isna(row.rate) else f"{row.rate:,.1f} per 1,000 residents"
        hovers.append(
            f"<b>{name}</b>{ward}<br>{_count_text(row.crimes, public)} crimes · {rate}<br>"
            f"harm {row.harm:,.0f} days (estimate)<br>{row.hot_spot}"
        )
    frame["hover"] = hovers
    return frame[["area_code", "area_name", "value", "hot_spot", "lon", "lat", "hover"]]


def points_frame(points: pd.DataFrame, public: bool = False) -> pd.DataFrame:
    """Crime points with hover text (counts of 1–4 as '<5' in public output)."""
    out = points.copy()
    out["hover"] = [f"{html.escape(str(loc))}<br>{_count_text(n, public)} records · mostly {kind}"
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
    elif figures.lsoa_lookup:
        lines.append(f"**LSOA codes:** all {figures.partnership_records:,} records in the partnership are placed in the "
                     "2021 neighbourhoods drawn here. Records police.uk published under 2011 codes were moved to "
                     "their 2021 neighbourhood with the ONS 2011→2021 lookup (merged neighbourhoods exactly; a split "
                     "one's records go to its 2021 piece with the most residents), so no area is counted twice.")
    else:
        lines.append(f"**LSOA codes:** all {figures.partnership_records:,} records in the partnership use codes that "
                     "match the 2021 boundaries drawn here.")
    missing = figures.areas - figures.areas_with_population
    unknown = (f"; {missing} neighbourhoods have no population figure and no rate" if missing else "")
    lines.append(
        f"**Rates use {figures.population_source} residents** ({figures.residents:,} people in "
        f"{figures.areas_with_population} of {figures.areas} neighbourhoods{unknown}). "
        "Residents mislead in town centres, where visitors, shoppers and night-time crowds far outnumber residents."
    )
    if level == "ward":
        lines.append("Wards are electoral wards; each neighbourhood counts towards the ward it lies in (ONS best "
                     "fit).")
    return lines
