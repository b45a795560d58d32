"""In-app progress updates to actions: validated, role-checked, audited, written in one store write.

An update changes the action's current status, % complete and commentary, appends a row to the progress
history (source 'app') and one audit row per changed field (who, when, field, old, new). All three land
together in one published store version, or none do.
"""

from __future__ import annotations

import datetime as dt

from cspdash.accounts import role_at_least
from cspdash.analysis.rag import (
    COMMENTARY_MAX_CHARS,
    COMMENTARY_RULE_TEXT,
    COMPLETE,
    RAG_ORDER,
    STATUS_MEANINGS,
    normalise_status,
)
from cspdash.ingest.template import STATUSES_WITHOUT_COMMENTARY
from cspdash.store.versions import Store

#: viewer < editor < analyst < admin (as in cspdash.accounts); updating actions needs editor or above
EDIT_ROLE = "editor"
EDITED_FIELDS: tuple[str, ...] = ("status", "pct_complete", "commentary")

UPDATE_RULE_TEXT = (
    f"Status: {STATUS_MEANINGS}. {COMMENTARY_RULE_TEXT} Each saved update is kept in the progress history and every changed field in the audit log."
)


def may_edit(role: str | None) -> bool:
    """True when ``role`` is at least editor."""
    return role_at_least(role, EDIT_ROLE)


def check_update(status: str, pct_complete: int | float | None, commentary: str | None) -> tuple[str, int, str | None]:
    """The update's values normalised (status spelling, whole %, trimmed commentary); ValueError says what is wrong."""
    try:
        key = normalise_status(status)
    except ValueError:
        key = None
    if key is None or key not in RAG_ORDER:
        raise ValueError(f"Status '{status}' is not allowed; choose one of: {', '.join(RAG_ORDER)}.")
    if pct_complete is None or isinstance(pct_complete, bool):
        raise ValueError("% complete is required: a whole number from 0 to 100.")
    pct = float(pct_complete)
    if not 0 <= pct <= 100 or not pct.is_integer():
        raise ValueError(f"% complete must be a whole number from 0 to 100 (got {pct_complete}).")
    text = (commentary or "").strip() or None
    if key not in STATUSES_WITHOUT_COMMENTARY and text is None:
        raise ValueError(f"Commentary is required when the status is {key}: say what the issue is and what is "
                         "being done about it.")
    if text is not None and len(text) > COMMENTARY_MAX_CHARS:
        raise ValueError(f"Commentary is limited to {COMMENTARY_MAX_CHARS:,} characters (got {len(text):,}): say what "
                         "the issue is and what is being done; put longer reports in the committee papers.")
    if key == COMPLETE and pct < 100:
        raise ValueError(f"A Complete action is 100% done (got {pct:.0f}%); set 100 or choose another status.")
    return key, int(pct), text


def update_action(store: Store, action_id: str, status: str, pct_complete: int | float | None,
                  commentary: str | None, user: str, role: str, *, update_date: dt.date | None = None) -> None:
    """Update one action's status, % complete and commentary, with its progress row and audit rows.

    Raises PermissionError unless ``role`` is editor or above, ValueError for invalid values or an unknown
    action. ``update_date`` (default: today) is the date of the progress update.
    """
    if not may_edit(role):
        raise PermissionError(f"Updating actions needs the {EDIT_ROLE} role or above; {user} has '{role}'.")
    if not (user or "").strip():
        raise ValueError("The update must name who made it.")
    key, pct, text = check_update(status, pct_complete, commentary)
    now = dt.datetime.now().replace(microsecond=0)
    day = update_date or now.date()
    with store.write() as con:
        row = con.execute("SELECT status, pct_complete, commentary FROM action WHERE action_id = ?",
                          [action_id]).fetchone()
        if row is None:
            raise ValueError(f"There is no action '{action_id}' in the plan; reload the page and choose again.")
        old = dict(zip(EDITED_FIELDS, row, strict=True))
        new = {"status": key, "pct_complete": pct, "commentary": text}
        con.execute(
            "UPDATE action SET status = ?, pct_complete = ?, commentary = ?, updated_at = ?, updated_by = ? "
            "WHERE action_id = ?",
            [key, pct, text, now, user, action_id],
        )
        con.execute(
            "INSERT INTO progress_update (action_id, update_date, status, pct_complete, commentary, updated_by, "
            "recorded_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, 'app')",
            [action_id, day, key, pct, text, user, now],
        )
        for field in EDITED_FIELDS:
            if old[field] != new[field]:
                con.execute(
                    "INSERT INTO edit_audit (audit_id, edited_at, user_name, user_role, entity, entity_id, field, "
                    "old_value, new_value) VALUES (nextval('audit_id_seq'), ?, ?, ?, 'action', ?, ?, ?, ?)",
                    [now, user, role, action_id, field, _as_text(old[field]), _as_text(new[field])],
                )


def _as_text(value: object) -> str | None:
    return None if value is None else str(value)
