"""The crime trends page on the Gwent demo store: filters change what renders; figures match independent SQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from cspdash.store.versions import Store

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")


@pytest.fixture()
def raw(demo_store_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection (same configuration as the app's, as DuckDB requires within one process)."""
    con = Store(demo_store_path).connect_read()
    yield con
    con.close()


def open_trends(store: Path, use_store: Callable[[Path], None], **query: str) -> AppTest:
    """The trends page opened from a link carrying ``query``."""
    use_store(store)
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.query_params.update(query)
    at.run()
    at.switch_page("pages/trends.py").run()
    assert not at.exception
    return at


def count(con: duckdb.DuckDBPyConnection, council: str, crime_type: str | None, start: date, end: date) -> int:
    """Raw street rows by LSOA-name prefix (police.uk's own naming), independent of the aggregates."""
    row = con.execute(
        "SELECT count(*) FROM crimes WHERE lsoa_name LIKE ? AND month BETWEEN ? AND ? "
        "AND (crime_type = ? OR (? IS NULL AND crime_type <> 'Anti-social behaviour'))",
        [f"{council} %", start, end, crime_type, crime_type]).fetchone()
    assert row is not None
    return int(row[0])


def param(at: AppTest, name: str) -> str:
    """A URL parameter's value (AppTest gives a string or a one-item list)."""
    value = at.query_params[name]
    return value[0] if isinstance(value, list) else value


def summaries(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**In words:**")]


def test_default_view_states_the_latest_month(demo_store_path: Path, use_store: Callable[[Path], None],
                                             raw: duckdb.DuckDBPyConnection) -> None:
    at = open_trends(demo_store_path, use_store)
    june = count(raw, "Newport", None, date(2025, 6, 1), date(2025, 6, 1))
    assert f"Newport {june:,} incidents in Jun 2025" in summaries(at)[0]
    # every chart has a sentence and a download of its data
    assert len(summaries(at)) == len(at.get("plotly_chart"))
    assert len(at.get("download_button")) >= len(at.get("plotly_chart"))
    assert any("No stop-and-search data loaded" in i.value for i in at.info)


def test_crime_type_and_granularity(demo_store_path: Path, use_store: Callable[[Path], None],
                                    raw: duckdb.DuckDBPyConnection) -> None:
    at = open_trends(demo_store_path, use_store)
    at.selectbox(key="flt_type").set_value("Burglary").run()
    assert not at.exception
    june = count(raw, "Newport", "Burglary", date(2025, 6, 1), date(2025, 6, 1))
    assert summaries(at)[0].startswith(f"**In words:** Burglary: Newport {june:,} incidents in Jun 2025")
    at.selectbox(key="flt_grain").set_value("quarter").run()
    assert not at.exception
    quarter = count(raw, "Newport", "Burglary", date(2025, 4, 1), date(2025, 6, 1))
    assert f"Newport {quarter:,} incidents in 2025 Q2" in summaries(at)[0]
    assert (param(at, "type"), param(at, "grain")) == ("Burglary", "quarter")
    at.selectbox(key="flt_grain").set_value("fy").run()
    assert not at.exception
    year = count(raw, "Newport", "Burglary", date(2024, 4, 1), date(2025, 3, 1))
    assert f"Newport {year:,} incidents in 2024/25" in summaries(at)[0]


def test_partnership_from_link_and_rates(demo_store_path: Path, use_store: Callable[[Path], None],
                                         raw: duckdb.DuckDBPyConnection) -> None:
    at = open_trends(demo_store_path, use_store, csp="W06000019", end="2024-12")
    december = count(raw, "Blaenau Gwent", None, date(2024, 12, 1), date(2024, 12, 1))
    assert f"Blaenau Gwent {december:,} incidents in Dec 2024" in summaries(at)[0]
    at.selectbox(key="flt_measure").set_value("rate").run()
    assert not at.exception
    assert "per 1,000 residents" in summaries(at)[0]
    assert any("Rates use Census 2021 usual residents." in c.value for c in at.caption)
    assert not any("have no population figure" in c.value for c in at.caption)  # Census 2021 covers every LSOA


def test_wards_side_by_side_force_and_comparisons(demo_store_path: Path, use_store: Callable[[Path], None]) -> None:
    at = open_trends(demo_store_path, use_store)
    at.selectbox(key="flt_level").set_value("ward").run()
    assert not at.exception
    wards = at.multiselect(key="flt_area").value
    assert len(wards) == 3  # the three busiest wards by default
    assert summaries(at)[0].count("incidents in Jun 2025") == 3
    for mode in ("last_year", "rolling"):
        at.selectbox(key="flt_compare").set_value(mode).run()
        assert not at.exception
    at.selectbox(key="flt_level").set_value("partnership").run()
    at.selectbox(key="flt_compare").set_value("force").run()
    assert not at.exception
    assert "Gwent Police" in summaries(at)[0]


def test_spc_break_point_and_events(demo_store_path: Path, use_store: Callable[[Path], None]) -> None:
    at = open_trends(demo_store_path, use_store)
    breaks = at.selectbox(key="flt_break")
    assert breaks.options[0] == "No break: one set of limits"
    labelled = [i for i, o in enumerate(breaks.options) if "—" in o]
    assert labelled, "months when an action-plan event started are labelled with the event"
    breaks.select_index(labelled[0]).run()
    assert not at.exception
    assert any("recalculated from" in s for s in summaries(at))
    assert param(at, "break") not in ("", "none")


def test_bad_url_values_fall_back(demo_store_path: Path, use_store: Callable[[Path], None]) -> None:
    at = open_trends(demo_store_path, use_store, ct="DROP TABLE", grain="decade", level="galaxy", area="nowhere",
                     compare="x", measure="y", **{"break": "1999-01"})
    assert not at.exception
    assert at.selectbox(key="flt_grain").value == "month"
    assert at.selectbox(key="flt_type").value == "All crime"


def _trend_links(at: AppTest) -> list[dict[str, str]]:
    """The query of every link the page drew to Crime trends."""
    from urllib.parse import parse_qsl

    return [dict(parse_qsl(link.proto.query_string)) for link in at.get("page_link")
            if link.proto.page.removesuffix(".py").endswith("trends")]


def test_a_crime_type_link_from_the_overview_opens_that_type(demo_store_path: Path,
                                                            use_store: Callable[[Path], None]) -> None:
    """The Overview's 'See the … trend' links name the type as Hot spots does ('type'), and Crime trends opens it;
    a link written by hand with that name (the screenshot's trends?type=Burglary) opens Burglary too."""
    use_store(demo_store_path)
    overview = AppTest.from_file(DASHBOARD, default_timeout=120)
    overview.query_params.update({"csp": "W06000022", "end": "2025-06", "len": "12"})
    overview.run()
    assert not overview.exception
    typed = [query for query in _trend_links(overview) if "type" in query]
    assert typed, _trend_links(overview)
    for query in typed[:2]:
        at = open_trends(demo_store_path, use_store, **query)
        chosen = next(s for s in at.selectbox if s.label == "Crime type")
        assert chosen.value == query["type"] and param(at, "type") == query["type"]
        assert not [w for w in at.warning if "isn't available" in str(w.value)]
    at = open_trends(demo_store_path, use_store, type="Burglary", level="ward")
    assert next(s for s in at.selectbox if s.label == "Crime type").value == "Burglary"


def test_an_older_link_with_ct_still_opens_its_type(demo_store_path: Path, use_store: Callable[[Path], None]) -> None:
    at = open_trends(demo_store_path, use_store, ct="Robbery")
    assert next(s for s in at.selectbox if s.label == "Crime type").value == "Robbery"
    assert param(at, "type") == "Robbery" and "ct" not in at.query_params
