"""'Prepare for a meeting' in AppTest on the demo store plus the meeting fixture: pick, edit, save, audit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cspdash.store.versions import Store
from cspdash.ui.auth import User
from tests.report.meeting_fixture import MEETING, PARTNERSHIP

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
EDITOR = User(name="jo.manager", role="editor")
VIEWER = User(name="cllr.smith", role="viewer")


@pytest.fixture()
def store(meeting_store_copy: Store) -> Store:
    """A private store with the meeting fixture (the tests write to it)."""
    return meeting_store_copy


def raw(store: Store, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    """An independent query on the live version (configured like the app's connection)."""
    con = store.connect_read()
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def open_page(store: Store, use_store: Callable[[Path], None], user: User, meeting: str = MEETING) -> AppTest:
    """The dashboard on ``store`` switched to the meeting page, partnership and meeting chosen by the URL."""
    use_store(store.path)
    at = AppTest.from_file(DASHBOARD, default_timeout=240)
    at.query_params.update({"csp": PARTNERSHIP, "meeting": meeting})
    at.session_state["cspdash_user"] = user
    at.run()
    at.switch_page("pages/meeting.py").run()
    assert not at.exception, at.exception
    return at


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def test_pick_meeting_shows_what_changed_since_the_previous(store: Store, use_store) -> None:  # type: ignore[no-untyped-def]
    at = open_page(store, use_store, VIEWER, meeting="TST-M2")
    assert "Nov 2024 – Feb 2025" in _markdown(at)  # M2 (19 Mar 2025) looks back to M1 (20 Nov 2024)
    at.selectbox(key="flt_meeting").set_value(MEETING).run()
    assert not at.exception
    text = _markdown(at)
    assert "Mar 2025 – Jun 2025" in text and "since the previous meeting on 19 March 2025" in text
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Overdue recommendations"] == "1"
    assert "TST-R1 (Gwent Police): Report knife crime outcomes by ward at each meeting" in text
    headers = [h.value for h in at.header]
    assert headers[:3] == ["What changed since the previous meeting", "Questions to ask", "Action plan on the meeting date"]
    # viewers read but cannot save
    assert not [b for b in at.button if b.key in ("q_adopt", "rec_save")]
    assert at.query_params["meeting"] in (MEETING, [MEETING])


def test_editor_saves_then_edits_a_question_with_audit(store: Store, use_store) -> None:  # type: ignore[no-untyped-def]
    at = open_page(store, use_store, EDITOR)
    at.button(key="q_adopt").click().run()
    assert not at.exception, at.exception
    saved = raw(store, "SELECT question_id, question FROM meeting_question WHERE meeting_id = ? ORDER BY position",
                [MEETING])
    assert len(saved) >= 5 and saved[0][0] == "TST-M3-Q001"
    assert saved[0][1].startswith("What is Gwent Police doing to bring the priority")
    # the questions read as a numbered list that wraps, not as grid cells cut off at the right
    at = open_page(store, use_store, EDITOR)
    assert any(m.value.startswith("1. What is Gwent Police doing") for m in at.markdown)
    # edit the first question's text and move it to the end, delete the second, in the edit form
    at.text_area(key="q_text_TST-M3-Q001").input("By what date will knife crime work be back on track?")
    at.number_input(key="q_pos_TST-M3-Q001").set_value(99)
    at.checkbox(key="q_del_TST-M3-Q002").check()
    at.button(key="q_save").click().run()
    assert not at.exception, at.exception
    after = raw(store, "SELECT question_id, position, question, edited_by FROM meeting_question"
                       " WHERE meeting_id = ? ORDER BY position", [MEETING])
    assert len(after) == len(saved) - 1
    assert after[-1][0] == "TST-M3-Q001" and after[-1][1] == len(after)
    assert after[-1][2] == "By what date will knife crime work be back on track?" and after[-1][3] == "jo.manager"
    assert "TST-M3-Q002" not in {r[0] for r in after}
    audit = raw(store, "SELECT user_name, field, new_value FROM edit_audit WHERE entity = 'question'"
                       " AND entity_id = 'TST-M3-Q001' AND field = 'question'")
    assert ("jo.manager", "question", "By what date will knife crime work be back on track?") in audit


def test_editor_updates_a_recommendation(store: Store, use_store) -> None:  # type: ignore[no-untyped-def]
    at = open_page(store, use_store, EDITOR)
    editor = [d for d in at.dataframe if d.key == f"rec_editor_{PARTNERSHIP}"]
    assert editor and list(editor[0].value["reference"]) == ["TST-R3", "TST-R1", "TST-R2"]
    at.session_state[f"rec_editor_{PARTNERSHIP}"] = {
        "edited_rows": {1: {"status": "achieved", "response": "Ward table in every report from July"}},
        "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="rec_save").click().run()
    assert not at.exception, at.exception
    assert raw(store, "SELECT status, response FROM recommendation WHERE reference = 'TST-R1'") == [
        ("achieved", "Ward table in every report from July")]
    audit = raw(store, "SELECT user_name, user_role, field, old_value, new_value FROM edit_audit"
                       " WHERE entity = 'recommendation' ORDER BY field")
    assert audit == [("jo.manager", "editor", "response", "Accepted", "Ward table in every report from July"),
                     ("jo.manager", "editor", "status", "on track", "achieved")]
    # achieved: no longer overdue on the page
    assert {m.label: m.value for m in at.metric}["Overdue recommendations"] == "0"


def test_page_without_meetings_says_how_to_add_them(demo_store_path: Path, use_store) -> None:  # type: ignore[no-untyped-def]
    use_store(demo_store_path)
    at = AppTest.from_file(DASHBOARD, default_timeout=240)
    at.query_params.update({"csp": "W06000019"})
    at.run()
    at.switch_page("pages/meeting.py").run()
    assert not at.exception, at.exception
    if not raw(Store(demo_store_path), "SELECT 1 FROM meeting WHERE partnership_code = 'W06000019'"):
        assert any("No meetings are recorded" in i.value for i in at.info)


def test_editor_records_updates_and_closes_a_trigger(store: Store, use_store) -> None:  # type: ignore[no-untyped-def]
    before = raw(store, "SELECT count(*) FROM community_trigger WHERE partnership_code = ?", [PARTNERSHIP])[0][0]
    at = open_page(store, use_store, EDITOR)
    at.text_area(key="trigger_outcome_new").input("Complaints about a park; case review booked")
    at.button(key="trigger_save_new").click().run()
    assert not at.exception, at.exception
    after = raw(store, "SELECT case_id, outcome, resolved_date FROM community_trigger WHERE partnership_code = ?"
                       " ORDER BY received_date DESC, case_id DESC", [PARTNERSHIP])
    assert len(after) == before + 1  # recorded one; none replaced
    case_id = next(c for c, outcome, _r in after if outcome == "Complaints about a park; case review booked")
    at = open_page(store, use_store, EDITOR)
    at.selectbox(key="trigger_pick").set_value(case_id).run()
    at.text_area(key=f"trigger_outcome_{case_id}").input("Case review held; mediation agreed")
    import datetime as dt
    at.date_input(key=f"trigger_resolved_{case_id}").set_value(dt.date.today())
    at.button(key=f"trigger_save_{case_id}").click().run()
    assert not at.exception, at.exception
    assert raw(store, "SELECT outcome, resolved_date FROM community_trigger WHERE case_id = ?", [case_id]) == [
        ("Case review held; mediation agreed", dt.date.today())]
    fields = {r[0] for r in raw(store, "SELECT field FROM edit_audit WHERE entity = 'trigger' AND entity_id = ?",
                                [case_id])}
    assert {"kind", "received_date", "outcome", "resolved_date"} <= fields


def test_editor_renames_a_recommendation_without_adding_one(store: Store, use_store) -> None:  # type: ignore[no-untyped-def]
    before = raw(store, "SELECT reference, recommendation, response, due_date, status FROM recommendation"
                        " WHERE partnership_code = ? ORDER BY reference", [PARTNERSHIP])
    at = open_page(store, use_store, EDITOR)
    at.selectbox(key="rec_rename_old").set_value("TST-R1")
    at.text_input(key="rec_rename_new").input("TST-R-2025-01")
    at.button(key="rec_rename").click().run()
    assert not at.exception, at.exception
    after = raw(store, "SELECT reference, recommendation, response, due_date, status FROM recommendation"
                       " WHERE partnership_code = ? ORDER BY reference", [PARTNERSHIP])
    assert len(after) == len(before)
    old = next(r for r in before if r[0] == "TST-R1")
    assert ("TST-R-2025-01", *old[1:]) in after and not any(r[0] == "TST-R1" for r in after)


def test_a_refused_rename_says_why_and_changes_nothing(store: Store, use_store) -> None:  # type: ignore[no-untyped-def]
    before = raw(store, "SELECT reference, recommendation FROM recommendation ORDER BY reference")
    taken = next(ref for ref, _text in before if ref != "TST-R1")
    at = open_page(store, use_store, EDITOR)
    at.selectbox(key="rec_rename_old").set_value("TST-R1")
    at.text_input(key="rec_rename_new").input(taken)
    at.button(key="rec_rename").click().run()
    assert not at.exception, at.exception
    assert any(f"Reference '{taken}' is already used" in e.value for e in at.error)
    assert raw(store, "SELECT reference, recommendation FROM recommendation ORDER BY reference") == before
    assert not raw(store, "SELECT 1 FROM edit_audit WHERE entity = 'recommendation' AND field = 'reference'")


def test_public_output_lists_no_trigger_case_and_hides_small_counts(store: Store, use_store,  # type: ignore[no-untyped-def]
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """In public output the page, like the pack, lists no Community Trigger case and prints counts of 1-4 as
    '<5': a list of cases (or 'N cases recorded') would give away the counts the quarter table hides."""
    from cspdash.report.briefing_text import TRIGGER_LOG_LEFT_OUT

    monkeypatch.setenv("CSPDASH_PUBLIC_OUTPUT", "1")
    ids = [r[0] for r in raw(store, "SELECT case_id FROM community_trigger WHERE partnership_code = ?", [PARTNERSHIP])]
    assert ids
    at = open_page(store, use_store, VIEWER)
    assert TRIGGER_LOG_LEFT_OUT in _markdown(at)
    assert "cases recorded" not in _markdown(at) and "case recorded" not in _markdown(at)
    shown = "\n".join(frame.value.to_csv() for frame in at.dataframe)
    assert not [case for case in ids if case in shown]
    quarters = next(f.value for f in at.dataframe if "Median days to resolve" in f.value.columns)
    cases = quarters["Cases"].astype(str)
    assert cases.str.fullmatch(r"<5|\d{1,3}(,\d{3})*").all()
    assert not cases.isin(["1", "2", "3", "4"]).any() and (cases == "<5").any()
