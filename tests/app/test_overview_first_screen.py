"""The Overview's first screen: the headline tiles are drawn by an element whose renderer the page has already
loaded (markdown), so the browser shows them as they arrive, not after plotly.js (issue 23; bench_browser.py
measures the paint times)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.tiles import tiles

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")


def test_tiles_come_in_a_markdown_element_not_an_html_one(demo_store_path: Path,
                                                          use_store: Callable[[Path], None]) -> None:
    use_store(demo_store_path)
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.run()
    assert not at.exception
    assert not [e for e in at.html if "cspdash-tiles" in e.value]  # st.html's renderer loads on first use
    held = [e for e in at.markdown if "cspdash-tiles" in e.value]
    assert len(held) == 1 and held[0].allow_html
    assert len(tiles(at)) >= 3  # all crime, ASB and at least one crime type, every one still shown
