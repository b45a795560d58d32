"""Text from data is shown literally in charts too: plotly reads a small HTML set in every text it draws.

Plotly renders ``<a href>`` (a clickable link), ``<span style>``, ``<b>``, ``<i>``, ``<sup>`` and ``<br>`` in trace
names, axis tick labels, titles, hover text and annotations. Loaded names (partnerships, wards, LSOAs, action
titles and commentary, events, partners, police.uk object-of-search and location text) are set to a link and a
styled span; every page is run in AppTest and every string of every chart sent to the browser is read: none may
carry the payload's tags unescaped (escaped, ``&lt;a href…`` draws as the text it is).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cspdash.store.versions import Store

ROOT = Path(__file__).resolve().parents[2]
LINK = '<a href="https://phish.example/">Session expired - sign in</a>'
STYLE = '<span style="font-size:80px;color:red">URGENT</span>'
NEWPORT, CAERPHILLY = "W06000022", "W06000018"
VIEWS = [
    ("overview.py", NEWPORT, {}), ("compare.py", NEWPORT, {}),
    ("trends.py", NEWPORT, {"level": "ward"}), ("trends.py", CAERPHILLY, {"level": "lsoa"}),
    ("hotspots.py", NEWPORT, {"points": "on"}), ("hotspots.py", NEWPORT, {"level": "ward"}),
    ("priorities.py", CAERPHILLY, {}),
]  # Partners and Prepare for a meeting draw no plotly chart


@pytest.fixture(scope="module")
def poisoned_store(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store whose loaded text carries plotly markup."""
    target = tmp_path_factory.mktemp("poisoned-charts") / "poisoned.duckdb"
    shutil.copyfile(Store(demo_store_path).current_version(), target)  # type: ignore[arg-type]
    with Store(target).write() as con:
        con.execute("UPDATE partnership SET partnership_name = partnership_name || ' ' || ?", [LINK])
        con.execute("UPDATE ward SET ward_name = ward_name || ' ' || ?", [STYLE])
        con.execute("UPDATE lsoa SET lsoa_name = lsoa_name || ' ' || ?", [LINK])
        con.execute("UPDATE boundary SET area_name = area_name || ' ' || ?", [LINK])
        con.execute("UPDATE priority SET title = title || ' ' || ?", [LINK])
        con.execute("UPDATE action SET title = title || ' ' || ?", [LINK])
        con.execute("UPDATE progress_update SET commentary = coalesce(commentary, '') || ' ' || ?", [STYLE])
        con.execute("UPDATE plan_event SET title = title || ' ' || ?", [LINK])
        con.execute("UPDATE partner SET partner_name = partner_name || ' ' || ?", [LINK])
        con.execute("UPDATE stop_search SET object_of_search = object_of_search || ' ' || ?", [STYLE])
        con.execute("UPDATE street_crime SET location = coalesce(location, '') || ' ' || ?", [LINK])
    return target


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def chart_strings(at: AppTest) -> list[str]:
    """Every string in every plotly chart the page sends (data, layout, hover, annotations, axis categories)."""
    return [s for chart in at.get("plotly_chart") for s in _strings(json.loads(chart.proto.spec))]


@pytest.mark.parametrize(("page", "csp", "extra"), VIEWS, ids=[f"{p}-{c}-{'-'.join(e.values())}" for p, c, e in VIEWS])
def test_loaded_text_in_charts_is_drawn_literally(page: str, csp: str, extra: dict[str, str], poisoned_store: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPDASH_DB", str(poisoned_store))
    monkeypatch.setenv("CSPDASH_USERS", "")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.query_params["csp"] = csp
    for key, value in extra.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    strings = chart_strings(at)
    assert strings, "the page draws at least one chart"
    raw = sorted({s[:140] for s in strings if "<a " in s or "<span " in s})
    assert not raw, raw
