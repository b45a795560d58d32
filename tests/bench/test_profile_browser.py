"""The browser profile's self time per bundle and per kind, against a DevTools profile written by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from profile_browser import kind_of, self_times  # noqa: E402


def frame(node_id: int, url: str, name: str = "f") -> dict[str, object]:
    return {"id": node_id, "callFrame": {"url": url, "functionName": name}}


def test_self_time_is_summed_per_bundle_file_from_the_samples_time_deltas() -> None:
    profile = {
        "nodes": [frame(1, "", "(idle)"), frame(2, "http://127.0.0.1:1/static/js/PlotlyChart.abc.js"),
                  frame(3, "http://127.0.0.1:1/static/js/react-dom.x.js"), frame(4, "", "(program)")],
        # microseconds: plotly 300 + 200, react 1,000, idle 2,500, program 50
        "samples": [2, 3, 1, 2, 4],
        "timeDeltas": [300, 1000, 2500, 200, 50],
    }
    got = self_times(profile)
    assert got == {"PlotlyChart.abc.js": pytest.approx(0.5), "react-dom.x.js": pytest.approx(1.0),
                   "(idle)": pytest.approx(2.5), "(program)": pytest.approx(0.05)}


def test_each_bundle_falls_in_one_kind() -> None:
    assert kind_of("PlotlyChart.D9Z0_fxz.js") == "plotly"
    assert kind_of("react-dom.Dzbslgj4.js") == "React"
    assert kind_of("rehype-raw.DgJ5HSkU.js") == "markdown"
    assert kind_of("StreamlitMarkdown.oOG-xoxw.js") == "markdown"
    assert kind_of("emotion-styled.browser.esm.DdOkyKg_.js") == "styling (emotion)"
    assert kind_of("(program)") == "browser's own work"
    assert kind_of("(idle)") == "idle"
    assert kind_of("protobuf.D55wl0P7.js") == "other scripts"
