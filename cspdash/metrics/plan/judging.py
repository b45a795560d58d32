"""The date a plan is judged at by default (its reporting round when stale) and what moving it changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from cspdash.analysis.rag import (
    COMPLETE,
    GREEN,
    RED,
)
from cspdash.metrics.plan.rules import _as_date

if TYPE_CHECKING:
    from cspdash.metrics.plan.view import PlanView


# ---------------------------------------------------------------------------------------------- judging date
#: a plan whose reporting round is older than this is judged at the round by default (not at today)
STALE_AFTER_DAYS = 100


def reporting_round(last_updates: list[dt.date]) -> dt.date | None:
    """The plan's reporting round: the date by which at least half its actions had their latest update
    (the lower median of each action's latest update). One action updated today does not move it."""
    days = sorted(last_updates)
    if not days:
        return None
    return days[(len(days) - 1) // 2]


def last_updates(con: duckdb.DuckDBPyConnection, partnership: str) -> dict[str, dt.date]:
    """Each updated action's latest progress-update date."""
    rows = con.execute(
        "SELECT u.action_id, max(u.update_date) FROM progress_update u JOIN action a USING (action_id) "
        "JOIN priority p USING (priority_id) WHERE p.partnership_code = ? GROUP BY u.action_id", [partnership],
    ).fetchall()
    return {str(a): d for a, d in ((a, _as_date(d)) for a, d in rows) if d is not None}


@dataclass(frozen=True)
class JudgingDate:
    """The date a plan's statuses are judged at by default, and why, in words."""

    date: dt.date
    reason: str
    reporting_round: dt.date | None


def default_judging_date(last: dict[str, dt.date], today: dt.date) -> JudgingDate:
    """Today, unless the reporting round is older than STALE_AFTER_DAYS: then the round (judging an old report
    against today would show every unfinished action past its due date as overdue)."""
    round_date = reporting_round(list(last.values()))
    if round_date is None:
        return JudgingDate(today, "today: no progress updates have been recorded yet", None)
    if (today - round_date).days > STALE_AFTER_DAYS:
        return JudgingDate(round_date, f"the plan's latest reporting round ({round_date.day} {round_date:%b %Y}: most "
                           f"actions were last updated by then, {(today - round_date).days} days ago). Judged at "
                           "today, actions whose owners have not reported since would count as overdue", round_date)
    return JudgingDate(today, f"today: the plan's latest reporting round ({round_date.day} {round_date:%b %Y}) is "
                       f"recent (within {STALE_AFTER_DAYS} days)", round_date)


def judging_after_update(last: dict[str, dt.date], action_id: str, today: dt.date) -> JudgingDate:
    """The default judging date once ``action_id`` has an update dated ``today``."""
    return default_judging_date({**last, action_id: today}, today)


def judging_shift(before: PlanView, after: PlanView, old: dt.date, new: dt.date) -> str:
    """What judging at ``new`` instead of ``old`` changes, in words (empty when nothing changes)."""
    def figures(view: PlanView) -> tuple[int, float, int]:
        acts = view.actions
        on_track = float(acts["rag"].isin([GREEN, COMPLETE]).mean() * 100) if len(acts) else 0.0
        return int(acts["overdue"].sum()), on_track, int((view.priorities["rag"] == RED).sum())

    (o1, t1, r1), (o2, t2, r2) = figures(before), figures(after)
    if (o1, round(t1), r1) == (o2, round(t2), r2):
        return ""
    more = o2 - o1
    overdue = (f"makes {more} more action{'s' if more != 1 else ''} overdue ({o1} → {o2})" if more > 0 else
               f"makes {-more} fewer action{'s' if more != -1 else ''} overdue ({o1} → {o2})" if more < 0 else
               f"leaves {o1} action{'s' if o1 != 1 else ''} overdue")
    return (f"judging at {new.day} {new:%b %Y} instead of {old.day} {old:%b %Y} {overdue}; on track or complete "
            f"{t1:.0f}% → {t2:.0f}%; Red priorities {r1} → {r2}")
