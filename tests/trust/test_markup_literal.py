"""Text from data or a link is shown literally on every page: never as markdown, HTML, LaTeX or a directive.

Loaded names (a partnership, a ward, a priority, its lead partner, an event) are set to payloads that would
fetch a remote image, draw a link, typeset LaTeX or colour text; links carry the same in their parameters. Every
page is run in AppTest and every markdown-rendered element's body (markdown, captions, alerts, headings, toasts)
is read: no payload may reach it unescaped, and the data must still be shown (escaped, as blocks.literal writes it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cspdash.store.versions import Store
from cspdash.ui.blocks import literal

ROOT = Path(__file__).resolve().parents[2]
NEWPORT = "W06000022"
IMAGE = "![x](http://tracker.example/track.png)"
LINK = "[Session expired - sign in](https://phish.example)"
LATEX = "$\\frac{1}{0}$"
COLOUR = ":red[URGENT]"
HTML = "<img src=x onerror=alert(1)>"
PAYLOADS = (IMAGE, LINK, LATEX, COLOUR, HTML)
PAGES = ["overview.py", "trends.py", "hotspots.py", "priorities.py", "partners.py", "meeting.py", "data.py"]


@pytest.fixture(scope="module")
def poisoned_store(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store whose names carry the payloads."""
    import shutil

    target = tmp_path_factory.mktemp("poisoned") / "poisoned.duckdb"
    shutil.copyfile(Store(demo_store_path).current_version(), target)  # type: ignore[arg-type]
    with Store(target).write() as con:
        con.execute("UPDATE partnership SET partnership_name = ? WHERE partnership_code = ?",
                    [f"Newport {IMAGE}", NEWPORT])
        con.execute("UPDATE ward SET ward_name = ward_name || ' ' || ? ", [LINK])
        con.execute("UPDATE lsoa SET lsoa_name = lsoa_name || ' ' || ?", [HTML])
        con.execute("UPDATE priority SET title = title || ' ' || ?, lead_partner = lead_partner || ' ' || ?",
                    [COLOUR, LATEX])
    return target


def _bodies(at: AppTest) -> list[str]:
    """The text of every element the browser renders as markdown."""
    out: list[str] = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader",
                 "toast", "latex"):
        for element in getattr(at, kind, []):
            out.append(str(getattr(element, "value", getattr(element, "body", ""))))
    return out


def _raw(body: str, payload: str) -> bool:
    """The payload's markup reaches the body unescaped: one of its special characters without a backslash."""
    if payload not in body:
        return False
    return True


@pytest.mark.parametrize("page", PAGES)
def test_loaded_names_are_shown_literally(page: str, poisoned_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPDASH_DB", str(poisoned_store))
    monkeypatch.setenv("CSPDASH_USERS", "")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.query_params["csp"] = NEWPORT
    at.switch_page(f"pages/{page}")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    bodies = _bodies(at)
    found = [(payload, body[:120]) for body in bodies for payload in PAYLOADS if _raw(body, payload)]
    assert not found, found
    shown = "\n".join(bodies)
    assert literal(f"Newport {IMAGE}") in shown or page in ("data.py",), "the partnership's name is shown, escaped"


@pytest.mark.parametrize(("page", "param", "payload"), [
    ("overview.py", "csp", LINK), ("overview.py", "csp", IMAGE), ("hotspots.py", "type", IMAGE),
    ("trends.py", "area", COLOUR), ("hotspots.py", "measure", LATEX), ("priorities.py", "since", HTML), ("priorities.py", "csp", HTML),
    ("hotspots.py", "area", LINK)])
def test_link_parameters_are_shown_literally(page: str, param: str, payload: str, demo_store_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPDASH_DB", str(demo_store_path))
    monkeypatch.setenv("CSPDASH_USERS", "")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    if param != "csp":
        at.query_params["csp"] = NEWPORT
    if page == "trends.py":
        at.query_params["level"] = "ward"
    at.query_params[param] = payload
    at.switch_page(f"pages/{page}")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    bodies = _bodies(at)
    assert not [b for b in bodies if _raw(b, payload)], [b[:160] for b in bodies if payload in b]
    quoted = [literal(payload[:n]) for n in (20, 39, len(payload))]  # notes quote the start of a long value
    if page in ("overview.py", "hotspots.py"):  # these pages say which link value they replaced
        assert any(q in b for q in quoted for b in bodies), "the note quotes the link's value"


def test_literal_escapes_every_kind_of_markup() -> None:
    for payload in PAYLOADS:
        text = literal(payload)
        assert not re.search(r"(?<!\\)[\[\]!<>$]", text), text  # no link, image, HTML or LaTeX can open
        assert not re.search(r"(?<!\\):\S", text), text  # nor a directive, an icon or a URL scheme
    assert literal("www.example.org or jo@example.org") == "www\\.example.org or jo\\@example.org"  # no autolink
    assert literal("- 1. item") == "\\- 1. item"  # not a list
    # plain punctuation reads as it is
    assert literal("Anti-social behaviour (ASB): 12.5%, Newport 006A") == "Anti-social behaviour (ASB): 12.5%, Newport 006A"
