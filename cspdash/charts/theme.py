"""One plotly look for every chart: colour-blind-safe (Okabe–Ito) palette, readable fonts, no chart junk."""

from __future__ import annotations

import html
import textwrap
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


#: characters of a chart title on one line. Plotly does not wrap a title: on a phone (a chart about 360 px wide) a
#: longer one ran off the chart's edge ("All recorded crime (excluding ASB): number recorde…")
TITLE_WIDTH = 42


def title_lines(title: str, width: int = TITLE_WIDTH) -> list[str]:
    """A chart's title broken between words into lines of at most ``width`` characters (a longer word keeps
    its line): after its first colon where that takes no more lines ("Burglary in Newport:" / "monthly count …"),
    and never before a range's dash ("Jul 2024 –" / "Jun 2025")."""
    if len(title) <= width:
        return [title]
    glued = title.replace(" – ", "\u00a0– ")  # textwrap does not break at a no-break space

    def wrap(text: str) -> list[str]:
        return [line.replace("\u00a0", " ") for line in textwrap.wrap(text, width, break_long_words=False)]

    lines = wrap(glued)
    head, colon, rest = glued.partition(": ")
    if colon and len(head) < width and len(after := [head.replace("\u00a0", " ") + ":", *wrap(rest)]) <= len(lines):
        return after
    return lines


#: the height of a further line of a chart's title (16 px text)
TITLE_LINE = 22


def title_room(figure: go.Figure, top: int) -> int:
    """A top margin for the figure: ``top`` (what the chart needs with a one-line title) and a line's height for each
    further line of its title (``title_lines``). A chart that sets its own top margin after ``apply`` asks this."""
    return top + TITLE_LINE * str(figure.layout.title.text or "").count("<br>")


def apply(figure: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    """Apply the cspdash template, a title (taken as plain text: it often names an area; ``title_lines``) and a
    height. A title of two or more lines hangs from the top of the chart, and the top margin grows by a line for each
    further line (``title_room``; plotly's own title ``automargin`` moved such a title above the chart)."""
    lines = title_lines(title or "")
    spec: dict[str, object] = {"text": "<br>".join(plain(line) for line in lines), "x": 0,
                               "font": {"size": 16, "weight": 600}}
    if len(lines) > 1:
        spec |= {"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 18}}  # the first line's baseline
    top = figure.layout.margin.t
    figure.update_layout(template="cspdash", height=height, title=spec)
    if len(lines) > 1:
        figure.update_layout(margin={"t": title_room(figure, 50 if top is None else int(top))})
    return figure
