"""Checks that can fail on the exports a committee is handed, for the fixture meeting and two demo partnerships:
no blank or near-empty PDF page (every page rendered with pdftoppm), IDs never broken across lines, tables as
people read them, the one-page summary first, a sensible file name, and every slide shape inside the slide with
its text inside its box (estimated from DejaVu Sans metrics)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Emu

from cspdash.metrics.meeting import Briefing, briefing
from cspdash.report import fit, pack, slides
from cspdash.report.comparison import TITLE as COMPARISON_TITLE
from cspdash.report.comparison import ComparisonView, comparison_view
from cspdash.report.readable import problems_in
from cspdash.report.summary import COMPARISON_HEADING, COMPARISON_NOT_AVAILABLE
from cspdash.store.versions import Store
from tests.report.meeting_fixture import MEETING

#: the fixture meeting (Newport) and the demo meetings of two more partnerships (Caerphilly, where the issue was
#: found, and Torfaen)
MEETINGS = [MEETING, "CAE-M-2025-07-16", "TOR-M-2025-07-16"]
#: a page whose content ends above this share of its height (below the running header) is near-empty
NEAR_EMPTY_SHARE = 0.2


@pytest.fixture(scope="module", params=MEETINGS)
def exported(request: pytest.FixtureRequest, meeting_store: Store,
             tmp_path_factory: pytest.TempPathFactory) -> tuple[Briefing, Path, bytes]:
    con = meeting_store.connect_read()
    try:
        found = briefing(con, request.param)
        assert found is not None
        pdf, deck = pack.build_pack(con, request.param), slides.build_slides(con, request.param)
    finally:
        con.close()
    path = tmp_path_factory.mktemp("export") / pack.export_file_name(found, "briefing-pack", "pdf")
    path.write_bytes(pdf)
    return found, path, deck


def _view(meeting_store: Store, b: Briefing) -> ComparisonView:
    con = meeting_store.connect_read()
    try:
        return comparison_view(con, b)
    finally:
        con.close()


def _flat(text: str) -> str:
    return " ".join(text.split())


def _text(path: Path, page: int | None = None, layout: bool = True) -> str:
    args = ["pdftotext"] + (["-layout"] if layout else []) + (["-f", str(page), "-l", str(page)] if page else [])
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def content_extent(image: Image.Image) -> float:
    """Share of the page height down to the last inked row, between the running header and the footer."""
    grey = image.convert("L")
    width, height = grey.size
    top, bottom = int(height * 0.07), int(height * 0.93)  # leave out the running header and 'Page n of N'
    pixels = grey.load()
    last = 0
    for y in range(top, bottom):
        if any(pixels[x, y] < 200 for x in range(0, width, 2)):
            last = y
    return (last - top) / (bottom - top) if last else 0.0


def test_no_blank_or_near_empty_page(exported: tuple[Briefing, Path, bytes], tmp_path: Path) -> None:
    """The failures: page 3 blank; a page holding only a two-row table spill."""
    _b, path, _deck = exported
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) >= 8
    extents = []
    for number, file in enumerate(images, start=1):
        with Image.open(file) as image:
            extents.append((number, round(content_extent(image), 2)))
    near_empty = [(n, e) for n, e in extents if e < NEAR_EMPTY_SHARE]
    assert not near_empty, f"near-empty pages (page, share used): {near_empty} of {extents}"


def test_the_checker_finds_a_blank_and_a_near_empty_page() -> None:
    blank = Image.new("RGB", (248, 351), "white")
    assert content_extent(blank) == 0.0
    spill = blank.copy()
    spill.paste((0, 0, 0), (20, 40, 220, 60))  # two rows of a table just under the header
    assert content_extent(spill) < NEAR_EMPTY_SHARE


def test_ids_are_never_broken(exported: tuple[Briefing, Path, bytes]) -> None:
    """The failure: 'CAE-R-20 / 24-01' — an ID split across two lines of a table cell."""
    b, path, _deck = exported
    text = _text(path)
    ids = list(b.recommendations["reference"]) + ([] if b.public else list(b.triggers["case_id"]))
    ids += list(b.priorities["priority_id"])
    assert ids
    missing = [i for i in ids if i not in text]
    assert not missing, f"IDs broken or missing in the pack: {missing}"


def test_summary_is_page_one_and_slide_one(exported: tuple[Briefing, Path, bytes], meeting_store: Store) -> None:
    b, path, deck = exported
    first = " ".join(_text(path, 1).split())
    for heading in ("What is better", "What is worse", "Red priorities and why", "Overdue recommendations",
                    COMPARISON_HEADING):
        assert heading in first
    # the failure: page 1 said the comparison was not available; now it says how the partnership compares
    assert " ".join(COMPARISON_NOT_AVAILABLE.split()[:8]) not in first
    sentence = _view(meeting_store, b).sentence
    assert sentence.startswith(f"{b.meeting.partnership_name}'s recorded crime (excluding ASB) rate, ")
    assert "per 1,000 residents" in sentence and "of the 5 Gwent Police partnerships loaded" in sentence
    assert _flat(sentence) in _flat(_text(path, 1, layout=False))
    for reference in b.overdue_recommendations["reference"][:4]:
        assert reference in first
    for title in b.priorities.loc[b.priorities["rag"] == "Red", "title"][:4]:
        assert title in first
    slide = Presentation(io.BytesIO(deck)).slides[0]
    words = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    assert "WHAT IS BETTER" in words and COMPARISON_HEADING.upper() in words
    assert sentence in words  # the slides start with the same summary


def _page_of(path: Path, heading: str) -> int:
    pages = int(next(line.split()[-1] for line in subprocess.run(["pdfinfo", str(path)], capture_output=True,
                                                                 text=True, check=True).stdout.splitlines()
                     if line.startswith("Pages:")))
    found = [n for n in range(2, pages + 1) if any(line.startswith(heading) for line in _text(path, n).splitlines())
             and "Contents" not in _text(path, n)]
    assert len(found) == 1, f"'{heading}' heads pages {found}"
    return found[0]


def test_pack_has_one_comparison_page(exported: tuple[Briefing, Path, bytes], meeting_store: Store,
                                      tmp_path: Path) -> None:
    """Issue 19 item 4 / issue 20 item 5: the funnel plot and the table of every crime type against its
    comparators, the verdict in words and the method in one sentence, all on one page of the pack."""
    b, path, _deck = exported
    view = _view(meeting_store, b)
    number = _page_of(path, f"4. {COMPARISON_TITLE}")
    page = _flat(_text(path, number, layout=False))
    assert _flat(view.sentence) in page
    assert "within the 95% limits" in page or "limit" in page
    assert "Method: each rate is crimes per 1,000 residents" in page
    assert "Every crime type against its comparators" in page
    for label in view.table["Crime type"]:
        assert _flat(label) in page, label
    for column in ("Force", "Similar", "All loaded", "Rank (1 =", "Quartile", "Funnel verdict"):
        assert column in page, column
    assert view.table_note.split()[-1] in page.split()[-8:]  # the last words of the page are the table's note
    # the funnel plot is drawn on that page: a large area of non-white pixels (pdftoppm)
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", str(number), "-l", str(number), str(path),
                    str(tmp_path / "cmp")], check=True)
    (image,) = tmp_path.glob("cmp-*.png")
    with Image.open(image) as picture:
        grey = picture.convert("L")
        inked = sum(1 for value in grey.get_flattened_data() if value < 235) / (grey.width * grey.height)
        assert content_extent(picture) > 0.6
    assert inked > 0.05


def test_slides_have_the_comparison(exported: tuple[Briefing, Path, bytes], meeting_store: Store) -> None:
    b, _path, data = exported
    view = _view(meeting_store, b)
    deck = Presentation(io.BytesIO(data))
    by_title = {s.shapes.title.text: s for s in deck.slides}
    funnel = by_title["How we compare"]
    assert [s for s in funnel.shapes if s.shape_type == 13], "no funnel picture"  # 13: a picture
    words = _flat(" ".join(s.text_frame.text for s in funnel.shapes if s.has_text_frame))
    assert _flat(view.sentence) in words and "Method:" in words
    table = by_title["How we compare: every crime type"]  # one slide: the whole table fits
    cells = [c.text for s in table.shapes if s.has_table for row in s.table.rows for c in row.cells]
    for label in view.table["Crime type"]:
        assert label in cells, label


def test_pack_tables_read_as_words(exported: tuple[Briefing, Path, bytes]) -> None:
    """No True/False, no raw partner codes, no timestamps in the printed pack."""
    _b, path, _deck = exported
    text = _text(path, layout=False)
    lines = pd.DataFrame({"Word": [w for line in text.splitlines() for w in line.split()]})
    assert problems_in(lines, "pack") == []
    assert " True " not in f" {text} " and " False " not in f" {text} "


def test_hot_spot_page_names_its_areas(exported: tuple[Briefing, Path, bytes]) -> None:
    """The failure: an empty grey map with 'None recorded' and no top areas."""
    b, path, _deck = exported
    text = " ".join(_text(path, layout=False).split())
    if b.hot_spots.empty:
        assert "No crime is recorded by area for this period" in text
        return
    assert "No. on" in text  # the numbered areas' table (its header wraps: 'No. on / map')
    hot = b.hot_spots["hot_spot_class"].astype(str).str.startswith("Hot").any() if not b.hot_spots.empty else False
    assert ("strongest are numbered" in text) if hot else ("highest crime rates per 1,000 residents" in text)


def test_file_name(exported: tuple[Briefing, Path, bytes]) -> None:
    """The failure: CAE-M-2025-07-16-2025-07-16.pdf."""
    b, path, _deck = exported
    assert path.name == f"{b.meeting.partnership_name}-scrutiny-briefing-pack-16-Jul-2025.pdf"
    assert b.meeting.meeting_id not in path.name


def test_every_slide_shape_fits_and_its_text_fits_its_box(exported: tuple[Briefing, Path, bytes]) -> None:
    """The failure: a questions table of ~200-character questions at 10 pt running off the slide."""
    _b, _path, data = exported
    deck = Presentation(io.BytesIO(data))
    width, height = deck.slide_width, deck.slide_height
    problems: list[str] = []
    for number, slide in enumerate(deck.slides, start=1):
        for shape in slide.shapes:
            where = f"slide {number} '{shape.name}'"
            if shape.left < 0 or shape.top < 0 or shape.left + shape.width > width or shape.top + shape.height > height:
                problems.append(f"{where} is outside the slide")
            if shape.has_table:
                table = shape.table
                if shape.top + sum(r.height for r in table.rows) > height:
                    problems.append(f"{where}: the table runs off the slide")
                for i, row in enumerate(table.rows):
                    for j, cell in enumerate(row.cells):
                        inner = Emu(table.columns[j].width - cell.margin_left - cell.margin_right).pt
                        size = _size(cell.text_frame) or 18
                        need = fit.text_height(cell.text, inner, size, bold=i == 0) + \
                            Emu(cell.margin_top + cell.margin_bottom).pt
                        if need > Emu(row.height).pt + 0.5:
                            problems.append(f"{where} row {i} column {j}: text needs {need:.0f} pt, row is "
                                            f"{Emu(row.height).pt:.0f} pt")
            elif shape.has_text_frame and shape.text_frame.text.strip():
                frame = shape.text_frame
                inner = Emu(shape.width - frame.margin_left - frame.margin_right).pt
                need = sum(fit.text_height(p.text, inner, (p.runs[0].font.size.pt if p.runs and p.runs[0].font.size
                                                              else 18)) for p in frame.paragraphs)
                if need > Emu(shape.height).pt + 1:
                    problems.append(f"{where}: text needs {need:.0f} pt, box is {Emu(shape.height).pt:.0f} pt")
        boxes = [(s.name, s.left, s.top, s.left + s.width, s.top + s.height) for s in slide.shapes
                 if s != slide.shapes.title]
        for i, first in enumerate(boxes):
            for second in boxes[i + 1:]:
                if first[1] < second[3] and second[1] < first[3] and first[2] < second[4] and second[2] < first[4]:
                    problems.append(f"slide {number}: '{first[0]}' and '{second[0]}' overlap")
    assert not problems, "\n".join(problems[:20])


def _size(frame) -> float | None:  # type: ignore[no-untyped-def]
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            if run.font.size is not None:
                return float(run.font.size.pt)
    return None


def test_the_slide_checker_catches_an_overflowing_box() -> None:
    """The estimate is not lenient: 200 characters at 10 pt need several lines in a 2-inch column."""
    question = "What is being done to bring the priority back on track, by when, and how will the committee know? " * 2
    assert fit.wrapped_lines(question, 2 * 72, 10) >= 5
    assert fit.text_height(question, 7.8 * 72, 10) > 10 * fit.LINE_SPACING
