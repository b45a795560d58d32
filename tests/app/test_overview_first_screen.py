"""The Overview's first screen: the headline tiles are drawn by an element whose renderer the page has already
loaded (markdown), so the browser shows them as they arrive, not after plotly.js (issue 23; bench_browser.py
measures the paint times)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
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


def test_the_overview_writes_no_csv_until_a_download_is_clicked(demo_store_path: Path,
                                                                 use_store: Callable[[Path], None],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Each CSV download is written on click (a deferred download), not on every run: the run's server time goes
    to what is drawn. The button still hands over the same CSV."""
    from streamlit.delta_generator import DeltaGenerator

    from cspdash.ui import blocks

    written: list[int] = []
    real_csv = blocks.csv_bytes
    monkeypatch.setattr(blocks, "csv_bytes", lambda frame: written.append(len(frame)) or real_csv(frame))
    offered: list[Any] = []
    original = DeltaGenerator.download_button

    def recording(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        offered.append(data)
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    import streamlit

    monkeypatch.setattr(streamlit, "download_button", lambda *a, **k: recording(streamlit._main, *a, **k))
    use_store(demo_store_path)
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.run()
    assert not at.exception
    assert len(offered) >= 2 and written == []  # the chart's data and the action plan, nothing written yet
    assert all(callable(data) for data in offered)
    first = offered[0]()
    assert written and first.decode("utf-8").splitlines()[0].count(",") >= 1  # written on click: a CSV


def test_the_charts_carry_their_own_look_not_streamlits_theme(demo_store_path: Path,
                                                               use_store: Callable[[Path], None]) -> None:
    """The headline chart is sent with no Streamlit chart theme (the browser then draws the figure as it is,
    without merging a theme into it first) and with the page's font in its own template."""
    import json

    use_store(demo_store_path)
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.run()
    assert not at.exception
    charts = at.get("plotly_chart")
    assert charts and all(chart.proto.theme == "" for chart in charts)
    layout = json.loads(charts[0].proto.spec)["layout"]
    template = layout["template"]["layout"]
    assert "Source Sans" in template["font"]["family"]
    # without Streamlit's theme, long axis labels (partnership names on bars) must still push the plot over
    assert template["xaxis"]["automargin"] is True and template["yaxis"]["automargin"] is True
