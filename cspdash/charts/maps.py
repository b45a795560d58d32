"""Maps that draw with no internet (white background, boundary polygons, explicit centre and zoom) and mix bars.

A tile basemap ("carto-positron") is only an opt-in: it needs internet and draws nothing offline. Hot and cold
spots are never told by colour alone: each class is a circle of its own size and style at the area's centre
(filled for hot, a ring for cold; larger = more confident), named in words in the legend.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from cspdash.charts.theme import INK, MUTED, PALETTE, apply, plain, plain_all

OFFLINE_STYLE = "white-bg"
TILE_STYLE = "carto-positron"
#: sequential, colour-blind safe, light = low, dark = high
SEQUENTIAL = "Viridis_r"
NO_DATA_COLOUR = "#d9d9d9"
HOT = "#D55E00"
COLD = "#0072B2"
#: hot/cold class → (circle size, words for the legend)
SPOT_MARKERS: dict[str, tuple[int, str]] = {
    "Hot spot 99%": (17, "Hot spot, 99% confidence (large filled circle)"),
    "Hot spot 95%": (13, "Hot spot, 95% confidence (medium filled circle)"),
    "Hot spot 90%": (9, "Hot spot, 90% confidence (small filled circle)"),
    "Cold spot 99%": (17, "Cold spot, 99% confidence (large ring)"),
    "Cold spot 95%": (13, "Cold spot, 95% confidence (medium ring)"),
    "Cold spot 90%": (9, "Cold spot, 90% confidence (small ring)"),
}
#: persistence class → fill colour (Okabe–Ito; strongest problems darkest), hatching is not available on maps
PERSISTENCE_COLOURS: dict[str, str] = {
    "intensifying": "#D55E00",
    "persistent": "#E69F00",
    "new": "#CC79A7",
    "diminishing": "#56B4E9",
    "sporadic": "#F0E442",
    "not a hot spot": "#f2f2f2",
    "not assessed": NO_DATA_COLOUR,
}


def _subset(feature_collection: dict, codes: pd.Series) -> dict:
    """Only the features a trace colours: each polygon is sent to the browser once, not once per trace."""
    wanted = set(codes)
    return {"type": "FeatureCollection",
            "features": [f for f in feature_collection["features"] if f.get("id") in wanted]}


def _layout(figure: go.Figure, center: tuple[float, float], zoom: float, basemap: bool, height: int) -> go.Figure:
    figure.update_layout(
        map={"style": TILE_STYLE if basemap else OFFLINE_STYLE, "center": {"lat": center[0], "lon": center[1]},
             "zoom": zoom},
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        legend={"orientation": "v", "yanchor": "top", "y": 0.99, "xanchor": "left", "x": 0.01,
                "bgcolor": "rgba(255,255,255,0.85)", "bordercolor": MUTED, "borderwidth": 1, "font": {"size": 12}},
        uirevision="map",
        showlegend=True,
    )
    return figure


def area_map(
    feature_collection: dict,
    areas: pd.DataFrame,
    value: str,
    value_title: str,
    center: tuple[float, float],
    zoom: float,
    title: str = "",
    spots: pd.DataFrame | None = None,
    points: pd.DataFrame | None = None,
    basemap: bool = False,
    height: int = 620,
    no_value: str = "No value (e.g. population unknown)",
) -> go.Figure:
    """Choropleth of ``value`` per area (column area_code, hover text in column hover), areas without a value in
    grey; optional hot/cold spot circles (spots: lon, lat, hot_spot, hover) and crime points (lon, lat, hover)."""
    figure = go.Figure()
    known = areas[areas[value].notna()]
    unknown = areas[areas[value].isna()]
    if len(unknown):
        figure.add_trace(go.Choroplethmap(
            geojson=_subset(feature_collection, unknown["area_code"]), locations=unknown["area_code"],
            z=[0] * len(unknown),
            colorscale=[[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]], showscale=False, showlegend=True,
            name=no_value, text=unknown["hover"], hoverinfo="text",
            marker={"line": {"color": "white", "width": 0.6}, "opacity": 0.9},
        ))
    zmax = colour_cap(known[value])
    capped = zmax is not None
    figure.add_trace(go.Choroplethmap(
        geojson=_subset(feature_collection, known["area_code"]), locations=known["area_code"], z=known[value],
        colorscale=SEQUENTIAL,
        zmin=0, zmax=zmax, text=known["hover"], hoverinfo="text", name=value_title, showlegend=False,
        colorbar={"title": {"text": value_title + ("<br>(darkest = this<br>or more)" if capped else ""),
                            "side": "right"}, "thickness": 14, "len": 0.75, "x": 0.99,
                  "xanchor": "right", "bgcolor": "rgba(255,255,255,0.85)"},
        marker={"line": {"color": "white", "width": 0.6}, "opacity": 0.85},
    ))
    if points is not None and len(points):
        figure.add_trace(go.Scattermap(
            lon=points["lon"], lat=points["lat"], mode="markers", name="Crime locations (anonymised points)",
            marker={"size": 5, "color": INK, "opacity": 0.55}, text=points["hover"], hoverinfo="text",
        ))
    if spots is not None and len(spots):
        _add_spot_markers(figure, spots)
    _layout(figure, center, zoom, basemap, height)
    return apply(figure, title, height=height)


def colour_cap(values: pd.Series, quantile: float = 0.95, skew: float = 1.5) -> float | None:
    """The top of the colour scale when one or two extreme areas (e.g. a town centre) would wash out the rest:
    the 95th percentile if the maximum is more than 1.5 times it, else None (use the maximum)."""
    clean = values.dropna().astype(float)
    if len(clean) < 10:
        return None
    top = float(clean.quantile(quantile))
    return top if top > 0 and float(clean.max()) > skew * top else None


def _add_spot_markers(figure: go.Figure, spots: pd.DataFrame) -> None:
    """One legend entry per hot/cold class: a filled circle (hot) or a ring (cold), sized by confidence."""
    for spot_class, (size, words) in SPOT_MARKERS.items():
        chosen = spots[spots["hot_spot"] == spot_class]
        if chosen.empty:
            continue
        hot = spot_class.startswith("Hot")
        colour = HOT if hot else COLD
        figure.add_trace(go.Scattermap(  # white halo so the circle reads on any fill colour
            lon=chosen["lon"], lat=chosen["lat"], mode="markers", marker={"size": size + 5, "color": "white"},
            hoverinfo="skip", showlegend=False, legendgroup=spot_class,
        ))
        figure.add_trace(go.Scattermap(
            lon=chosen["lon"], lat=chosen["lat"], mode="markers", name=words, legendgroup=spot_class,
            marker={"size": size, "color": colour}, text=chosen["hover"], hoverinfo="text",
        ))
        if not hot:  # punch a white centre: a ring, distinguishable from a filled circle without colour
            figure.add_trace(go.Scattermap(
                lon=chosen["lon"], lat=chosen["lat"], mode="markers", marker={"size": size * 0.45, "color": "white"},
                hoverinfo="skip", showlegend=False, legendgroup=spot_class,
            ))


def class_map(
    feature_collection: dict,
    areas: pd.DataFrame,
    class_column: str,
    colours: dict[str, str],
    center: tuple[float, float],
    zoom: float,
    title: str = "",
    explanations: dict[str, str] | None = None,
    basemap: bool = False,
    height: int = 520,
) -> go.Figure:
    """Areas filled by a category (e.g. persistence class), one legend entry per class in words."""
    figure = go.Figure()
    for name, colour in colours.items():
        chosen = areas[areas[class_column] == name]
        if chosen.empty:
            continue
        count = len(chosen)
        figure.add_trace(go.Choroplethmap(
            geojson=_subset(feature_collection, chosen["area_code"]), locations=chosen["area_code"], z=[1] * count,
            colorscale=[[0, colour], [1, colour]], showscale=False, showlegend=True,
            name=f"{name.capitalize()} ({count} area{'s' if count != 1 else ''})",
            text=chosen["hover"], hoverinfo="text", marker={"line": {"color": "#555555", "width": 0.6}},
        ))
    _layout(figure, center, zoom, basemap, height)
    return apply(figure, title, height=height)


def mix_bars(frame: pd.DataFrame, category: str, values: Sequence[tuple[str, str]], title: str,
             x_title: str) -> go.Figure:
    """Horizontal bars per category, one bar per (column, label) pair; patterns tell the series apart."""
    figure = go.Figure()
    patterns = ["", "/", "."]
    for index, (column, label) in enumerate(values):
        figure.add_trace(go.Bar(
            y=plain_all(frame[category]), x=frame[column], name=plain(label), orientation="h",
            marker={"color": PALETTE[index % len(PALETTE)], "pattern": {"shape": patterns[index % len(patterns)]}},
            hovertemplate="%{y}: %{x:,}<extra>" + plain(label) + "</extra>",
        ))
    figure.update_layout(barmode="group", yaxis={"autorange": "reversed", "title": None, "automargin": True},
                         xaxis={"title": x_title})
    return apply(figure, title, height=max(260, 26 * len(frame) * len(values) + 110))
