"""Hot spot measures per small area (LSOA or ward): counts, rates, harm, Gi*, persistence, drill-down, caveats.

Areas are the partnership's boundary polygons of the chosen level. Counts come from agg_crime_month_lsoa; an
LSOA counts towards a ward through the lsoa table's ward_code. Rates are per 1,000 Census residents (2021 in the
shipped geography) and use only the crimes of LSOAs whose population is known (e.g. a 2021 code in a 2011 Census),
so a ward's rate never divides crimes of unknown-population LSOAs by a partial denominator.
The page's queries read counts per LSOA and sum them into areas in numpy: which LSOAs count towards which area,
which have residents, and which councils and forces their rows carry (the _Scope) are read once per store
version, so each query is a plain scan of a few councils' rows, which DuckDB finds without reading the rest.
Every query is parameterised; the only SQL fragments chosen in code are the fixed per-level expressions below.

Modules: ``scope`` (levels, weights, areas, the per-version scope and map geometry), ``counts`` (counts and
measures per area), ``spots`` (neighbours, Gi*, hot spots, persistence), ``top`` (the top hot spots table),
``drilldown`` (one area's detail), ``caveats`` (data caveats and crime points), ``words`` (disclosure, map
frames, summaries)."""

from __future__ import annotations

from cspdash.metrics.hotspots.caveats import (
    Caveats,
    _force_months,
    _vintage_months,
    caveats,
    crime_points,
    measure_label,
)
from cspdash.metrics.hotspots.counts import (
    area_counts,
    area_history,
    area_measures,
    partnership_total,
    period_counts,
)
from cspdash.metrics.hotspots.drilldown import (
    Drilldown,
    area_crime_mix,
    area_drilldown,
    area_monthly,
    area_outcome_mix,
    area_outcome_mix_from_rows,
    disclose_drilldown,
)
from cspdash.metrics.hotspots.scope import (
    CONFIDENCE,
    LEVEL_NOUNS,
    LEVELS,
    MAP_MEASURES,
    NEIGHBOURS,
    PERSISTENCE_SCHEMES,
    SCALE_TITLES,
    MapGeometry,
    Weights,
    _area_values,
    _scope,
    areas,
    check_weights_cover,
    default_weights,
    map_geometry,
    view_for_bounds,
    weights_tuple,
)
from cspdash.metrics.hotspots.spots import (
    MIN_GI_AREAS,
    _gi_for,
    classify_at,
    distance_threshold,
    few_areas_warning,
    hot_spots,
    neighbours,
    period_labels,
    persistence_classes,
)
from cspdash.metrics.hotspots.top import (
    top_hot_spot_codes,
    top_hot_spot_details,
    top_hot_spots,
    top_hot_spots_table,
    top_locations,
)
from cspdash.metrics.hotspots.words import (
    _count_text,
    caveat_lines,
    disclose,
    exposed_wards,
    map_frame,
    map_summary,
    map_titles,
    points_frame,
)

__all__ = [
    "map_titles",
    "CONFIDENCE",
    "Caveats",
    "Drilldown",
    "LEVELS",
    "LEVEL_NOUNS",
    "MAP_MEASURES",
    "MIN_GI_AREAS",
    "MapGeometry",
    "NEIGHBOURS",
    "PERSISTENCE_SCHEMES",
    "SCALE_TITLES",
    "Weights",
    "_area_values",
    "_count_text",
    "_force_months",
    "_gi_for",
    "_scope",
    "_vintage_months",
    "area_counts",
    "area_crime_mix",
    "area_drilldown",
    "area_history",
    "area_measures",
    "area_monthly",
    "area_outcome_mix",
    "area_outcome_mix_from_rows",
    "areas",
    "caveat_lines",
    "caveats",
    "check_weights_cover",
    "classify_at",
    "crime_points",
    "default_weights",
    "disclose",
    "disclose_drilldown",
    "distance_threshold",
    "exposed_wards",
    "few_areas_warning",
    "hot_spots",
    "map_frame",
    "map_geometry",
    "map_summary",
    "measure_label",
    "neighbours",
    "partnership_total",
    "period_counts",
    "period_labels",
    "persistence_classes",
    "points_frame",
    "top_hot_spot_codes",
    "top_hot_spot_details",
    "top_hot_spots",
    "top_hot_spots_table",
    "top_locations",
    "view_for_bounds",
    "weights_tuple",
]
