"""At a common laptop width (1,366 px) no choice shown in a select box and no headline figure's label is cut off.

Each page is opened with the longest choice of every select box in its main area (through the URL), and the test
looks for any select box value or metric label whose text is wider than the box that shows it (the browser then
clips it or ends it with "…"). Found by looking at the pages: the trends page's measure showed "Number of crim",
hot spots' persistence "each of the last four q…", and the plan's funding tile "Cash funding from partners (al…".
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import new_context, wait_for_app

NEWPORT = "W06000022"
CAERPHILLY = "W06000018"

#: every clipped select box value (the combobox input) or metric label in the main area
CLIPPED_JS = """() => [...document.querySelectorAll(
    '[data-testid=stMain] [data-testid=stSelectbox] input, [data-testid=stMain] [data-testid=stMetricLabel] *')]
  .filter(e => getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1)
  .map(e => (e.tagName === 'INPUT' ? e.value : e.textContent).trim())
  .filter(text => text)"""

VIEWS = {
    "trends, longest choices": f"trends?csp={NEWPORT}&type=Violence%20and%20sexual%20offences&level=lsoa&grain=fy"
                               "&measure=rate&compare=force",
    "trends, rolling comparison": f"trends?csp={NEWPORT}&type=Criminal%20damage%20and%20arson&grain=month"
                                  "&measure=count&compare=last_year",
    "hot spots, longest choices": f"hotspots?csp={NEWPORT}&nb=boundary&persist=quarters&points=on&tiles=off",
    "hot spots, other choices": f"hotspots?csp={NEWPORT}&nb=distance&persist=years&points=off&tiles=on",
    "action plan tiles": f"priorities?csp={CAERPHILLY}",
    "partners tiles": f"partners?csp={CAERPHILLY}",
    "compare": f"compare?csp={NEWPORT}",
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_no_choice_or_tile_label_is_cut_at_1366_px(view: str, app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{app_url}/{VIEWS[view]}")
    wait_for_app(page)
    page.wait_for_timeout(1000)
    boxes = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").count()
    metrics = page.locator("[data-testid='stMain'] [data-testid='stMetricLabel']").count()
    assert boxes + metrics > 0, "nothing to check: the page drew no select box and no headline figure"
    assert page.evaluate(CLIPPED_JS) == []
    context.close()
