"""Property-based fuzzing of every filter and URL parameter: hostile links are harmless.

Each page is run in AppTest (the whole dashboard, demo mode) with random query parameters: its own filter
parameters (learnt by running it once) plus unknown ones, holding SQL, script, control characters, huge and
repeated values. Property: no exception, no traceback text, a sensible page (its title), and the store unchanged.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from cspdash.store.versions import READ_CONFIG, Store
from tests.conftest import table_checksums

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "dashboard.py"


def _shell_pages() -> list[tuple[str, str]]:
    """(file, title) of the shell's pages that exist, read from shell.py's source.

    Importing cspdash.ui here would create its st.cache_* functions outside AppTest's runtime, which makes the
    later AppTest runs hang; so the PAGES table is parsed, not imported.
    """
    tree = ast.parse((ROOT / "cspdash" / "ui" / "shell.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "PAGES" and node.value:
            table = ast.literal_eval(node.value)
            return [(file, title) for file, title, *_rest in table if (ROOT / "pages" / file).exists()]
    raise AssertionError("PAGES not found in cspdash/ui/shell.py")


EXISTING = _shell_pages()
SQL = "'; DROP TABLE street_crime;--"
SCRIPT = "<script>alert(document.cookie)</script>"
HOSTILE = [SQL, SCRIPT, "1 OR 1=1", "\" onmouseover=\"alert(1)", "../../etc/passwd", "%00", "\x00", "\u202e",
           "𝕏" * 50, "9" * 400, "-1", "0", "2024-13", "1900-01", "9999-12", "NaN", "[]", "{}", "", " "]
KNOWN_EXTRA = ["since", "since_date", "area", "type", "ct", "level", "grain", "measure", "compare", "break"]


@pytest.fixture(scope="module", autouse=True)
def demo_app_env(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """Demo mode (every widget visible) on the shared demo store; checksums before the fuzzing."""
    saved = {key: os.environ.get(key) for key in ("CSPDASH_DB", "CSPDASH_USERS")}
    os.environ["CSPDASH_DB"] = str(demo_store_path)
    os.environ["CSPDASH_USERS"] = ""
    yield {"before": _checksums(demo_store_path), "store": demo_store_path}
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _checksums(store_path: Path) -> dict[str, tuple[int, int]]:
    """Table checksums through a connection configured like the app's (DuckDB refuses a second config)."""
    version = Store(store_path).current_version()
    con = duckdb.connect(str(version), read_only=True, config=READ_CONFIG)
    try:
        return table_checksums(con)
    finally:
        con.close()


def _run_page(file: str, params: dict[str, str | list[str]]) -> AppTest:
    at = AppTest.from_file(str(DASHBOARD), default_timeout=120)
    at.query_params.update(params)
    at.switch_page(f"pages/{file}")
    return at.run()


def _all_text(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("markdown", "caption", "info", "warning", "error", "title", "header", "subheader", "text", "code"):
        parts.extend(str(element.value) for element in getattr(at, kind))
    return "\n".join(parts)


def _assert_harmless(at: AppTest, title: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    text = _all_text(at)
    assert "Traceback" not in text and 'File "' not in text
    assert title in [t.value for t in at.title]


@pytest.fixture(scope="module")
def page_params() -> dict[str, list[str]]:
    """Each page's own URL parameters, learnt from a default run (every filter writes itself to the URL)."""
    learnt: dict[str, list[str]] = {}
    for file, title in EXISTING:
        at = _run_page(file, {})
        _assert_harmless(at, title)
        learnt[file] = sorted(set(at.query_params) | set(KNOWN_EXTRA))
    return learnt


def test_every_page_has_url_filters(page_params: dict[str, list[str]]) -> None:
    """The shared filters (partnership, period end, length) are in every page's URL."""
    assert EXISTING, "no pages found"
    for file, keys in page_params.items():
        assert {"csp", "end", "len"} <= set(keys), file


VALUE = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=60), st.from_regex(r"20\d\d-\d\d", fullmatch=True))


@st.composite
def hostile_query(draw: st.DrawFn, keys: list[str]) -> dict[str, str | list[str]]:
    """Some of the page's parameters (and a stray one) with random, repeated or hostile values."""
    chosen = draw(st.lists(st.sampled_from([*keys, "utm_source", SQL]), min_size=1, max_size=6, unique=True))
    query: dict[str, str | list[str]] = {}
    for key in chosen:
        values = draw(st.lists(VALUE, min_size=1, max_size=3))
        query[key] = values if len(values) > 1 else values[0]
    return query


@pytest.mark.parametrize(("file", "title"), EXISTING, ids=[f for f, _t in EXISTING])
def test_hostile_links_on_every_page(page_params: dict[str, list[str]], file: str, title: str) -> None:
    """Random hostile query strings on this page: no exception, no traceback, the page still shows."""

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)
    @given(query=hostile_query(page_params[file]))
    @example(query={key: SQL for key in page_params[file]})
    @example(query={key: [SCRIPT, SQL] for key in page_params[file]})
    def run(query: dict[str, str | list[str]]) -> None:
        at = _run_page(file, query)
        _assert_harmless(at, title)

    run()


def test_sql_in_a_link_is_shown_as_text_and_changes_nothing(demo_app_env: dict[str, object]) -> None:
    """The SQL text comes back only inside the plain 'isn't available' note; the tables are all still there."""
    at = _run_page("overview.py", {"csp": SQL, "end": SCRIPT})
    _assert_harmless(at, "Overview")
    notes = [i.value for i in at.info]
    from cspdash.ui.blocks import literal

    assert any(literal(SQL) in note and "isn't available" in note for note in notes)  # shown literally
    assert any(literal("<script>") in note for note in notes)  # shown as text, escaped, not run
    assert _checksums(demo_app_env["store"]) == demo_app_env["before"]  # type: ignore[arg-type]


def _url_choice_script() -> None:
    """One URL-bound choice, as the filters use it."""
    import streamlit as st

    from cspdash.ui import filters

    value = filters.url_choice("Period length", [12, 6, 3], "len", 12, format_func=lambda n: f"{n} months")
    st.markdown(f"chosen={value}")
    filters.show_url_notes()


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.one_of(st.sampled_from(HOSTILE + ["6", "3", "12"]), st.text(max_size=80)))
def test_url_choice_accepts_only_its_options(raw: str) -> None:
    """filters.url_choice: a listed value is used, anything else falls back to the default with a note."""
    at = AppTest.from_function(_url_choice_script)
    at.query_params["len"] = raw
    at.run()
    assert not at.exception
    chosen = [m.value for m in at.markdown if str(m.value).startswith("chosen=")]
    expected = int(raw) if raw in {"6", "3", "12"} else 12
    assert chosen == [f"chosen={expected}"]
    assert at.query_params["len"] == str(expected)
    if raw not in {"6", "3", "12"}:
        assert any("isn't available" in i.value for i in at.info)


def test_store_unchanged_after_all_the_fuzzing(demo_app_env: dict[str, object]) -> None:
    """Every table of the shared demo store is exactly as before the hostile links."""
    assert _checksums(demo_app_env["store"]) == demo_app_env["before"]  # type: ignore[arg-type]

