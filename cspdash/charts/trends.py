"""Figure builders for the trends and overview pages: DataFrame in, Figure out, in the cspdash theme.

Meaning never rests on colour alone: comparison lines are dashed, SPC signals have their own marker symbol and a
legend entry in words, and events carry a text label.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from cspdash.charts.theme import INK, MUTED, PALETTE, apply, plain, plain_all, title_room

#: rule → (marker symbol, legend words); symbols differ so signals read without colour
SIGNAL_MARKERS: dict[str, tuple[str, str]] = {
    "outside_limits": ("diamond", "Outside the limits"),
    "two_of_three_near_limit": ("star", "2 of 3 near a limit"),
    "trend_of_6": ("triangle-up", "Trend of 6"),
    "run_of_7": ("square", "Run of 7 on one side"),
}
SIGNAL_COLOUR = "#D55E00"
#: outcome group → colour (Okabe–Ito order, grey for unknown)
OUTCOME_COLOURS: dict[str, str] = {
    "Charged or summonsed": "#0072B2",
    "Out-of-court resolution": "#56B4E9",
    "No suspect identified": "#E69F00",
    "Evidential difficulties": "#D55E00",
    "Still under investigation": "#CC79A7",
    "Not in the public interest / other body": "#009E73",
    "Status unavailable": "#BBBBBB",
}
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]


#: drawn across a trend chart whose every point public output hides (the sentence under it says how many and why)
HIDDEN_THROUGHOUT = ("Every point is hidden in public output (<5 or [c]):", "see the sentence below the chart")


def trend_lines(
    frame: pd.DataFrame, value: str, title: str, y_title: str, compare: str | None = None,
    compare_label: str = "", events: pd.DataFrame | None = None, shade: tuple[date, date] | None = None,
) -> go.Figure:
    """One line per area (period on x, ``value`` on y), an optional dashed comparison column, events as labelled
    lines, the reporting period shaded, and incomplete periods as open markers."""
    figure = go.Figure()
    for index, (area, group) in enumerate(frame.groupby("area_name", sort=False)):
        colour = PALETTE[index % len(PALETTE)]
        complete = group["complete"] if "complete" in group else pd.Series(True, index=group.index)
        figure.add_trace(go.Scatter(
            x=group["period"], y=group[value], name=plain(area), mode="lines+markers",
            line={"color": colour, "width": 2.5, "dash": DASHES[index % len(DASHES)]},
            marker={"size": 7, "symbol": ["circle" if c else "circle-open" for c in complete]},
            customdata=group[["period_label"]], hovertemplate="%{customdata[0]}: %{y:,.1f}<extra>" + plain(area) + "</extra>",
            connectgaps=False,
        ))
        if compare and compare in group and group[compare].notna().any():
            figure.add_trace(go.Scatter(
                x=group["period"], y=group[compare], name=plain(f"{area} — {compare_label}"), mode="lines",
                line={"color": colour, "width": 1.5, "dash": "dot"}, opacity=0.8,
                hovertemplate="%{x|%b %Y}: %{y:,.1f}<extra>" + plain(compare_label) + "</extra>", connectgaps=False,
            ))
    if "complete" in frame and (~frame["complete"].astype(bool)).any():
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="Incomplete period (not comparable)",
                                    marker={"symbol": "circle-open", "size": 9, "color": MUTED}))
    if shade is not None:
        figure.update_layout(
            shapes=[{"type": "rect", "xref": "x", "yref": "paper", "x0": shade[0], "x1": shade[1], "y0": 0, "y1": 1,
                     "fillcolor": "#0072B2", "opacity": 0.06, "line": {"width": 0}, "layer": "below"}],
            annotations=[{"x": shade[0], "y": 0, "xref": "x", "yref": "paper", "xanchor": "left", "yanchor": "bottom",
                          "text": "Reporting period", "showarrow": False, "font": {"size": 11, "color": MUTED}}])
    if "crimes_shown" in frame and not frame.empty and frame[value].isna().all():  # public output hid every point
        figure.add_annotation(text="<br>".join(plain(line) for line in HIDDEN_THROUGHOUT), showarrow=False, x=0.5,
                              y=0.5, xref="paper", yref="paper", font={"size": 14, "color": INK}, bgcolor="#FFFFFF",
                              borderpad=6)
    add_events(figure, events)
    figure.update_yaxes(title_text=y_title)
    figure.update_xaxes(title_text=None)
    apply(figure, title, height=440)
    _legend_below(figure)
    return figure


def add_events(figure: go.Figure, events: pd.DataFrame | None) -> None:
    """Action-plan events as dotted vertical lines with a numbered tag (a shaded band when they last);
    event_key() gives the numbers in words. Shapes are added in one layout update (add_vline is slow)."""
    if events is None or events.empty:
        return
    shapes: list[dict[str, object]] = []
    notes: list[dict[str, object]] = []
    for number, event in enumerate(events.itertuples(), start=1):
        start = pd.Timestamp(event.start_date)
        end = pd.Timestamp(event.end_date) if pd.notna(event.end_date) else None
        if end is not None and end > start:
            shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": start, "x1": end, "y0": 0, "y1": 1,
                           "fillcolor": "#E69F00", "opacity": 0.12, "line": {"width": 0}, "layer": "below"})
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": start, "x1": start, "y0": 0, "y1": 1,
                       "line": {"color": INK, "width": 1, "dash": "dot"}})
        notes.append({"x": start, "y": 1, "xref": "x", "yref": "paper", "yanchor": "bottom",
                      "text": f"<b>{number}</b>", "showarrow": False, "font": {"size": 11, "color": INK},
                      "bgcolor": "#FFF3D6", "bordercolor": INK, "borderwidth": 1, "borderpad": 2,
                      "hovertext": f"{plain(event.title)} ({start:%d %b %Y})"})  # data: no markup
    figure.update_layout(shapes=[*figure.layout.shapes, *shapes], annotations=[*figure.layout.annotations, *notes])


def event_key(events: pd.DataFrame | None) -> str:
    """The numbered events on a chart in words: 'Events: 1 Knife amnesty (Feb 2025); 2 …'."""
    if events is None or events.empty:
        return ""
    items = [f"**{n}** {e.title} ({pd.Timestamp(e.start_date):%b %Y})"
             for n, e in enumerate(events.itertuples(), start=1)]
    return "Events marked on the chart: " + "; ".join(items) + "."


def _legend_below(figure: go.Figure) -> None:
    figure.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0},
                         margin={"t": title_room(figure, 70), "b": 40})


def xmr_figure(
    chart: pd.DataFrame, title: str, y_title: str, events: pd.DataFrame | None = None,
    break_month: date | None = None,
) -> go.Figure:
    """An XmR chart: monthly values, the average and natural process limits per segment, signals marked with a
    symbol per rule, and the break point labelled."""
    figure = go.Figure()
    # None between runs of consecutive published months: a line never joins months across an unpublished one
    pieces = "run" if "run" in chart else "segment" if "segment" in chart else None
    parts = [group for _, group in chart.groupby(pieces, sort=True)] if pieces else [chart]
    xs_value: list[object] = []
    ys_value: list[object] = []
    for part in parts:
        xs_value.extend([*part["month"], None])
        ys_value.extend([*part["value"], None])
    figure.add_trace(go.Scatter(x=xs_value, y=ys_value, name="Monthly count", mode="lines+markers",
                                connectgaps=False, line={"color": PALETTE[0], "width": 2}, marker={"size": 6}))
    for column, name, dash in (("mean", "Average", "solid"), ("unpl", "Upper process limit", "dash"),
                               ("lnpl", "Lower process limit", "dash")):
        if column not in chart or chart[column].isna().all():
            continue
        # None between segments (a recalculation) and runs (a gap) breaks the line
        xs: list[object] = []
        ys: list[object] = []
        for part in parts:
            xs.extend([*part["month"], None])
            ys.extend([*part[column], None])
        figure.add_trace(go.Scatter(x=xs, y=ys, name=name, mode="lines", connectgaps=False,
                                    line={"color": MUTED if column != "mean" else INK, "width": 1.5, "dash": dash}))
    # one marker per point, the strongest rule first, so overlapping symbols never clutter a point
    marked = pd.Series(False, index=chart.index)
    for rule, (symbol, words) in SIGNAL_MARKERS.items():
        if rule not in chart or not chart[rule].any():
            continue
        flagged = chart[chart[rule].astype(bool) & ~marked]
        marked |= chart[rule].astype(bool)
        if flagged.empty:
            continue
        figure.add_trace(go.Scatter(
            x=flagged["month"], y=flagged["value"], mode="markers", name=f"Signal: {words}",
            marker={"symbol": symbol, "size": 13, "color": "rgba(0,0,0,0)",
                    "line": {"color": SIGNAL_COLOUR, "width": 2.5}},
            hovertemplate="%{x|%b %Y}: %{y:,.0f}<extra>" + words + "</extra>",
        ))
    if break_month is not None:
        figure.add_vline(x=pd.Timestamp(break_month), line={"color": INK, "width": 1.5, "dash": "dashdot"})
        figure.add_annotation(x=pd.Timestamp(break_month), y=0.02, yref="paper", text="Limits recalculated",
                              showarrow=False, xanchor="left", font={"size": 11}, bgcolor="rgba(255,255,255,0.8)")
    add_events(figure, events)
    figure.update_yaxes(title_text=y_title)
    apply(figure, title, height=460)
    _legend_below(figure)
    return figure


def outcome_bars(frame: pd.DataFrame, by: str, title: str, x_title: str = "% of crimes") -> go.Figure:
    """Stacked 100% bars of outcome shares: horizontal per crime type (by='crime_type') or vertical per month."""
    figure = go.Figure()
    horizontal = by != "month"
    categories = _category_order(frame, by)
    for group in OUTCOME_COLOURS:
        part = frame[frame["outcome_group"] == group]
        if part.empty:
            continue
        kwargs = ({"y": plain_all(part[by]), "x": part["share"], "orientation": "h"} if horizontal
                  else {"x": part[by], "y": part["share"]})
        figure.add_trace(go.Bar(name=group, marker={"color": OUTCOME_COLOURS[group]}, customdata=part[["crimes"]],
                                hovertemplate="%{customdata[0]:,} crimes (%{" + ("x" if horizontal else "y")
                                + ":.0f}%)<extra>" + group + "</extra>", **kwargs))
    figure.update_layout(barmode="stack", legend={"traceorder": "normal"})
    if horizontal:
        figure.update_yaxes(categoryorder="array", categoryarray=plain_all(reversed(categories)), title_text=None)
        figure.update_xaxes(title_text=x_title, range=[0, 101], tickvals=[0, 25, 50, 75, 100],
                             ticktext=["0%", "25%", "50%", "75%", "100%"])
        height = max(360, 34 * len(categories) + 160)
    else:
        figure.update_yaxes(title_text=x_title, range=[0, 100], ticksuffix="%")
        height = 460
    apply(figure, title, height=height + 80)
    _legend_below(figure)
    figure.update_layout(legend={"y": -0.16 if horizontal else -0.12})
    return figure


def stop_search_bars(by_object: pd.DataFrame, title: str) -> go.Figure:
    """Searches by object of search (horizontal), stacked by outcome."""
    figure = go.Figure()
    order = by_object.groupby("object_of_search")["searches"].sum().sort_values().index.tolist()
    outcomes = by_object.groupby("outcome")["searches"].sum().sort_values(ascending=False).index.tolist()
    for index, outcome in enumerate(outcomes):
        part = by_object[by_object["outcome"] == outcome]
        figure.add_trace(go.Bar(y=plain_all(part["object_of_search"]), x=part["searches"], orientation="h", name=plain(outcome),
                                marker={"color": PALETTE[index % len(PALETTE)]}))
    figure.update_layout(barmode="stack")
    figure.update_yaxes(categoryorder="array", categoryarray=plain_all(order), title_text=None)
    figure.update_xaxes(title_text="Searches")
    apply(figure, title, height=max(380, 34 * len(order) + 240))
    _legend_below(figure)
    return figure


def linked_share_bars(linked: pd.DataFrame, title: str) -> go.Figure:
    """Share of searches whose outcome was linked to the object of search, per object, labelled with the value."""
    ordered = linked.sort_values("share_linked")
    figure = go.Figure(go.Bar(
        y=plain_all(ordered["object_of_search"]), x=ordered["share_linked"], orientation="h", marker={"color": PALETTE[0]},
        text=[f"{v:.0f}% of {n:,}" if pd.notna(v) else "not recorded"
              for v, n in zip(ordered["share_linked"], ordered["searches"], strict=True)],
        textposition="outside", cliponaxis=False, showlegend=False,
    ))
    figure.update_xaxes(title_text="% of searches linked to the object", range=[0, 110], ticksuffix="%")
    figure.update_yaxes(title_text=None)
    return apply(figure, title, height=max(300, 34 * len(ordered) + 160))


def _category_order(frame: pd.DataFrame, by: str) -> Sequence[object]:
    """Categories largest first (for crime types) or in time order (months)."""
    if by == "month":
        return sorted(frame[by].unique())
    return frame.groupby(by)["crimes"].sum().sort_values(ascending=False).index.tolist()
