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


def _open(browser, url: str, width: int):  # type: ignore[no-untyped-def]
    """A page of the app in a fresh browser context of the given width, its script run finished."""
    context = new_context(browser, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(url)
    wait_for_app(page)
    return context, page


@pytest.mark.parametrize("view", list(VIEWS))
def test_no_choice_or_tile_label_is_cut_at_1366_px(view: str, app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    context, page = _open(browser, f"{app_url}/{VIEWS[view]}", 1366)
    page.wait_for_timeout(1000)
    boxes = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").count()
    metrics = page.locator("[data-testid='stMain'] [data-testid='stMetricLabel']").count()
    assert boxes + metrics > 0, "nothing to check: the page drew no select box and no headline figure"
    assert page.evaluate(CLIPPED_JS) == []
    context.close()


#: every chart title, label, figure or key that runs past its chart's left, right or top edge: [text, px past]
TITLE_OUT_JS = """() => [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')].flatMap(chart => {
  const c = chart.getBoundingClientRect();
  return [...chart.querySelectorAll('text')].filter(t => t.textContent.trim()).flatMap(text => {
    const t = text.getBoundingClientRect();
    if (!t.width) return [];
    const past = Math.max(t.right - c.right, c.left - t.left, c.top - t.top);
    return past > 1 ? [[text.textContent, Math.round(past)]] : [];
  });
})"""

PHONE_VIEWS = {
    "trends": f"trends?csp={NEWPORT}",
    "compare": f"compare?csp={NEWPORT}",
    "hot spots": f"hotspots?csp={NEWPORT}",
    "action plan": f"priorities?csp={CAERPHILLY}",
}


@pytest.mark.parametrize("view", list(PHONE_VIEWS))
def test_no_chart_title_runs_off_its_chart_on_a_phone(view: str, app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    """At a phone's width (390 px) each chart's title is broken into lines that fit (charts.theme.title_lines), and
    no other text of a chart (axis titles, bar figures, names beside markers) runs off it either. Found by looking
    at the pages: plotly does not wrap a title, and 10 of the 13 chart titles on these four pages ran off the chart
    ("All recorded crime (excluding ASB): number recorde…"), by 16–282 px; Compare's longest bar's figure was cut
    to "1", the funnel's chosen name to "Newpo", the bars' axis title by 16 px."""
    context, page = _open(browser, f"{app_url}/{PHONE_VIEWS[view]}", 390)
    titled = "[...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot .gtitle')].filter(t => t.textContent.trim())"
    page.wait_for_function(f"() => {titled}.length > 0")  # fails here if the page draws no chart with a title
    page.wait_for_timeout(1500)  # the charts below the first drawn too
    assert page.evaluate(TITLE_OUT_JS) == []
    context.close()


def test_the_rag_timeline_keeps_its_width_for_the_dates_on_a_phone(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    """The action plan's RAG timeline names each row above the row (charts.plan.rag_timeline), so at 390 px the
    dates get the chart's width. Found by looking at the page: the names sat in a 320 px left margin, which left
    the dates a strip of about 30 px, and the key, wrapped onto three lines above the plot, ran into the title."""
    context, page = _open(browser, f"{app_url}/priorities?csp={CAERPHILLY}", 390)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot .gtitle')]"
                           ".some(t => t.textContent.includes('RAG at each progress update'))")
    page.wait_for_timeout(1000)
    sizes = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')]
      .filter(chart => chart.querySelector('.gtitle').textContent.includes('RAG at each progress update'))
      .map(chart => {
        const plot = chart.querySelector('.nsewdrag').getBoundingClientRect();
        const title = chart.querySelector('.gtitle').getBoundingClientRect();
        const key = chart.querySelector('.legend').getBoundingClientRect();
        return {chart: chart.getBoundingClientRect().width, plot: plot.width, key_top: key.top,
                title_bottom: title.bottom, plot_bottom: plot.bottom};
      })""")
    assert sizes, "no RAG timeline drawn"
    for size in sizes:
        assert size["plot"] >= 0.8 * size["chart"], size
        assert size["key_top"] > size["plot_bottom"] > size["title_bottom"], size  # the key below the dates
    context.close()


@pytest.mark.parametrize("page_path", ["overview", f"trends?csp={NEWPORT}", f"hotspots?csp={NEWPORT}",
                                       f"compare?csp={NEWPORT}", f"priorities?csp={NEWPORT}", f"partners?csp={NEWPORT}",
                                       "meeting", "data"])
def test_no_page_is_wider_than_a_phone(page_path: str, app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    """At 390 px nothing pushes a page sideways: a wide table scrolls within itself. Found by looking at the
    pages: the Overview's action-plan summary (a plain markdown table) made the whole page 431 px wide."""
    context, page = _open(browser, f"{app_url}/{page_path}", 390)
    if page_path == "overview":  # its action-plan summary, drawn after the headline chart
        page.wait_for_selector("[data-testid=stMarkdownContainer] table")
    page.wait_for_timeout(1500)
    widths = page.evaluate("() => { const m = document.querySelector('[data-testid=stMain]');"
                           " return [m.scrollWidth, m.clientWidth, document.documentElement.scrollWidth]; }")
    assert widths[0] <= widths[1] and widths[2] <= 390, widths
    context.close()
