"""Real browser: the overview and crime trends pages render on the Gwent demo data (screenshots to look at)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import open_app, screenshot

pytestmark = pytest.mark.e2e


def _open(page, app_url: str, path: str) -> None:  # type: ignore[no-untyped-def]
    """Open a page; the app root first, because until one session has run dashboard.py Streamlit serves
    /trends in legacy pages mode."""
    open_app(page, app_url)
    page.set_viewport_size({"width": 1400, "height": 4600})  # Streamlit scrolls inside; a tall window shows all
    if path:
        open_app(page, f"{app_url}/{path}")
    page.wait_for_selector(".js-plotly-plot")


def _no_error(page) -> None:  # type: ignore[no-untyped-def]
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("could not be shown").count() == 0


def test_overview_in_a_browser(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    _open(page, app_url, "")
    path = screenshot(page, "overview")
    _no_error(page)
    assert page.get_by_text("All crime (excl. ASB)").first.is_visible()
    assert page.get_by_text("Is the change real?").first.is_visible()
    assert page.locator(".cspdash-tiles > li").count() >= 3  # the headline tiles: one plain HTML list
    assert page.locator(".js-plotly-plot").count() >= 1
    assert path.stat().st_size > 20_000


def test_trends_in_a_browser(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    _open(page, app_url, "trends?type=Burglary&level=ward&compare=last_year")
    path = screenshot(page, "trends")
    _no_error(page)
    assert page.get_by_text("Burglary: rolling").count() == 0
    assert page.locator(".js-plotly-plot").count() >= 3
    assert page.get_by_text("No stop-and-search data loaded").is_visible()
    assert path.stat().st_size > 20_000
