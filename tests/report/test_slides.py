"""The committee deck for the fixture meeting opens with python-pptx and has its slides, images and tables."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from cspdash.report import slides
from cspdash.store.versions import Store
from tests.report.meeting_fixture import MEETING


@pytest.fixture(scope="module")
def deck(meeting_store: Store):  # type: ignore[no-untyped-def]
    """The deck for TST-M3, reopened from its bytes."""
    con = meeting_store.connect_read()
    try:
        data = slides.build_slides(con, MEETING)
    finally:
        con.close()
    return Presentation(io.BytesIO(data))


def _texts(slide) -> str:  # type: ignore[no-untyped-def]
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts.extend(cell.text for row in shape.table.rows for cell in row.cells)
    return "\n".join(parts)


def test_deck_has_the_expected_slides(deck) -> None:  # type: ignore[no-untyped-def]
    titles = [s.shapes.title.text for s in deck.slides]
    assert titles[0] == "Newport Community Safety Partnership"  # the summary slide comes first
    assert "WHAT IS BETTER" in _texts(deck.slides[0])
    # every slide of the list, in order; a long table continues on slides titled 'Title (2 of 3)'
    bases = [t.split(" (")[0].split(": the numbered")[0] for t in titles[1:]]
    assert list(dict.fromkeys(bases)) == list(slides.SLIDE_TITLES)
    assert "16 July 2025" in _texts(deck.slides[0]) and "police.uk data to June 2025" in _texts(deck.slides[0])


def test_chart_slides_have_images(deck) -> None:  # type: ignore[no-untyped-def]
    by_title = {s.shapes.title.text: s for s in deck.slides}
    for title in ("Recorded crime and ASB by month", "Change by crime type", "Hot spots", "Action plan: RAG summary"):
        pictures = [sh for sh in by_title[title].shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1, title
        assert pictures[0].image.content_type == "image/png" and len(pictures[0].image.blob) > 10_000
        assert pictures[0].left >= 0 and pictures[0].left + pictures[0].width <= deck.slide_width


def test_headline_rag_partner_and_recommendation_slides(deck) -> None:  # type: ignore[no-untyped-def]
    by_title: dict[str, str] = {}
    for s in deck.slides:  # a table split across slides reads as one
        title = s.shapes.title.text.split(" (")[0]
        by_title[title] = by_title.get(title, "") + "\n" + _texts(s)
    headline = by_title["Headline figures"]
    assert "priorities Red" in headline and "of 3 priorities" in headline
    assert "overdue recommendations" in headline and "of 3 recommendations" in headline
    assert "✖ Red — Serious violence and knife crime (Gwent Police)" in by_title["Action plan: RAG summary"]
    partners = by_title["Partner contributions"]
    assert "Gwent Police" in partners and "25,000" in partners and "1.5" in partners
    recs = by_title["Committee recommendations"]
    assert "TST-R1" in recs and "OVERDUE" in recs
    assert "by what date will Gwent Police complete it" in by_title["Questions for the partnership"]
