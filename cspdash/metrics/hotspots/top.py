"""The top hot spots table: the most significant areas with their main crime types and locations."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from cspdash.metrics.hotspots.scope import _CRIME_FILTER, MAP_MEASURES, _scope, _scope_sql
from cspdash.metrics.hotspots.spots import classify_at, hot_spots
from cspdash.metrics.hotspots.words import _count_text

if TYPE_CHECKING:
    from cspdash.metrics.hotspots.scope import Weights


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
