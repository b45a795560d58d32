"""The funnel plot: each partnership's rate against its residents, with the 95% and 99.8% limits.

Meaning never rests on colour alone: the chosen partnership is a large diamond with its name, the limits are
named in the legend and drawn dashed (95%) and dotted (99.8%).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cspdash.charts.theme import INK, MUTED, PALETTE, UP_BAD, apply, plain, plain_all, title_lines

HIGHLIGHT = UP_BAD


def funnel_figure(points: pd.DataFrame, curve: pd.DataFrame, highlight: str, title: str, y_title: str) -> go.Figure:
    """``points``: partnership_code, partnership_name, residents, rate; ``curve``: population, target and the
    four limits (cspdash.analysis.funnel.funnel_curve). ``highlight`` is the partnership code drawn apart."""
    figure = go.Figure()
    if not curve.empty:
        x = curve["population"]
        figure.add_trace(go.Scatter(x=x, y=curve["target"], mode="lines", name="Average of the areas shown",
                                    line={"color": INK, "width": 1.5}, hoverinfo="skip"))
        for column, name, dash, show in (("upper_95", "95% limits", "dash", True), ("lower_95", "95% limits", "dash",
                                          False), ("upper_998", "99.8% limits", "dot", True),
                                         ("lower_998", "99.8% limits", "dot", False)):
            figure.add_trace(go.Scatter(x=x, y=curve[column], mode="lines", name=name, showlegend=show,
                                        legendgroup=name, line={"color": MUTED, "width": 1.5, "dash": dash},
                                        hoverinfo="skip"))
    others = points[points["partnership_code"] != highlight]
    chosen = points[points["partnership_code"] == highlight]
    figure.add_trace(go.Scatter(
        x=others["residents"], y=others["rate"], mode="markers+text" if len(others) <= 20 else "markers",
        name="Other partnerships", text=plain_all(others["partnership_name"]), textposition="top center",
        marker={"color": PALETTE[0], "size": 10, "symbol": "circle"},
        hovertemplate="%{text}: %{y:,.2f} per 1,000, %{x:,.0f} residents<extra></extra>"))
    if not chosen.empty:
        # its name on the side with room: to the left when it sits in the right half of the (log) axis, where the
        # chart's edge cut it short on a phone ("Newpo")
        spread = np.log10(points["residents"].clip(lower=1))
        where = (np.log10(max(float(chosen["residents"].iloc[0]), 1)) - spread.min()) / max(spread.max() - spread.min(),
                                                                                          1e-9)
        figure.add_trace(go.Scatter(
            x=chosen["residents"], y=chosen["rate"], mode="markers+text", name=plain(chosen["partnership_name"].iloc[0]),
            text=plain_all(chosen["partnership_name"]), textposition="middle left" if where > 0.5 else "middle right",
            textfont={"size": 15, "color": INK},
            marker={"color": HIGHLIGHT, "size": 16, "symbol": "diamond", "line": {"color": INK, "width": 1}},
            hovertemplate="%{text}: %{y:,.2f} per 1,000, %{x:,.0f} residents<extra></extra>"))
    figure.update_xaxes(title="Residents (log scale)", type="log")
    top = max([float(points["rate"].max())] + ([float(curve["upper_998"].max())] if not curve.empty else []))
    figure.update_yaxes(title=y_title, range=[0, top * 1.08])
    figure = apply(figure, title, height=480)
    figure.update_layout(legend={"y": -0.25, "yanchor": "top"}, margin={"b": 110})
    return figure


def rate_bars(frame: pd.DataFrame, highlight: str, title: str, x_title: str) -> go.Figure:
    """Horizontal bars of rates (``name``, ``rate``, ``kind`` in partnership / force / group), chosen one marked."""
    shown = frame.iloc[::-1]
    colours = [HIGHLIGHT if n == highlight else (MUTED if k != "partnership" else PALETTE[0])
               for n, k in zip(shown["name"], shown["kind"], strict=True)]
    patterns = ["/" if k != "partnership" else "" for k in shown["kind"]]
    figure = go.Figure(go.Bar(
        x=shown["rate"], y=plain_all(shown["name"]), orientation="h", marker={"color": colours, "pattern": {"shape": patterns}},
        text=shown["rate_text"], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:,.2f} per 1,000<extra></extra>"))
    # room beyond the longest bar for its figure (on a phone the axis's own padding left "118.3" cut to "1"), and
    # the axis's title in short lines (centred under bars that start after the names, one line ran off the chart)
    longest = float(shown["rate"].max()) if shown["rate"].notna().any() else 0.0
    figure.update_xaxes(title="<br>".join(plain(line) for line in title_lines(x_title, 18)),
                        range=[0, 1.22 * longest] if longest > 0 else None)
    return apply(figure, title, height=max(260, 40 * len(frame) + 120))
