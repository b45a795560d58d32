"""RAG (red/amber/green) rules as data, each with a stated rule, symbol and colour-blind-safe colour."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from cspdash.analysis.change import CHANGE_METHOD_TEXT, POISSON, ChangeResult, Dispersion, compare_counts

RED, AMBER, GREEN, NOT_STARTED, COMPLETE = "Red", "Amber", "Green", "Not started", "Complete"

#: days before the due date within which an action short of AMBER_PCT_THRESHOLD turns Amber
AMBER_WINDOW_DAYS = 30
AMBER_PCT_THRESHOLD = 75.0
#: share of not-yet-complete actions at Amber that makes the whole priority Amber
PRIORITY_AMBER_SHARE = 1 / 3


@dataclass(frozen=True)
class RagStatus:
    """Everything about one status, declared once: label, a text symbol (never colour alone), colour, rule,
    how bad it is, its chart marker and markdown colour, and whether an update at it needs commentary."""

    key: str
    label: str
    icon: str
    colour: str
    rule: str
    severity: int            # for "worse" / "better": higher is worse
    marker: str              # plotly marker symbol (a distinct shape per status: reads in greyscale)
    marker_glyph: str        # that shape as a character, for captions
    markdown_colour: str     # Streamlit's named text colour
    needs_commentary: bool   # DOMAIN.md: commentary is required whenever a status is not green


#: Okabe-Ito colours: vermillion, orange, bluish green, grey, blue. Not started is as severe as Green: nothing
#: is wrong yet. The order of the entries is the order statuses are listed in (worst first).
RAG_STATUSES: dict[str, RagStatus] = {
    RED: RagStatus(RED, "Red", "✖", "#D55E00", "Significant issues: off track or overdue.", 3, "x-thin-open", "✖", "red",
                   True),
    AMBER: RagStatus(AMBER, "Amber", "▲", "#E69F00", "Issues or risks identified: may slip.", 2, "triangle-up", "▲",
                     "orange", True),
    GREEN: RagStatus(GREEN, "Green", "✔", "#009E73", "On track.", 1, "circle", "●", "green", False),
    NOT_STARTED: RagStatus(NOT_STARTED, "Not started", "○", "#999999", "Not yet started and not yet due.", 1,
                           "circle-open", "○", "gray", True),
    COMPLETE: RagStatus(COMPLETE, "Complete", "★", "#0072B2", "Finished.", 0, "star", "★", "blue", False),
}
RAG_ORDER: tuple[str, ...] = tuple(RAG_STATUSES)
#: how bad each status is, for "worse" / "better" moves
SEVERITY: dict[str, int] = {key: status.severity for key, status in RAG_STATUSES.items()}
SEVERITY_TEXT = ", then ".join(
    " or ".join(k for k in RAG_ORDER if SEVERITY[k] == level) for level in sorted(set(SEVERITY.values())))
#: the longest commentary a status update takes (about a page of the briefing pack; a 60,000-character comment
#: filled 16 of a pack's 27 pages, found by a CSP manager's walk)
COMMENTARY_MAX_CHARS = 2000
STATUSES_WITHOUT_COMMENTARY: frozenset[str] = frozenset(k for k, s in RAG_STATUSES.items() if not s.needs_commentary)
#: what each status means, in one sentence for forms and templates
STATUS_MEANINGS = "; ".join(f"{s.label} = {s.rule[0].lower()}{s.rule[1:].rstrip('.')}" for s in RAG_STATUSES.values())
COMMENTARY_RULE_TEXT = ("Commentary is required whenever the status is not "
                        + " or ".join(k for k in RAG_ORDER if k in STATUSES_WITHOUT_COMMENTARY) + ".")

ACTION_RULE_TEXT = (
    "Applied in this order. Complete: marked complete or 100% done. "
    "Red: past its due date and not complete, or reported Red by the lead. "
    f"Amber: due within {AMBER_WINDOW_DAYS} days with less than {AMBER_PCT_THRESHOLD:.0f}% done, "
    "or reported Amber by the lead. "
    "Not started: no progress recorded (0% or blank) and status blank or Not started. "
    "Green: otherwise — on track. The rule can make a reported status worse, never better."
)

#: the action rule's thresholds and status names for SQL, bound as parameters (never written into the SQL):
#: the SQL judgement in cspdash/metrics/catalogue.py applies ACTION_RULE_TEXT with these
ACTION_RULE_SQL_PARAMS: dict[str, object] = {
    "amber_window_days": AMBER_WINDOW_DAYS, "amber_pct": AMBER_PCT_THRESHOLD,
    "status_red": RED, "status_amber": AMBER, "status_complete": COMPLETE, "status_not_started": NOT_STARTED,
}

PRIORITY_RULE_TEXT = (
    "Applied in this order. Complete: every action complete. Red: any action Red. "
    "Amber: at least one in three of the actions not yet complete are Amber. "
    "Not started: every action not yet complete is not started. "
    "Green: otherwise. No actions recorded counts as Not started."
)

INDICATOR_RULE_TEXT = (
    "A real change is an SPC signal (see the chart) or a real change by the change test on the counts, "
    f"{CHANGE_METHOD_TEXT}. Red: a real change for the worse and the target is not met. "
    "Green: the target is met with no real change for the worse, or a real change for the better. "
    "Amber: everything else — short of target with no real change, or target met despite a real "
    "change for the worse."
)

_STATUS_ALIASES: dict[str, str] = {
    "red": RED, "r": RED,
    "amber": AMBER, "a": AMBER, "yellow": AMBER,
    "green": GREEN, "g": GREEN, "on track": GREEN,
    "not started": NOT_STARTED, "not yet started": NOT_STARTED, "ns": NOT_STARTED,
    "complete": COMPLETE, "completed": COMPLETE, "done": COMPLETE, "achieved": COMPLETE,
}


def normalise_status(status: str | None) -> str | None:
    """Map a free-text status ('amber', 'Completed', 'G') to a RAG key, or None if blank."""
    if status is None or (isinstance(status, float) and math.isnan(status)):
        return None
    text = str(status).strip().lower()
    if not text:
        return None
    if text not in _STATUS_ALIASES:
        raise ValueError(f"unknown RAG status {status!r}; expected one of {list(RAG_ORDER)}")
    return _STATUS_ALIASES[text]


def action_rag(
    status: str | None,
    pct_complete: float | None,
    due_date: dt.date | dt.datetime | str | None,
    today: dt.date | dt.datetime | str,
) -> str:
    """The derived RAG status of one action, following ACTION_RULE_TEXT."""
    reported = normalise_status(status)
    pct = _number(pct_complete)
    if pct is not None and not 0 <= pct <= 100:
        raise ValueError(f"percent complete must be between 0 and 100 (got {pct_complete})")
    due = _as_date(due_date)
    now = _as_date(today)
    assert now is not None, "today is required"

    if reported == COMPLETE or (pct is not None and pct >= 100):
        return COMPLETE
    if (due is not None and due < now) or reported == RED:
        return RED
    due_soon = due is not None and (due - now).days <= AMBER_WINDOW_DAYS
    if (due_soon and (pct or 0.0) < AMBER_PCT_THRESHOLD) or reported == AMBER:
        return AMBER
    if not pct and reported in (NOT_STARTED, None):
        return NOT_STARTED
    return GREEN


def priority_rag(action_rags: Sequence[str]) -> tuple[str, str]:
    """Roll action statuses up to one priority status and a reason, following PRIORITY_RULE_TEXT."""
    keys = [normalise_status(rag) for rag in action_rags]
    if any(key is None for key in keys):
        raise ValueError("every action needs a RAG status; found a blank one")
    total = len(keys)
    if total == 0:
        return NOT_STARTED, "No actions recorded for this priority."
    counts = {key: keys.count(key) for key in RAG_ORDER}
    open_count = total - counts[COMPLETE]
    if open_count == 0:
        return COMPLETE, f"All {total} actions are complete."
    if counts[RED]:
        return RED, f"{_n(counts[RED], 'action')} of {total} {_is_are(counts[RED])} Red."
    if counts[AMBER] / open_count >= PRIORITY_AMBER_SHARE:
        return AMBER, (
            f"{counts[AMBER]} of {open_count} open actions {_is_are(counts[AMBER])} Amber "
            "(one in three or more)."
        )
    if counts[NOT_STARTED] == open_count:
        return NOT_STARTED, f"None of the {open_count} open actions has started."
    reason = (
        f"No actions are Red and {counts[AMBER]} of {open_count} open actions "
        f"{_is_are(counts[AMBER])} Amber"
    )
    return GREEN, reason + (" (fewer than one in three)." if counts[AMBER] else ".")


def indicator_rag(
    latest: float,
    baseline: float | None,
    target: float | None,
    higher_is_better: bool,
    spc_signal_direction: Literal["up", "down"] | None = None,
    *,
    is_count: bool = True,
    dispersion: Dispersion = POISSON,
    change: ChangeResult | None = None,
) -> tuple[str, str]:
    """RAG for a performance indicator that only reacts to real change, following INDICATOR_RULE_TEXT.

    ``spc_signal_direction`` is the direction of the latest SPC signal on the indicator's chart
    (None if there is none). The change test (with ``dispersion``, or the caller's ``change`` of latest against
    baseline) is used only when ``is_count`` and a baseline exist.
    """
    if spc_signal_direction not in (None, "up", "down"):
        raise ValueError(f"spc_signal_direction must be 'up', 'down' or None, not {spc_signal_direction!r}")
    better = "up" if higher_is_better else "down"
    worse = "down" if higher_is_better else "up"
    reasons_worse: list[str] = []
    reasons_better: list[str] = []
    if spc_signal_direction == worse:
        reasons_worse.append(f"the SPC chart shows a real change for the worse ({worse})")
    elif spc_signal_direction == better:
        reasons_better.append(f"the SPC chart shows a real change for the better ({better})")
    if is_count and baseline is not None:
        tested = change or compare_counts(latest, baseline, dispersion)
        if tested.verdict == "significant":
            moved = "up" if tested.z > 0 else "down"
            text = f"{_fmt(latest)} vs {_fmt(baseline)} is a real change ({CHANGE_METHOD_TEXT})"
            (reasons_better if moved == better else reasons_worse).append(text)

    target_met = target is not None and (latest >= target if higher_is_better else latest <= target)
    target_text = "" if target is None else f" (latest {_fmt(latest)}, target {_fmt(target)})"
    if reasons_worse:
        why = "; ".join(reasons_worse)
        if target_met:
            return AMBER, f"Target met{target_text}, but {why}."
        return RED, f"{why[0].upper()}{why[1:]}" + (f"; target not met{target_text}." if target else ".")
    if target_met:
        return GREEN, f"Target met{target_text}."
    if reasons_better:
        why = "; ".join(reasons_better)
        return GREEN, f"{why[0].upper()}{why[1:]}" + (f"; target not yet met{target_text}." if target else ".")
    if target is None:
        return AMBER, "No real change and no target set."
    return AMBER, f"Short of target{target_text} with no real change."


def rag_badge(status: str) -> str:
    """Symbol and label together, e.g. '▲ Amber', so status never relies on colour alone."""
    key = normalise_status(status)
    if key is None:
        raise ValueError("status is blank")
    return f"{RAG_STATUSES[key].icon} {RAG_STATUSES[key].label}"


def _number(value: object) -> float | None:
    """A number as a float; None for None/NaN/NA (plain ints and floats without pandas, for speed)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return None if value != value else float(value)
    return None if pd.isna(value) else float(value)  # type: ignore[call-overload, arg-type]


def _as_date(value: dt.date | dt.datetime | str | None) -> dt.date | None:
    """Coerce a date-like value (date, datetime, Timestamp, ISO string) to a date; None if blank."""
    if value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):  # datetime and pandas Timestamp (fast path, same result)
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None or (not isinstance(value, (str, dt.date)) and pd.isna(value)):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        return None
    return stamp.date()


def _n(count: int, noun: str) -> str:
    """'1 action' / '3 actions'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _is_are(count: int) -> str:
    """'is' for one, 'are' otherwise."""
    return "is" if count == 1 else "are"


def _fmt(value: float) -> str:
    """Whole numbers without decimals, others to one decimal place."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
