"""Script, HTML and SQL text in a link's query parameters never runs, in the real browser (chromium).

Every page is opened twice with the hostile payloads spread over every URL parameter the pages read (the
sidebar's, each page's filters, the repeated area parameter, the plan page's free date, and one the app does
not know). The two visits rotate the payloads so that the three sidebar parameters, which every page reads,
carry all six payloads between them on every page; the second visit also sets level=ward and since=date so the
area list and the free date are read. The property: window.__pwned stays undefined, no alert/confirm/prompt dialog opens, no element carries the
payload as live markup (script, on* handler, javascript: link), no traceback is shown, the page still shows its
title, and the store's tables are byte-for-byte unchanged. One server and one browser tab serve every visit.
"""

from __future__ import annotations

import ast
from pathlib import Path
from urllib.parse import urlencode

import pytest

from cspdash.store.versions import Store
from cspdash.ui.params import URL_PARAMS
from tests.conftest import store_checksums
from tests.e2e.conftest import ROOT, new_context, open_app, screenshot

pytestmark = pytest.mark.e2e

PAYLOADS = {
    "script": "<script>window.__pwned=1</script>",
    "img": '"><img src=x onerror="window.__pwned=1">',
    "svg": "<svg/onload=window.__pwned=1>",
    "js_url": "javascript:window.__pwned=1",
    "md_link": "[open](javascript:window.__pwned=1)",
    "sql": "'; DROP TABLE crimes; DROP TABLE street_crime; --",
}
#: every parameter a page reads (declared once in cspdash/ui/params.py), plus one the app does not know
PARAMS = (*URL_PARAMS, "utm_source")
#: valid values that open the code paths reading the other parameters (area list, free date)
OPENERS = {"level": "ward", "since": "date"}

LIVE_MARKUP = """() => {
  const hits = [];
  for (const e of document.querySelectorAll('*')) {
    for (const a of e.attributes) {
      const v = (a.value || '').toLowerCase();
      if (a.name.startsWith('on') && v.includes('pwned')) hits.push(`${e.tagName} ${a.name}`);
      if ((a.name === 'href' || a.name === 'src' || a.name === 'action') && v.trim().startsWith('javascript:'))
        hits.push(`${e.tagName} ${a.name}=${v.slice(0, 40)}`);
    }
    if (e.tagName === 'SCRIPT' && (e.textContent || '').includes('pwned')) hits.push('SCRIPT');
    if (e.tagName === 'IMG' && e.getAttribute('src') === 'x') hits.push('IMG src=x');
  }
  return hits;
}"""


def _pages() -> list[tuple[str, str]]:
    """(url path, title) of the shell's pages; the first is served at '/'."""
    tree = ast.parse((ROOT / "cspdash" / "ui" / "shell.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "PAGES" and node.value:
            table = ast.literal_eval(node.value)
            return [("" if i == 0 else f.removesuffix(".py"), t) for i, (f, t, *_) in enumerate(table)
                    if (ROOT / "pages" / f).exists()]
    raise AssertionError("PAGES not found")


def _urls() -> list[dict[str, str | list[str]]]:
    """The two query strings: payload (i + shift) mod 6 in the i-th parameter; the second with the openers."""
    payloads = list(PAYLOADS.values())
    out: list[dict[str, str | list[str]]] = []
    for shift, openers in ((0, {}), (3, OPENERS)):
        query: dict[str, str | list[str]] = {p: payloads[(i + shift) % len(payloads)] for i, p in enumerate(PARAMS)}
        query["area"] = [payloads[(shift + 1) % len(payloads)], payloads[(shift + 4) % len(payloads)]]
        out.append({**query, **openers})
    return out


def test_every_payload_reaches_every_page() -> None:
    """The sidebar parameters (read on every page) carry each payload in one of the two visits."""
    seen = {q[p] for q in _urls() for p in ("csp", "end", "len")}
    assert seen == set(PAYLOADS.values())
    assert all(set(q) >= set(PARAMS) for q in _urls()) and _urls()[1]["level"] == "ward"


def test_hostile_url_parameters_never_run(app_url: str, browser, demo_store_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = store_checksums(Store(demo_store_path))
    assert before, "the demo store has tables"
    context = new_context(browser)
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
    problems: list[str] = []
    notes = 0
    try:
        for path, title in _pages():
            for visit, query in enumerate(_urls(), start=1):
                where = f"/{path} (visit {visit})"
                open_app(tab, f"{app_url}/{path}?{urlencode(query, doseq=True)}")
                try:
                    tab.get_by_role("heading", name=title).first.wait_for()
                except Exception:
                    problems.append(f"{where}: the page's title '{title}' is not shown")
                    screenshot(tab, f"url_injection_{path or 'overview'}_{visit}")
                if tab.evaluate("() => typeof window.__pwned") != "undefined":
                    problems.append(f"{where}: window.__pwned was set")
                if hits := tab.evaluate(LIVE_MARKUP):
                    problems.append(f"{where}: live markup {hits[:3]}")
                if tab.locator("[data-testid='stException']").count():
                    problems.append(f"{where}: an exception box is shown")
                text = tab.locator("body").inner_text()
                if "Traceback" in text or "most recent call last" in text:
                    problems.append(f"{where}: traceback text shown")
                notes += text.count("The link asked for")
    finally:
        context.close()
    assert not dialogs, dialogs
    assert not problems, "\n".join(problems)
    # the parameters were read (not ignored): the pages said they replaced the link's values
    assert notes >= len(_pages()) * 2 * 3
    assert store_checksums(Store(demo_store_path)) == before


def test_the_checks_catch_live_markup(browser) -> None:  # type: ignore[no-untyped-def]
    """Control: the same payloads rendered unsafely are caught (pwned flag, live markup, dialog)."""
    context = new_context(browser)
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        tab.set_content(f"<div>{PAYLOADS['img']}</div><div>{PAYLOADS['svg']}</div>"
                        f"<a href='{PAYLOADS['js_url']}'>x</a><script>alert('control')</script>")
        tab.wait_for_function("() => typeof window.__pwned === 'number'", timeout=30_000)  # the handlers ran
        assert tab.evaluate("() => typeof window.__pwned") == "number"
        hits = tab.evaluate(LIVE_MARKUP)
        assert "IMG src=x" in hits and any(h.startswith("A href=javascript:") for h in hits)
        assert any("onload" in h for h in hits)
        assert dialogs == ["control"]
    finally:
        context.close()
