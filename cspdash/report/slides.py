"""The PowerPoint deck a CSP manager presents at committee (python-pptx), from the same figures as the pack.

Slides: the one-page summary; headline figures; crime trend; change by crime type; how we compare (the funnel plot
and every crime type against its comparators); hot spot map; RAG summary; partner contributions; recommendations;
questions the committee may ask.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import duckdb
import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from cspdash.analysis.rag import RAG_ORDER, RAG_STATUSES, RED, rag_badge
from cspdash.metrics.disclosure import RULE_TEXT as DISCLOSURE_RULE_TEXT
from cspdash.metrics.disclosure import small
from cspdash.metrics.meeting import Briefing, lsoa_geometries, lsoa_residents, top_areas
from cspdash.report import figures, fit
from cspdash.report.comparison import ComparisonView, comparison_view
from cspdash.report.pack import LOCATION_CAVEAT, start_export
from cspdash.report.readable import cell_text, contributions_for_people, for_people
from cspdash.report.summary import Summary, summarise

Progress = Callable[[int, int, str], None]
STEPS = 6
SLIDE_TITLES: tuple[str, ...] = (
    "Headline figures", "Recorded crime and ASB by month", "Change by crime type", "How we compare",
    "How we compare: every crime type", "Hot spots",
    "Action plan: RAG summary", "Partner contributions", "Committee recommendations", "Questions for the partnership",
)
SUMMARY_SIZES = (16, 15, 14, 13, 12, 11, 10, 9)
INK = RGBColor(0x1F, 0x23, 0x28)
MUTED = RGBColor(0x6E, 0x77, 0x81)


def _title_only(deck: PresentationType, title: str) -> Slide:
    slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    assert slide.shapes.title is not None
    slide.shapes.title.text = title
    frame = slide.shapes.title.text_frame
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(30)
            run.font.bold = True
            run.font.color.rgb = INK
    size = 30 if fit.text_width(title, 30, bold=True) <= (12.3 - 0.2) * 72 else 24
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
    slide.shapes.title.left, slide.shapes.title.width = Inches(0.5), Inches(12.3)
    slide.shapes.title.top, slide.shapes.title.height = Inches(0.2), Inches(0.9)
    return slide


def _note(slide: Slide, text: str, top: float = 6.85) -> None:
    lines = fit.wrapped_lines(text, (12.3 - 0.2) * 72, NOTE_SIZE)
    height = lines * NOTE_SIZE * fit.LINE_SPACING / 72 + 0.1
    top = min(top, 7.45 - height)
    box = slide.shapes.add_textbox(Inches(0.5), Inches(top), Inches(12.3), Inches(height))
    box.text_frame.word_wrap = True
    box.text_frame.text = text
    for paragraph in box.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(NOTE_SIZE)
            run.font.color.rgb = MUTED


def _picture(slide: Slide, image: bytes | None, width: float = 12.3, top: float = 1.3, centre: bool = True) -> None:
    if image is None:
        _note(slide, "This chart could not be drawn on this computer (chromium is not installed).", top=3)
        return
    picture = slide.shapes.add_picture(io.BytesIO(image), Inches(0.5), Inches(top), width=Inches(width))
    if picture.height > Inches(5.5):  # keep the note line free
        ratio = Inches(5.5) / picture.height
        picture.height = Emu(int(picture.height * ratio))
        picture.width = Emu(int(picture.width * ratio))
    if centre:
        picture.left = Emu(int((Inches(13.333) - picture.width) / 2))


SLIDE_W, SLIDE_H = 13.333, 7.5
TABLE_LEFT, TABLE_TOP, TABLE_BOTTOM = 0.5, 1.3, 6.75
CELL_MARGIN_IN = 0.1 + 0.1  # python-pptx's default left + right cell margins (and a generous top + bottom)
CELL_MARGIN_TIGHT_IN = 0.05 + 0.05  # python-pptx's default top + bottom cell margins, for compact tables
NOTE_SIZE = 11


def _row_height(values: Sequence[str], widths: Sequence[float], size: int, bold: bool = False,
                vpad: float = CELL_MARGIN_IN) -> float:
    """Inches a table row needs for its tallest cell (text wrapped at the column width, font metrics)."""
    tallest = max(fit.text_height(v, (w - CELL_MARGIN_IN) * 72, size, bold) for v, w in zip(values, widths,
                                                                                             strict=True))
    return tallest / 72 + vpad


def table_pages(frame: pd.DataFrame, widths: Sequence[float], size: int,
                height: float = TABLE_BOTTOM - TABLE_TOP, vpad: float = CELL_MARGIN_IN) -> list[list[int]]:
    """The rows of ``frame`` split into slides: each slide's rows (header included) fit ``height`` inches."""
    header = _row_height([str(c) for c in frame.columns], widths, size, bold=True, vpad=vpad)
    pages: list[list[int]] = [[]]
    used = header
    for i, values in enumerate(frame.itertuples(index=False)):
        need = _row_height([cell_text(v) for v in values], widths, size, vpad=vpad)
        if pages[-1] and used + need > height:
            pages.append([])
            used = header
        pages[-1].append(i)
        used += need
    return pages


def _table_slides(deck: PresentationType, title: str, frame: pd.DataFrame, widths: Sequence[float],
                  size: int = 12, note: str = "", vpad: float = CELL_MARGIN_IN) -> None:
    """One or more slides holding the table; a long table continues on the next slide with its header."""
    if frame.empty:
        slide = _title_only(deck, title)
        _note(slide, "None recorded.", top=1.6)
        return
    widths = list(widths)
    scale = (SLIDE_W - 2 * TABLE_LEFT) / sum(widths)
    if scale < 1:
        widths = [w * scale for w in widths]
    pages = table_pages(frame, widths, size, vpad=vpad)
    for number, rows in enumerate(pages, start=1):
        slide = _title_only(deck, title if len(pages) == 1 else f"{title} ({number} of {len(pages)})")
        part = frame.iloc[rows]
        shape = slide.shapes.add_table(len(rows) + 1, len(frame.columns), Inches(TABLE_LEFT), Inches(TABLE_TOP),
                                       Inches(sum(widths)), Inches(0.4))
        table = shape.table
        for j, width in enumerate(widths):
            table.columns[j].width = Inches(width)
        table.rows[0].height = Inches(_row_height([str(c) for c in frame.columns], widths, size, bold=True,
                                                  vpad=vpad))
        for j, column in enumerate(frame.columns):
            table.cell(0, j).text = str(column)
        for i, values in enumerate(part.itertuples(index=False), start=1):
            texts = [cell_text(v) for v in values]
            table.rows[i].height = Inches(_row_height(texts, widths, size, vpad=vpad))
            for j, text in enumerate(texts):
                table.cell(i, j).text = text
        for i in range(len(rows) + 1):
            for j in range(len(frame.columns)):
                cell = table.cell(i, j)
                cell.text_frame.word_wrap = True
                for paragraph in cell.text_frame.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(size)
        shape.height = sum(row.height for row in table.rows)
        if note:
            _note(slide, note)


def _text_box(slide: Slide, lines: Sequence[str], left: float, top: float, width: float, height: float,
              sizes: Sequence[int] = SUMMARY_SIZES, bold_first: bool = False) -> int:
    """A text box of ``lines`` at the largest size in ``sizes`` that fits the box (font metrics); the size."""
    inner = (width - 0.2) * 72
    size = sizes[-1]
    for size in sizes:
        if sum(fit.text_height(line, inner, size) + size * 0.3 for line in lines) / 72 + 0.1 <= height:
            break
    frame = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height)).text_frame
    frame.word_wrap = True
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.space_after = Pt(size * 0.3)
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold_first and index == 0
    return size


def _summary_slide(deck: PresentationType, b: Briefing, summary: Summary) -> None:
    """The first slide: the same one-page summary as the pack's page 1, in two columns."""
    m = b.meeting
    slide = _title_only(deck, f"{m.partnership_name} Community Safety Partnership")
    subtitle = (f"{m.committee}, {m.meeting_date:%-d %B %Y} · summary"
                + (f" · police.uk data to {m.data_end:%B %Y}" if m.data_end else ""))
    _text_box(slide, [subtitle], 0.5, 1.1, 12.3, 0.45, sizes=(16, 14, 12))
    halves = (summary.sections[:2], summary.sections[2:])
    for column, sections in enumerate(halves):
        lines: list[str] = []
        for section in sections:
            lines.append(section.title.upper())
            lines += [f"• {line}" for line in section.shown]
        _text_box(slide, lines, 0.5 + column * 6.25, 1.6, 6.05, 5.2)
    if b.public:
        _note(slide, DISCLOSURE_RULE_TEXT, top=6.8)


def _comparison_slides(deck: PresentationType, view: ComparisonView, funnel_png: bytes | None) -> None:
    """The funnel plot with the answer in words beside it and the method under it, then every crime type against
    its comparators (continued on more slides when long)."""
    slide = _title_only(deck, SLIDE_TITLES[3])
    if view.has_chart:
        _picture(slide, funnel_png, width=7.9, top=1.25, centre=False)
        _text_box(slide, view.summary, 8.55, 1.3, 4.3, 4.9, sizes=(16, 15, 14, 13, 12, 11, 10))
    else:
        _text_box(slide, view.summary, 0.5, 1.4, 12.3, 4.6, sizes=(20, 18, 16, 14))
    if view.method:
        _note(slide, view.method, top=6.3)
    if view.table.empty:
        return
    _table_slides(deck, SLIDE_TITLES[4], view.table, (2.9, 1.3, 1.3, 1.05, 1.35, 1.05, 1.3, 1.05, 2.0), size=11,
                  note=view.table_note, vpad=CELL_MARGIN_TIGHT_IN)


def headline_figures(b: Briefing) -> list[tuple[str, str, str]]:
    """(figure, label, note) for the headline slide, from the briefing."""
    changes = b.crime_changes
    m = b.meeting
    out: list[tuple[str, str, str]] = []
    if not changes.empty:
        crime = changes[changes["crime_type"] != "Anti-social behaviour"]
        asb = changes[changes["crime_type"] == "Anti-social behaviour"]
        for label, part in (("recorded crimes", crime), ("ASB incidents", asb)):
            current, previous = float(part["current"].sum(min_count=1)), float(part["previous"].sum(min_count=1))
            # public output: a total over crime types some of which are '<5' would give them back (the total
            # minus the types shown, or the previous total from the % change): the types shown, and '+'
            # ('[c]', blank here, is a type hidden beside small counts: metrics.public_overview.protect_briefing)
            now_hidden, before_hidden = (b.public and bool((small(part[c]) | part[c].isna()).any())
                                         for c in ("current", "previous"))
            pct = "" if not previous or b.hides(current, previous) or now_hidden or before_hidden \
                else f"{100 * (current - previous) / previous:+.0f}% on a year earlier"
            if now_hidden and len(part) > 1:
                shown = float(part.loc[~small(part["current"]), "current"].sum())  # blanks add nothing
                out.append((f"{b.count(shown)}+", f"{label}, {m.window_label}",
                            "plus types of 1–4 or hidden beside them, not shown"))
            else:
                out.append((b.count(current), f"{label}, {m.window_label}", pct))
        real = changes[changes["verdict"] == "significant"]
        out.append((str(len(real)), "crime types with a real change", "allowing for normal variation"))
    counts = b.priorities["rag"].value_counts() if not b.priorities.empty else pd.Series(dtype=int)
    out.append((str(int(counts.get(RED, 0))), "priorities Red", f"of {len(b.priorities)} priorities"))
    out.append((str(len(b.new_hot_spots)), "new or intensifying hot spots", "Gi*, last 3 months"))
    out.append((str(len(b.overdue_recommendations)), "overdue recommendations",
                f"of {len(b.recommendations)} recommendations"))
    return out


def build_slides(con: duckdb.DuckDBPyConnection, meeting_id: str, questions: pd.DataFrame | None = None,
                 progress: Progress | None = None) -> bytes:
    """The deck (.pptx bytes) for a meeting (ValueError when the meeting is unknown)."""
    b, asked, step = start_export(con, meeting_id, questions, progress, STEPS)
    m = b.meeting
    areas, areas_sentence = top_areas(b, lsoa_residents(con, m.partnership_code))
    compared = comparison_view(con, b)
    step(1, "Drawing the charts")
    with figures.image_session():
        trend_png = figures.png(figures.trend_figure(b), 1200, 520)
        funnel = compared.figure()
        funnel_png = figures.png(funnel, 1000, 560) if funnel is not None else None
        change_png = figures.png(figures.change_figure(b), 1200, 560)
        step(2, "Drawing the hot spot map")
        map_png = figures.png(figures.hot_spot_figure(b, lsoa_geometries(con, m.partnership_code),
                                                      list(areas["area_code"])), 1100, 620)
        rag_png = figures.png(figures.rag_figure(b), 1000, 420)

    step(3, "Writing the slides")
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    _summary_slide(deck, b, summarise(b, compared))

    slide = _title_only(deck, SLIDE_TITLES[0])
    for index, (figure, label, note) in enumerate(headline_figures(b)):
        left = Inches(0.5 + (index % 3) * 4.2)
        top = Inches(1.5 + (index // 3) * 2.6)
        box = slide.shapes.add_textbox(left, top, Inches(4.0), Inches(2.3)).text_frame
        box.word_wrap = True
        box.text = figure
        box.paragraphs[0].runs[0].font.size = Pt(44)
        box.paragraphs[0].runs[0].font.bold = True
        for text, size in ((label, 18), (note, 13)):
            paragraph = box.add_paragraph()
            paragraph.text = text
            if paragraph.runs:
                paragraph.runs[0].font.size = Pt(size)
                paragraph.runs[0].font.color.rgb = MUTED if size == 13 else INK
    _note(slide, f"Since the previous meeting: {m.window_label} compared with {m.compare_label}.")

    slide = _title_only(deck, SLIDE_TITLES[1])
    _picture(slide, trend_png)
    _note(slide, "police.uk street-level records; the shaded months are those since the previous meeting.")
    slide = _title_only(deck, SLIDE_TITLES[2])
    _picture(slide, change_png)
    left_out = figures.left_out_of_change_chart(b)
    _note(slide, "Solid bars are real changes, allowing for how much each count normally varies from month to "
          "month; pale bars are possible changes or within normal variation."
          + (" " + figures.change_chart_note(left_out) if left_out else ""), top=6.7 if left_out else 6.85)
    _comparison_slides(deck, compared, funnel_png)
    step(4, "Writing the map and plan slides")
    slide = _title_only(deck, SLIDE_TITLES[5])
    _picture(slide, map_png, width=9.5)
    _note(slide, areas_sentence + " " + LOCATION_CAVEAT)
    if not areas.empty:
        shown = b.counts(areas, ["crimes_latest"])
        _table_slides(deck, f"{SLIDE_TITLES[5]}: the numbered areas", for_people(shown.assign(
            rate=[f"{r:.1f}" if r == r else "" for r in areas["rate"]]).rename(columns={
                "rank": "No. on map", "area_name": "Area", "area_code": "LSOA", "crimes_latest": "Crimes, last 3 months",
                "rate": "Per 1,000 residents", "hot_spot_class": "Gi* class", "persistence": "Persistence"})),
            (1.2, 1.8, 2.2, 1.8, 1.8, 2.2, 1.8), size=14)
    slide = _title_only(deck, SLIDE_TITLES[6])
    _picture(slide, rag_png, width=6.2, top=1.3, centre=False)
    counts = b.actions["rag"].value_counts() if not b.actions.empty else pd.Series(dtype=int)
    lines = ["Priorities"] + [f"{rag_badge(row.rag)} — {row.title} ({b.partner(row.lead_partner)})"
                              for row in b.priorities.itertuples()]
    lines.append("Actions: " + ", ".join(f"{int(counts.get(k, 0))} {RAG_STATUSES[k].label}" for k in RAG_ORDER))
    _text_box(slide, lines, 7.0, 1.5, 5.8, 4.9, sizes=(14, 13, 12, 11, 10))
    _note(slide, "; ".join(f"{s.icon} {s.label}: {s.rule}" for s in RAG_STATUSES.values()))
    step(5, "Writing the partners and recommendations slides")
    _table_slides(deck, SLIDE_TITLES[7], contributions_for_people(b.contributions), (4.3, 1.4, 2.1, 2.1, 1.2, 1.2),
        note="Cash funding counts grants and budgets only; in-kind support (valued by the partner) is never added "
             "to it. The briefing pack splits both by financial year, with grant end dates.")
    recs = b.recommendations.assign(lead=[b.partner(c) for c in b.recommendations["lead_partner"]],
                                    flag=["OVERDUE" if o else "" for o in b.recommendations["overdue"]])
    _table_slides(deck, SLIDE_TITLES[8], for_people(recs[["reference", "recommendation", "lead", "due_date", "status",
                                                          "flag"]].rename(columns={
        "reference": "Ref", "recommendation": "Recommendation", "lead": "Lead", "due_date": "Due",
        "status": "Status", "flag": "Overdue"})), (1.9, 5.0, 2.3, 1.5, 1.2, 1.1), size=12)
    _table_slides(deck, SLIDE_TITLES[9], asked[["position", "question", "partner", "framing"]].rename(columns={
        "position": "#", "question": "Question", "partner": "For", "framing": "Framing"}),
        (0.5, 7.8, 2.2, 1.8), size=14)
    out = io.BytesIO()
    deck.save(out)
    step(6, "Done")
    return out.getvalue()
