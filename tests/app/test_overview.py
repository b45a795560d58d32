"""The overview page on the Gwent demo store: tiles equal independent counts, interactions re-render them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cspdash.metrics.period import add_months
from cspdash.store.versions import Store
from tests.app.tiles import tile_value, tiles

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
NEWPORT, CAERPHILLY = "W06000022", "W06000018"


def independent_count(con: duckdb.DuckDBPyConnection, la_name: str, start: date, end: date,
                      asb: bool = False) -> int:
    """Raw street rows whose LSOA name starts with the council's name (police.uk's own naming), by month."""
    row = con.execute(
        "SELECT count(*) FROM crimes WHERE lsoa_name LIKE ? AND month BETWEEN ? AND ? "
        "AND (crime_type = 'Anti-social behaviour') = ?", [f"{la_name} %", start, end, asb]).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture()
def overview(demo_store_path: Path, use_store: Callable[[Path], None]) -> AppTest:
    """The dashboard's home page on the demo store."""
    use_store(demo_store_path)
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.run()
    assert not at.exception
    return at


@pytest.fixture()
def raw(demo_store_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection for independent counts."""
    # the same configuration as the app's cached connection, which DuckDB requires within one process
    con = Store(demo_store_path).connect_read()
    yield con
    con.close()


def _tile(at: AppTest, label: str) -> str:
    return tile_value(at, label)


def test_tiles_equal_independent_counts(overview: AppTest, raw: duckdb.DuckDBPyConnection) -> None:
    end = raw.execute("SELECT max(month) FROM crimes").fetchone()[0]  # type: ignore[index]
    start = add_months(end, -11)
    all_crime = independent_count(raw, "Newport", start, end)
    asb = independent_count(raw, "Newport", start, end, asb=True)
    assert _tile(overview, "All crime (excl. ASB)") == f"{all_crime:,}"
    assert _tile(overview, "Anti-social behaviour") == f"{asb:,}"
    # the verdict is in words on the tile, the figures behind it too, and the change test is explained beneath
    shown = {t["label"]: t for t in tiles(overview)}
    assert all("within normal variation" in t["verdict"] or "real change" in t["verdict"]
               or "possible change" in t["verdict"] for t in shown.values()), shown
    asb_tile = shown["Anti-social behaviour"]
    assert asb_tile["detail"].startswith(f"{asb:,} in ")
    # the change carries its direction as a symbol and a word, not only as colour
    symbol = {"up": "▲", "down": "▼", "flat": "●"}[asb_tile["direction"]]
    assert asb_tile["change"].startswith(symbol) and asb_tile["direction"] in asb_tile["verdict"] + " flat"
    assert any("Is the change real?" in c.value and "allowing for how much this count normally varies from month to "
               "month" in c.value for c in overview.caption)


def test_tiles_include_the_priorities_crime_types(overview: AppTest, raw: duckdb.DuckDBPyConnection) -> None:
    named = {t.strip() for (types,) in raw.execute(
        "SELECT crime_types FROM priority WHERE partnership_code = ?", [NEWPORT]).fetchall() if types
        for t in types.split(";")}
    labels = {t["label"] for t in tiles(overview)}
    assert named - {"Anti-social behaviour"} <= labels


def _open(query: dict[str, str], store: Path, use_store: Callable[[Path], None]) -> AppTest:
    """The overview opened from a link carrying ``query``.

    Streamlit 1.67's AppTest does not apply set_value to widgets drawn before st.navigation (the shared sidebar),
    so sidebar choices are made the way a shared link makes them: through the URL they are bound to.
    """
    use_store(store)
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.query_params.update(query)
    at.run()
    assert not at.exception
    return at


def test_change_partnership_and_period(raw: duckdb.DuckDBPyConnection, demo_store_path: Path,
                                      use_store: Callable[[Path], None]) -> None:
    at = _open({"csp": CAERPHILLY}, demo_store_path, use_store)
    end = at.selectbox(key="flt_end").value
    expected = independent_count(raw, "Caerphilly", add_months(end, -11), end)
    assert _tile(at, "All crime (excl. ASB)") == f"{expected:,}"
    assert at.selectbox(key="flt_csp").value == CAERPHILLY

    at = _open({"csp": CAERPHILLY, "end": "2024-12", "len": "6"}, demo_store_path, use_store)
    expected = independent_count(raw, "Caerphilly", date(2024, 7, 1), date(2024, 12, 1))
    assert _tile(at, "All crime (excl. ASB)") == f"{expected:,}"
    asb = independent_count(raw, "Caerphilly", date(2024, 7, 1), date(2024, 12, 1), asb=True)
    assert _tile(at, "Anti-social behaviour") == f"{asb:,}"
    assert any("Jul 2024 – Dec 2024" in c.value for c in at.caption)


def test_exceptions_plan_and_freshness(overview: AppTest) -> None:
    texts = " ".join(m.value for m in overview.markdown)
    assert "Unusual months" in texts and "Wards with a real change" in texts
    # the action plan's RAG is shown with symbol and word, and its rule is stated
    # the plan summary is a plain markdown table: read its Status column back (cells unescaped)
    table = next(m.value for m in overview.markdown if m.value.startswith("| Status |"))
    rows = [[re.sub(r"\\(.)", r"\1", c).strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            for line in table.split("\n")[2:]]
    statuses = pd.Series([r[0] for r in rows])
    assert len(statuses) >= 3
    assert statuses.str.match(r"^[✖▲✔○★] (Red|Amber|Green|Not started|Complete)$").all(), statuses.tolist()
    assert any("Status rule" in c.value for c in overview.caption)
    banners = [i.value for i in overview.info] + [w.value for w in overview.warning]
    assert any("Police.uk data to" in b for b in banners)


def test_bad_link_values_fall_back_with_a_note(demo_store_path: Path, use_store: Callable[[Path], None]) -> None:
    at = _open({"csp": "<script>", "end": "2099-13"}, demo_store_path, use_store)
    assert any("isn't available" in i.value for i in at.info)
    assert _tile(at, "All crime (excl. ASB)")


def test_every_spc_signal_is_shown(overview: AppTest, raw: duckdb.DuckDBPyConnection) -> None:
    """No silent cut: every signal of the last three months is listed, the ones past two per crime type behind
    '…and N more' (issue 17: an 'above the upper limit' robbery month was hidden)."""
    from cspdash.metrics import crime

    end = raw.execute("SELECT max(month) FROM published_month WHERE source = 'street'").fetchone()[0]  # type: ignore[index]
    found = crime.recent_signals(raw, NEWPORT, "Gwent Police", end)
    assert found.groupby("crime_type").size().max() > 2  # the demo has a crime type with more than two
    text = "\n".join(m.value for m in overview.markdown)
    missing = [s for s in found["sentence"] if s not in text]
    assert not missing, missing
    assert any(e.label.startswith("…and ") and "more signal" in e.label for e in overview.expander)
    assert any(f"{len(found)} signals in all, every one listed" in c.value for c in overview.caption)


def test_no_period_end_offers_a_window_with_months_missing(demo_store_path: Path,
                                                          use_store: Callable[[Path], None]) -> None:
    """Found by a councillor: the sidebar offered Jul 2022, the first month loaded, as the end of a 12-month period,
    and the tile read '1,349 in Aug 2021 – Jul 2022', one month shown as a year, with a red 'new' change. The
    period's length is now chosen first, and only ends whose whole period is loaded are offered."""
    at = _open({"csp": CAERPHILLY, "len": "12"}, demo_store_path, use_store)
    ends = at.selectbox(key="flt_end").options
    assert ends[-1] == "Jun 2023" and ends[0] == "Jun 2025", ends  # months loaded: Jul 2022 .. Jun 2025
    labels = [s.label for s in at.sidebar.selectbox]
    assert labels.index("Period length") < labels.index("Period ending"), labels
    at = _open({"csp": CAERPHILLY, "len": "3"}, demo_store_path, use_store)
    assert at.selectbox(key="flt_end").options[-1] == "Sep 2022"
    # a link to an end with missing months falls back with a note, never shows a part-loaded period
    at = _open({"csp": CAERPHILLY, "end": "2022-07", "len": "12"}, demo_store_path, use_store)
    assert at.selectbox(key="flt_end").value != date(2022, 7, 1)
    assert any("isn't available" in i.value for i in at.info)


def test_a_tile_gives_no_percentage_against_a_period_with_months_missing(demo_store_path: Path,
                                                                         use_store: Callable[[Path], None]) -> None:
    """The 12 months to Jul 2023 against a previous 12 months of which one is loaded: no red '▲ +1114%' (the
    verdict line says there is no verdict, and why)."""
    at = _open({"csp": NEWPORT, "end": "2023-07", "len": "12"}, demo_store_path, use_store)
    tile = next(t for t in tiles(at) if t["label"] == "All crime (excl. ASB)")
    assert "change" not in tile and "no verdict: only 1 of 12 months" in tile["verdict"], tile


def test_the_headline_chart_says_asb_is_left_out(overview: AppTest) -> None:
    """Found by a councillor: the chart was titled 'All recorded crime in Newport' but leaves ASB out, as the tile
    beside it ('All crime (excl. ASB)') and Crime trends ('excluding ASB') say."""
    import json

    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in overview.get("plotly_chart")]
    assert titles and titles[0] == "Newport: all crime (excl. ASB) by month", titles  # one line (42 characters)
