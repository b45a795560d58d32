"""RAG timeline: a strip of symbols per update date, one row per item, each symbol labelled (never colour alone)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cspdash.analysis.rag import RAG_ORDER, RAG_STATUSES
from cspdash.charts import theme

#: a distinct marker shape per status, so the strip reads in greyscale and for colour-blind readers
RAG_MARKERS: dict[str, str] = {key: status.marker for key, status in RAG_STATUSES.items()}


def _short(text: str, width: int = 46) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def rag_timeline(history: pd.DataFrame, title: str = "RAG at each progress update") -> go.Figure:
    """Figure from plan.rag_history_of(): rows = priority then actions, x = update date, symbol + label per status."""
    figure = go.Figure()
    if history.empty:
        figure.add_annotation(text="No progress updates recorded yet", showarrow=False, x=0.5, y=0.5,
                              xref="paper", yref="paper")
        return theme.apply(figure, title, height=160)
    rows = list(dict.fromkeys(history.sort_values("level", key=lambda s: s != "priority")["item"]))
    labels = {item: (f"<b>{theme.plain(_short(str(item)))}</b>" if str(item).startswith("Priority:")
                     else theme.plain(_short(str(item)))) for item in rows}
    for status in RAG_ORDER:
        part = history[history["rag"] == status]
        if part.empty:
            continue
        look = RAG_STATUSES[status]
        figure.add_trace(go.Scatter(
            x=pd.to_datetime(part["update_date"]), y=[labels[i] for i in part["item"]],
            mode="markers+text", name=f"{look.icon} {look.label}",
            text=[look.label] * len(part), textposition="bottom center", textfont={"size": 11, "color": theme.INK},
            marker={"symbol": RAG_MARKERS[status], "size": 16, "color": look.colour,
                    "line": {"width": 2, "color": look.colour}},
            customdata=part[["badge", "detail"]].map(theme.plain).to_numpy(),  # detail quotes the commentary
            hovertemplate="%{y}<br>%{x|%d %b %Y}: %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        ))
    height = 200 + 80 * len(rows)
    figure = theme.apply(figure, title, height=height)
    # each row's name sits above its row, across the chart, not in a left margin: a margin wide enough for the
    # names left a phone's chart (390 px) a strip of 30 px for the dates
    figure.update_yaxes(categoryorder="array", categoryarray=[labels[i] for i in reversed(rows)], showgrid=False,
                        rangemode="normal", showticklabels=False, ticks="", range=[-0.55, len(rows) - 0.5])
    figure.update_layout(annotations=[
        {"x": 0, "xref": "paper", "xanchor": "left", "y": labels[item], "yref": "y", "yshift": 12, "yanchor": "bottom",
         "text": labels[item], "showarrow": False, "align": "left", "font": {"size": 13, "color": theme.INK}}
        for item in rows])
    dates = sorted(pd.to_datetime(history["update_date"]).unique())
    figure.update_xaxes(title_text="Progress update date", tickvals=dates if len(dates) <= 12 else None,
                        tickformat="%d %b %Y")
    top = theme.title_room(figure, 50)
    # the key below the dates (70 px under the plot, whatever its height): above the plot, wrapped onto three lines
    # on a phone, it ran into the title
    figure.update_layout(margin={"l": 20, "r": 20, "t": top, "b": 50},
                         legend={"orientation": "h", "yanchor": "top", "y": -70 / (height - top - 50), "xanchor": "left",
                                 "x": 0})
    return figure


def timeline_summary(history: pd.DataFrame) -> str:
    """One sentence for the chart: the priority's first and latest RAG and how many updates."""
    top = history[history["level"] == "priority"]
    if top.empty:
        return "No progress updates have been recorded for this priority yet."
    first, last = top.iloc[0], top.iloc[-1]
    dates = len(top)
    if dates == 1:
        return f"One progress round so far ({last['update_date']:%d %b %Y}): the priority was {last['badge']}."
    return (f"Across {dates} progress rounds the priority went from {first['badge']} ({first['update_date']:%d %b %Y}) "
            f"to {last['badge']} ({last['update_date']:%d %b %Y}).")
