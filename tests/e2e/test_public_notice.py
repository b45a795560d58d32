"""Public output in Chromium at 1,366 px: the sidebar's notice is readable whole (it was cut to "counts of 1–4
show…"), and no text in the sidebar is cut off with an ellipsis."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cspdash.ui.auth import PUBLIC_BADGE
from tests.e2e.conftest import (
    ROOT,
    free_port,
    new_context,
    open_app,
    screenshot,
    start_streamlit,
    stop_server,
)

#: every element in the sidebar whose own text overflows its box (cut, with or without an ellipsis)
CUT_TEXT = """() => [...document.querySelectorAll("[data-testid='stSidebar'] *")]
  .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
  .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible')
  .map(e => e.textContent.trim())"""


@pytest.fixture(scope="module")
def public_url(demo_store_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "CSPDASH_DB": str(demo_store_path), "CSPDASH_PUBLIC_OUTPUT": "1"}
    proc = start_streamlit(ROOT / "dashboard.py", env, port)
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)


def test_the_public_notice_is_readable_whole_in_the_sidebar(browser, public_url: str) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        open_app(page, public_url)  # one session through dashboard.py first (see tests/e2e/test_pages_trends._open)
        open_app(page, f"{public_url}/overview?csp=W06000022")
        sidebar = page.locator("[data-testid='stSidebar']")
        assert page.evaluate(CUT_TEXT) == []
        notice = sidebar.get_by_text(PUBLIC_BADGE, exact=True)
        assert notice.count() == 1 and notice.is_visible(), sidebar.inner_text()
        box = notice.bounding_box()
        frame = sidebar.bounding_box()
        assert box and frame and box["x"] + box["width"] <= frame["x"] + frame["width"]
        screenshot(page, "public-notice-sidebar-1366")
    finally:
        context.close()
