"""One plotly look for every chart: colour-blind-safe (Okabe–Ito) palette, readable fonts, no chart junk."""

from __future__ import annotations

import html
from collections.abc import Iterable

import plotly.graph_objects as go
import plotly.io as pio

#: Okabe–Ito: distinguishable with the common colour-vision deficiencies
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
INK = "#1f2328"
MUTED = "#6e7781"
GRID = "#e6e8eb"
UP_BAD = "#D55E00"     # vermilion: worse
DOWN_GOOD = "#0072B2"  # blue: better
NEUTRAL = "#6e7781"

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        # "Source Sans" is the web font Streamlit's pages load; Arial where it is not (the pack's PNG export)
        font={"family": '"Source Sans", "Source Sans Pro", Arial, sans-serif', "size": 14, "color": INK},
        colorway=PALETTE,
        paper_bgcolor="white",
        plot_bgcolor="white",
        # automargin: long category labels (partnership names on bar charts) push the plot over, never get cut
        xaxis={"gridcolor": GRID, "linecolor": MUTED, "ticks": "outside", "zeroline": False, "showgrid": False,
               "automargin": True},
        yaxis={"gridcolor": GRID, "linecolor": MUTED, "zeroline": False, "rangemode": "tozero", "automargin": True},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        hoverlabel={"font": {"size": 13}},
    )
)
pio.templates["cspdash"] = TEMPLATE


def plain(value: object) -> str:
    """Text from data (a name, a title, a police.uk field) as plotly must be given it: plotly draws a small HTML set
    in every text (trace names, axis labels, titles, hover text), so ``<a href>`` would become a link and
    ``<span style>`` restyle the chart. Escaped, it is drawn as the text it is (plotly decodes &lt; &gt; &amp;)."""
    return html.escape(str(value), quote=False)


def plain_all(values: Iterable[object]) -> list[str]:
    """``plain`` of each value (an axis's categories, a column of names)."""
    return [plain(v) for v in values]


def apply(figure: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    """Apply the cspdash template, a title (taken as plain text: it often names an area) and a height."""
    figure.update_layout(template="cspdash", height=height,
                         title={"text": plain(title or ""), "x": 0, "font": {"size": 16, "weight": 600}})
    return figure
