"""Saving a meeting's questions and the committee's recommendations: validated, audited, role-checked."""

from __future__ import annotations

from datetime import date

import pytest

from cspdash.ingest.meeting_updates import (
    EditError,
    rename_recommendation,
    save_questions,
    save_recommendations,
    save_trigger,
)
from cspdash.store.versions import Store
from tests.conftest import store_checksums
from tests.report.meeting_fixture import MEETING, PARTNERSHIP


@pytest.fixture()
def store(meeting_store_copy: Store) -> Store:
    """A private store with the meeting fixture."""
    return meeting_store_copy


def _rows(store: Store, sql: str, params: list[object]) -> list[tuple]:
    con = store.connect_read()
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_questions_added_edited_reordered_and_deleted_with_audit(store: Store) -> None:
    first = save_questions(store, MEETING, [
        {"question": "What is being done about knife crime?", "partner": "Gwent Police",
         "framing": "hold to account", "evidence": "Priority Red"},
        {"question": "Is the ASB rise understood?", "partner": "Newport City Council",
         "framing": "Scrutinise performance"},
    ], user_name="jo.manager", user_role="editor")
    assert first.added == ["TST-M3-Q001", "TST-M3-Q002"] and first.audit_rows == 9  # Q1: 5 fields, Q2: 4 (no evidence)
    # reorder (Q002 first), edit Q001's text, delete nothing, add one
    second = save_questions(store, MEETING, [
        {"question_id": "TST-M3-Q002", "question": "Is the ASB rise understood?", "partner": "Newport City Council",
         "framing": "scrutinise performance"},
        {"question_id": "TST-M3-Q001", "question": "By when will knife crime work be back on track?",
         "partner": "Gwent Police", "framing": "hold to account", "evidence": "Priority Red"},
        {"question": "What do residents in Pillgwenlly report?", "framing": "contribute to strategy"},
    ], user_name="sam.editor", user_role="admin")
    assert second.added == ["TST-M3-Q003"] and sorted(second.changed) == ["TST-M3-Q001", "TST-M3-Q002"]
    rows = _rows(store, "SELECT question_id, position, question, edited_by FROM meeting_question"
                        " WHERE meeting_id = ? ORDER BY position", [MEETING])
    assert [(r[0], r[1]) for r in rows] == [("TST-M3-Q002", 1), ("TST-M3-Q001", 2), ("TST-M3-Q003", 3)]
    assert rows[1][2] == "By when will knife crime work be back on track?" and rows[1][3] == "sam.editor"
    audit = _rows(store, "SELECT user_name, user_role, field, old_value, new_value FROM edit_audit"
                         " WHERE entity = 'question' AND entity_id = 'TST-M3-Q001' ORDER BY audit_id", [])
    assert ("sam.editor", "admin", "question", "What is being done about knife crime?",
            "By when will knife crime work be back on track?") in audit
    assert ("sam.editor", "admin", "position", "1", "2") in audit
    third = save_questions(store, MEETING, [{"question_id": "TST-M3-Q003",
                                             "question": "What do residents in Pillgwenlly report?",
                                             "framing": "contribute to strategy"}],
                           user_name="jo.manager", user_role="editor")
    assert sorted(third.removed) == ["TST-M3-Q001", "TST-M3-Q002"]
    deleted = _rows(store, "SELECT entity_id, old_value FROM edit_audit WHERE field = 'deleted' ORDER BY entity_id", [])
    assert deleted == [("TST-M3-Q001", "By when will knife crime work be back on track?"),
                       ("TST-M3-Q002", "Is the ASB rise understood?")]


def test_viewer_cannot_save_and_nothing_changes(store: Store) -> None:
    before = store_checksums(store)
    with pytest.raises(PermissionError, match="needs the editor role"):
        save_questions(store, MEETING, [{"question": "Why?"}], user_name="cllr.smith", user_role="viewer")
    with pytest.raises(PermissionError):
        save_recommendations(store, PARTNERSHIP, [], user_name="cllr.smith", user_role="viewer")
    with pytest.raises(PermissionError):
        save_questions(store, MEETING, [], user_name="x", user_role="superuser")
    assert store_checksums(store) == before


def test_invalid_questions_are_refused_with_every_reason(store: Store) -> None:
    before = store_checksums(store)
    with pytest.raises(EditError) as caught:
        save_questions(store, MEETING, [{"question": "  "}, {"question": "Fine?", "framing": "shout at"}],
                       user_name="jo", user_role="editor")
    assert caught.value.problems == [
        "Question 1 is empty: write the question or delete the row.",
        "Question 2 has framing 'shout at'; expected one of: hold to account, scrutinise performance, "
        "contribute to strategy.",
    ]
    with pytest.raises(EditError, match="no meeting 'NOPE'"):
        save_questions(store, "NOPE", [{"question": "Why?"}], user_name="jo", user_role="editor")
    assert store_checksums(store) == before


def test_recommendation_update_and_add_are_audited(store: Store) -> None:
    result = save_recommendations(store, PARTNERSHIP, [
        {"reference": "TST-R1", "meeting_id": "TST-M1", "recommendation": "Report knife crime outcomes by ward at "
         "each meeting", "lead_partner": "Gwent Police", "response": "Ward table from September",
         "due_date": "2025-09-17", "status": "Slipped"},
    ], user_name="jo.manager", user_role="editor")
    added = save_recommendations(store, PARTNERSHIP, [
        {"reference": "TST-R4", "meeting_id": "TST-M3", "recommendation": "Renew the information-sharing protocol",
         "lead_partner": "TST_COUNCIL", "due_date": date(2025, 10, 1), "status": "on track"},
    ], user_name="jo.manager", user_role="editor", adding=True)
    assert result.changed == ["TST-R1"] and added.added == ["TST-R4"]
    rows = dict((r[0], r[1:]) for r in _rows(
        store, "SELECT reference, lead_partner, response, due_date, status FROM recommendation"
               " WHERE partnership_code = ?", [PARTNERSHIP]))
    assert rows["TST-R1"] == ("TST_POLICE", "Ward table from September", date(2025, 9, 17), "slipped")
    assert rows["TST-R4"] == ("TST_COUNCIL", None, date(2025, 10, 1), "on track")
    assert len(rows) == 4  # TST-R2 and TST-R3 untouched, none deleted
    audit = _rows(store, "SELECT field, old_value, new_value, user_name FROM edit_audit"
                         " WHERE entity = 'recommendation' AND entity_id = 'TST-R1' ORDER BY field", [])
    assert audit == [("due_date", "2025-03-01", "2025-09-17", "jo.manager"),
                     ("response", "Accepted", "Ward table from September", "jo.manager"),
                     ("status", "on track", "slipped", "jo.manager")]


def test_invalid_recommendations_are_refused(store: Store) -> None:
    before = store_checksums(store)
    with pytest.raises(EditError) as caught:
        save_recommendations(store, PARTNERSHIP, [
            {"reference": "TST-R1", "recommendation": "x", "status": "done", "due_date": "next week",
             "lead_partner": "Nobody", "meeting_id": "TST-M9"},
            {"reference": None, "recommendation": "y", "status": "on track"},
        ], user_name="jo", user_role="editor")
    problems = caught.value.problems
    assert "Recommendation TST-R1: status 'done' is not one of achieved, on track, slipped, not achieved." in problems
    assert any("due date 'next week' is not a date" in p for p in problems)
    assert "Recommendation TST-R1: lead partner 'Nobody' is not a known partner code or name." in problems
    assert "Recommendation TST-R1: meeting 'TST-M9' is not one of this partnership's meetings." in problems
    assert any(p.startswith("Row 2 has no reference") for p in problems)
    assert store_checksums(store) == before


def _recommendations(store: Store) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in _rows(store, "SELECT reference, recommendation, response, due_date, status"
                                              " FROM recommendation WHERE partnership_code = ?", [PARTNERSHIP])}


def test_an_edited_reference_is_refused_not_added_as_a_new_recommendation(store: Store) -> None:
    """The failure: editing a reference in the tracker silently added a second recommendation."""
    before = _recommendations(store)
    held = before["TST-R1"]
    with pytest.raises(EditError, match="To change a reference use 'Rename a reference'"):
        save_recommendations(store, PARTNERSHIP, [
            {"reference": "TST-R1-renamed", "recommendation": held[0], "response": held[1], "due_date": held[2],
             "status": held[3]}], user_name="jo", user_role="editor")
    assert _recommendations(store) == before


def test_rename_keeps_the_recommendation_and_is_audited(store: Store) -> None:
    before = _recommendations(store)
    rename_recommendation(store, PARTNERSHIP, "TST-R1", "TST-R-2025-01", user_name="jo", user_role="editor")
    after = _recommendations(store)
    assert len(after) == len(before) and "TST-R1" not in after
    assert after["TST-R-2025-01"] == before["TST-R1"]  # same text, response, due date and status
    assert _rows(store, "SELECT field, old_value, new_value FROM edit_audit WHERE entity = 'recommendation'"
                        " AND entity_id = 'TST-R-2025-01'", []) == [("reference", "TST-R1", "TST-R-2025-01")]
    with pytest.raises(EditError, match="already used"):
        rename_recommendation(store, PARTNERSHIP, "TST-R2", "TST-R-2025-01", user_name="jo", user_role="editor")
    with pytest.raises(PermissionError):
        rename_recommendation(store, PARTNERSHIP, "TST-R2", "X", user_name="cllr", user_role="viewer")


def test_adding_an_existing_reference_is_refused(store: Store) -> None:
    with pytest.raises(EditError, match="already held"):
        save_recommendations(store, PARTNERSHIP, [{"reference": "TST-R1", "recommendation": "x",
                                                   "status": "on track"}],
                             user_name="jo", user_role="editor", adding=True)


def test_trigger_added_edited_and_closed_with_audit(store: Store) -> None:
    held = _rows(store, "SELECT count(*) FROM community_trigger WHERE partnership_code = ?", [PARTNERSHIP])[0][0]
    added = save_trigger(store, PARTNERSHIP, {"kind": "Community Trigger", "received_date": "2026-11-02",
                                              "threshold_met": True}, user_name="jo", user_role="editor")
    [case_id] = added.added
    assert case_id.endswith("-2026-" + f"{int(case_id[-2:]):02d}") and "-CT-" in case_id
    assert _rows(store, "SELECT count(*) FROM community_trigger WHERE partnership_code = ?",
                 [PARTNERSHIP])[0][0] == held + 1
    save_trigger(store, PARTNERSHIP, {"case_id": case_id, "kind": "Community Trigger", "received_date": "2026-11-02",
                                      "threshold_met": True, "outcome": "Case review held; mediation agreed",
                                      "resolved_date": "2026-11-20"}, user_name="sam", user_role="editor")
    assert _rows(store, "SELECT outcome, resolved_date FROM community_trigger WHERE case_id = ?", [case_id]) == [
        ("Case review held; mediation agreed", date(2026, 11, 20))]
    audit = _rows(store, "SELECT user_name, field, old_value, new_value FROM edit_audit WHERE entity = 'trigger'"
                         " AND entity_id = ? ORDER BY audit_id", [case_id])
    assert audit == [("jo", "kind", None, "Community Trigger"), ("jo", "received_date", None, "2026-11-02"),
                     ("jo", "threshold_met", None, "True"),
                     ("sam", "outcome", None, "Case review held; mediation agreed"),
                     ("sam", "resolved_date", None, "2026-11-20")]


def test_invalid_trigger_is_refused_and_nothing_changes(store: Store) -> None:
    before = store_checksums(store)
    with pytest.raises(EditError) as caught:
        save_trigger(store, PARTNERSHIP, {"kind": "Complaint", "received_date": "2026-11-02",
                                          "resolved_date": "2026-10-01"}, user_name="jo", user_role="editor")
    assert any("Kind 'Complaint'" in p for p in caught.value.problems)
    assert any("before the received date" in p for p in caught.value.problems)
    with pytest.raises(PermissionError):
        save_trigger(store, PARTNERSHIP, {"kind": "CCfA", "received_date": "2026-11-02"},
                     user_name="cllr", user_role="viewer")
    assert store_checksums(store) == before
