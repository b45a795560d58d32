"""Neighbours, Getis-Ord Gi* hot spots and their persistence over periods."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
from shapely.geometry import shape

from cspdash.analysis import hotspots as gi
from cspdash.metrics.hotspots.counts import area_measures
from cspdash.metrics.hotspots.scope import (
    _CACHE_LIMIT,
    CONFIDENCE,
    MAP_MEASURES,
    NEIGHBOURS,
    PERSISTENCE_SCHEMES,
    _area_values,
    default_weights,
    map_geometry,
)
from cspdash.metrics.memo import per_store_version
from cspdash.metrics.period import add_months

if TYPE_CHECKING:
    from cspdash.metrics.hotspots.scope import Weights


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
