"""Real browser: the action-plan and partners pages on the demo (SAMPLE) plan, with screenshots to look at."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import open_app, screenshot, settle, wait_for_app

pytestmark = pytest.mark.e2e


def _open(page, app_url: str, path: str, last: str) -> str:  # type: ignore[no-untyped-def]
    """Open a page (after the app root, so the shell has run), wait for its last block, return the main text."""
    open_app(page, app_url)
    open_app(page, f"{app_url}/{path}")
    page.wait_for_selector(f"text={last}")
    wait_for_app(page)
    return str(page.inner_text("[data-testid='stMain']"))


def _tall_screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Screenshot of the whole page: Streamlit scrolls inside its main area, so grow the viewport to fit it."""
    height = int(page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"))
    page.set_viewport_size({"width": 1400, "height": min(max(height + 100, 1000), 16000)})
    settle(page)
    screenshot(page, name)


def test_action_plan_page(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    body = _open(page, app_url, "priorities?csp=W06000022", "Download the plan as the workbook template")
    assert "Priorities at a glance" in body and "SAMPLE plan" in body
    assert "Rule:" in body and "Complete: every action complete" in body  # the rule beside the symbols
    assert "✖ Red" in body or "▲ Amber" in body or "✔ Green" in body  # symbol and word
    assert "Does the data agree with the plan?" in body and "What has changed since" in body
    assert page.locator("[data-testid='stPlotlyChart']").count() >= 1  # the RAG timeline
    assert "Save update" in body  # demo user is an admin: the edit form shows
    _tall_screenshot(page, "plan_priorities_newport")


def test_partners_page(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    body = _open(page, app_url, "partners?csp=W06000022&partner=GWENT_POLICE", "One partner's view")
    assert "Who leads each priority" in body and "Partner × priority" in body
    assert "Gwent Police" in body and "leads" in body
    _tall_screenshot(page, "plan_partners_newport")
