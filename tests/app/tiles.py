"""Read the headline tiles (cspdash.ui.blocks.tiles: one HTML list in a markdown element) back from an AppTest run, as the browser would."""

from __future__ import annotations

from html.parser import HTMLParser

from streamlit.testing.v1 import AppTest


class _TileParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tiles: list[dict[str, str]] = []
        self._field: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li":
            self.tiles.append({})
        classes = (dict(attrs).get("class") or "").split()
        if tag == "p" and classes and classes[0].startswith("tile-") and self.tiles:
            self._field = classes[0].removeprefix("tile-")
            self.tiles[-1][self._field] = ""
            if self._field == "change":
                self.tiles[-1]["direction"] = classes[1] if len(classes) > 1 else ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._field = None

    def handle_data(self, data: str) -> None:
        if self._field and self.tiles:
            self.tiles[-1][self._field] += data


def tiles(at: AppTest) -> list[dict[str, str]]:
    """Every tile on the page: label, value, change (symbol and %, with its note), verdict and detail, as text."""
    found: list[dict[str, str]] = []
    for element in [*at.html, *at.markdown]:  # one HTML list, drawn by st.markdown
        if "cspdash-tiles" in element.value:
            parser = _TileParser()
            parser.feed(element.value)
            found += parser.tiles
    return found


def tile_value(at: AppTest, label: str) -> str:
    """The value shown on the tile with this label."""
    return next(t["value"] for t in tiles(at) if t["label"] == label)
