"""A load while 10 browser sessions use the dashboard: no errors, and readers see the old data or the new, never half.

The dashboard serves a writable copy of the demo store. Ten browser contexts open different pages; while they
render and keep reloading, `python -m cspdash load` republishes June 2025 for Gwent with 40 Newport crimes
removed. Every reading of the Overview's "All crime (excl. ASB)" tile must be the old total or the old total
minus 40; afterwards every page shows the new total; no page ever shows an exception or error.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cspdash.store.versions import Store
from tests.e2e.conftest import (
    CHROMIUM,
    ROOT,
    free_port,
    log_tail,
    new_context,
    screenshot,
    server_log,
    start_streamlit,
    wait_for_app,
)

pytestmark = pytest.mark.e2e

DEMO_ZIP = ROOT / "data" / "demo" / "police_uk_gwent.zip"
MONTH = "2025-06"
REMOVED = 40
OTHER_PAGES = ["trends", "hotspots", "priorities", "partners", "meeting", "data"]


def _june_without_some_newport_crimes(folder: Path) -> Path:
    """June 2025's street file with the first REMOVED Newport crimes (not ASB) left out."""
    with zipfile.ZipFile(DEMO_ZIP) as archive:
        name = next(n for n in archive.namelist() if n.endswith(f"{MONTH}-gwent-street.csv"))
        text = archive.read(name).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    lsoa_name, crime_type = header.index("LSOA name"), header.index("Crime type")
    kept, dropped = [], 0
    for row in body:
        if dropped < REMOVED and row[lsoa_name].startswith("Newport") and row[crime_type] != "Anti-social behaviour":
            dropped += 1
            continue
        kept.append(row)
    assert dropped == REMOVED
    target = folder / f"{MONTH}-gwent-street.csv"
    with target.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *kept])
    return target


def _tile(page) -> int:  # type: ignore[no-untyped-def]
    """The Overview's first tile (all recorded crime excluding ASB) as a number."""
    value = page.locator(".cspdash-tiles .tile-value").first
    try:
        value.wait_for()
    except Exception as error:  # say what the page showed instead
        screenshot(page, "concurrency_no_tile")
        text = page.locator("body").inner_text()[:1500]
        raise AssertionError(f"no tile on {page.url}: {error}\n{text}") from None
    return int(value.inner_text().replace(",", "").strip())


def _problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Exception elements and error alerts on the page."""
    found = [f"exception: {t[:200]}" for t in page.locator("[data-testid='stException']").all_inner_texts()]
    for alert in page.locator("[data-testid='stAlertContentError']").all_inner_texts():
        found.append(f"error: {alert[:200]}")
    return found


def test_load_while_ten_sessions_read(writable_demo_store: Store, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Old or new total in every reading, the new total after the load, and no errors anywhere."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed")
    store = writable_demo_store
    changed_month = _june_without_some_newport_crimes(tmp_path)
    port = free_port()
    env = {**os.environ, "CSPDASH_DB": str(store.path), "CSPDASH_USERS": ""}
    server = start_streamlit(ROOT / "dashboard.py", env, port)
    app = f"http://127.0.0.1:{port}"
    contexts = [new_context(browser) for _ in range(10)]
    try:
        pages = [context.new_page() for context in contexts]
        paths = [""] * 4 + OTHER_PAGES  # four readers on the Overview (the number), six on other pages
        overview = pages[:4]
        for page in overview:
            page.goto(app, wait_until="commit")
        for page in overview:
            wait_for_app(page)
        old = _tile(overview[0])
        new = old - REMOVED
        readings = [_tile(page) for page in overview]
        assert set(readings) == {old}

        load_log = tmp_path / "load.log"  # a file, not pipes read only at the end (a full pipe blocks the load)
        with open(load_log, "wb") as sink:
            load = subprocess.Popen([sys.executable, "-m", "cspdash", "--db", str(store.path), "load",
                                     str(changed_month), "--user", "analyst"], cwd=ROOT,
                                    stdout=sink, stderr=subprocess.STDOUT)
        for page, path in zip(pages, paths, strict=True):  # every session renders while the load runs
            if path:
                page.goto(f"{app}/{path}", wait_until="commit")
            else:
                page.reload(wait_until="commit")
        problems: list[str] = []
        rounds = 0
        while True:
            rounds += 1
            for page in overview:
                wait_for_app(page)
                readings.append(_tile(page))
            if load.poll() is not None:
                break
            for page in overview:
                page.reload(wait_until="commit")
        load.wait(timeout=60)
        out = err = load_log.read_text(errors="replace")
        assert load.returncode == 0, err[-2000:]
        assert f"{MONTH}-gwent-street.csv" in out and "replaced" in out

        for page in pages:
            page.reload(wait_until="commit")
        for page, path in zip(pages, paths, strict=True):
            wait_for_app(page)
            problems.extend(f"/{path}: {p}" for p in _problems(page))
        final = [_tile(page) for page in overview]
        if problems:
            screenshot(pages[0], "concurrency_problem")
            problems.append("server log (tail):\n" + log_tail(server_log(port), 6000))
        assert not problems, "\n".join(problems[:20])
        assert set(readings) <= {old, new}, f"a reader saw a half-loaded total: {sorted(set(readings))}"
        assert final == [new] * 4
        assert rounds >= 1 and len(readings) >= 8
    finally:
        for context in contexts:
            context.close()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
