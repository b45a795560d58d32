"""The PowerPoint deck a CSP manager presents at committee (python-pptx), from the same figures as the pack.

Slides: title; headline figures; crime trend; change by crime type; hot spot map; RAG summary; partner
contributions; recommendations; questions the committee may ask.
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
from cspdash.metrics.meeting import Briefing, lsoa_geometries
from cspdash.report import figures
from cspdash.report.pack import LOCATION_CAVEAT, start_export

Progress = Callable[[int, int, str], None]
STEPS = 6
SLIDE_TITLES: tuple[str, ...] = (
    "Headline figures", "Recorded crime and ASB by month", "Change by crime type", "Hot spots",
    "Action plan: RAG summary", "Partner contributions", "Committee recommendations", "Questions for the partnership",
)
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
    slide.shapes.title.top, slide.shapes.title.height = Inches(0.3), Inches(0.9)
    return slide


def _note(slide: Slide, text: str, top: float = 6.85) -> None:
    box = slide.shapes.add_textbox(Inches(0.5), Inches(top), Inches(12.3), Inches(0.5))
    box.text_frame.word_wrap = True
    box.text_frame.text = text
    for paragraph in box.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(11)
            run.font.color.rgb = MUTED


def _picture(slide: Slide, image: bytes | None, width: float = 12.3, top: float = 1.3) -> None:
    if image is None:
        _note(slide, "This chart could not be drawn on this computer (chromium is not installed).", top=3)
        return
    picture = slide.shapes.add_picture(io.BytesIO(image), Inches(0.5), Inches(top), width=Inches(width))
    if picture.height > Inches(5.5):  # keep the note line free
        ratio = Inches(5.5) / picture.height
        picture.height = Emu(int(picture.height * ratio))
        picture.width = Emu(int(picture.width * ratio))
    picture.left = Emu(int((Inches(13.333) - picture.width) / 2))


def _table(slide: Slide, frame: pd.DataFrame, widths: Sequence[float], top: float = 1.3, size: int = 12) -> None:
    if frame.empty:
        _note(slide, "None recorded.", top=1.6)
        return
    rows = min(len(frame), 12) + 1
    shape = slide.shapes.add_table(rows, len(frame.columns), Inches(0.5), Inches(top), Inches(sum(widths)),
                                   Inches(0.4 * rows))
    table = shape.table
    for j, width in enumerate(widths):
        table.columns[j].width = Inches(width)
    for j, column in enumerate(frame.columns):
        table.cell(0, j).text = str(column)
    for i, values in enumerate(frame.head(rows - 1).itertuples(index=False), start=1):
        for j, value in enumerate(values):
            table.cell(i, j).text = _text(value)
    for i in range(rows):
        for j in range(len(frame.columns)):
            for paragraph in table.cell(i, j).text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)
    if len(frame) > rows - 1:
        _note(slide, f"Showing {rows - 1} of {len(frame)} rows; the briefing pack and CSV downloads have them all.")


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    if hasattr(value, "strftime"):
        return f"{value:%-d %b %Y}"
    return str(value)


def headline_figures(b: Briefing) -> list[tuple[str, str, str]]:
    """(figure, label, note) for the headline slide, from the briefing."""
    changes = b.crime_changes
    m = b.meeting
    out: list[tuple[str, str, str]] = []
    if not changes.empty:
        crime = changes[changes["crime_type"] != "Anti-social behaviour"]
        asb = changes[changes["crime_type"] == "Anti-social behaviour"]
        for label, part in (("recorded crimes", crime), ("ASB incidents", asb)):
            current, previous = float(part["current"].sum()), float(part["previous"].sum())
            pct = "" if not previous or b.hides(current, previous) \
                else f"{100 * (current - previous) / previous:+.0f}% on a year earlier"
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
    step(1, "Drawing the charts")
    with figures.image_session():
        trend_png = figures.png(figures.trend_figure(b), 1200, 520)
        change_png = figures.png(figures.change_figure(b), 1200, 560)
        step(2, "Drawing the hot spot map")
        map_png = figures.png(figures.hot_spot_figure(b, lsoa_geometries(con, m.partnership_code)), 1100, 620)
        rag_png = figures.png(figures.rag_figure(b), 1000, 420)

    step(3, "Writing the slides")
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    cover = deck.slides.add_slide(deck.slide_layouts[0])
    assert cover.shapes.title is not None
    cover.shapes.title.text = f"{m.partnership_name} Community Safety Partnership"
    cover.placeholders[1].text = (f"{m.committee}\n{m.meeting_date:%-d %B %Y}\n"
                                  + (f"police.uk data to {m.data_end:%B %Y}" if m.data_end else ""))
    if b.public:
        _note(cover, DISCLOSURE_RULE_TEXT, top=6.6)

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
    step(4, "Writing the map and plan slides")
    slide = _title_only(deck, SLIDE_TITLES[3])
    _picture(slide, map_png, width=9.5)
    _note(slide, LOCATION_CAVEAT)
    slide = _title_only(deck, SLIDE_TITLES[4])
    _picture(slide, rag_png, width=6.2, top=1.3)
    counts = b.actions["rag"].value_counts() if not b.actions.empty else pd.Series(dtype=int)
    legend = slide.shapes.add_textbox(Inches(7.0), Inches(1.5), Inches(5.8), Inches(4.5)).text_frame
    legend.word_wrap = True
    legend.text = "Priorities"
    for row in b.priorities.itertuples():
        paragraph = legend.add_paragraph()
        paragraph.text = f"{rag_badge(row.rag)} — {row.title} ({b.partner(row.lead_partner)})"
        paragraph.runs[0].font.size = Pt(14)
    paragraph = legend.add_paragraph()
    paragraph.text = "Actions: " + ", ".join(f"{int(counts.get(k, 0))} {RAG_STATUSES[k].label}" for k in RAG_ORDER)
    paragraph.runs[0].font.size = Pt(12)
    _note(slide, "; ".join(f"{s.icon} {s.label}: {s.rule}" for s in RAG_STATUSES.values()))
    step(5, "Writing the partners and recommendations slides")
    slide = _title_only(deck, SLIDE_TITLES[5])
    _table(slide, b.contributions.rename(columns={
        "partner": "Partner", "actions_led": "Actions led", "funding_gbp": "Funding (£)", "staff_fte": "Staff (FTE)",
        "in_kind_items": "In-kind", "data_items": "Data shared"}), (4.3, 1.6, 1.8, 1.6, 1.4, 1.6))
    slide = _title_only(deck, SLIDE_TITLES[6])
    recs = b.recommendations.assign(lead=[b.partner(c) for c in b.recommendations["lead_partner"]],
                                    flag=["OVERDUE" if o else "" for o in b.recommendations["overdue"]])
    _table(slide, recs[["reference", "recommendation", "lead", "due_date", "status", "flag"]].rename(columns={
        "reference": "Ref", "recommendation": "Recommendation", "lead": "Lead", "due_date": "Due",
        "status": "Status", "flag": "Overdue"}), (1.4, 5.0, 2.3, 1.4, 1.2, 1.0), size=11)
    slide = _title_only(deck, SLIDE_TITLES[7])
    _table(slide, asked[["position", "question", "partner", "framing"]].rename(columns={
        "position": "#", "question": "Question", "partner": "For", "framing": "Framing"}),
        (0.5, 7.8, 2.2, 1.8), size=10)
    out = io.BytesIO()
    deck.save(out)
    step(6, "Done")
    return out.getvalue()
