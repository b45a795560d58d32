"""The action-plan page on the Gwent demo store (SAMPLE plan): what renders, interactions, and in-app edits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cspdash.analysis.rag import PRIORITY_RULE_TEXT, RAG_STATUSES
from cspdash.store.versions import Store
from cspdash.ui.auth import User
from tests.conftest import table_checksums

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
NEWPORT, CAERPHILLY = "W06000022", "W06000018"
BADGES = {f"{s.icon} {s.label}" for s in RAG_STATUSES.values()}


def raw(store_path: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    """An independent query on a fresh connection (configured like the app's, as DuckDB requires in one process)."""
    con = Store(store_path).connect_read()
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def checksums(store_path: Path) -> dict[str, tuple[int, int]]:
    """Row counts and hashes of every table, read like raw()."""
    con = Store(store_path).connect_read()
    try:
        return table_checksums(con)
    finally:
        con.close()


def open_page(store_path: Path, use_store: Callable[[Path], None], user: User | None = None,
              query: dict[str, str] | None = None) -> AppTest:
    """The dashboard on ``store_path``, switched to the action-plan page.

    Streamlit 1.67's AppTest does not apply set_value to the shared sidebar drawn before st.navigation, so the
    partnership is chosen the way a shared link chooses it: through the URL.
    """
    use_store(store_path)
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    at.query_params.update(query or {})
    if user is not None:
        at.session_state["cspdash_user"] = user
    at.run()
    at.switch_page("pages/priorities.py").run()
    assert not at.exception, at.exception
    return at


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page that has ``column``."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


@pytest.fixture()
def page(demo_store_path: Path, use_store: Callable[[Path], None]) -> AppTest:
    """The action-plan page on the shared demo store."""
    return open_page(demo_store_path, use_store)


def test_every_priority_with_lead_status_symbol_and_rule(page: AppTest, demo_store_path: Path) -> None:
    expected = raw(demo_store_path, "SELECT p.title, pa.partner_name FROM priority p JOIN partner pa "
                                    "ON pa.partner_code = p.lead_partner WHERE partnership_code = ? "
                                    "ORDER BY priority_id", [NEWPORT])
    shown = table_with(page, "Why this status")
    assert list(zip(shown["Priority"], shown["Lead partner"], strict=True)) == expected
    assert set(shown["Status"]) <= BADGES  # symbol and word, never colour alone
    assert all(reason.strip() for reason in shown["Why this status"])
    captions = " ".join(c.value for c in page.caption)
    assert PRIORITY_RULE_TEXT in captions and "✖ **Red** = significant issues" in captions
    assert any("SAMPLE plan" in w.value for w in page.warning)
    assert [m.label for m in page.metric] == ["Actions on track or complete", "Overdue actions", "Slipping actions",
                                              "Partner cash, all years"]
    funding = raw(demo_store_path, "SELECT sum(amount_gbp) FROM partner_contribution WHERE partnership_code = ? "
                                   "AND kind = 'funding'", [NEWPORT])[0][0]
    assert next(m.value for m in page.metric if m.label.startswith("Partner cash")) == f"£{funding:,.0f}"
    assert any(b.label.startswith("Download priorities") for b in page.get("download_button"))


def test_choose_partnership_shows_its_plan(demo_store_path: Path, use_store: Callable[[Path], None]) -> None:
    page = open_page(demo_store_path, use_store, query={"csp": CAERPHILLY})
    assert any("Caerphilly" in c.value for c in page.caption)  # the page header names the partnership
    titles = [t for (t,) in raw(demo_store_path, "SELECT title FROM priority WHERE partnership_code = ? "
                                                 "ORDER BY priority_id", [CAERPHILLY])]
    assert titles, "the demo plan has Caerphilly priorities"
    assert table_with(page, "Why this status")["Priority"].tolist() == titles


def test_choose_priority_shows_its_actions_and_history(page: AppTest, demo_store_path: Path) -> None:
    second = raw(demo_store_path, "SELECT priority_id, title FROM priority WHERE partnership_code = ? "
                                  "ORDER BY priority_id LIMIT 1 OFFSET 1", [NEWPORT])[0]
    page.selectbox(key="flt_priority").set_value(second[0]).run()
    assert not page.exception
    assert second[1] in [h.value for h in page.subheader]
    actions = [a for (a,) in raw(demo_store_path, "SELECT action_id FROM action WHERE priority_id = ? "
                                                  "ORDER BY action_id", [second[0]])]
    shown = next(df.value for df in page.dataframe if "Action ID" in df.value.columns
                 and set(df.value["Action ID"]) == set(actions))
    assert set(shown["RAG (by rule)"]) <= BADGES and set(shown["Reported"]) <= BADGES
    assert any(f"rag history {second[0].lower()}" in b.label.lower() for b in page.get("download_button"))


def test_changes_since_a_chosen_date(page: AppTest, demo_store_path: Path) -> None:
    page.selectbox(key="flt_since").set_value("date").run()
    since = dt.date(2025, 4, 1)
    page.date_input(key="since_date_input").set_value(since).run()
    assert not page.exception
    updated = raw(demo_store_path, "SELECT count(DISTINCT u.action_id) FROM progress_update u JOIN action a "
                                   "USING (action_id) JOIN priority p USING (priority_id) "
                                   "WHERE p.partnership_code = ? AND u.update_date > ?", [NEWPORT, since])[0][0]
    assert any(m.value.startswith(f"Since **01 Apr 2025**: {updated} actions updated") for m in page.markdown)
    assert len(table_with(page, "Then")) == updated


def test_changes_since_a_meeting(page: AppTest, demo_store_path: Path) -> None:
    meeting_id, day = raw(demo_store_path, "SELECT meeting_id, meeting_date FROM meeting WHERE partnership_code = ? "
                                           "ORDER BY meeting_date LIMIT 1", [NEWPORT])[0]
    page.selectbox(key="flt_since").set_value(meeting_id).run()
    assert not page.exception
    assert any(m.value.startswith(f"Since **{day:%d %b %Y}**") for m in page.markdown)  # type: ignore[str-format]


def _first_action(store_path: Path) -> str:
    return str(raw(store_path, "SELECT min(action_id) FROM action a JOIN priority p USING (priority_id) "
                               "WHERE p.partnership_code = ? AND p.priority_id = (SELECT min(priority_id) FROM "
                               "priority WHERE partnership_code = ?)", [NEWPORT, NEWPORT])[0][0])


def test_editor_submits_an_update_and_sees_it(writable_demo_store: Store, use_store: Callable[[Path], None]) -> None:
    at = open_page(writable_demo_store.path, use_store, User("jo.manager", "editor"))
    action_id = _first_action(writable_demo_store.path)
    at.selectbox(key="edit_action").set_value(action_id).run()
    at.selectbox(key=f"edit_status_{action_id}").set_value("Red")
    at.number_input(key=f"edit_pct_{action_id}").set_value(15)
    at.text_area(key=f"edit_comment_{action_id}").input("Contractor withdrew; re-tendering in May")
    next(b for b in at.button if b.label == "Save update").click().run()
    assert not at.exception
    assert any(s.value.startswith(f"Saved: {action_id} is now ✖ Red, 15% complete (by jo.manager)")
               for s in at.success)
    shown = table_with(at, "Latest commentary").set_index("Action ID")
    assert shown.loc[action_id, "Reported"] == "✖ Red"
    assert shown.loc[action_id, "% complete"] == 15
    assert shown.loc[action_id, "Latest commentary"] == "Contractor withdrew; re-tendering in May"
    audit = table_with(at, "Old value")
    assert set(audit["Who"]) == {"jo.manager"} and set(audit["Field"]) >= {"status", "commentary"}
    # a restart: a new Store object and connection read the same
    assert raw(writable_demo_store.path, "SELECT status, pct_complete, updated_by FROM action WHERE action_id = ?",
               [action_id]) == [("Red", 15, "jo.manager")]


def test_commentary_is_required_in_the_form(writable_demo_store: Store, use_store: Callable[[Path], None]) -> None:
    at = open_page(writable_demo_store.path, use_store, User("jo.manager", "editor"))
    before = checksums(writable_demo_store.path)
    action_id = _first_action(writable_demo_store.path)
    at.selectbox(key="edit_action").set_value(action_id).run()
    at.selectbox(key=f"edit_status_{action_id}").set_value("Amber")
    at.text_area(key=f"edit_comment_{action_id}").input("   ")
    next(b for b in at.button if b.label == "Save update").click().run()
    assert any("Commentary is required when the status is Amber" in e.value for e in at.error)
    assert checksums(writable_demo_store.path) == before


def test_viewer_gets_no_edit_form(demo_store_path: Path, use_store: Callable[[Path], None]) -> None:
    at = open_page(demo_store_path, use_store, User("cllr.jones", "viewer"))
    assert not [b for b in at.button if b.label == "Save update"]
    assert any("editor role" in c.value for c in at.caption)
