"""How much room text needs, from the font's own metrics (PIL with DejaVu Sans, else an average-width estimate).

The slides use it to size table rows and split long tables across slides; the tests use it to check that every
text sits inside its box.
"""

from __future__ import annotations

import functools
from pathlib import Path

FONT_FILES = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
              Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"))
BOLD_FILES = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
              Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"))
#: measured at this size and scaled (points)
_SIZE = 100
LINE_SPACING = 1.2


@functools.lru_cache(maxsize=4)
def _font(bold: bool):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    for path in BOLD_FILES if bold else FONT_FILES:
        if path.exists():
            return ImageFont.truetype(str(path), _SIZE)
    return None


def text_width(text: str, size_pt: float, bold: bool = False) -> float:
    """Width of ``text`` on one line, in points. DejaVu Sans is wide, so this errs on the generous side for the
    Calibri/Arial a viewer may use."""
    font = _font(bold)
    if font is None:
        return len(text) * size_pt * 0.6
    return float(font.getlength(text)) * size_pt / _SIZE


def wrapped_lines(text: str, width_pt: float, size_pt: float, bold: bool = False) -> int:
    """Lines ``text`` takes when wrapped at word boundaries in a box ``width_pt`` wide (a long word breaks)."""
    total = 0
    for paragraph in str(text).split("\n"):
        words = paragraph.split()
        if not words:
            total += 1
            continue
        lines, current = 1, 0.0
        space = text_width(" ", size_pt, bold)
        for word in words:
            width = text_width(word, size_pt, bold)
            if current and current + space + width <= width_pt:
                current += space + width
                continue
            if current:
                lines += 1
            while width > width_pt:  # a word longer than the line breaks across lines
                width -= width_pt
                lines += 1
            current = width
        total += lines
    return total


def text_height(text: str, width_pt: float, size_pt: float, bold: bool = False) -> float:
    """Height (points) of ``text`` wrapped in a box ``width_pt`` wide."""
    return wrapped_lines(text, width_pt, size_pt, bold) * size_pt * LINE_SPACING


def longest_word_width(text: str, size_pt: float, bold: bool = False) -> float:
    """Width (points) of the longest unbreakable piece of ``text``: an ID such as CAE-R-2024-01 must fit whole."""
    return max((text_width(word, size_pt, bold) for word in str(text).split()), default=0.0)
