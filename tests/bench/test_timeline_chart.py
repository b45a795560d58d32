"""The first-screen timeline chart: its axis fits the latest mark, and it draws a PNG of the expected size."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from timeline_chart import draw_timeline, scale_max, tick_step  # noqa: E402


def _summary(latest: float) -> dict:
    empty = {"script_start": None, "first_tile": None, "first_chart": None, "run_finished": None}
    visits = {"first_timeline": dict(empty), "repeat_timeline": dict(empty)}
    summary = {"scale": "test", "strict": visits, "bare": {k: dict(v) for k, v in visits.items()},
               "dashboard": {"first_timeline": {"script_start": 0.4, "first_tile": 0.9, "first_chart": latest,
                                                "run_finished": 1.1},
                             "repeat_timeline": dict(empty)}}
    summary["strict"]["first_timeline"].update(script_start=0.5, first_chart=1.4, run_finished=0.7)
    return summary


def test_axis_ends_at_the_next_half_second_after_the_latest_mark() -> None:
    assert scale_max(_summary(2.3)) == 2.5     # 2.3 → 2.5
    assert scale_max(_summary(2.5)) == 3.0     # a mark on a half second gets room after it
    assert scale_max(_summary(0.1)) == 1.5     # the latest mark is then the strict floor's chart at 1.4 s


def test_draws_a_png(tmp_path: Path) -> None:
    from PIL import Image

    path = draw_timeline(_summary(2.0), tmp_path / "t.png")
    with Image.open(path) as image:
        assert image.size[0] == 1200 and image.size[1] > 300


def test_ticks_stay_readable_on_a_slow_machine() -> None:
    assert tick_step(3.0) == 0.5     # 6 ticks
    assert tick_step(10.0) == 0.5    # 20 ticks
    assert tick_step(10.5) == 1.0    # 21 at 0.5 s would crowd the axis
    assert tick_step(32.0) == 2.0    # 16 ticks
    assert tick_step(120.0) == 10.0  # the largest step, however long
