"""The browser benchmark's first-screen timeline, per-round ratios and target verdicts, against values worked by
hand; and the websocket messages it decodes, made with Streamlit's own ForwardMsg."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_browser import median_timeline, message_kinds, per_round, timeline, verdict  # noqa: E402
from profile_overview import send_marks  # noqa: E402

# a first visit as the page records it: (seconds, message type, script_finished status)
MESSAGES = [
    (0.40, "session_status_changed", None),
    (0.90, "new_session", None),
    (0.95, "page_info_changed", None),
    (1.00, "delta:markdown", None),
    (1.10, "script_finished", 2),        # stopped early for a rerun: not the end of the run
    (1.20, "new_session", None),         # the rerun's start is not the script's start
    (1.30, "ref_hash", None),
    (1.40, "delta:plotly_chart", None),
    (1.60, "script_finished", 0),        # the run's end
    (2.00, "script_finished", 3),        # a fragment's run afterwards
]


def test_timeline_reads_the_first_script_start_and_the_first_successful_finish() -> None:
    marks = {"chart_dom": 2480.0, "chart": 2500.0, "tile_dom": 1390.0, "tile": 1400.0}
    # long tasks (start ms, duration ms): 120 + 300 start before the chart at 2500 ms; the one at 2600 does not
    got = timeline(MESSAGES, marks, [(100.0, 120.0), (1800.0, 300.0), (2600.0, 900.0)])
    assert got["script_start"] == 0.90
    assert got["first_delta"] == 1.00
    assert got["chart_arrived"] == 1.40
    assert got["run_finished"] == 1.60
    assert got["server_run"] == pytest.approx(0.70)      # 1.60 − 0.90
    assert got["first_tile"] == pytest.approx(1.40)      # marks are milliseconds
    assert got["first_chart"] == pytest.approx(2.50)
    assert got["busy_before_chart"] == pytest.approx(0.42)


def test_timeline_without_a_tile_or_a_finished_run_says_so() -> None:
    got = timeline([(0.5, "new_session", None), (0.6, "delta:markdown", None)], {"chart": 900.0})
    assert got["first_tile"] is None and got["chart_arrived"] is None
    assert got["run_finished"] is None and got["server_run"] is None
    assert got["busy_before_chart"] == 0.0
    # nothing before the session starts counts as its first element
    assert timeline([(0.3, "delta", None), (0.5, "new_session", None)], {"chart": 1.0})["first_delta"] is None


def test_message_kinds_decode_streamlits_own_messages() -> None:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    started, finished, element = ForwardMsg(), ForwardMsg(), ForwardMsg()
    started.new_session.name = "dashboard"
    finished.script_finished = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
    element.delta.new_element.markdown.body = "hello"
    raw = [[900.0, base64.b64encode(m.SerializeToString()).decode()] for m in (started, element, finished)]
    raw[1][0], raw[2][0] = 1000.0, 1500.0
    assert message_kinds(raw) == [(0.9, "new_session", None), (1.0, "delta:markdown", None),
                                  (1.5, "script_finished", 0)]


def test_per_round_keeps_round_order_and_pairs() -> None:
    assert per_round([2.4, 3.0, 1.5], [2.0, 2.5, 1.5]) == pytest.approx([1.2, 1.2, 1.0])
    with pytest.raises(ValueError):
        per_round([1.0], [1.0, 2.0])


def test_median_timeline_leaves_out_missing_marks() -> None:
    visits = [{"first_tile": 1.0, "first_chart": 3.0}, {"first_tile": None, "first_chart": 2.0},
              {"first_tile": 2.0, "first_chart": 5.0}]
    got = median_timeline(visits)
    assert got["first_tile"] == pytest.approx(1.5)    # the median of 1.0 and 2.0; the missing one left out
    assert got["first_chart"] == pytest.approx(3.0)   # the median of 2, 3, 5
    assert median_timeline([{"first_tile": None}])["first_tile"] is None


def test_verdict_at_the_target_is_ok() -> None:
    assert verdict(1.2, 1.2) == "(ok)"
    assert verdict(1.21, 1.2) == "(ABOVE TARGET)"
    assert verdict(float("inf"), 1.0) == "(ABOVE TARGET)"


def test_send_marks_time_the_first_element_tile_and_chart_from_the_script_start() -> None:
    log = [(10.05, "page_info_changed"), (10.10, "delta:markdown"), (10.30, "delta:html:tiles"),
           (10.32, "delta:html:tiles"), (10.45, "delta:plotly_chart")]
    got = send_marks(log, 10.0)
    assert got["first element"] == pytest.approx(0.10)
    assert got["first tile"] == pytest.approx(0.30)
    assert got["first chart"] == pytest.approx(0.45)
    assert got["messages"] == 5
    assert send_marks([], 1.0)["first chart"] is None
