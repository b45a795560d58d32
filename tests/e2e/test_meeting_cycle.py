"""In the real browser at 1366 px, as a CSP manager new to the dashboard: record a trigger by file without losing
the log, see a replacing load stop for a confirmation, read the tables without scrolling sideways, and see the
judging date explained."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from cspdash.store.versions import Store
from tests.e2e.conftest import free_port, screenshot, start_streamlit, wait_for_app

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
CAERPHILLY = "W06000018"


def _count(store_file: Path, sql: str) -> int:
    con = duckdb.connect(str(Store(store_file).current_version()), read_only=True)
    try:
        return int(con.execute(sql).fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


def _sideways(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Tables whose grid scrolls sideways (wider than the space they have)."""
    return page.evaluate("""() => [...document.querySelectorAll("[data-testid='stDataFrame'] .dvn-scroller")]
        .filter(s => s.scrollWidth > s.clientWidth + 2).map(s => `${s.scrollWidth} > ${s.clientWidth}`)""")


def test_loads_keep_records_and_replacements_wait_for_confirmation(demo_store_path: Path, tmp_path: Path,
                                                                    browser) -> None:  # type: ignore[no-untyped-def]
    store_file = tmp_path / "live.duckdb"
    shutil.copyfile(Store(demo_store_path).current_version(), store_file)  # type: ignore[arg-type]
    triggers = tmp_path / "community_triggers.csv"
    triggers.write_text("Case ID,Partnership code,Kind,Received date,Threshold met?,Outcome,Resolved date\n"
                        f"CAE-CT-2026-01,{CAERPHILLY},Community Trigger,2026-11-02,Yes,,\n", encoding="utf-8")
    actions = tmp_path / "actions.csv"
    actions.write_text("Action ID,Priority ID,Action title,Owner partner,Status,% complete\n"
                       "CAE-P1-A1,CAE-P1,Hot-spot patrols,GWENT_POLICE,Green,50\n", encoding="utf-8")
    held_cases = _count(store_file, f"SELECT count(*) FROM community_trigger WHERE partnership_code = '{CAERPHILLY}'")
    held_actions = _count(store_file, "SELECT count(*) FROM action WHERE priority_id LIKE 'CAE-%'")
    port = free_port()
    proc = start_streamlit(ROOT / "dashboard.py", {**os.environ, "CSPDASH_DB": str(store_file)}, port)
    try:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/data")
        wait_for_app(page)
        uploader = page.locator("[data-testid='stFileUploader'] input[type='file']")
        uploader.set_input_files(str(triggers))
        page.get_by_role("button", name="Load these files").click()
        page.get_by_text("The dashboard now shows the new data.").wait_for(timeout=90_000)
        assert page.get_by_text("1 added, 0 updated, 12 kept").count() >= 1
        assert _count(store_file, "SELECT count(*) FROM community_trigger WHERE partnership_code = "
                                  f"'{CAERPHILLY}'") == held_cases + 1
        screenshot(page, "data-trigger-file-merged")
        uploader.set_input_files(str(actions))
        page.get_by_role("button", name="Load these files").click()
        page.get_by_text("Nothing has been loaded yet.").wait_for(timeout=90_000)
        assert page.get_by_text("CAE-P2-A1").count() >= 1  # which actions would go
        screenshot(page, "data-replacement-needs-confirmation")
        assert _count(store_file, "SELECT count(*) FROM action WHERE priority_id LIKE 'CAE-%'") == held_actions
        page.get_by_role("button", name="Replace them").click()
        page.get_by_text("The dashboard now shows the new data.").wait_for(timeout=90_000)
        assert _count(store_file, "SELECT count(*) FROM action WHERE priority_id LIKE 'CAE-%'") == 1
        context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("path", ["priorities", "partners", "meeting"])
def test_tables_fit_at_1366_px(path: str, demo_store_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    proc = start_streamlit(ROOT / "dashboard.py", {**os.environ, "CSPDASH_DB": str(demo_store_path)}, port)
    try:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        wait_for_app(page)
        page.goto(f"http://127.0.0.1:{port}/{path}?csp={CAERPHILLY}")
        wait_for_app(page)
        page.locator("[data-testid='stDataFrame']").first.wait_for(state="attached", timeout=90_000)  # may sit in a closed expander
        page.wait_for_timeout(3000)
        for expander in page.locator("[data-testid='stExpander'] summary").all():
            expander.click()  # open every expander so its tables are drawn too
        page.wait_for_timeout(2000)
        screenshot(page, f"{path}-caerphilly-1366")
        assert page.locator("[data-testid='stDataFrame']").count() >= 2
        assert _sideways(page) == []
        if path == "priorities":
            assert page.get_by_text("Statuses are judged as at").count() >= 1
        context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
