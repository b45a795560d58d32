"""Indicators, partner contributions, recommendations, Community Trigger cases, partnership health and stored questions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.rag import (
    indicator_rag,
)
from cspdash.metrics.columns import _as_day, _days, _flags, _objects, _text, _whole
from cspdash.metrics.disclosure import small
from cspdash.metrics.meeting.reference import CLOSED_RECOMMENDATION_STATUSES, _reference
from cspdash.vocab import HALLMARKS, MINIMUM_STANDARDS


class IndicatorReading(NamedTuple):
    """One value of a partner indicator, with what the indicator is (as read for indicator_status)."""

    indicator_id: str
    name: str | None
    priority_id: str | None
    source_partner: str | None
    higher_is_better: bool | None
    unit: str | None
    period: date
    area_code: str
    value: float
    baseline: float | None
    target: float | None


@dataclass
class _Given:
    """What one partner gives a partnership, summed: funding (None until an amount), staff (None until an FTE),
    in-kind items and their £ value, data items."""

    funding: float | None = None
    staff: float | None = None
    in_kind: int = 0
    data: int = 0
    in_kind_value: float = 0.0


class ContributionRow(NamedTuple):
    """One partner's line of the contributions table."""

    partner: str
    actions_led: int
    funding_gbp: float
    staff_fte: float
    in_kind_items: int
    data_items: int
    in_kind_gbp: float


class RecommendationRow(NamedTuple):
    """One recommendation as read, with the date of the meeting that made it."""

    reference: str
    meeting_id: str | None
    meeting_date: date | None
    recommendation: str | None
    lead_partner: str | None
    response: str | None
    due_date: date | None
    status: str | None


class TriggerRow(NamedTuple):
    """One Community Trigger or CCfA case as read."""

    case_id: str
    kind: str | None
    received_date: date
    threshold_met: bool | None
    outcome: str | None
    resolved_date: date | None


class HealthRow(NamedTuple):
    """One minimum standard or hallmark with its assessment (status NaN when recorded blank)."""

    kind: str
    item: str
    status: object
    evidence: object
    assessed_on: date | None


def indicator_status(con: duckdb.DuckDBPyConnection, partnership: str, as_of: date,
                     priority_ids: list[str] | None = None) -> pd.DataFrame:
    """Each partner indicator's latest value on or before ``as_of`` with its indicator RAG.

    Columns: indicator_id, name, priority_id, source_partner, period, value, baseline, target, rag, reason.
    ``priority_ids``: the partnership's priorities, if already read.
    """
    if priority_ids is None:
        priority_ids = [row[0] for row in con.execute(
            "SELECT priority_id FROM priority WHERE partnership_code = ?", [partnership]).fetchall()]
    read = [IndicatorReading(*row) for row in con.execute(
        "SELECT i.indicator_id, i.name, i.priority_id, i.source_partner, i.higher_is_better, i.unit, v.period,"
        " v.area_code, v.value, v.baseline, v.target FROM indicator i JOIN indicator_value v USING (indicator_id)"
        " WHERE list_contains(?, i.priority_id) AND v.period <= ?", [priority_ids, as_of],
    ).fetchall()] if priority_ids else []
    # per indicator its latest period, and of that period the first area by code
    latest: dict[str, IndicatorReading] = {}
    for row in read:
        seen = latest.get(row.indicator_id)
        if seen is None or row.period > seen.period or (row.period == seen.period and row.area_code < seen.area_code):
            latest[row.indicator_id] = row
    rows = [latest[key] for key in sorted(latest)]
    rags, reasons = [], []
    for row in rows:
        value = float(row.value)
        baseline = None if row.baseline is None else float(row.baseline)
        target = None if row.target is None else float(row.target)
        is_count = baseline is not None and value.is_integer() and baseline.is_integer()
        rag, reason = indicator_rag(value, baseline, target, bool(row.higher_is_better), is_count=is_count)
        rags.append(rag)
        reasons.append(reason)
    return pd.DataFrame({
        "indicator_id": _text([r.indicator_id for r in rows]), "name": _text([r.name for r in rows]),
        "priority_id": _text([r.priority_id for r in rows]), "source_partner": _text([r.source_partner for r in rows]),
        "higher_is_better": _flags([r.higher_is_better for r in rows]),
        "unit": _text([r.unit for r in rows]), "period": _days([r.period for r in rows]),
        "value": np.array([r.value for r in rows], dtype=float),
        "baseline": np.array([np.nan if r.baseline is None else r.baseline for r in rows], dtype=float),
        "target": np.array([np.nan if r.target is None else r.target for r in rows], dtype=float),
        "rag": _text(rags), "reason": _text(reasons),
    })


def contributions(con: duckdb.DuckDBPyConnection, partnership: str, owners: list[str] | None = None,
                  names: dict[str, str] | None = None) -> pd.DataFrame:
    """Each partner's contribution: partner, actions led, funding (£), staff (FTE), in-kind and data items.

    ``owners``: the owner partner of each of the partnership's actions, and ``names`` the partners' names, if read.
    """
    if owners is None:
        owners = [row[0] for row in con.execute(
            "SELECT a.owner_partner FROM action a JOIN priority p USING (priority_id) WHERE p.partnership_code = ?",
            [partnership]).fetchall()]
    led: dict[str, int] = {}
    for owner in owners:
        led[owner] = led.get(owner, 0) + 1
    given: dict[str, _Given] = {}
    for partner, kind, amount, fte in con.execute(
        "SELECT partner_code, kind, amount_gbp, fte FROM partner_contribution WHERE partnership_code = ?",
        [partnership],
    ).fetchall():
        sums = given.setdefault(partner, _Given())
        if kind == "funding" and amount is not None:
            sums.funding = (sums.funding or 0.0) + amount
        elif kind == "staff" and fte is not None:
            sums.staff = (sums.staff or 0.0) + fte
        elif kind == "in-kind":
            sums.in_kind += 1
            sums.in_kind_value += amount or 0.0
        elif kind == "data":
            sums.data += 1
    if names is None:
        names = _reference(con).partners
    rows = []
    for code in {**dict.fromkeys(led), **dict.fromkeys(given)}:
        sums = given.get(code, _Given())
        rows.append(ContributionRow(names.get(code, code), led.get(code, 0), float(sums.funding or 0),
                                    float(sums.staff or 0), sums.in_kind, sums.data, float(sums.in_kind_value)))
    rows.sort(key=lambda r: (-r.actions_led, -r.funding_gbp, r.partner))  # ORDER BY actions_led DESC, funding DESC
    return pd.DataFrame({
        "partner": _text([r.partner for r in rows]),
        "actions_led": np.array([r.actions_led for r in rows], dtype="int64"),
        "funding_gbp": np.array([r.funding_gbp for r in rows], dtype=float),
        "staff_fte": np.array([r.staff_fte for r in rows], dtype=float),
        "in_kind_items": np.array([r.in_kind_items for r in rows], dtype="int64"),
        "data_items": np.array([r.data_items for r in rows], dtype="int64"),
        "in_kind_gbp": np.array([r.in_kind_gbp for r in rows], dtype=float),
    })


def partner_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Partner code → name."""
    return dict(_reference(con).partners)


# ---------------------------------------------------------------------------------------------- recommendations
def recommendations(con: duckdb.DuckDBPyConnection, partnership: str, as_of: date,
                    meeting_dates: dict[str, date] | None = None) -> pd.DataFrame:
    """The committee's recommendations with overdue flagged on ``as_of``.

    Columns: reference, meeting_id, meeting_date, recommendation, lead_partner, response, due_date, status,
    overdue, days_overdue. ``meeting_dates``: meeting id → date of the partnership's meetings, if already read.
    """
    read = con.execute(
        "SELECT reference, meeting_id, recommendation, lead_partner, response, due_date, status FROM recommendation"
        " WHERE partnership_code = ?", [partnership],
    ).fetchall()
    dates = dict(meeting_dates or {})
    missing = sorted({meeting_id for _ref, meeting_id, *_rest in read
                      if meeting_id is not None and meeting_id not in dates})
    if missing:  # a meeting of another partnership (or none read yet)
        dates.update(con.execute(
            "SELECT meeting_id, meeting_date FROM meeting WHERE list_contains(?, meeting_id)", [missing]).fetchall())
    rows = [RecommendationRow(reference, meeting_id, dates.get(meeting_id) if meeting_id is not None else None,
                              text, lead, response, due, status)
            for reference, meeting_id, text, lead, response, due, status in read]
    # ORDER BY due_date NULLS LAST, reference
    rows.sort(key=lambda row: (row.due_date is None, row.due_date or date.min, row.reference))
    text = ("reference", "meeting_id", "recommendation", "lead_partner", "response", "status")
    columns: dict[str, object] = {}
    for name in RecommendationRow._fields:
        values = [getattr(row, name) for row in rows]
        if name in text:
            columns[name] = _text(values)
        else:  # dates as datetime.date, NaT when blank (as pd.to_datetime(...).dt.date gives)
            columns[name] = _objects([pd.NaT if v is None else _as_day(v) for v in values])
    overdue, days = [], []
    for row in rows:
        late = (row.status is None or str(row.status).lower() not in CLOSED_RECOMMENDATION_STATUSES) \
            and row.due_date is not None and _as_day(row.due_date) < as_of
        overdue.append(late)
        days.append((as_of - _as_day(row.due_date)).days if late else 0)
    columns["overdue"] = np.array(overdue, dtype=bool)
    columns["days_overdue"] = np.array(days, dtype=int)
    return pd.DataFrame(columns)


# ---------------------------------------------------------------------------------------------- community trigger
def triggers(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Community Trigger and CCfA cases: case_id, kind, received_date, threshold_met, outcome, resolved_date,
    days_to_resolve (blank while open), quarter (financial-year quarter of receipt, e.g. '2024-25 Q1')."""
    rows = sorted((TriggerRow(*row) for row in con.execute(
        "SELECT case_id, kind, received_date, threshold_met, outcome, resolved_date FROM community_trigger"
        " WHERE partnership_code = ?", [partnership],
    ).fetchall()), key=lambda row: (row.received_date, row.case_id))  # received is required
    return pd.DataFrame({
        "case_id": _text([r.case_id for r in rows]), "kind": _text([r.kind for r in rows]),
        "received_date": _objects([r.received_date for r in rows]),
        "threshold_met": _flags([r.threshold_met for r in rows]),
        "outcome": _text([r.outcome for r in rows]),
        "resolved_date": _objects([pd.NaT if r.resolved_date is None else r.resolved_date for r in rows]),
        "days_to_resolve": _whole([None if r.resolved_date is None else (r.resolved_date - r.received_date).days
                                   for r in rows]),
        "quarter": _text([financial_quarter(r.received_date) for r in rows]),
    })


def financial_quarter(day: date) -> str:
    """date(2024, 5, 14) → '2024-25 Q1' (financial years run April to March)."""
    year = day.year if day.month >= 4 else day.year - 1
    quarter = ((day.month - 4) % 12) // 3 + 1
    return f"{year}-{(year + 1) % 100:02d} Q{quarter}"


def trigger_counts_by_quarter(cases: pd.DataFrame, public: bool = False) -> pd.DataFrame:
    """Counts per financial quarter and kind: quarter, kind, cases, threshold_met, resolved, median_days.

    In public output (``public``) the median is blank where the cases or the resolved ones are 1–4: a median of
    '51.5' says an even number were resolved, and with few cases the median pins their days."""
    columns = ["quarter", "kind", "cases", "threshold_met", "resolved", "median_days_to_resolve"]
    if cases.empty:
        return pd.DataFrame(columns=columns)
    grouped = cases.groupby(["quarter", "kind"], as_index=False).agg(
        cases=("case_id", "count"),
        threshold_met=("threshold_met", lambda s: int(s.fillna(False).astype(bool).sum())),
        resolved=("resolved_date", lambda s: int(s.notna().sum())),
        median_days_to_resolve=("days_to_resolve", lambda s: float(s.dropna().median()) if s.notna().any() else np.nan),
    )
    if public:
        few = (small(grouped["cases"]) | small(grouped["resolved"])).to_numpy()
        grouped["median_days_to_resolve"] = grouped["median_days_to_resolve"].astype(float).mask(few)
    return grouped[columns].sort_values(["quarter", "kind"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- health
def health(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Minimum standards then hallmarks, every one listed (unrecorded = 'Not assessed').

    Columns: kind ('standard'/'hallmark'), item, status, evidence, assessed_on.
    """
    stored = con.execute(
        "SELECT kind, item, status, evidence, assessed_on FROM partnership_health WHERE partnership_code = ?",
        [partnership],
    ).fetchall()
    # text as read into a frame (a blank status is NaN, which is kept, as before)
    by_item = {str(item).strip().lower(): HealthRow(kind, item, _blank_nan(status), _blank_nan(evidence), assessed_on)
               for kind, item, status, evidence, assessed_on in stored}
    rows = []
    for kind, items in (("standard", MINIMUM_STANDARDS), ("hallmark", HALLMARKS)):
        for item in items:
            found = by_item.pop(item.lower(), None)
            if found is None:
                rows.append(HealthRow(kind, item, "Not assessed", None, None))
            else:
                rows.append(HealthRow(kind, item, found.status or "Not assessed", found.evidence, found.assessed_on))
    for extra in by_item.values():  # items a partnership added beyond the national lists
        rows.append(extra._replace(status=extra.status or "Not assessed"))
    return pd.DataFrame({
        "kind": _text([r.kind for r in rows]), "item": _text([r.item for r in rows]),
        "status": _text([r.status for r in rows]), "evidence": _text([r.evidence for r in rows]),
        "assessed_on": _objects([pd.NaT if r.assessed_on is None else r.assessed_on for r in rows]),
    })


def _blank_nan(value: object) -> object:
    return np.nan if value is None else value


# ---------------------------------------------------------------------------------------------- questions
def stored_questions(con: duckdb.DuckDBPyConnection, meeting_id: str) -> pd.DataFrame:
    """The meeting's saved questions in order: question_id, position, question, evidence, partner, framing."""
    return con.execute(
        "SELECT question_id, position, question, evidence, partner, framing, edited_by FROM meeting_question"
        " WHERE meeting_id = ? ORDER BY position, question_id", [meeting_id],
    ).df()


def audit_trail(con: duckdb.DuckDBPyConnection, entity: str, ids: tuple[str, ...]) -> pd.DataFrame:
    """Edits to the given entities, newest first: edited_at, user_name, user_role, entity_id, field, old, new."""
    return con.execute(
        "SELECT edited_at, user_name, user_role, entity_id, field, old_value, new_value FROM edit_audit"
        " WHERE entity = ? AND list_contains(?, entity_id) ORDER BY edited_at DESC, audit_id DESC",
        [entity, list(ids)],
    ).df()
