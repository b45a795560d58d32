"""The first-screen timeline chart: script start → first tile → chart element → first chart drawn → run finished.

Drawn with Pillow (no plotting library or browser needed), from the summary `bench_browser.py` writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

#: (timeline key, label, colour, marker shape)
MARKS = [
    ("script_start", "script starts (server's first message)", (90, 90, 90), "circle"),
    ("first_tile", "first headline tile painted", (0, 114, 178), "square"),
    ("chart_arrived", "chart element arrives", (213, 94, 0), "hollow"),
    ("first_chart", "first plotly trace painted", (213, 94, 0), "diamond"),
    ("run_finished", "server run finished", (0, 0, 0), "bar"),
]
ROWS = [("strict", "strict floor"), ("bare", "old floor"), ("dashboard", "cspdash Overview")]
VISITS = [("first_timeline", "first visit"), ("repeat_timeline", "repeat visit")]


def _font(size: int) -> Any:
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                 "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"):
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def scale_max(summary: dict[str, Any]) -> float:
    """The axis's end: the latest mark shown, rounded up to the next half second."""
    latest = max((summary[app][visit].get(key) or 0.0) for app, _l in ROWS for visit, _v in VISITS
                 for key, *_rest in MARKS)
    return max(0.5, (int(latest * 2) + 1) / 2)


def tick_step(end: float) -> float:
    """Seconds between axis ticks: at most 20 ticks (0.5 s up to 10 s, then 1, 2 or 5 s)."""
    return next(step for step in (0.5, 1.0, 2.0, 5.0, 10.0) if end / step <= 20 or step == 10.0)


def draw_timeline(summary: dict[str, Any], path: Path) -> Path:
    """Draw the medians of each app's first and repeat visits as one row each; return the PNG's path."""
    width, left, right, top, row_h = 1200, 300, 40, 90, 46
    rows = [(app, label, visit, vlabel) for app, label in ROWS for visit, vlabel in VISITS]
    height = top + row_h * len(rows) + 150
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font, small, big = _font(15), _font(13), _font(19)
    end = scale_max(summary)
    span = width - left - right

    def x(seconds: float) -> float:
        return left + span * seconds / end

    draw.text((20, 18), f"First screen, seconds from the navigation's start (median of visits; {summary['scale']} "
                        "store)", fill="black", font=big)
    axis_y = top + row_h * len(rows) + 8
    step = tick_step(end)
    tick = 0.0
    while tick <= end + 1e-9:
        draw.line([(x(tick), top - 10), (x(tick), axis_y)], fill=(225, 225, 225), width=1)
        draw.text((x(tick) - 10, axis_y + 4), f"{tick:g} s", fill="black", font=small)
        tick += step
    floor_chart = summary["strict"]["first_timeline"].get("first_chart")
    if floor_chart:
        fx = x(floor_chart)
        for y0 in range(top - 14, axis_y, 8):
            draw.line([(fx, y0), (fx, y0 + 4)], fill=(213, 94, 0), width=1)
        label = "strict floor's first chart (first visit)"
        lx0 = fx + 4 if fx + 4 + draw.textlength(label, font=small) < width - 10 else \
            fx - 4 - draw.textlength(label, font=small)
        draw.text((lx0, top - 30), label, fill=(213, 94, 0), font=small)
    for i, (app, label, visit, vlabel) in enumerate(rows):
        y = top + row_h * i + row_h // 2
        draw.text((20, y - 9), f"{label}, {vlabel}", fill="black", font=font)
        tl = summary[app][visit]
        start, finished = tl.get("script_start"), tl.get("run_finished")
        draw.line([(x(0), y), (x(end), y)], fill=(240, 240, 240), width=1)
        if start is not None and finished is not None:
            draw.rectangle([x(start), y - 7, x(finished), y + 7], fill=(230, 230, 230), outline=(170, 170, 170))
        for key, _text, colour, shape in MARKS:
            value = tl.get(key)
            if value is None:
                continue
            cx = x(value)
            if shape == "circle":
                draw.ellipse([cx - 6, y - 6, cx + 6, y + 6], fill=colour)
            elif shape == "square":
                draw.rectangle([cx - 6, y - 6, cx + 6, y + 6], fill=colour)
            elif shape == "diamond":
                draw.polygon([(cx, y - 8), (cx + 8, y), (cx, y + 8), (cx - 8, y)], fill=colour)
            elif shape == "hollow":
                draw.polygon([(cx, y - 8), (cx + 8, y), (cx, y + 8), (cx - 8, y)], outline=colour, width=2)
            else:
                draw.rectangle([cx - 2, y - 12, cx + 2, y + 12], fill=colour)
        chart = tl.get("first_chart")
        if chart is not None:
            text = f"{chart:.2f} s"
            tx = x(chart) + 10 if x(chart) + 10 + draw.textlength(text, font=small) < width - 4 else \
                x(chart) - 10 - draw.textlength(text, font=small)
            draw.text((tx, y - 22), text, fill=(213, 94, 0), font=small)
    ly = axis_y + 34
    lx = 20
    for _key, text, colour, shape in MARKS:
        if shape == "circle":
            draw.ellipse([lx, ly, lx + 12, ly + 12], fill=colour)
        elif shape == "square":
            draw.rectangle([lx, ly, lx + 12, ly + 12], fill=colour)
        elif shape == "diamond":
            draw.polygon([(lx + 6, ly - 2), (lx + 14, ly + 6), (lx + 6, ly + 14), (lx - 2, ly + 6)], fill=colour)
        elif shape == "hollow":
            draw.polygon([(lx + 6, ly - 2), (lx + 14, ly + 6), (lx + 6, ly + 14), (lx - 2, ly + 6)], outline=colour,
                         width=2)
        else:
            draw.rectangle([lx + 4, ly - 4, lx + 8, ly + 16], fill=colour)
        draw.text((lx + 20, ly - 2), text, fill="black", font=small)
        lx += 30 + int(draw.textlength(text, font=small))
    draw.text((20, ly + 30), "Grey band: the server's script run (script start to run finished). Clocks run in "
                             "the page; the server's messages are timed as they arrive.", fill=(80, 80, 80), font=small)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path
