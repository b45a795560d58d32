"""Indicators, partner contributions, recommendations, Community Trigger cases, partnership health and stored questions."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.rag import (
    indicator_rag,
)
from cspdash.metrics.columns import _as_day, _days, _flags, _objects, _text, _whole
from cspdash.metrics.meeting.reference import CLOSED_RECOMMENDATION_STATUSES, _reference
from cspdash.vocab import HALLMARKS, MINIMUM_STANDARDS


def indicator_status(con: duckdb.DuckDBPyConnection, partnership: str, as_of: date,
                     priority_ids: list[str] | None = None) -> pd.DataFrame:
    """Each partner indicator's latest value on or before ``as_of`` with its indicator RAG.

    Columns: indicator_id, name, priority_id, source_partner, period, value, baseline, target, rag, reason.
    ``priority_ids``: the partnership's priorities, if already read.
    """
    if priority_ids is None:
        priority_ids = [row[0] for row in con.execute(
            "SELECT priority_id FROM priority WHERE partnership_code = ?", [partnership]).fetchall()]
    read = con.execute(
        "SELECT i.indicator_id, i.name, i.priority_id, i.source_partner, i.higher_is_better, i.unit, v.period,"
        " v.area_code, v.value, v.baseline, v.target FROM indicator i JOIN indicator_value v USING (indicator_id)"
        " WHERE list_contains(?, i.priority_id) AND v.period <= ?", [priority_ids, as_of],
    ).fetchall() if priority_ids else []
    # per indicator its latest period, and of that period the first area by code
    latest: dict[str, tuple] = {}
    for row in read:
        seen = latest.get(row[0])
        if seen is None or row[6] > seen[6] or (row[6] == seen[6] and row[7] < seen[7]):
            latest[row[0]] = row
    indicators = [latest[key][:6] for key in sorted(latest)]
    rows = [(info, latest[info[0]][5:]) for info in indicators]  # (…, period, area_code, value, baseline, target)
    rags, reasons = [], []
    for info, found in rows:
        value, baseline, target = float(found[3]), found[4], found[5]
        baseline = None if baseline is None else float(baseline)
        target = None if target is None else float(target)
        is_count = baseline is not None and value.is_integer() and baseline.is_integer()
        rag, reason = indicator_rag(value, baseline, target, bool(info[4]) if info[4] is not None else False,
                                    is_count=is_count)
        rags.append(rag)
        reasons.append(reason)
    return pd.DataFrame({
        "indicator_id": _text([i[0] for i, _ in rows]), "name": _text([i[1] for i, _ in rows]),
        "priority_id": _text([i[2] for i, _ in rows]), "source_partner": _text([i[3] for i, _ in rows]),
        "higher_is_better": _flags([i[4] for i, _ in rows]),
        "unit": _text([i[5] for i, _ in rows]), "period": _days([v[1] for _, v in rows]),
        "value": np.array([v[3] for _, v in rows], dtype=float),
        "baseline": np.array([np.nan if v[4] is None else v[4] for _, v in rows], dtype=float),
        "target": np.array([np.nan if v[5] is None else v[5] for _, v in rows], dtype=float),
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
    given: dict[str, list] = {}   # funding (None until a funding amount), staff (None until an FTE), in-kind, data,
    # in-kind £ value
    for partner, kind, amount, fte in con.execute(
        "SELECT partner_code, kind, amount_gbp, fte FROM partner_contribution WHERE partnership_code = ?",
        [partnership],
    ).fetchall():
        sums = given.setdefault(partner, [None, None, 0, 0, 0.0])
        if kind == "funding" and amount is not None:
            sums[0] = (sums[0] or 0.0) + amount
        elif kind == "staff" and fte is not None:
            sums[1] = (sums[1] or 0.0) + fte
        elif kind == "in-kind":
            sums[2] += 1
            sums[4] += amount or 0.0
        elif kind == "data":
            sums[3] += 1
    if names is None:
        names = _reference(con).partners
    rows = []
    for code in {**dict.fromkeys(led), **dict.fromkeys(given)}:
        funding, staff, in_kind, data, in_kind_value = given.get(code, [None, None, 0, 0, 0.0])
        rows.append((names.get(code, code), led.get(code, 0), float(funding or 0), float(staff or 0), in_kind, data,
                     float(in_kind_value)))
    rows.sort(key=lambda r: (-r[1], -r[2], r[0]))  # ORDER BY actions_led DESC, funding_gbp DESC, partner
    return pd.DataFrame({
        "partner": _text([r[0] for r in rows]), "actions_led": np.array([r[1] for r in rows], dtype="int64"),
        "funding_gbp": np.array([r[2] for r in rows], dtype=float),
        "staff_fte": np.array([r[3] for r in rows], dtype=float),
        "in_kind_items": np.array([r[4] for r in rows], dtype="int64"),
        "data_items": np.array([r[5] for r in rows], dtype="int64"),
        "in_kind_gbp": np.array([r[6] for r in rows], dtype=float),
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
    missing = sorted({row[1] for row in read if row[1] is not None and row[1] not in dates})
    if missing:  # a meeting of another partnership (or none read yet)
        dates.update(con.execute(
            "SELECT meeting_id, meeting_date FROM meeting WHERE list_contains(?, meeting_id)", [missing]).fetchall())
    # ORDER BY due_date NULLS LAST, reference
    read.sort(key=lambda row: (row[5] is None, row[5] or date.min, row[0]))
    rows = [(r[0], r[1], dates.get(r[1]) if r[1] is not None else None, r[2], r[3], r[4], r[5], r[6]) for r in read]
    text = ("reference", "meeting_id", "recommendation", "lead_partner", "response", "status")
    columns: dict[str, object] = {}
    for index, name in enumerate(("reference", "meeting_id", "meeting_date", "recommendation", "lead_partner",
                                  "response", "due_date", "status")):
        values = [row[index] for row in rows]
        if name in text:
            columns[name] = _text(values)
        else:  # dates as datetime.date, NaT when blank (as pd.to_datetime(...).dt.date gives)
            columns[name] = _objects([pd.NaT if v is None else _as_day(v) for v in values])
    overdue, days = [], []
    for row in rows:
        due, status = row[6], row[7]
        late = (status is None or str(status).lower() not in CLOSED_RECOMMENDATION_STATUSES) and due is not None \
            and _as_day(due) < as_of
        overdue.append(late)
        days.append((as_of - _as_day(due)).days if late else 0)
    columns["overdue"] = np.array(overdue, dtype=bool)
    columns["days_overdue"] = np.array(days, dtype=int)
    return pd.DataFrame(columns)


# ---------------------------------------------------------------------------------------------- community trigger
def triggers(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Community Trigger and CCfA cases: case_id, kind, received_date, threshold_met, outcome, resolved_date,
    days_to_resolve (blank while open), quarter (financial-year quarter of receipt, e.g. '2024-25 Q1')."""
    rows = sorted(con.execute(
        "SELECT case_id, kind, received_date, threshold_met, outcome, resolved_date FROM community_trigger"
        " WHERE partnership_code = ?", [partnership],
    ).fetchall(), key=lambda row: (row[2], row[0]))   # ORDER BY received_date, case_id (received is required)
    return pd.DataFrame({
        "case_id": _text([r[0] for r in rows]), "kind": _text([r[1] for r in rows]),
        "received_date": _objects([r[2] for r in rows]),
        "threshold_met": _flags([r[3] for r in rows]),
        "outcome": _text([r[4] for r in rows]),
        "resolved_date": _objects([pd.NaT if r[5] is None else r[5] for r in rows]),
        "days_to_resolve": _whole([None if r[5] is None else (r[5] - r[2]).days for r in rows]),
        "quarter": _text([financial_quarter(r[2]) for r in rows]),
    })


def financial_quarter(day: date) -> str:
    """date(2024, 5, 14) → '2024-25 Q1' (financial years run April to March)."""
    year = day.year if day.month >= 4 else day.year - 1
    quarter = ((day.month - 4) % 12) // 3 + 1
    return f"{year}-{(year + 1) % 100:02d} Q{quarter}"


def trigger_counts_by_quarter(cases: pd.DataFrame) -> pd.DataFrame:
    """Counts per financial quarter and kind: quarter, kind, cases, threshold_met, resolved, median_days."""
    columns = ["quarter", "kind", "cases", "threshold_met", "resolved", "median_days_to_resolve"]
    if cases.empty:
        return pd.DataFrame(columns=columns)
    grouped = cases.groupby(["quarter", "kind"], as_index=False).agg(
        cases=("case_id", "count"),
        threshold_met=("threshold_met", lambda s: int(s.fillna(False).astype(bool).sum())),
        resolved=("resolved_date", lambda s: int(s.notna().sum())),
        median_days_to_resolve=("days_to_resolve", lambda s: float(s.dropna().median()) if s.notna().any() else np.nan),
    )
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
    by_item = {str(item).strip().lower(): (kind, item, _blank_nan(status), _blank_nan(evidence), assessed_on)
               for kind, item, status, evidence, assessed_on in stored}
    rows = []
    for kind, items in (("standard", MINIMUM_STANDARDS), ("hallmark", HALLMARKS)):
        for item in items:
            found = by_item.pop(item.lower(), None)
            rows.append((kind, item, found[2] if found is not None and found[2] else "Not assessed",
                         found[3] if found is not None else None, found[4] if found is not None else None))
    for extra in by_item.values():  # items a partnership added beyond the national lists
        rows.append((extra[0], extra[1], extra[2] or "Not assessed", extra[3], extra[4]))
    return pd.DataFrame({
        "kind": _text([r[0] for r in rows]), "item": _text([r[1] for r in rows]),
        "status": _text([r[2] for r in rows]), "evidence": _text([r[3] for r in rows]),
        "assessed_on": _objects([pd.NaT if r[4] is None else r[4] for r in rows]),
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
