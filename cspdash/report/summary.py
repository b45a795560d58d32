"""The one-page summary that opens the pack and the slides: what is better, what is worse, Red priorities and why,
overdue recommendations, and how the partnership compares with similar areas.

Each list is cut to a few lines (the rest are counted and pointed to), so the summary always fits one page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cspdash.analysis.rag import RED
from cspdash.metrics.meeting import Briefing
from cspdash.report.comparison import ComparisonView

#: at most this many lines per heading (the summary must fit one A4 page and one slide)
LINES_PER_HEADING = 4
COMPARISON_HEADING = "How the partnership compares with similar areas"
#: said in place of the comparison when a summary is made without one (no store to compare with): no figures
COMPARISON_NOT_AVAILABLE = ("Comparison with similar areas is not available for this summary. "
                            "No comparison figures are shown rather than figures that have not been checked.")


@dataclass
class SummarySection:
    """One heading of the summary: its lines (cut to LINES_PER_HEADING) and how many more there are."""

    title: str
    lines: list[str]
    more: int = 0
    empty: str = "Nothing to report."
    see: str = ""  # where the rest is, e.g. "section 1"

    @property
    def shown(self) -> list[str]:
        """The lines as printed: the first few, then 'and N more (see …)'."""
        if not self.lines:
            return [self.empty]
        extra = [f"… and {self.more} more{f' (see {self.see})' if self.see else ''}."] if self.more else []
        return self.lines + extra


@dataclass
class Summary:
    """The summary's sections in reading order."""

    sections: list[SummarySection] = field(default_factory=list)

    def section(self, title: str) -> SummarySection:
        """The section called ``title``."""
        return next(s for s in self.sections if s.title == title)


def _cut(title: str, lines: list[str], empty: str, see: str) -> SummarySection:
    return SummarySection(title, lines[:LINES_PER_HEADING], max(0, len(lines) - LINES_PER_HEADING), empty, see)


def comparison_lines(b: Briefing, view: ComparisonView | None = None) -> list[str] | None:
    """How the partnership compares (report.comparison): the one-sentence answer first, then the crime types
    outside the 99.8% limits and the similar group's state. None without a comparison (then
    COMPARISON_NOT_AVAILABLE shows)."""
    if view is None or view.partnership_code != b.meeting.partnership_code:
        return None
    return list(view.summary)


def summarise(b: Briefing, comparison: ComparisonView | None = None) -> Summary:
    """The summary of a meeting's briefing (the sentences come from the briefing's own verdicts and, when given,
    the comparison with other partnerships)."""
    changes = b.crime_changes
    real = changes[changes["verdict"] == "significant"] if not changes.empty else changes
    down = real[real["current"] < real["previous"]] if not real.empty else real
    up = real[real["current"] > real["previous"]] if not real.empty else real
    moves = b.rag_changes
    better = moves[moves["change"] == "better"] if not moves.empty else moves
    worse = moves[moves["change"].isin(["new Red", "new Amber", "worse"])] if not moves.empty else moves
    since = (f"since the previous meeting ({b.meeting.previous_date.day} {b.meeting.previous_date:%b %Y})"
             if b.meeting.previous_date else "over the period compared")
    better_lines = [f"{r.crime_type}: {r.sentence}" for r in down.itertuples()] + [
        f"{r.title}: {r.rag_then} → {r.rag_now}" for r in better.itertuples()]
    worse_lines = [f"{r.crime_type}: {r.sentence}" for r in up.itertuples()] + [
        f"{r.title} ({b.partner(r.lead_partner)}): {r.rag_then} → {r.rag_now}" for r in worse.itertuples()]
    if len(b.new_hot_spots):
        count = len(b.new_hot_spots)
        worse_lines.append(f"{count} new or intensifying hot spot{'s' if count != 1 else ''} "
                           f"(e.g. {b.new_hot_spots['area_name'].iloc[0]})")
    pri = b.priorities
    red = pri[pri["rag"] == RED] if not pri.empty else pri
    red_lines = [f"{r.title} (lead: {b.partner(r.lead_partner)}): {r.reason}" for r in red.itertuples()]
    overdue = b.overdue_recommendations
    overdue_lines = [f"{r.reference} ({b.partner(r.lead_partner)}): {r.recommendation} — "
                     f"{r.days_overdue} day{'s' if r.days_overdue != 1 else ''} overdue" for r in overdue.itertuples()]
    compared = comparison_lines(b, comparison)
    return Summary([
        _cut(f"What is better {since}", better_lines, "No real improvement in crime and no priority improved.",
             "section 1"),
        _cut(f"What is worse {since}", worse_lines, "No real rise in crime and no priority got worse.", "section 1"),
        _cut("Red priorities and why", red_lines, "No priority is Red on the meeting date.", "section 6"),
        _cut("Overdue recommendations", overdue_lines, "No recommendation is overdue.", "section 8"),
        SummarySection(COMPARISON_HEADING, compared or [COMPARISON_NOT_AVAILABLE], see="section 4"),
    ])
