"""In the real browser: an analyst uploads a new police.uk month while the dashboard runs; it appears at once."""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from cspdash.config import DEMO_DIR
from cspdash.store.versions import Store
from tests.e2e.conftest import new_context, open_app, screenshot, start_streamlit

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def _new_month_file(tmp_path: Path) -> tuple[Path, int]:
    """A July 2025 street file made from June 2025's rows (the demo ends at June 2025)."""
    with zipfile.ZipFile(DEMO_DIR / "police_uk_gwent.zip") as archive:
        june = archive.read("2025-06/2025-06-gwent-street.csv").decode("utf-8")
    lines = june.splitlines()
    rows = [line.replace(",2025-06,", ",2025-07,", 1) for line in lines[1:]]
    target = tmp_path / "2025-07-gwent-street.csv"
    target.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    return target, len(rows)


@contextmanager
def _data_page(demo_store_path: Path, tmp_path: Path, browser: Any) -> Iterator[tuple[Any, int, Path]]:
    """(page on the Data page, port, store file) of a server on a copy of the demo store, stopped after."""
    from tests.e2e.conftest import free_port

    store_file = tmp_path / "live.duckdb"
    shutil.copyfile(Store(demo_store_path).current_version(), store_file)  # type: ignore[arg-type]
    port = free_port()
    proc = start_streamlit(ROOT / "dashboard.py", {**os.environ, "CSPDASH_DB": str(store_file)}, port)
    try:
        context = new_context(browser)
        page = context.new_page()
        open_app(page, f"http://127.0.0.1:{port}/")
        open_app(page, f"http://127.0.0.1:{port}/data")
        yield page, port, store_file
        context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_upload_new_month_shows_without_restart(demo_store_path: Path, tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    upload, rows = _new_month_file(tmp_path)
    with _data_page(demo_store_path, tmp_path, browser) as (page, port, _store_file):
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(upload))
        page.get_by_role("button", name="Load these files").click()
        page.get_by_text("The dashboard now shows the new data.").wait_for()
        assert page.get_by_text(f"{rows:,} rows read, {rows:,} loaded, 0 rejected").count() >= 1
        screenshot(page, "data-after-upload")
        # the same running server now offers July 2025 as the period end, with no restart
        open_app(page, f"http://127.0.0.1:{port}/?end=2025-07")
        page.get_by_text("Aug 2024 – Jul 2025").first.wait_for()  # 12 months ending Jul 2025
        screenshot(page, "overview-after-upload")


def _plan_without_one_action(tmp_path: Path) -> tuple[Path, str]:
    """The sample plan workbook with its last action and that action's progress rows removed (loading it would remove
    the action)."""
    from openpyxl import load_workbook

    book = load_workbook(DEMO_DIR / "action_plan_sample.xlsx")
    sheet = book["Actions"]
    removed = str(sheet.cell(sheet.max_row, 1).value)
    sheet.delete_rows(sheet.max_row)
    progress = book["Progress"]  # and its progress rows (a row for an action the file removes is refused)
    for row in range(progress.max_row, 1, -1):
        if str(progress.cell(row, 1).value) == removed:
            progress.delete_rows(row)
    target = tmp_path / "action_plan_one_fewer.xlsx"
    book.save(target)
    return target, removed


def test_a_second_click_on_replace_still_loads_and_says_so(demo_store_path: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                          browser) -> None:
    """Found by an analyst: clicking "Replace them" again while the first click was being handled loaded nothing
    and showed nothing (the confirmation was gone, no "Loaded", no error). Both clicks now end in one load."""
    workbook, removed = _plan_without_one_action(tmp_path)
    with _data_page(demo_store_path, tmp_path, browser) as (page, _port, store_file):
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(workbook))
        page.get_by_role("button", name="Load these files").click()
        replace = page.get_by_role("button", name="Replace them")
        replace.wait_for()
        replace.click()
        page.wait_for_timeout(500)
        if replace.count():  # the second click, while the first is being handled
            replace.click(timeout=2000)
        for _ in range(240):  # until the last run has finished: what the page says in the end is what counts
            page.wait_for_timeout(500)
            if page.locator("[data-testid='stStatusWidget']").count() == 0:
                break
        page.wait_for_timeout(1000)
        screenshot(page, "data-after-double-replace")
        assert page.get_by_text("The dashboard now shows the new data.").count() == 1, page.inner_text("main")[-1500:]
    con = Store(store_file).connect_read()
    try:
        assert con.execute("SELECT count(*) FROM action WHERE action_id = ?", [removed]).fetchone() == (0,)
    finally:
        con.close()
