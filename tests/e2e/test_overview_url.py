"""Real browser: /overview opens the overview (Streamlit serves the default page at / only), with the headline
chart drawn before the secondary blocks."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import open_app

pytestmark = pytest.mark.e2e


def test_overview_address_opens_the_overview(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    open_app(page, app_url)  # one session through dashboard.py first (see tests/e2e/test_pages_trends._open)
    open_app(page, f"{app_url}/overview?csp=W06000018")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot .gtitle')]"
        ".some(t => t.textContent.includes('all crime (excl. ASB) by month') && t.textContent.includes('Caerphilly'))")
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator("h1").filter(has_text="Overview").count() == 1
    assert "/overview" in page.url
    # the alias is hidden: the navigation lists the overview once
    nav = page.locator("[data-testid='stSidebarNav'] a").filter(has_text="Overview")
    assert nav.count() == 1


def test_headline_chart_comes_before_the_secondary_blocks(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    open_app(page, app_url)
    page.wait_for_selector(".js-plotly-plot")
    order = page.evaluate(
        """() => {
            const y = (el) => el ? el.getBoundingClientRect().top + window.scrollY : null;
            const heading = (text) => [...document.querySelectorAll('h2, h3')].find(h => h.textContent.includes(text));
            return {tiles: y(document.querySelector('.cspdash-tiles')),
                    chart: y(document.querySelector('.js-plotly-plot')),
                    exceptions: y(heading('Exceptions')), plan: y(heading('Action plan'))};
        }""")
    assert None not in order.values(), order
    assert order["tiles"] < order["chart"] < order["exceptions"] < order["plan"], order


def test_plan_summary_is_a_plain_table_and_the_grid_code_is_not_loaded(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    """The overview's action-plan summary is an ordinary HTML table (status as symbol and word, long reasons
    wrapped), so the interactive grid's script is not fetched before the first chart on the landing page."""
    open_app(page, app_url)
    page.wait_for_selector(".js-plotly-plot")
    table = page.locator("[data-testid='stMarkdownContainer'] table").filter(has_text="Lead partner")
    table.wait_for()
    headers = table.locator("th").all_inner_texts()
    assert headers == ["Status", "Priority", "Lead partner", "Actions", "Why"], headers
    statuses = table.locator("tbody tr td:first-child").all_inner_texts()
    assert statuses and all(s.split(" ", 1)[1] in {"Red", "Amber", "Green", "Not started", "Complete"}
                            for s in statuses), statuses
    assert page.get_by_role("button", name="Download action plan status (CSV)").count() == 1
    scripts = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    assert not [s for s in scripts if "/DataFrame." in s], "the data grid's code was loaded on the overview"
