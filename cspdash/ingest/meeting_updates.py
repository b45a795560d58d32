"""Edits made in the app to a meeting's questions and to the committee's recommendations.

Each save validates everything first (any problem: nothing is written), then makes ONE store write that
changes the rows and appends an edit_audit row per changed field naming the user. The role is checked here,
on the server, whatever the page showed: below editor raises PermissionError.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from cspdash.accounts import role_at_least
from cspdash.ingest.template import RECOMMENDATION_STATUSES, TRIGGER_KINDS
from cspdash.store.versions import Store

EDITOR = "editor"
FRAMINGS: tuple[str, ...] = ("hold to account", "scrutinise performance", "contribute to strategy")
QUESTION_FIELDS: tuple[str, ...] = ("position", "question", "evidence", "partner", "framing")
RECOMMENDATION_FIELDS: tuple[str, ...] = ("meeting_id", "recommendation", "lead_partner", "response", "due_date",
                                          "status")
MAX_TEXT = 2000


class EditError(ValueError):
    """An edit that cannot be saved; ``problems`` lists every reason in plain words."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class EditResult:
    """What a save changed."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    audit_rows: int = 0

    @property
    def summary(self) -> str:
        """'2 added, 1 changed, 0 removed'."""
        return f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed"


def check_role(user_name: str, user_role: str, needed: str = EDITOR) -> None:
    """Raise PermissionError unless ``user_role`` is at least ``needed``."""
    if not role_at_least(user_role, needed):
        raise PermissionError(f"{user_name} ({user_role}) may not make this change: it needs the {needed} role.")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip()) or str(value) in ("NaT", "<NA>")


def _text(value: Any) -> str | None:
    return None if _blank(value) else str(value).strip()


def _as_date(value: Any) -> dt.date | None:
    """A date from a date, datetime, Timestamp or ISO/UK text; None when blank; ValueError otherwise."""
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()[:10]
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{value}' is not a date; expected YYYY-MM-DD or dd/mm/yyyy")


def _shown(value: Any) -> str | None:
    """How a value is written into the audit (dates ISO, blanks NULL)."""
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _audit(con: duckdb.DuckDBPyConnection, user_name: str, user_role: str, entity: str, entity_id: str,
           field_name: str, old: Any, new: Any) -> None:
    con.execute(
        "INSERT INTO edit_audit (audit_id, user_name, user_role, entity, entity_id, field, old_value, new_value)"
        " VALUES (nextval('audit_id_seq'), ?, ?, ?, ?, ?, ?, ?)",
        [user_name, user_role, entity, entity_id, field_name, _shown(old), _shown(new)],
    )


# ---------------------------------------------------------------------------------------------- questions
def save_questions(store: Store, meeting_id: str, questions: Sequence[Mapping[str, Any]], *, user_name: str,
                   user_role: str) -> EditResult:
    """Make the meeting's question list exactly ``questions``, in that order (position = 1, 2, …).

    A row with a ``question_id`` the meeting holds is an edit; without one it is new; held questions not in
    ``questions`` are deleted. Every added, changed or deleted field is audited under entity 'question'.
    """
    check_role(user_name, user_role)
    problems: list[str] = []
    cleaned: list[dict[str, Any]] = []
    for number, row in enumerate(questions, start=1):
        text = _text(row.get("question"))
        framing = _text(row.get("framing"))
        if text is None:
            problems.append(f"Question {number} is empty: write the question or delete the row.")
        elif len(text) > MAX_TEXT:
            problems.append(f"Question {number} is {len(text)} characters long; at most {MAX_TEXT} are allowed.")
        if framing is not None and framing.lower() not in FRAMINGS:
            problems.append(f"Question {number} has framing '{framing}'; expected one of: {', '.join(FRAMINGS)}.")
        cleaned.append({"question_id": _text(row.get("question_id")), "position": number, "question": text,
                        "evidence": _text(row.get("evidence")), "partner": _text(row.get("partner")),
                        "framing": framing.lower() if framing else None})
    ids = [r["question_id"] for r in cleaned if r["question_id"]]
    if len(ids) != len(set(ids)):
        problems.append("The same question appears twice; remove the duplicate row.")
    result = EditResult()
    with store.write() as con:
        if con.execute("SELECT count(*) FROM meeting WHERE meeting_id = ?", [meeting_id]).fetchone()[0] == 0:  # type: ignore[index]
            problems.append(f"There is no meeting '{meeting_id}' in the store.")
        if problems:
            raise EditError(problems)
        held = {r[0]: dict(zip(("question_id", *QUESTION_FIELDS), r, strict=True)) for r in con.execute(
            "SELECT question_id, position, question, evidence, partner, framing FROM meeting_question"
            " WHERE meeting_id = ?", [meeting_id]).fetchall()}
        unknown = [i for i in ids if i not in held]
        if unknown:
            raise EditError([f"Question {i} does not belong to meeting {meeting_id}." for i in unknown])
        next_number = _next_number(list(held), meeting_id)
        for row in cleaned:
            if row["question_id"] is None:
                new_id = f"{meeting_id}-Q{next_number:03d}"
                row["question_id"] = new_id
                next_number += 1
                con.execute(
                    "INSERT INTO meeting_question (question_id, meeting_id, position, question, evidence, partner,"
                    " framing, edited_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [new_id, meeting_id, row["position"], row["question"], row["evidence"],
                     row["partner"], row["framing"], user_name])
                result.added.append(new_id)
                for name in QUESTION_FIELDS:
                    if row[name] is not None:
                        _audit(con, user_name, user_role, "question", new_id, name, None, row[name])
                        result.audit_rows += 1
                continue
            before = held[row["question_id"]]
            changed = [name for name in QUESTION_FIELDS if _shown(before[name]) != _shown(row[name])]
            if not changed:
                continue
            con.execute(
                "UPDATE meeting_question SET position = ?, question = ?, evidence = ?, partner = ?, framing = ?,"
                " edited_by = ? WHERE question_id = ?",
                [row["position"], row["question"], row["evidence"], row["partner"], row["framing"], user_name,
                 row["question_id"]])
            result.changed.append(row["question_id"])
            for name in changed:
                _audit(con, user_name, user_role, "question", row["question_id"], name, before[name], row[name])
                result.audit_rows += 1
        for question_id, before in held.items():
            if question_id not in ids:
                con.execute("DELETE FROM meeting_question WHERE question_id = ?", [question_id])
                _audit(con, user_name, user_role, "question", question_id, "deleted", before["question"], None)
                result.removed.append(question_id)
                result.audit_rows += 1
    return result


def _next_number(held_ids: list[str], meeting_id: str) -> int:
    numbers = [int(m.group(1)) for i in held_ids if (m := re.fullmatch(re.escape(meeting_id) + r"-Q(\d+)", i))]
    return max(numbers, default=0) + 1


# ---------------------------------------------------------------------------------------------- recommendations
def save_recommendations(store: Store, partnership: str, rows: Sequence[Mapping[str, Any]], *, user_name: str,
                         user_role: str, adding: bool = False) -> EditResult:
    """Update (by reference) the partnership's recommendations, or add new ones when ``adding``; audited.

    Recommendations are a record of what the committee asked, so none is deleted: a held reference missing
    from ``rows`` is left unchanged. A reference the partnership does not hold is refused unless ``adding``
    (adding is explicit, and a changed reference is a rename: rename_recommendation), so an edited reference
    never silently becomes a second recommendation. Status must be one of RECOMMENDATION_STATUSES; the lead
    partner may be given by code or name.
    """
    check_role(user_name, user_role)
    result = EditResult()
    with store.write() as con:
        partners = {code: code for (code,) in con.execute("SELECT partner_code FROM partner").fetchall()}
        partners |= {str(name).lower(): code for code, name in
                     con.execute("SELECT partner_code, partner_name FROM partner").fetchall()}
        meetings = {m for (m,) in con.execute(
            "SELECT meeting_id FROM meeting WHERE partnership_code = ?", [partnership]).fetchall()}
        held = {r[0]: dict(zip(("reference", *RECOMMENDATION_FIELDS), r, strict=True)) for r in con.execute(
            "SELECT reference, meeting_id, recommendation, lead_partner, response, due_date, status"
            " FROM recommendation WHERE partnership_code = ?", [partnership]).fetchall()}
        elsewhere = {r for (r,) in con.execute(
            "SELECT reference FROM recommendation WHERE partnership_code <> ?", [partnership]).fetchall()}
        problems: list[str] = []
        cleaned: list[dict[str, Any]] = []
        seen: set[str] = set()
        for number, row in enumerate(rows, start=1):
            reference = _text(row.get("reference"))
            where = f"Recommendation {reference or number}"
            if reference is None:
                problems.append(f"Row {number} has no reference: give each recommendation a reference, "
                                "e.g. NWP-R-2025-04.")
                continue
            if reference in seen or reference in elsewhere:
                problems.append(f"{where}: the reference is used twice; references must be unique.")
            elif adding and reference in held:
                problems.append(f"{where}: this reference is already held; choose a new reference to add a "
                                "recommendation, or edit the one held.")
            elif not adding and reference not in held:
                problems.append(f"{where}: no recommendation of this partnership has this reference. To change a "
                                "reference use 'Rename a reference'; to add one use 'Add a recommendation'.")
            seen.add(reference)
            text = _text(row.get("recommendation"))
            if text is None:
                problems.append(f"{where}: the recommendation text is empty.")
            status = (_text(row.get("status")) or "").lower()
            if status not in RECOMMENDATION_STATUSES:
                problems.append(f"{where}: status '{row.get('status')}' is not one of "
                                f"{', '.join(RECOMMENDATION_STATUSES)}.")
            try:
                due = _as_date(row.get("due_date"))
            except ValueError as exc:
                problems.append(f"{where}: due date {exc}.")
                due = None
            lead_text = _text(row.get("lead_partner"))
            lead = None
            if lead_text is not None:
                lead = partners.get(lead_text) or partners.get(lead_text.lower())
                if lead is None:
                    problems.append(f"{where}: lead partner '{lead_text}' is not a known partner code or name.")
            meeting_id = _text(row.get("meeting_id"))
            if meeting_id is not None and meeting_id not in meetings:
                problems.append(f"{where}: meeting '{meeting_id}' is not one of this partnership's meetings.")
            cleaned.append({"reference": reference, "meeting_id": meeting_id, "recommendation": text,
                            "lead_partner": lead, "response": _text(row.get("response")), "due_date": due,
                            "status": status})
        if problems:
            raise EditError(problems)
        for row in cleaned:
            reference = row["reference"]
            if reference not in held:
                con.execute(
                    "INSERT INTO recommendation (reference, meeting_id, partnership_code, recommendation,"
                    " lead_partner, response, due_date, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [reference, row["meeting_id"], partnership, row["recommendation"], row["lead_partner"],
                     row["response"], row["due_date"], row["status"]])
                result.added.append(reference)
                for name in RECOMMENDATION_FIELDS:
                    if row[name] is not None:
                        _audit(con, user_name, user_role, "recommendation", reference, name, None, row[name])
                        result.audit_rows += 1
                continue
            before = held[reference]
            changed = [name for name in RECOMMENDATION_FIELDS if _shown(before[name]) != _shown(row[name])]
            if not changed:
                continue
            con.execute(
                "UPDATE recommendation SET meeting_id = ?, recommendation = ?, lead_partner = ?, response = ?,"
                " due_date = ?, status = ? WHERE reference = ?",
                [row["meeting_id"], row["recommendation"], row["lead_partner"], row["response"], row["due_date"],
                 row["status"], reference])
            result.changed.append(reference)
            for name in changed:
                _audit(con, user_name, user_role, "recommendation", reference, name, before[name], row[name])
                result.audit_rows += 1
    return result


def rename_recommendation(store: Store, partnership: str, old_reference: str, new_reference: str, *,
                          user_name: str, user_role: str) -> EditResult:
    """Change a recommendation's reference (everything else stays); audited as a change of field 'reference'."""
    check_role(user_name, user_role)
    old, new = (_text(old_reference) or ""), (_text(new_reference) or "")
    problems: list[str] = []
    if not new:
        problems.append("The new reference is empty: give a reference, e.g. CAE-R-2025-04.")
    elif new == old:
        problems.append(f"The new reference is the same as the old one ({old}); nothing to rename.")
    with store.write() as con:
        if con.execute("SELECT count(*) FROM recommendation WHERE reference = ? AND partnership_code = ?",
                       [old, partnership]).fetchone()[0] == 0:  # type: ignore[index]
            problems.append(f"This partnership holds no recommendation with reference '{old}'.")
        if new and con.execute("SELECT count(*) FROM recommendation WHERE reference = ?",
                               [new]).fetchone()[0]:  # type: ignore[index]
            problems.append(f"Reference '{new}' is already used; references must be unique.")
        if problems:
            raise EditError(problems)
        con.execute("UPDATE recommendation SET reference = ? WHERE reference = ?", [new, old])
        _audit(con, user_name, user_role, "recommendation", new, "reference", old, new)
    return EditResult(changed=[new], audit_rows=1)


# ---------------------------------------------------------------------------------------------- community triggers
TRIGGER_FIELDS: tuple[str, ...] = ("kind", "received_date", "threshold_met", "outcome", "resolved_date")


def save_trigger(store: Store, partnership: str, case: Mapping[str, Any], *, user_name: str,
                 user_role: str) -> EditResult:
    """Add (no ``case_id``) or edit one Community Trigger / CCfA case; closing is setting its resolved date.

    Each added or changed field is audited under entity 'trigger'. A new case's id is made from the
    partnership's other ids and the year received (e.g. CAE-CT-2026-13). Nothing is ever deleted here.
    """
    check_role(user_name, user_role)
    problems: list[str] = []
    case_id = _text(case.get("case_id"))
    kind = _text(case.get("kind"))
    if kind not in TRIGGER_KINDS:
        problems.append(f"Kind '{kind or ''}' is not one of: {', '.join(TRIGGER_KINDS)}.")
    try:
        received = _as_date(case.get("received_date"))
    except ValueError as exc:
        problems.append(f"Received date: {exc}.")
        received = None
    if received is None and not any("Received" in p for p in problems):
        problems.append("The received date is required.")
    try:
        resolved = _as_date(case.get("resolved_date"))
    except ValueError as exc:
        problems.append(f"Resolved date: {exc}.")
        resolved = None
    if received and resolved and resolved < received:
        problems.append(f"The resolved date ({resolved:%-d %b %Y}) is before the received date "
                        f"({received:%-d %b %Y}).")
    if received and received > dt.date.today():
        problems.append(f"The received date ({received:%-d %b %Y}) is in the future.")
    met = case.get("threshold_met")
    threshold = None if _blank(met) else (met if isinstance(met, bool) else str(met).strip().lower() in ("yes", "true"))
    outcome = _text(case.get("outcome"))
    if outcome is not None and len(outcome) > MAX_TEXT:
        problems.append(f"The outcome is {len(outcome)} characters long; at most {MAX_TEXT} are allowed.")
    row = {"kind": kind, "received_date": received, "threshold_met": threshold, "outcome": outcome,
           "resolved_date": resolved}
    result = EditResult()
    with store.write() as con:
        held = None
        if case_id is not None:
            found = con.execute("SELECT kind, received_date, threshold_met, outcome, resolved_date FROM"
                                " community_trigger WHERE case_id = ? AND partnership_code = ?",
                                [case_id, partnership]).fetchone()
            if found is None:
                problems.append(f"This partnership holds no case '{case_id}'.")
            else:
                held = dict(zip(TRIGGER_FIELDS, found, strict=True))
        if problems:
            raise EditError(problems)
        if held is None:
            assert received is not None and kind is not None
            case_id = _new_case_id(con, partnership, kind, received)
            con.execute("INSERT INTO community_trigger (case_id, partnership_code, kind, received_date, threshold_met,"
                        " outcome, resolved_date) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [case_id, partnership, kind, received, threshold, outcome, resolved])
            result.added.append(case_id)
            changed = [name for name in TRIGGER_FIELDS if row[name] is not None]
            before: dict[str, Any] = dict.fromkeys(TRIGGER_FIELDS)
        else:
            before = held
            changed = [name for name in TRIGGER_FIELDS if _shown(before[name]) != _shown(row[name])]
            if not changed:
                return result
            con.execute("UPDATE community_trigger SET kind = ?, received_date = ?, threshold_met = ?, outcome = ?,"
                        " resolved_date = ? WHERE case_id = ?",
                        [kind, received, threshold, outcome, resolved, case_id])
            result.changed.append(str(case_id))
        for name in changed:
            _audit(con, user_name, user_role, "trigger", str(case_id), name, before[name], row[name])
            result.audit_rows += 1
    return result


def _new_case_id(con: duckdb.DuckDBPyConnection, partnership: str, kind: str, received: dt.date) -> str:
    """PREFIX-CT-YYYY-NN (or -CCFA-): the prefix of the partnership's other ids, the next free number."""
    held = [c for (c,) in con.execute("SELECT case_id FROM community_trigger WHERE partnership_code = ?",
                                      [partnership]).fetchall()]
    prefixes = [m.group(1) for c in held if (m := re.match(r"([A-Z0-9]+)-(?:CT|CCFA)-", c))]
    if not prefixes:
        prefixes = [m.group(1) for (p,) in con.execute("SELECT priority_id FROM priority WHERE partnership_code = ?",
                                                       [partnership]).fetchall()
                    if (m := re.match(r"([A-Z0-9]+)-", p))]
    prefix = max(set(prefixes), key=prefixes.count) if prefixes else partnership
    numbers = [int(m.group(1)) for c in held if (m := re.search(r"-(\d+)$", c))]
    number = max(numbers, default=0) + 1
    everything = {c for (c,) in con.execute("SELECT case_id FROM community_trigger").fetchall()}
    tag = "CT" if kind == "Community Trigger" else "CCFA"
    while (case_id := f"{prefix}-{tag}-{received.year}-{number:02d}") in everything:
        number += 1
    return case_id
