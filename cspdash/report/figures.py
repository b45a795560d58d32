"""Static figures for the briefing pack and slides, and their PNG images drawn offline by kaleido.

kaleido 1.x draws with the system chromium (/usr/bin/chromium); nothing is downloaded. One kaleido server
is started for a whole export (``image_session``) so each image takes a fraction of a second. If chromium is
missing an image is None and the pack says the chart could not be drawn, rather than failing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import threading
import warnings
from collections.abc import Iterator, Sequence

import pandas as pd
import plotly.graph_objects as go

from cspdash.analysis.rag import RAG_ORDER, RAG_STATUSES
from cspdash.charts import theme
from cspdash.config import SMALL_COUNT_MAX
from cspdash.metrics.catalogue import measure
from cspdash.metrics.disclosure import HIDDEN, SUPPRESSED, small
from cspdash.metrics.meeting import Briefing

log = logging.getLogger("cspdash.report")
_LOCK = threading.Lock()
HOT_COLOURS = {"Hot spot 99%": "#B2182B", "Hot spot 95%": "#D6604D", "Hot spot 90%": "#F4A582"}
NOT_HOT_COLOUR = "#F2F2F2"


@contextlib.contextmanager
def image_session() -> Iterator[None]:
    """Keep one kaleido/chromium process for the images drawn inside the block (one export at a time)."""
    with _LOCK:
        started = False
        try:
            import kaleido

            kaleido.start_sync_server(silence_warnings=True)
            started = True
        except Exception as exc:  # drawing still works (slower) without the shared server
            log.info("kaleido server not started: %s", exc)
        try:
            yield
        finally:
            if started:
                with contextlib.suppress(Exception):
                    import kaleido

                    kaleido.stop_sync_server(silence_warnings=True)


def png(figure: go.Figure, width: int = 1000, height: int = 500) -> bytes | None:
    """The figure as PNG bytes (scale 2 for print), or None when it cannot be drawn here."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            return figure.to_image(format="png", width=width, height=height, scale=2)
    except Exception as exc:
        log.warning("could not draw a chart image: %s", exc)
        return None


def trend_figure(b: Briefing) -> go.Figure:
    """Monthly recorded crime and ASB for 36 months, with the window since the previous meeting shaded.

    In public output a small monthly count (partnership totals: in practice never) is a gap, not a point.
    """
    monthly = b.monthly
    if b.public and not monthly.empty:
        monthly = monthly.assign(**{c: monthly[c].mask(small(monthly[c])) for c in ("crimes", "asb")})
    figure = go.Figure()
    if not monthly.empty:
        months = pd.to_datetime(monthly["month"])
        figure.add_scatter(x=months, y=monthly["crimes"], name="Recorded crime (excl. ASB)", mode="lines+markers",
                           line={"color": theme.PALETTE[0], "width": 2.5}, marker={"size": 4})
        figure.add_scatter(x=months, y=monthly["asb"], name="Anti-social behaviour", mode="lines+markers",
                           line={"color": theme.PALETTE[1], "width": 2.5, "dash": "dot"}, marker={"size": 4})
        if b.meeting.window_start is not None and b.meeting.data_end is not None:
            figure.add_vrect(x0=pd.Timestamp(b.meeting.window_start) - pd.Timedelta(days=15),
                             x1=pd.Timestamp(b.meeting.data_end) + pd.Timedelta(days=15),
                             fillcolor=theme.GRID, opacity=0.6, line_width=0, layer="below",
                             annotation_text="since previous meeting", annotation_position="top left")
    figure.update_yaxes(title=f"{measure('crimes').unit} per month")  # the catalogue's unit
    figure = theme.apply(figure, f"{b.meeting.partnership_name}: recorded crime and ASB by month", height=420)
    figure.update_layout(legend={"y": -0.12, "yanchor": "top"}, margin={"b": 70})
    return figure


def change_figure(b: Briefing) -> go.Figure:
    """Change per crime type since the previous meeting vs a year earlier; real changes drawn solid.

    In public output a crime type with a small count in either period is left out (its % change would give the
    count away); the export names them under the chart (``change_chart_note``).
    """
    changes = b.crime_changes.dropna(subset=["verdict"]) if not b.crime_changes.empty else b.crime_changes
    left_out = left_out_of_change_chart(b)
    if left_out:
        changes = changes[~changes["crime_type"].isin(left_out)]
    figure = go.Figure()
    if not changes.empty:
        ordered = changes.sort_values("pct_change")
        colours = [theme.UP_BAD if d == "up" else theme.DOWN_GOOD if d == "down" else theme.NEUTRAL
                   for d in ordered["direction"]]
        opacity = [1.0 if v == "significant" else 0.35 for v in ordered["verdict"]]
        figure.add_bar(y=theme.plain_all(ordered["crime_type"]), x=ordered["pct_change"].fillna(0), orientation="h",
                       marker={"color": colours, "opacity": opacity},
                       text=[f"{p:+.0f}%{' (real)' if v == 'significant' else ''}"
                             for p, v in zip(ordered["pct_change"].fillna(0), ordered["verdict"], strict=True)],
                       textposition="outside", cliponaxis=False, showlegend=False)
    figure.update_xaxes(title=f"% change, {b.meeting.window_label} vs a year earlier", rangemode="normal")
    if not changes.empty:
        low, high = float(changes["pct_change"].min()), float(changes["pct_change"].max())
        figure.update_xaxes(range=[min(low, 0) * 1.35 - 4, max(high, 0) * 1.35 + 4])
    figure.update_yaxes(rangemode="normal")
    figure = theme.apply(figure, "Change by crime type (solid = real change, allowing for normal variation)",
                         height=520)
    figure.update_layout(margin={"l": 220, "r": 60})
    return figure


def left_out_of_change_chart(b: Briefing) -> list[str]:
    """Crime types the change chart leaves out in public output: a count of 1–4 in either period."""
    changes = b.crime_changes
    if not b.public or changes.empty:
        return []
    hidden = (small(changes["current"]) | small(changes["previous"]) | changes["current"].isna()
              | changes["previous"].isna())  # blank: hidden beside small counts (public_overview.protect_briefing)
    return sorted(changes.loc[hidden, "crime_type"].astype(str))


def change_chart_note(left_out: list[str]) -> str:
    """The sentence under the change chart naming the crime types left out in public output."""
    return (f"Not charted in public output (a count of 1–{SMALL_COUNT_MAX}, shown as {SUPPRESSED}, or one hidden beside "
            f"such counts, shown as {HIDDEN}, in either period): " + ", ".join(left_out) + ".")


def hot_spot_figure(b: Briefing, geometries: dict[str, str], numbered: Sequence[str] = ()) -> go.Figure:
    """LSOA outlines filled by hot spot class in the latest 3 months; drawn without map tiles (offline). The areas
    in ``numbered`` (the top areas listed beside the map) are marked 1, 2, 3 … at their centres."""
    figure = go.Figure()
    classes = dict(zip(b.hot_spots.get("area_code", []), b.hot_spots.get("hot_spot_class", []), strict=True))
    persistence = dict(zip(b.hot_spots.get("area_code", []), b.hot_spots.get("persistence", []), strict=True))
    shown: set[str] = set()
    lats: list[float] = []
    for code, geometry in geometries.items():
        label = classes.get(code, "Not significant")
        colour = HOT_COLOURS.get(label, NOT_HOT_COLOUR)
        for ring in _outer_rings(json.loads(geometry)):
            xs = [p[0] for p in ring]
            ys = [p[1] for p in ring]
            lats.extend(ys)
            name = label if label in HOT_COLOURS else "Not a hot spot"
            figure.add_scatter(x=xs, y=ys, fill="toself", fillcolor=colour, mode="lines",
                               line={"color": "#8c959f", "width": 0.5}, name=name, legendgroup=name,
                               showlegend=name not in shown, hoverinfo="skip")
            shown.add(name)
    for code, label in persistence.items():
        if label in ("new", "intensifying") and code in geometries:
            ring = _outer_rings(json.loads(geometries[code]))[0]
            x = sum(p[0] for p in ring) / len(ring)
            y = sum(p[1] for p in ring) / len(ring)
            figure.add_scatter(x=[x], y=[y], mode="markers", marker={"symbol": "star", "size": 14, "color": "#000000"},
                               name="new or intensifying", legendgroup="ni", showlegend="ni" not in shown,
                               hoverinfo="skip")
            shown.add("ni")
    for rank, code in enumerate(numbered, start=1):
        if code not in geometries:
            continue
        ring = max(_outer_rings(json.loads(geometries[code])), key=len)
        x = sum(p[0] for p in ring) / len(ring)
        y = sum(p[1] for p in ring) / len(ring)
        figure.add_scatter(x=[x], y=[y], mode="markers+text", text=[str(rank)], textposition="middle center",
                           textfont={"color": "#ffffff", "size": 13},
                           marker={"symbol": "circle", "size": 22, "color": "#1f2328", "line": {"color": "#ffffff",
                                                                                                "width": 1.5}},
                           name="numbered area (see the table)", legendgroup="top",
                           showlegend="top" not in shown, hoverinfo="skip")
        shown.add("top")
    mid_lat = sum(lats) / len(lats) if lats else 51.5
    figure.update_xaxes(visible=False, showgrid=False)
    figure.update_yaxes(visible=False, showgrid=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(mid_lat)),
                        rangemode="normal")
    figure = theme.apply(figure, "Hot spots (Getis-Ord Gi*), last 3 months, all crime and ASB", height=620)
    figure.update_layout(legend={"y": -0.02, "yanchor": "top"}, margin={"l": 10, "r": 10, "t": theme.title_room(figure, 50), "b": 40})
    return figure


def _outer_rings(geometry: dict) -> list[list[list[float]]]:
    """The outer ring of each polygon of a GeoJSON Polygon or MultiPolygon."""
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry.get("type") == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def rag_figure(b: Briefing) -> go.Figure:
    """Count of actions by RAG status (symbol and label on each bar, never colour alone)."""
    counts = b.actions["rag"].value_counts() if not b.actions.empty else pd.Series(dtype=int)
    keys = [k for k in RAG_ORDER if counts.get(k, 0)]
    figure = go.Figure(go.Bar(
        x=[f"{RAG_STATUSES[k].icon} {RAG_STATUSES[k].label}" for k in keys], y=[int(counts[k]) for k in keys],
        marker={"color": [RAG_STATUSES[k].colour for k in keys]}, text=[int(counts[k]) for k in keys],
        textposition="outside", showlegend=False))
    figure.update_yaxes(title="actions", dtick=1)
    return theme.apply(figure, f"Action plan: actions by status on {b.meeting.meeting_date:%-d %b %Y}", height=360)
