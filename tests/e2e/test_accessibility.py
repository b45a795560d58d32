"""WCAG 2.2 AA in the real browser: axe-core (bundled with axe-playwright-python, no download) on every page.

No serious or critical violation may remain, except those in ALLOWED: each comes from Streamlit's own markup,
cannot be fixed from the app, and says why. Keyboard: Tab reaches the sidebar's widgets and the main content.
"""

from __future__ import annotations

import ast

import pytest

from tests.e2e.conftest import ROOT, open_app, screenshot, wait_for_app

pytestmark = pytest.mark.e2e

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

#: rule id → (the Streamlit element it is allowed inside, why). Only nodes inside that element are excused.
ALLOWED: dict[str, tuple[str, str]] = {
    # st.navigation with sections renders <ul data-testid="stSidebarNavItems"> whose children are per-section
    # <div>s (header + <li>s), so axe sees a <ul> with <div> children and <li>s without a <ul> parent. The app
    # cannot change that markup; a flat page list would avoid it but lose the grouping by audience. Screen
    # readers still announce each link and the section headers. Reported upstream-worthy (Streamlit 1.67).
    "list": ("stSidebarNavItems", "Streamlit's sectioned sidebar navigation: <div> sections inside the <ul>"),
    "listitem": ("stSidebarNavItems", "Streamlit's sectioned sidebar navigation: <li> inside a section <div>"),
}


def _pages() -> list[tuple[str, str]]:
    tree = ast.parse((ROOT / "cspdash" / "ui" / "shell.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "PAGES" and node.value:
            table = ast.literal_eval(node.value)  # the first page is the default, served at "/"
            return [("" if index == 0 else f.removesuffix(".py"), t) for index, (f, t, *_) in enumerate(table)
                    if (ROOT / "pages" / f).exists()]
    raise AssertionError("PAGES not found")


PAGES = _pages()


def _serious(results: dict) -> list[dict]:  # type: ignore[type-arg]
    return [v for v in results.get("violations", []) if v.get("impact") in ("serious", "critical")]


def _excused(page, violation: dict) -> bool:  # type: ignore[no-untyped-def, type-arg]
    """True when the rule is allowed and every flagged element sits inside the Streamlit element it names."""
    if violation["id"] not in ALLOWED:
        return False
    inside = ALLOWED[violation["id"]][0]
    return all(page.evaluate(
        "([sel, id]) => { const e = document.querySelector(sel); "
        "return !!(e && e.closest(`[data-testid='${id}']`)); }", [node["target"][0], inside])
        for node in violation["nodes"])


@pytest.mark.parametrize(("path", "title"), PAGES, ids=[p or "overview" for p, _t in PAGES])
def test_axe_finds_no_serious_violation(app_url: str, page, path: str, title: str) -> None:  # type: ignore[no-untyped-def]
    """axe-core (WCAG 2.0–2.2 A/AA rules) on the rendered page: no serious/critical issue outside ALLOWED."""
    from axe_playwright_python.sync_playwright import Axe

    open_app(page, f"{app_url}/{path}")
    page.get_by_role("heading", name=title).first.wait_for()
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}).response
    serious = _serious(results)
    unexplained = [v for v in serious if not _excused(page, v)]
    if unexplained:
        screenshot(page, f"axe_{path or 'home'}")
    assert page.locator("[role='dialog']").count() == 0, "a dialog (e.g. 'Page not found') covers the page"
    assert not unexplained, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} element(s), e.g. {v['nodes'][0]['target']}"
        for v in unexplained)


def test_keyboard_reaches_sidebar_widgets_and_main_content(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    """Pressing Tab from the top of the page reaches a sidebar filter and then content in the main area."""
    open_app(page, f"{app_url}/{PAGES[0][0]}")
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.wait_for()
    wait_for_app(page)
    reached_sidebar = reached_main = False
    seen: list[str] = []
    for _ in range(120):
        page.keyboard.press("Tab")
        where = page.evaluate(
            "() => { const e = document.activeElement; if (!e) return ''; "
            "if (e.closest(\"[data-testid='stSidebar']\")) return e.tagName === 'INPUT' || "
            "e.getAttribute('role') === 'combobox' ? 'sidebar-widget' : 'sidebar'; "
            "if (e.closest(\"[data-testid='stMain']\")) return 'main'; return 'other:' + e.tagName + ':' + (e.getAttribute('data-testid') || ''); }")
        seen.append(where)
        reached_sidebar = reached_sidebar or where == "sidebar-widget"
        reached_main = reached_main or (reached_sidebar and where == "main")
        if reached_sidebar and reached_main:
            break
    if not reached_sidebar:
        screenshot(page, "keyboard_failure")
        print(page.evaluate("() => document.activeElement.outerHTML.slice(0, 400)"))
    assert reached_sidebar, f"Tab never reached a sidebar filter: {seen[:30]}"
    assert reached_main, "Tab never reached the main content after the sidebar"


def test_focus_is_visible(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    """A focused sidebar filter shows a visible focus indicator (WCAG 2.4.7): outline or box-shadow."""
    open_app(page, f"{app_url}/{PAGES[0][0]}")
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.wait_for()
    widget = page.locator("[data-testid='stSidebar'] input").first
    widget.focus()
    style = widget.evaluate(
        "e => { const s = getComputedStyle(e.closest('[data-baseweb]') || e); "
        "return [s.outlineStyle, s.outlineWidth, s.boxShadow, getComputedStyle(e).outlineStyle].join('|'); }")
    assert style != "none|0px|none|none", style
