"""Real browser: the hot spot map draws its polygons on the Gwent demo with no internet (white background)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import open_app, screenshot

pytestmark = pytest.mark.e2e

#: features maplibre has actually rendered in the first plotly map on the page (polygons + circles)
RENDERED_FEATURES = """() => {
  const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  if (!plot || !plot._fullLayout || !plot._fullLayout.map) return -1;
  const map = plot._fullLayout.map._subplot.map;
  return map.queryRenderedFeatures().length;
}"""


def _open_map(page, app_url: str, query: str) -> int:  # type: ignore[no-untyped-def]
    """Open the hot spots page with a query and return how many map features maplibre has drawn."""
    # the app root first: until one session has run dashboard.py, Streamlit serves /hotspots in legacy pages mode
    open_app(page, app_url)
    open_app(page, f"{app_url}/hotspots?{query}")
    page.wait_for_selector("[data-testid='stPlotlyChart'] .maplibregl-canvas")
    handle = page.wait_for_function(f"() => {{ const n = ({RENDERED_FEATURES})(); return n > 50 ? n : 0; }}")
    return int(handle.json_value())


def test_map_draws_newport_lsoas_offline(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    rendered = _open_map(page, app_url, "csp=W06000022&end=2025-06&len=12&measure=count&level=lsoa")
    assert rendered > 50, rendered  # Newport has 100 LSOA polygons, plus hot spot circles
    style = page.evaluate("() => document.querySelector('[data-testid=\"stPlotlyChart\"] .js-plotly-plot')"
                          "._fullLayout.map.style")
    assert style == "white-bg"
    legend = (page.locator("[data-testid='stPlotlyChart'] .legend").first.text_content() or "")
    assert "Hot spot, 99% confidence" in legend
    # the map asks nothing of the internet (no tiles, styles or glyphs); the page icon's font request is not the map's
    outside = [u for u in requests if not u.startswith((app_url, "data:", "blob:"))]
    assert not [u for u in outside if any(word in u for word in ("carto", "tile", "glyph", "maplibre", "mapbox"))]
    body = page.inner_text("[data-testid='stMain']")
    assert "Locations are approximate" in body and "Census 2021 residents" in body
    page.locator("[data-testid='stPlotlyChart']").first.scroll_into_view_if_needed()
    screenshot(page, "hotspots_newport_lsoa")


def test_ward_rate_map_with_points(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    rendered = _open_map(page, app_url, "csp=W06000018&end=2025-06&len=12&measure=rate&level=ward&points=on")
    assert rendered > 50, rendered  # Caerphilly's 31 wards plus crime points
    assert "Crime locations" in (page.locator("[data-testid='stPlotlyChart'] .legend").first.text_content() or "")
    screenshot(page, "hotspots_caerphilly_ward_rate_points")
