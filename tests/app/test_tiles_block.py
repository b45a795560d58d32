"""blocks.tiles: every text is escaped, the direction symbol is hidden from screen readers, and nothing is lost."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.tiles import tiles


def _page() -> None:
    from cspdash.ui import blocks

    blocks.tiles([
        blocks.Tile("Robbery <b>&</b>", "1,234", "up 5% — a real change", "1,234 in 2025, 1,175 in 2024. z = 3.4.",
                    change="+5%", direction="up", symbol="▲", note="on previous 12 months"),
        blocks.Tile("Drugs", "<5", "Too few crimes to compare in public output.", "<5 in 2025, 7 in 2024."),
    ], "Headline changes")


def test_tiles_escape_text_and_hide_the_symbol_from_screen_readers() -> None:
    at = AppTest.from_function(_page).run()
    assert not at.exception
    (body,) = [m.value for m in at.markdown if "cspdash-tiles" in m.value]  # one HTML list, drawn by st.markdown
    assert "<b>" not in body and "Robbery &lt;b&gt;&amp;&lt;/b&gt;" in body and "&lt;5" in body
    assert '<span aria-hidden="true">▲</span> +5%' in body
    first, second = tiles(at)
    assert first == {"label": "Robbery <b>&</b>", "value": "1,234", "change": "▲ +5% on previous 12 months",
                     "direction": "up", "verdict": "up 5% — a real change",
                     "detail": "1,234 in 2025, 1,175 in 2024. z = 3.4."}
    assert second["value"] == "<5" and "change" not in second
