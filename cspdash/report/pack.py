"""The PDF briefing pack for a meeting (fpdf2, A4): cover, contents, what changed, questions, charts, tables.

Made offline: charts are PNG images drawn by kaleido with the system chromium, text uses a Unicode TrueType
font shipped by Debian (DejaVu Sans from fonts-dejavu-core, else Liberation Sans) and falls back to the PDF
core font with the text reduced to Latin-1 when neither is installed.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace
from fpdf.outline import OutlineSection

from cspdash.analysis.change import CHANGE_RULE_TEXT
from cspdash.analysis.funnel import FUNNEL_RULE_TEXT
from cspdash.analysis.hotspots import GI_STAR_RULE_TEXT, PERSISTENCE_RULE_TEXT
from cspdash.analysis.rag import ACTION_RULE_TEXT, PRIORITY_RULE_TEXT, RAG_STATUSES, rag_badge
from cspdash.analysis.spc import SPC_RULE_TEXT
from cspdash.config import settings
from cspdash.metrics.disclosure import RULE_TEXT as DISCLOSURE_RULE_TEXT
from cspdash.metrics.meeting import (
    WINDOW_RULE_TEXT,
    Briefing,
    briefing,
    lsoa_geometries,
    lsoa_residents,
    stored_questions,
    top_areas,
)
from cspdash.metrics.meeting import trigger_counts_by_quarter as _trigger_counts
from cspdash.metrics.plan import CONTRIBUTION_TEXT, contributions_by_year, lead_officers
from cspdash.report import figures
from cspdash.report.briefing_text import TRIGGER_LOG_LEFT_OUT, what_changed_lines
from cspdash.report.briefing_text import export_file_name as export_file_name
from cspdash.report.comparison import TITLE as COMPARISON_TITLE
from cspdash.report.comparison import ComparisonView, comparison_view
from cspdash.report.questions import RULES_TEXT, as_frame, suggest
from cspdash.report.readable import cell_text, contributions_for_people, for_people, money
from cspdash.report.summary import Summary, summarise

Progress = Callable[[int, int, str], None]

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"),
             Path("/usr/share/fonts/truetype/liberation2"))
FONT_FILES = (("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"), ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"))
INK = (31, 35, 40)
MUTED = (110, 119, 129)
HEAD_FILL = (230, 236, 242)
OVERDUE_FILL = (253, 226, 210)
LOCATION_CAVEAT = ("police.uk locations are anonymised: each crime is snapped to the nearest of about 750,000 map "
                   "points, which can land across a border; crimes with no nearby point have no location.")
STEPS = 10
SAVED_EVIDENCE_LEFT_OUT = "(left out of public output: saved text may quote small counts)"


def unicode_font() -> tuple[Path, Path] | None:
    """(regular, bold) TrueType files of a Unicode font installed here, or None."""
    for folder in FONT_DIRS:
        for regular, bold in FONT_FILES:
            if (folder / regular).exists() and (folder / bold).exists():
                return folder / regular, folder / bold
    return None


_LATIN1 = {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "≥": ">=", "≤": "<=",
           "×": "x", "✖": "x", "▲": "^", "✔": "v", "○": "o", "★": "*", "√": "sqrt ", "•": "-", "→": "->"}


def latin1(text: str) -> str:
    """Text reduced to Latin-1 for the core PDF font (dashes, quotes and symbols replaced)."""
    out = "".join(_LATIN1.get(ch, ch) for ch in text)
    out = unicodedata.normalize("NFKD", out)
    return out.encode("latin-1", "replace").decode("latin-1")


class BriefingPDF(FPDF):
    """A4 portrait with a running header and 'Page n of N' footer."""

    def __init__(self, running_title: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.running_title = running_title
        font = unicode_font()
        self.unicode = font is not None
        if font is not None:
            self.add_font("Body", "", str(font[0]))
            self.add_font("Body", "B", str(font[1]))
            self.family_name = "Body"
        else:
            self.family_name = "Helvetica"
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(16, 16, 16)
        self.set_title(running_title)
        self.set_author("cspdash")
        self.set_creator("cspdash briefing pack")
        self.alias_nb_pages()

    def multi_cell(self, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        """multi_cell that returns to the left margin on the next line (fpdf2's default stays right)."""
        kwargs.setdefault("new_x", "LMARGIN")
        kwargs.setdefault("new_y", "NEXT")
        return super().multi_cell(*args, **kwargs)

    def clean(self, text: object) -> str:
        """Text safe for the font in use."""
        shown = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
        return shown if self.unicode else latin1(shown)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(self.family_name, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.clean(self.running_title), align="L")
        self.ln(8)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family_name, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(*INK)

    # -------------------------------------------------------------------------------- writing helpers
    def heading(self, text: str, level: int = 0, keep_mm: float = 0) -> None:
        """A section heading that is also a contents entry and a PDF bookmark. A section starts a new page only
        when less than a third of the page (or ``keep_mm`` for what must follow the heading) is left, so a page
        is never left holding a few lines alone."""
        if self.get_y() > self.h - max(95 if level == 0 else 60, keep_mm + 30):
            self.add_page()
        elif level == 0 and self.get_y() > self.t_margin + 12:
            self.ln(4)
        self.start_section(self.clean(text), level=level)
        self.set_font(self.family_name, "B", 16 if level == 0 else 12)
        self.multi_cell(0, 8 if level == 0 else 6, self.clean(text))
        self.ln(2)
        self.set_font(self.family_name, "", 10)

    def para(self, text: str, size: float = 10, muted: bool = False, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)
        if muted:
            self.set_text_color(*MUTED)
        self.multi_cell(0, size * 0.5, self.clean(text))
        self.set_text_color(*INK)
        self.ln(1.5)

    def bullets(self, lines: Sequence[str], empty: str, size: float = 10) -> None:
        if not lines:
            self.para(empty, muted=True)
            return
        for line in lines:
            self.set_font(self.family_name, "", size)
            self.set_x(self.l_margin)
            self.cell(5, size * 0.5, "-" if not self.unicode else "•")
            self.multi_cell(self.epw - 5, size * 0.5, self.clean(line))
            self.ln(0.8)
        self.ln(1.5)

    def _minimum_widths(self, frame: pd.DataFrame, size: float) -> list[float]:
        self.set_font(self.family_name, "", size)
        return [max((self.get_string_width(self.clean(w)) for v in frame.iloc[:, j] for w in cell_text(v).split()),
                    default=0) + 2.4 for j in range(len(frame.columns))]

    def image_or_note(self, image: bytes | None, width: float = 178) -> None:
        if image is None:
            self.para("This chart could not be drawn on this computer (chromium is not installed); the table "
                      "below holds the same figures.", muted=True)
            return
        self.image(io.BytesIO(image), w=width)
        self.ln(2)

    def fitted_widths(self, frame: pd.DataFrame, widths: Sequence[float] | None, size: float) -> list[float]:
        """Column widths (mm) filling the page, each at least as wide as its longest unbreakable word (an ID such
        as CAE-R-2024-01 is never split), the rest shared in proportion to ``widths``."""
        count = len(frame.columns)
        wanted = list(widths) if widths and len(widths) == count else [1.0] * count
        pad = 2.4  # fpdf2's cell padding, both sides
        minimum = []
        for j, column in enumerate(frame.columns):
            self.set_font(self.family_name, "B", size)
            head = max((self.get_string_width(self.clean(w)) for w in str(column).split()), default=0)
            self.set_font(self.family_name, "", size)
            body = max((self.get_string_width(self.clean(w)) for v in frame.iloc[:, j] for w in cell_text(v).split()),
                       default=0)
            minimum.append(max(head, body) + pad)
        total = self.epw
        if sum(minimum) >= total:
            return [total * m / sum(minimum) for m in minimum]
        share = [total * w / sum(wanted) for w in wanted]
        fixed: set[int] = set()
        while True:  # give each column its minimum, sharing what is left among the others by ``widths``
            free = [j for j in range(count) if j not in fixed]
            left = total - sum(minimum[j] for j in fixed)
            weight = sum(wanted[j] for j in free)
            share = [minimum[j] if j in fixed else left * wanted[j] / weight for j in range(count)]
            short = [j for j in free if share[j] < minimum[j]]
            if not short:
                return share
            fixed.update(short)

    def frame_table(self, frame: pd.DataFrame, widths: Sequence[float] | None = None, size: float = 8,
                    highlight: Sequence[bool] | None = None, names: dict[str, str] | None = None) -> None:
        """A table of the frame's rows as people read them (readable.for_people), header repeated on each page."""
        if frame.empty:
            self.para("None recorded.", muted=True)
            return
        frame = for_people(frame, names)
        while size > 6.5 and sum(self._minimum_widths(frame, size)) > self.epw:
            size -= 0.5
        widths = self.fitted_widths(frame, widths, size)
        self.set_font(self.family_name, "", size)
        head = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)
        with self.table(col_widths=tuple(widths) if widths else None, headings_style=head, line_height=size * 0.55,
                        text_align="LEFT", repeat_headings=1, width=self.epw) as table:
            table.row([self.clean(c) for c in frame.columns])
            for index, values in enumerate(frame.itertuples(index=False)):
                style = FontFace(fill_color=OVERDUE_FILL) if highlight is not None and highlight[index] else None
                table.row([self.clean(cell_text(v)) for v in values], style=style)
        self.ln(3)


def _render_toc(pdf: FPDF, outline: list[OutlineSection]) -> None:
    assert isinstance(pdf, BriefingPDF)
    pdf.set_font(pdf.family_name, "B", 16)
    pdf.set_x(pdf.l_margin)
    pdf.cell(0, 10, "Contents", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for section in outline:
        pdf.set_font(pdf.family_name, "B" if section.level == 0 else "", 11 if section.level == 0 else 10)
        indent = 6 * section.level
        link = pdf.add_link(page=section.page_number)
        pdf.set_x(pdf.l_margin + indent)
        pdf.cell(pdf.epw - indent - 15, 7, pdf.clean(section.name), link=link)
        pdf.cell(15, 7, str(section.page_number), align="R", new_x="LMARGIN", new_y="NEXT", link=link)


# ---------------------------------------------------------------------------------------------- content
def questions_for(con: duckdb.DuckDBPyConnection, b: Briefing) -> pd.DataFrame:
    """The meeting's saved questions, or the suggested ones when none are saved yet.

    In public output a saved question's evidence is left out: it is free text saved earlier and may quote a
    small count the rule cannot find in it (suggested questions are written with the rule applied).
    """
    saved = stored_questions(con, b.meeting.meeting_id)
    if not saved.empty:
        asked = saved[["position", "question", "evidence", "partner", "framing"]]
        return asked.assign(evidence=SAVED_EVIDENCE_LEFT_OUT) if b.public else asked
    return as_frame(suggest(b))


def start_export(con: duckdb.DuckDBPyConnection, meeting_id: str, questions: pd.DataFrame | None,
                 progress: Progress | None, steps: int) -> tuple[Briefing, pd.DataFrame, Callable[[int, str], None]]:
    """Shared opening of every export: the meeting's figures, its questions, and a progress reporter."""
    def step(done: int, message: str) -> None:
        if progress is not None:
            progress(done, steps, message)

    step(0, "Gathering the figures")
    b = briefing(con, meeting_id, public=settings().public_output)
    if b is None:
        raise ValueError(f"There is no meeting '{meeting_id}' in the store.")
    return b, questions if questions is not None else questions_for(con, b), step


def build_pack(con: duckdb.DuckDBPyConnection, meeting_id: str, questions: pd.DataFrame | None = None,
               progress: Progress | None = None) -> bytes:
    """The briefing pack PDF for a meeting (ValueError when the meeting is unknown)."""
    b, asked, step = start_export(con, meeting_id, questions, progress, STEPS)
    m = b.meeting
    pdf = BriefingPDF(f"Briefing pack · {m.title} · {m.partnership_name}")
    areas, areas_sentence = top_areas(b, lsoa_residents(con, m.partnership_code))
    compared = comparison_view(con, b)

    step(1, "Drawing the charts")
    with figures.image_session():
        trend_png = figures.png(figures.trend_figure(b), 1000, 420)
        funnel = compared.figure()
        funnel_png = figures.png(funnel, 1000, 460) if funnel is not None else None
        step(2, "Drawing the charts")
        change_png = figures.png(figures.change_figure(b), 1000, 520)
        step(3, "Drawing the hot spot map")
        map_png = figures.png(figures.hot_spot_figure(b, lsoa_geometries(con, m.partnership_code),
                                                      list(areas["area_code"])), 900, 620)
        step(4, "Drawing the action plan chart")
        rag_png = figures.png(figures.rag_figure(b), 900, 360)

    step(5, "Writing the summary")
    _summary_page(pdf, b, summarise(b, compared))
    pdf.add_page()
    pdf.insert_toc_placeholder(_render_toc, pages=1, allow_extra_pages=True)  # the contents, then a fresh page
    pdf.heading("1. What changed since the previous meeting")
    pdf.para(WINDOW_RULE_TEXT, size=8.5, muted=True)
    for title, lines in what_changed_lines(b).items():
        pdf.heading(title, level=1)
        pdf.bullets(lines, "Nothing to report.")

    step(6, "Writing the questions")
    pdf.heading("2. Questions to ask")
    pdf.para("Each question names the partner it is for, how it is framed (hold to account, scrutinise "
             "performance, contribute to strategy) and the figure it comes from.", size=9, muted=True)
    for row in asked.itertuples():
        pdf.set_font(pdf.family_name, "B", 10.5)
        pdf.multi_cell(0, 5.5, pdf.clean(f"Q{int(row.position)}. {row.question}"))
        pdf.set_font(pdf.family_name, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 4.6, pdf.clean(f"For: {row.partner or 'the partnership'} · {row.framing or ''}"))
        if isinstance(row.evidence, str) and row.evidence:
            pdf.multi_cell(0, 4.6, pdf.clean(f"Evidence: {row.evidence}"))
        pdf.set_text_color(*INK)
        pdf.ln(2.5)
    if asked.empty:
        pdf.para("No questions recorded.", muted=True)

    step(7, "Writing crime trends and hot spots")
    pdf.heading("3. Crime trends")
    pdf.image_or_note(trend_png)
    pdf.image_or_note(change_png)
    if left_out := figures.left_out_of_change_chart(b):
        pdf.para(figures.change_chart_note(left_out), size=8.5, muted=True)
    pdf.heading("Crime by type", level=1)
    table = b.counts(b.crime_changes, ["current", "previous"])[["crime_type", "current", "previous", "sentence"]] \
        .rename(columns={
        "crime_type": "Crime type", "current": m.window_label, "previous": m.compare_label, "sentence": "Change"}) \
        if not b.crime_changes.empty else pd.DataFrame()
    pdf.frame_table(table, widths=(50, 25, 25, 78))
    comparison_page(pdf, compared, funnel_png)
    pdf.heading("5. Hot spots", keep_mm=150)  # the map and its top areas stay together
    pdf.para(areas_sentence, size=9.5, bold=True)
    pdf.image_or_note(map_png, width=150)
    pdf.para(LOCATION_CAVEAT, size=8.5, muted=True)
    shown_areas = b.counts(areas.assign(rate=[f"{r:.1f}" if r == r else "" for r in areas["rate"]]),
                           ["crimes_latest"])
    pdf.frame_table(shown_areas.rename(columns={
        "rank": "No. on map", "area_name": "Area", "area_code": "LSOA", "crimes_latest": "Crimes, last 3 months",
        "rate": "Per 1,000 residents", "hot_spot_class": "Gi* class", "persistence": "Persistence"}),
        widths=(14, 40, 24, 22, 22, 30, 26), names=b.partner_names)
    if b.public and not areas.empty:
        pdf.para("Rates are not shown for areas with fewer than 5 crimes in public output.", size=8, muted=True)

    step(8, "Writing the action plan, partners and recommendations")
    pdf.heading("6. Action plan")
    pdf.image_or_note(rag_png, width=150)
    officers = lead_officers(con, m.partnership_code)
    pri = b.priorities.assign(status=[rag_badge(r) for r in b.priorities["rag"]],
                              lead=[b.partner(c) for c in b.priorities["lead_partner"]],
                              officer=[officers.get(str(i), "not named") for i in b.priorities["priority_id"]]) \
        if not b.priorities.empty else b.priorities
    pdf.frame_table(pri[["priority_id", "title", "lead", "officer", "status", "reason"]].rename(columns={
        "priority_id": "Priority", "title": "Title", "lead": "Lead partner", "officer": "Lead officer",
        "status": "Status", "reason": "Why"}) if not pri.empty else pri, widths=(18, 34, 28, 30, 20, 48))
    pdf.para("Status rule (priorities): " + PRIORITY_RULE_TEXT, size=8, muted=True)
    pdf.para("Status rule (actions): " + ACTION_RULE_TEXT, size=8, muted=True)
    pdf.para("Symbols: " + " ".join(f"{s.icon} {s.label} = {s.rule}" for s in RAG_STATUSES.values()), size=8,
             muted=True)
    pdf.heading("7. Partner contributions")
    pdf.para(CONTRIBUTION_TEXT, size=8.5, muted=True)
    pdf.heading("By financial year", level=1)
    years = contributions_by_year(con, m.partnership_code)
    pdf.frame_table(years.assign(**{c: money(years[c]) for c in ("Cash funding (£)", "In-kind support (£)")})
                    if not years.empty else years,
                    widths=(22, 24, 24, 16, 92))
    pdf.heading("By partner", level=1)
    pdf.frame_table(contributions_for_people(b.contributions), widths=(60, 18, 28, 28, 20, 20))
    pdf.heading("8. Recommendations tracker")
    recs = b.recommendations
    rec_table = recs.assign(lead=[b.partner(c) for c in recs["lead_partner"]],
                            flag=["OVERDUE" if o else "" for o in recs["overdue"]])
    pdf.frame_table(rec_table[["reference", "meeting_date", "recommendation", "lead", "response", "due_date", "status",
                               "flag"]].rename(columns={
                                   "reference": "Ref", "meeting_date": "Meeting", "recommendation": "Recommendation",
                                   "lead": "Lead", "response": "Response", "due_date": "Due", "status": "Status",
                                   "flag": "Overdue"}),
                    widths=(16, 17, 40, 24, 26, 18, 17, 20), size=7.5, highlight=list(recs["overdue"]))

    step(9, "Writing the Community Trigger log and partnership health")
    pdf.heading("9. Community Trigger and Councillor Call for Action")
    cases = b.triggers
    if b.public:  # a list of cases would give away the small counts suppressed below
        pdf.para(TRIGGER_LOG_LEFT_OUT, size=9, muted=True)
    else:
        open_cases = int(cases["resolved_date"].isna().sum()) if not cases.empty else 0
        pdf.para(f"{len(cases)} case{'s' if len(cases) != 1 else ''} recorded, {open_cases} open. Community "
                 "Trigger threshold: 3 qualifying complaints in 6 months.", size=9, muted=True)
        pdf.frame_table(cases[["case_id", "kind", "received_date", "threshold_met", "outcome", "resolved_date",
                               "days_to_resolve"]].rename(columns={
                                   "case_id": "Case", "kind": "Kind", "received_date": "Received",
                                   "threshold_met": "Threshold met", "outcome": "Outcome",
                                   "resolved_date": "Resolved", "days_to_resolve": "Days"}),
                        widths=(20, 24, 20, 16, 58, 20, 12))
    pdf.heading("Cases by quarter (financial year)", level=1)
    pdf.frame_table(b.counts(_trigger_counts(cases, b.public), ["cases", "threshold_met", "resolved"]).rename(columns={
        "quarter": "Quarter", "kind": "Kind", "cases": "Cases", "threshold_met": "Threshold met",
        "resolved": "Resolved", "median_days_to_resolve": "Median days to resolve"}))
    pdf.heading("10. Partnership health")
    pdf.para("The national minimum standards and a self-assessment against the six hallmarks of an effective "
             "partnership, with the evidence and the date assessed.", size=9, muted=True)
    pdf.frame_table(b.health.rename(columns={"kind": "Kind", "item": "Item", "status": "Status",
                                             "evidence": "Evidence", "assessed_on": "Assessed"}),
                    widths=(20, 55, 22, 58, 23))
    pdf.heading("11. How the figures are worked out")
    if b.public:
        pdf.para(DISCLOSURE_RULE_TEXT, size=8.5, bold=True)
    for text in (WINDOW_RULE_TEXT, CHANGE_RULE_TEXT, SPC_RULE_TEXT, FUNNEL_RULE_TEXT, GI_STAR_RULE_TEXT,
                 PERSISTENCE_RULE_TEXT):
        pdf.para(text, size=8.5)
    pdf.heading("Question rules", level=1)
    pdf.bullets(list(RULES_TEXT.values()), "")
    step(10, "Done")
    return bytes(pdf.output())


#: the funnel plot's width on the comparison page (mm), and the least it may shrink to so the page fits the space
#: left on the current page
FUNNEL_WIDTH_MM, FUNNEL_MIN_WIDTH_MM = 160.0, 100.0


def comparison_page(pdf: BriefingPDF, view: ComparisonView, funnel_png: bytes | None) -> None:
    """Section 4, kept on one page: the answer in words, the funnel plot, the method in one sentence and every
    crime type against its comparators (rank, quartile, funnel verdict). It follows on the current page when it
    fits there (the plot drawn down to FUNNEL_MIN_WIDTH_MM wide), else it starts a new page."""
    scratch = BriefingPDF(pdf.running_title)
    scratch.add_page()
    top = scratch.get_y()
    _draw_comparison(scratch, view, None, measure=True)  # everything but the plot, measured
    pages = (scratch.page - 1) * (scratch.h - scratch.t_margin - scratch.b_margin)
    fixed = scratch.get_y() - top + pages + 10  # + the gap above a heading, and a line spare
    aspect = _png_aspect(funnel_png) if view.has_chart and funnel_png else 0.0
    room = pdf.h - pdf.b_margin - pdf.get_y() - fixed
    width = FUNNEL_WIDTH_MM
    if aspect and room < FUNNEL_WIDTH_MM * aspect:
        if room >= FUNNEL_MIN_WIDTH_MM * aspect:
            width = room / aspect
        else:
            pdf.add_page()
    elif not aspect and room < 0:
        pdf.add_page()
    _draw_comparison(pdf, view, funnel_png, width)


def _png_aspect(image: bytes) -> float:
    """Height over width of a PNG."""
    from PIL import Image

    with Image.open(io.BytesIO(image)) as picture:
        return picture.height / picture.width


def _draw_comparison(pdf: BriefingPDF, view: ComparisonView, funnel_png: bytes | None,
                     width: float = FUNNEL_WIDTH_MM, measure: bool = False) -> None:
    pdf.heading(f"4. {COMPARISON_TITLE}")
    pdf.para(view.sentence, size=10.5, bold=True)
    for line in view.summary[1:]:
        pdf.para(line, size=9.5)
    if not view.period_label:
        return
    if view.has_chart and not measure:
        pdf.image_or_note(funnel_png, width=width)
    pdf.para(view.method, size=8.5, muted=True)
    pdf.set_font(pdf.family_name, "B", 10.5)
    pdf.multi_cell(0, 6, pdf.clean("Every crime type against its comparators"))
    pdf.frame_table(view.table, widths=(34, 16, 18, 14, 20, 14, 18, 14, 30), size=7.5)
    pdf.para(view.table_note, size=7.5, muted=True)


def _summary_page(pdf: BriefingPDF, b: Briefing, summary: Summary) -> None:
    """Page 1: who, when and which data, then the one-page summary (what is better and worse, Red priorities
    with reasons, overdue recommendations, comparison with similar areas)."""
    m = b.meeting
    pdf.add_page()
    pdf.set_font(pdf.family_name, "B", 20)
    pdf.multi_cell(0, 9, pdf.clean("Briefing pack: summary"))
    pdf.set_font(pdf.family_name, "B", 12)
    pdf.multi_cell(0, 6, pdf.clean(f"{m.partnership_name} Community Safety Partnership · {m.committee}"))
    pdf.set_font(pdf.family_name, "", 11)
    pdf.multi_cell(0, 6, pdf.clean(f"Meeting on {m.meeting_date:%A %-d %B %Y}"))
    pdf.set_font(pdf.family_name, "", 8.5)
    pdf.set_text_color(*MUTED)
    freshness = [
        f"Crime data: police.uk street-level records to {m.data_end:%B %Y}." if m.data_end else
        "Crime data: none published before this meeting.",
        f"Since the previous meeting ({m.previous_date:%-d %B %Y}): {m.window_label}, compared with {m.compare_label}."
        if m.previous_date else f"No previous meeting recorded: {m.window_label} compared with {m.compare_label}.",
        f"Store last loaded: {m.last_loaded:%-d %B %Y %H:%M}." if m.last_loaded else "",
        f"Pack made: {dt.datetime.now():%-d %B %Y %H:%M}. A change is called real only when a stated statistical "
        "test says so (see the last section).",
    ]
    pdf.multi_cell(0, 4.2, pdf.clean(" ".join(line for line in freshness if line)))
    pdf.set_text_color(*INK)
    if b.public:
        pdf.set_font(pdf.family_name, "B", 8.5)
        pdf.multi_cell(0, 4.2, pdf.clean(DISCLOSURE_RULE_TEXT))
    pdf.ln(2)
    for section in summary.sections:
        pdf.set_font(pdf.family_name, "B", 11.5)
        pdf.set_fill_color(*HEAD_FILL)
        pdf.multi_cell(0, 6.5, pdf.clean(section.title), fill=True)
        pdf.ln(0.8)
        pdf.bullets(section.shown, section.empty, size=9.5)


def _cover(pdf: BriefingPDF, b: Briefing) -> None:
    """(kept for callers of the earlier layout) The summary page is now page 1."""
    _summary_page(pdf, b, summarise(b))
