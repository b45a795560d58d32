"""Scrutiny questions generated from the data by stated rules.

Each question cites the figure it comes from (``evidence``), names the partner it is for, and is framed the
scrutiny way: hold to account, scrutinise performance, or contribute to strategy. Scrutiny is a critical
friend: questions go to the partnership and its lead partners about joint delivery, not operations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from cspdash.analysis.change import CHANGE_METHOD_TEXT
from cspdash.analysis.rag import AMBER, COMPLETE, GREEN, RED
from cspdash.metrics.catalogue import format_value
from cspdash.metrics.meeting import Briefing

HOLD_TO_ACCOUNT = "hold to account"
SCRUTINISE_PERFORMANCE = "scrutinise performance"
CONTRIBUTE_TO_STRATEGY = "contribute to strategy"
FRAMINGS: tuple[str, ...] = (HOLD_TO_ACCOUNT, SCRUTINISE_PERFORMANCE, CONTRIBUTE_TO_STRATEGY)
PARTNERSHIP = "the partnership"

#: a Community Trigger case that met the threshold and is still open after this many days gets a question
TRIGGER_OPEN_DAYS = 28
#: at most this many questions about falls and about SPC signals (the list must stay readable)
MAX_FALLS = 2
MAX_SPC = 3

RULES_TEXT: dict[str, str] = {
    "red_priority": "A priority is Red by its rule: ask its lead partner what is being done and by when.",
    "overdue_recommendation": "A committee recommendation is past its due date and not achieved: ask its lead "
                              "for a completion date.",
    "indicator_disagrees": "A partner indicator's RAG disagrees with the priority's action-based RAG: ask why.",
    "significant_rise": "A crime type rose by a real change (allowing for how much its count normally varies from "
                        "month to month) against the same months a year earlier: ask whether the rise is understood "
                        "and what the response is.",
    "spc_signal": "An SPC signal for the worse on a crime type's monthly counts: ask whether it is understood.",
    "new_hot_spot": "An area became a new or intensifying hot spot: ask what residents there report and whether "
                    "the plan reaches it.",
    "new_amber": "A priority moved to Amber since the previous meeting: ask what the risk is.",
    "standard_not_met": "A national minimum standard is not met: ask for the plan and date to meet it.",
    "open_trigger": f"A Community Trigger case met the threshold and has been open over {TRIGGER_OPEN_DAYS} days: "
                    "ask what is holding up the case review.",
    "significant_fall": "A crime type fell by a real change: ask what worked and whether it can be applied "
                        "elsewhere (good performance is scrutinised too).",
}


@dataclass(frozen=True)
class Question:
    """One suggested question: what to ask, the figure behind it, whom, how framed, and which rule made it."""

    question: str
    evidence: str
    partner: str
    framing: str
    rule: str

    def as_row(self) -> dict[str, str]:
        """The fields stored in meeting_question (question, evidence, partner, framing)."""
        row = asdict(self)
        row.pop("rule")
        return row


def _count(value: float) -> str:
    return format_value(value, "count")


def _date(value: object) -> str:
    return pd.Timestamp(value).strftime("%-d %B %Y") if value is not None and not pd.isna(value) else "no date"


def red_priorities(b: Briefing) -> list[Question]:
    """Red priority → hold the lead partner to account: what is being done, by when."""
    out: list[Question] = []
    for row in b.priorities.itertuples():
        if row.rag == RED:
            lead = b.partner(row.lead_partner)
            out.append(Question(
                f"What is {lead} doing to bring the priority '{row.title}' back on track, and by when will it be "
                "on track again?",
                f"'{row.title}' is Red on {_date(b.meeting.meeting_date)}: {row.reason}",
                lead, HOLD_TO_ACCOUNT, "red_priority"))
    return out


def overdue_recommendations(b: Briefing) -> list[Question]:
    """Overdue recommendation → ask the lead for a date."""
    out: list[Question] = []
    for row in b.overdue_recommendations.itertuples():
        lead = b.partner(row.lead_partner)
        out.append(Question(
            f"Recommendation {row.reference} ('{row.recommendation}') is overdue: by what date will {lead} "
            "complete it?",
            f"{row.reference} was due {_date(row.due_date)}; {row.days_overdue} days overdue on "
            f"{_date(b.meeting.meeting_date)}; status: {row.status}.",
            lead, HOLD_TO_ACCOUNT, "overdue_recommendation"))
    return out


def indicators_disagree(b: Briefing) -> list[Question]:
    """Indicator RAG disagreeing with the priority's self-reported (action-based) RAG → ask why."""
    out: list[Question] = []
    if b.indicators.empty or b.priorities.empty:
        return out
    by_priority = b.priorities.set_index("priority_id")
    for row in b.indicators.itertuples():
        if row.priority_id not in by_priority.index:
            continue
        priority = by_priority.loc[row.priority_id]
        reported = priority["rag"]
        worse_than_reported = row.rag == RED and reported in (GREEN, COMPLETE)
        better_than_reported = row.rag == GREEN and reported == RED
        if not (worse_than_reported or better_than_reported):
            continue
        lead = b.partner(priority["lead_partner"])
        out.append(Question(
            f"The priority '{priority['title']}' is reported {reported}, but its indicator '{row.name}' is "
            f"{row.rag}: why do they disagree, and which gives the truer picture?",
            f"{row.name}: {_count(row.value)} in {pd.Timestamp(row.period):%b %Y}"
            + (f" against a baseline of {_count(row.baseline)}" if not pd.isna(row.baseline) else "")
            + f" — {row.reason}",
            lead, SCRUTINISE_PERFORMANCE, "indicator_disagrees"))
    return out


def _lead_for_crime_type(b: Briefing, crime_type: str) -> str:
    """The lead partner of the first priority naming this crime type, else the partnership."""
    for row in b.priorities.itertuples():
        named = [t.strip() for t in str(row.crime_types or "").split(";")] if not pd.isna(row.crime_types) else []
        if crime_type in named:
            return b.partner(row.lead_partner)
    return PARTNERSHIP


def _test(b: Briefing, row: Any, word: str) -> str:
    """'up 40%'; only 'change test' when a small count is suppressed (the % would give it away)."""
    if b.hides(row.current, row.previous):
        return "change test"
    return f"{word} {abs(row.pct_change):.0f}%"


def _window(b: Briefing) -> str:
    return f"{b.meeting.window_label} vs {b.meeting.compare_label}"


def significant_rises(b: Briefing) -> list[Question]:
    """A real rise in a crime type → is it understood, what is the response."""
    out: list[Question] = []
    changes = b.crime_changes
    if changes.empty:
        return out
    for row in changes[(changes["verdict"] == "significant") & (changes["direction"] == "up")].itertuples():
        out.append(Question(
            f"{row.crime_type} has risen: is the rise understood, and what is the partnership's response?",
            f"{row.crime_type}: {b.count(row.current)} in {b.meeting.window_label} vs {b.count(row.previous)} in "
            f"{b.meeting.compare_label} ({_test(b, row, 'up')}: a real change, {CHANGE_METHOD_TEXT}).",
            _lead_for_crime_type(b, row.crime_type), SCRUTINISE_PERFORMANCE, "significant_rise"))
    return out


def significant_falls(b: Briefing) -> list[Question]:
    """A real fall → what worked, can it be applied elsewhere (the largest MAX_FALLS)."""
    changes = b.crime_changes
    if changes.empty:
        return []
    falls = changes[(changes["verdict"] == "significant") & (changes["direction"] == "down")]
    out: list[Question] = []
    for row in falls.sort_values("z").head(MAX_FALLS).itertuples():
        out.append(Question(
            f"{row.crime_type} has fallen: what does the partnership think worked, and can it be applied to "
            "other priorities?",
            f"{row.crime_type}: {b.count(row.current)} in {b.meeting.window_label} vs {b.count(row.previous)} in "
            f"{b.meeting.compare_label} ({_test(b, row, 'down')}: a real change, {CHANGE_METHOD_TEXT}).",
            _lead_for_crime_type(b, row.crime_type), SCRUTINISE_PERFORMANCE, "significant_fall"))
    return out


def spc_signals_worse(b: Briefing) -> list[Question]:
    """An SPC signal for the worse (up) on a crime type not already asked about → is it understood."""
    signals = b.spc_signals
    if signals.empty:
        return []
    asked = {q.evidence.split(":")[0] for q in significant_rises(b)}
    up = signals[(signals["direction"] == "up") & ~signals["crime_type"].isin(asked)]
    out: list[Question] = []
    for crime_type, group in list(up.groupby("crime_type", sort=True))[:MAX_SPC]:
        latest = group.sort_values("last_month").iloc[-1]
        out.append(Question(
            f"The monthly chart for {crime_type} shows a signal of change for the worse: has the partnership "
            "looked into it, and does it change the plan?",
            str(latest["sentence"]),
            _lead_for_crime_type(b, str(crime_type)), SCRUTINISE_PERFORMANCE, "spc_signal"))
    return out


def new_hot_spots(b: Briefing) -> list[Question]:
    """A new or intensifying hot spot → what do residents report, does the plan reach it."""
    out: list[Question] = []
    for row in b.new_hot_spots.itertuples():
        out.append(Question(
            f"{row.area_name} is {'an' if row.persistence[0] in 'aeiou' else 'a'} {row.persistence} hot spot: what do residents and ward councillors there report, "
            "and does the plan's hot-spot work reach it?",
            f"{row.area_name} ({row.area_code}): {b.count(row.crimes_latest)} crimes and ASB incidents in the last "
            f"3 months vs {b.count(row.crimes_before)} in the 3 before; {row.hot_spot_class} (Gi* z = "
            f"{row.z_latest:.1f}); {row.persistence}.",
            PARTNERSHIP, CONTRIBUTE_TO_STRATEGY, "new_hot_spot"))
    return out


def new_ambers(b: Briefing) -> list[Question]:
    """A priority newly Amber since the previous meeting → what is the risk."""
    out: list[Question] = []
    moves = b.rag_changes
    if moves.empty:
        return out
    for row in moves[(moves["level"] == "priority") & (moves["rag_now"] == AMBER)
                     & (moves["change"] == "new Amber")].itertuples():
        lead = b.partner(row.lead_partner)
        out.append(Question(
            f"'{row.title}' has moved to Amber: what is the risk, and what would put it back on track?",
            f"'{row.title}' was {row.rag_then} at the previous meeting and is Amber now: {row.reason}",
            lead, HOLD_TO_ACCOUNT, "new_amber"))
    return out


def standards_not_met(b: Briefing) -> list[Question]:
    """A minimum standard not met → the plan and date to meet it."""
    out: list[Question] = []
    for row in b.health[(b.health["kind"] == "standard") & (b.health["status"] == "Not met")].itertuples():
        evidence = row.evidence if isinstance(row.evidence, str) and row.evidence else "no evidence recorded"
        out.append(Question(
            f"The minimum standard '{row.item}' is not met: what is the plan to meet it, and by when?",
            f"{row.item}: Not met ({evidence}; assessed {_date(row.assessed_on)}).",
            PARTNERSHIP, CONTRIBUTE_TO_STRATEGY, "standard_not_met"))
    return out


def open_triggers(b: Briefing) -> list[Question]:
    """A Community Trigger case over the threshold and open too long → what is holding it up."""
    out: list[Question] = []
    when = pd.Timestamp(b.meeting.meeting_date)
    for row in b.triggers.itertuples():
        met = not pd.isna(row.threshold_met) and bool(row.threshold_met)
        if met and (row.resolved_date is None or pd.isna(row.resolved_date)):
            days = (when - pd.Timestamp(row.received_date)).days
            if days > TRIGGER_OPEN_DAYS:
                out.append(Question(
                    f"{row.kind} case {row.case_id} met the threshold and is still open: what is holding up the "
                    "case review, and when will the applicant hear the outcome?",
                    f"{row.case_id}: received {_date(row.received_date)}, threshold met, open {days} days on "
                    f"{_date(b.meeting.meeting_date)}.",
                    PARTNERSHIP, HOLD_TO_ACCOUNT, "open_trigger"))
    return out


#: the rules in the order their questions are listed
RULES: tuple[Callable[[Briefing], list[Question]], ...] = (
    red_priorities, overdue_recommendations, indicators_disagree, significant_rises, spc_signals_worse,
    new_hot_spots, new_ambers, standards_not_met, open_triggers, significant_falls,
)


def suggest(b: Briefing) -> list[Question]:
    """Every rule's questions for a briefing, in rule order, without duplicates."""
    seen: set[str] = set()
    out: list[Question] = []
    for rule in RULES:
        for question in rule(b):
            if question.question not in seen:
                seen.add(question.question)
                out.append(question)
    return out


def as_frame(questions: list[Question]) -> pd.DataFrame:
    """Questions as a table: position, question, evidence, partner, framing."""
    frame = pd.DataFrame([q.as_row() for q in questions], columns=["question", "evidence", "partner", "framing"])
    frame.insert(0, "position", range(1, len(frame) + 1))
    return frame
