"""Page blocks shared by every page: a table with its CSV download, a chart with its summary and data."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from cspdash.config import settings
from cspdash.report import readable

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2}}
_BUILDERS: dict[str, Callable[..., go.Figure]] = {}


#: tile colours for a rise (worse: more crime) and a fall; both meet WCAG AA contrast on white with their text.
#: Sent with the tiles, so it also styles the page's other plain blocks: a markdown table (``static_table``, the
#: Overview's action-plan summary) scrolls within itself when its columns cannot shrink to a phone's width (at
#: 390 px it pushed the whole page 41 px wider than the screen)
_PLAIN_BLOCKS_CSS = """<style>
[data-testid=stMarkdownContainer] table{display:block;max-width:100%;overflow-x:auto}
.cspdash-tiles{list-style:none;margin:0 !important;padding:0 !important;display:grid;gap:1rem;
  grid-template-columns:repeat(auto-fill,minmax(15rem,1fr))}
.cspdash-tiles>li{border:1px solid rgba(49,51,63,.2);border-radius:.5rem;padding:.75rem 1rem;margin:0 !important}
.cspdash-tiles p{margin:0 0 .35rem 0}
.cspdash-tiles .tile-label{font-size:.875rem}
.cspdash-tiles .tile-value{font-size:2.25rem;line-height:1.2}
.cspdash-tiles .tile-change.up{color:#b3261e}
.cspdash-tiles .tile-change.down{color:#0b57d0}
.cspdash-tiles .tile-verdict{font-weight:600}
.cspdash-tiles .tile-detail{font-size:.8rem;color:rgba(11,12,12,.72);margin:0}
</style>"""


@dataclass(frozen=True)
class Tile:
    """One headline figure: its label and value, the change in words and symbols, and the figures behind it."""

    label: str
    value: str
    verdict: str
    detail: str
    change: str | None = None  # e.g. "+5%": red for a rise, blue for a fall, after the direction's symbol
    direction: str = "flat"  # "up", "down" or "flat"
    symbol: str = ""  # e.g. "▲": shown, not read aloud (the verdict says up or down in words)
    note: str | None = None  # e.g. "on previous 12 months", after the change


def tiles(items: Sequence[Tile], name: str) -> None:
    """Headline tiles as one plain HTML list: every figure and its explanation in text, none in a tooltip.

    One element instead of a metric, a sentence and a column per tile: the browser draws the first screen with
    far less work, and a screen reader hears a list of tiles, each read in order.
    """
    def item(tile: Tile) -> str:
        change = ""
        if tile.change:
            note = f" <span class=\"tile-note\">{html.escape(tile.note)}</span>" if tile.note else ""
            symbol = f"<span aria-hidden=\"true\">{html.escape(tile.symbol)}</span> " if tile.symbol else ""
            change = (f"<p class=\"tile-change {html.escape(tile.direction)}\">{symbol}{html.escape(tile.change)}"
                      f"{note}</p>")
        return (f"<li><p class=\"tile-label\">{html.escape(tile.label)}</p>"
                f"<p class=\"tile-value\">{html.escape(tile.value)}</p>{change}"
                f"<p class=\"tile-verdict\">{html.escape(tile.verdict)}</p>"
                f"<p class=\"tile-detail\">{html.escape(tile.detail)}</p></li>")

    # st.markdown, not st.html: markdown's renderer is already loaded for the page's header, so the tiles are
    # drawn the moment they arrive; st.html's renderer is fetched on first use, and its reveal then waits behind
    # plotly.js's evaluation (the whole first screen's script), so the tiles showed no sooner than the chart
    st.markdown(f"{_PLAIN_BLOCKS_CSS}<ul class=\"cspdash-tiles\" aria-label=\"{html.escape(name)}\">"
                + "".join(item(t) for t in items) + "</ul>", unsafe_allow_html=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "table"


def suppress_small_counts(frame: pd.DataFrame, columns: list[str] | None = None,
                          derived: list[str] | None = None) -> pd.DataFrame:
    """In public-output mode, show counts of 1–4 in the given (or all integer) columns as '<5', and blank the
    ``derived`` figures (a % change, a z score, a rate) on those rows: they would give the count back."""
    if not settings().public_output:
        return frame
    from cspdash.metrics.disclosure import suppress

    return suppress(frame, columns, derived)


#: a text cell starting with one of these is read as a formula by a spreadsheet (OWASP: CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: text that is only a number ("-12", "+5%", "-1,234.5") cannot be a formula and stays as it reads
_NUMBER_TEXT = re.compile(r"^[+-]?\d[\d,]*(\.\d+)?([eE][+-]?\d+)?%?$")


def safe_cell(value: object) -> object:
    """One cell for a CSV opened in a spreadsheet: text that would start a formula gets a leading ' (OWASP);
    numbers, blanks and text that is only a number are left as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER_TEXT.match(value):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as UTF-8 CSV that is safe to open in a spreadsheet: text columns neutralised (safe_cell), the
    header too; numeric columns are written as numbers."""
    out = frame.copy()
    out.columns = [safe_cell(str(c)) for c in out.columns]
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column)):
            out.isetitem(position, column.map(safe_cell))
    return out.to_csv(index=False).encode("utf-8")


def download(frame: pd.DataFrame, name: str, label: str | None = None, key: str | None = None) -> None:
    """The one CSV download button: the frame as safe_cell CSV, named after ``name``.

    The CSV is written when the button is clicked (Streamlit's deferred download), not on every run of the page:
    a page with three downloads no longer writes three CSVs each time it is drawn or a filter changes."""
    st.download_button(
        label or f"Download {name} (CSV)", lambda: csv_bytes(frame), file_name=f"{_slug(name)}.csv", mime="text/csv",
        key=key or f"dl_{_slug(name)}", icon=":material/download:",
    )


def table(frame: pd.DataFrame, name: str, caption: str | None = None, height: int | None = None,
          column_config: dict | None = None, small_count_columns: list[str] | None = None,
          derived_columns: list[str] | None = None) -> None:
    """A table with a CSV download of exactly what is shown (after disclosure control: ``small_count_columns``
    suppressed, ``derived_columns`` blanked on those rows)."""
    shown = (suppress_small_counts(frame, small_count_columns, derived_columns) if small_count_columns is not None
             else frame)
    shown = for_people(shown)
    if caption:
        st.caption(caption)
    widths = fitted_px(shown)
    grouped = thousands_columns(shown)
    config = ({c: (st.column_config.NumberColumn(width=w, format="localized") if c in grouped
                   else st.column_config.Column(width=w)) for c, w in widths.items()}
              | {readable.label(k): v for k, v in (column_config or {}).items()})
    row_height = wrapped_row_height(shown, widths)
    if height is None and row_height is not None:  # taller rows: the whole (short) table shown, not a scroll box
        height = _HEADER_PX + row_height * len(shown) + 2
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, height=height or "auto",
                 row_height=row_height)
    download(shown, name)


def for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as people read it (cspdash.report.readable), with the store's partner names for codes."""
    from cspdash.metrics.plan import partner_names
    from cspdash.ui import db

    return readable.for_people(frame, db.query(partner_names))


#: width budget for a table at 1366 px with the sidebar open (px): the key columns fit without scrolling
TABLE_WIDTH_PX = 820
_CHAR_PX = 7.0
_MIN_PX, _MAX_PX = 56, 420


def natural_widths(frame: pd.DataFrame) -> dict[str, int]:
    """Each column's width (px) to show its header and most values whole."""
    widths: dict[str, int] = {}
    for column in frame.columns:
        values = frame[column].dropna().astype(str).head(300)
        typical = float(values.str.len().quantile(0.9)) if len(values) else 0.0
        chars = max(typical, _header_chars(str(column)))
        widths[str(column)] = int(min(_MAX_PX, max(_MIN_PX, chars * _CHAR_PX + 24)))
    return widths


def _header_chars(header: str) -> int:
    """Characters of a header's longest word, or of the whole header when short (headers wrap at spaces)."""
    return max(max((len(w) for w in header.split()), default=0), min(len(header), 12))


#: the grid wraps a cell's text only when rows are taller than 4rem (64 px); a wrapped line takes about 20 px
_WRAP_MIN_PX, _LINE_PX, _MAX_LINES, _WRAP_MAX_ROWS = 65, 20, 3, 40
#: the widest a column's longest word may hold it (px): a code or an address breaks beyond it
_WORD_MAX_PX = 150


#: the grid's header row (px)
_HEADER_PX = 36


def wrapped_row_height(frame: pd.DataFrame, widths: dict[str, int]) -> int | None:
    """A row height at which the grid wraps text (up to three lines) when a column was narrowed below its values'
    length, e.g. a long partner name; None (one line) when every value fits or the table is long."""
    if len(frame) > _WRAP_MAX_ROWS:
        return None
    lines = 1
    for column, width in widths.items():
        values = frame[column].dropna().astype(str) if column in frame else pd.Series(dtype=str)
        if len(values):
            per_line = max(1.0, (width - 24) / _CHAR_PX)
            lines = max(lines, min(_MAX_LINES, math.ceil(int(values.str.len().max()) / per_line)))
    return max(_WRAP_MIN_PX, 12 + _LINE_PX * lines) if lines > 1 else None


def fitted_px(frame: pd.DataFrame, budget: int = TABLE_WIDTH_PX) -> dict[str, int]:
    """Column widths (px) that fit ``budget``: the widest (free-text) columns give way first, down to what their
    header needs, so no column is pushed off to the right; a narrowed text wraps (wrapped_row_height) and shows
    whole when the cell is clicked or the table downloaded."""
    widths = natural_widths(frame)
    floor = {c: int(max(_MIN_PX, min(_header_chars(c), 10) * 6 + 16)) for c in widths}
    first = next(iter(widths), None)
    if first is not None:  # the first column names the row (a partner, a priority): it keeps room to be read
        floor[first] = min(widths[first], 170)
    whole_words = dict(floor)
    for column in widths:  # a text wraps at spaces: keep its longest word whole ('behaviour', not 'behavi|our')
        words = frame[column].dropna().astype(str).head(300).str.split().explode().dropna()
        if len(words):
            longest = int(min(_WORD_MAX_PX, int(words.str.len().max()) * _CHAR_PX + 24))
            whole_words[column] = min(widths[column], max(floor[column], longest))
    _shrink(widths, whole_words, budget)
    _shrink(widths, floor, budget)  # whole words too wide for the page: a long word breaks, the grid never scrolls
    return widths


def _shrink(widths: dict[str, int], floor: dict[str, int], budget: int) -> None:
    """Narrow the widest columns, no column below its ``floor``, until the widths fit ``budget`` (in place)."""
    while sum(widths.values()) > budget:
        shrinkable = [c for c in widths if widths[c] > floor[c]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda c: widths[c])
        others = sum(widths.values()) - widths[widest]
        second = max((widths[c] for c in shrinkable if c != widest), default=floor[widest])
        widths[widest] = int(max(floor[widest], budget - others, min(second, widths[widest] - 1)))


def thousands_columns(frame: pd.DataFrame) -> set[str]:
    """Whole-number columns with values of 1,000 or more, to be shown with thousands separators (18,878, not
    18878), except years and codes, which are read as they are written."""
    return {str(c) for c in frame.columns
            if pd.api.types.is_integer_dtype(frame[c]) and not re.search(r"(?i)year|code|\bid\b", str(c))
            and frame[c].abs().max() >= 1000}


#: characters that would start markdown or HTML inside a table cell: shown literally (backslash-escaped)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~$:&-])")
#: in running text: emphasis, code, links and images ([ ] !), HTML (< >), LaTeX ($), tables, strikethrough,
#: entities (&), e-mail autolinks (@)
_LITERAL_ALWAYS = re.compile(r"([\\`*_{}\[\]<>#!|~$&@])")
#: a colon that starts an emoji, icon or colour directive (:red[…], :material/x:) or a URL scheme (https://…)
_LITERAL_COLON = re.compile(r":(?=\S)")
#: what makes a line a list item, heading or quote when the text starts a markdown block
_LITERAL_START = re.compile(r"^([-+=>]|\d+[.)])")


def literal(value: object) -> str:
    """Text from data or a link (names, titles, evidence, URL values, messages quoting a file) to put inside
    markdown: everything markdown, HTML, LaTeX, a colour directive or an autolink would act on is escaped, line
    breaks become spaces. The one escaping function: every st.markdown/caption/info/… that shows such text uses
    it. Plain punctuation ("Anti-social behaviour (ASB): 12.5%") is left as it reads."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = " ".join(str(value).split())
    text = _LITERAL_ALWAYS.sub(r"\\\1", text)
    text = _LITERAL_COLON.sub(r"\\:", text)
    text = re.sub(r"(?i)\bwww\.", lambda m: m.group(0)[:-1] + "\\.", text)  # www.example.org is no link
    return _LITERAL_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text)


def markdown_cell(value: object) -> str:
    """One table cell as literal markdown text: special characters escaped, line breaks as spaces, blanks empty."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a whole-number column with blanks arrives as floats: 5, not 5.0
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def markdown_table(frame: pd.DataFrame) -> str:
    """A small frame as a GitHub-flavoured markdown table (header row, then one row per record)."""
    def row(values: Iterable[object]) -> str:
        return "| " + " | ".join(markdown_cell(v) for v in values) + " |"

    lines = [row(frame.columns), "|" + " --- |" * len(frame.columns)]
    lines += [row(values) for values in frame.itertuples(index=False, name=None)]
    return "\n".join(lines)


def static_table(frame: pd.DataFrame, name: str, caption: str | None = None) -> None:
    """A short table drawn as plain text (long cells wrap, nothing to scroll) with the same CSV download as table().

    For a few rows on a first screen: the interactive grid's code (about 1 MB of browser script) is then not
    loaded before the page's charts are drawn, and screen readers get an ordinary HTML table. On a phone it scrolls
    sideways within itself by a rule of ``_PLAIN_BLOCKS_CSS``, which ``tiles`` sends: use it on a page with tiles
    (the Overview), or the page itself grows wider than the screen (tests/e2e/test_labels_fit.py).
    """
    if caption:
        st.caption(caption)
    st.markdown(markdown_table(frame))
    download(frame, name)


def cached_figure(builder: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """``builder(*args, **kwargs)``, built once per distinct arguments and shared by every session.

    plotly validates every property as a figure is built (0.1–0.4 s for an XmR chart with events), which a
    repeat view of the same chart would otherwise pay again. The shared figure is only read: st.plotly_chart
    serialises a copy.
    """
    key = f"{builder.__module__}.{builder.__qualname__}"
    _BUILDERS[key] = builder
    return _cached_figure(key, args, tuple(sorted(kwargs.items())))


@st.cache_resource(max_entries=500, show_spinner=False)
def _cached_figure(key: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> go.Figure:
    return _BUILDERS[key](*args, **dict(kwargs))


def chart(figure: go.Figure, summary: str, data: pd.DataFrame, name: str) -> None:
    """A chart with its one-sentence text summary beside it and a download of its data."""
    # theme=None: the figure's own template (charts.theme: the page's font, white, its colours) is the whole look,
    # so the browser does not merge Streamlit's chart theme into every figure before drawing it (issue 23: repeat
    # visits and filter changes measured faster in three A/B runs)
    st.plotly_chart(figure, config=PLOTLY_CONFIG, width="stretch", theme=None, key=f"chart_{_slug(name)}")
    st.markdown(f"**In words:** {literal(summary)}")
    download(data, name, f"Download the data behind “{name}” (CSV)", key=f"dlc_{_slug(name)}")
