"""Real browser: the meeting page on the demo store plus the meeting fixture; the PDF export downloads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, free_port, open_app, screenshot, start_streamlit, wait_for_app
from tests.report.meeting_fixture import MEETING, PARTNERSHIP, fixture_store_from

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def meeting_url(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard served on a private copy of the demo store with the meeting fixture."""
    store = fixture_store_from(demo_store_path, tmp_path_factory.mktemp("e2e_meeting"))
    port = free_port()
    proc = start_streamlit(ROOT / "dashboard.py", {**os.environ, "CSPDASH_DB": str(store.path)}, port)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


def test_meeting_page_renders_and_pack_downloads(page, meeting_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    open_app(page, meeting_url)
    open_app(page, f"{meeting_url}/meeting?csp={PARTNERSHIP}&meeting={MEETING}")
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("What changed since the previous meeting").first.wait_for()
    # the page streams in: read it once its last section is drawn and the run has finished
    main.get_by_text("Partnership health").first.wait_for()
    wait_for_app(page)
    body = main.inner_text()
    assert "Prepare for a meeting" in body
    assert "Mar 2025 – Jun 2025" in body and "Questions to ask" in body
    assert "Recommendations tracker" in body and "Partnership health" in body
    screenshot(page, "meeting_newport")

    page.get_by_role("button", name="Build the briefing pack (PDF)").click()
    download_button = page.get_by_role("button", name="Download PDF")
    download_button.wait_for()
    with page.expect_download() as download_info:
        download_button.click()
    target = tmp_path / "pack.pdf"
    download_info.value.save_as(target)
    data = target.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 50_000
    # a name a clerk can file, not CAE-M-2025-07-16-2025-07-16.pdf
    assert download_info.value.suggested_filename == "Newport-scrutiny-briefing-pack-16-Jul-2025.pdf"
    screenshot(page, "meeting_newport_after_export")
