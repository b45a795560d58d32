"""Real browser: /overview opens the overview (Streamlit serves the default page at / only), with the headline
chart drawn before the secondary blocks."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_for_app

pytestmark = pytest.mark.e2e


def test_overview_address_opens_the_overview(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)  # one session through dashboard.py first (see tests/e2e/test_pages_trends._open)
    wait_for_app(page)
    page.goto(f"{app_url}/overview?csp=W06000018")
    wait_for_app(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot .gtitle')]"
        ".some(t => t.textContent.includes('All recorded crime in Caerphilly'))", timeout=60000)
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator("h1").filter(has_text="Overview").count() == 1
    assert "/overview" in page.url
    # the alias is hidden: the navigation lists the overview once
    nav = page.locator("[data-testid='stSidebarNav'] a").filter(has_text="Overview")
    assert nav.count() == 1


def test_headline_chart_comes_before_the_secondary_blocks(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot", timeout=60000)
    order = page.evaluate(
        """() => {
            const y = (el) => el ? el.getBoundingClientRect().top + window.scrollY : null;
            const heading = (text) => [...document.querySelectorAll('h2, h3')].find(h => h.textContent.includes(text));
            return {tiles: y(document.querySelector('[data-testid="stMetric"]')),
                    chart: y(document.querySelector('.js-plotly-plot')),
                    exceptions: y(heading('Exceptions')), plan: y(heading('Action plan'))};
        }""")
    assert None not in order.values(), order
    assert order["tiles"] < order["chart"] < order["exceptions"] < order["plan"], order
