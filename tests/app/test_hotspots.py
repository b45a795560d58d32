"""AppTest of the hot spots page on the Gwent demo store: renders, reacts to filters, survives bad links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def _open(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/hotspots.py")
    at.run()
    return at


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


def _select(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(s for s in at.selectbox if s.label == label)


def _table(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    return next(d.value for d in at.dataframe if column in d.value.columns)


@pytest.fixture()
def hotspots_app(demo_store_path: Path, use_store) -> AppTest:  # type: ignore[no-untyped-def]
    use_store(demo_store_path)
    at = _open({"csp": "W06000022", "end": "2025-06", "len": "12"})
    assert not at.exception, at.exception
    return at


def test_page_renders_map_table_caveats_and_drilldown(hotspots_app: AppTest) -> None:
    at = hotspots_app
    assert at.title[0].value == "Hot spots"
    text = _text(at)
    assert "Locations are approximate" in text
    assert "had no location" in text
    assert "Census 2021 residents" in text
    assert "town centres" in text
    assert "Of 100 neighbourhoods (LSOAs)" in text  # the map summary: Newport has 100 LSOA boundaries
    assert len(at.get("plotly_chart")) >= 4  # map, persistence map, trend, crime mix (+ outcome mix)
    top = _table(at, "Top locations (On or near)")
    assert len(top) == 15
    assert top["Hot spot"].iloc[0].startswith("Hot spot")
    assert top["Top locations (On or near)"].iloc[0].startswith("On or near")
    # the drill-down defaults to the first row of the table
    area = _select(at, "Area to look into")
    assert area.options[0] == top["Area"].iloc[0]
    assert area.value == "W01001687"  # Newport 014D (Stow Hill, the city centre): the strongest hot spot
    assert "Newport 014D: crimes per month" in str(at.get("plotly_chart")[2].proto.spec)


def test_changing_measure_level_type_and_area(hotspots_app: AppTest) -> None:
    at = hotspots_app
    _select(at, "Measure").set_value("rate").run()
    assert not at.exception, at.exception
    assert "per 1,000 residents" in _text(at)
    assert at.query_params["measure"] == ["rate"] or at.query_params["measure"] == "rate"

    _select(at, "Areas").set_value("ward").run()
    assert not at.exception, at.exception
    assert "Of 21 wards" in _text(at)  # Newport has 21 electoral wards (2025)
    wards = _table(at, "Top locations (On or near)")
    assert (wards["Area"] == wards["Ward"]).all()

    _select(at, "Crime type").set_value("Burglary").run()
    assert not at.exception, at.exception
    top = _table(at, "Top locations (On or near)")
    assert top["Top crime types"].str.startswith("Burglary 100%").all()

    area = _select(at, "Area to look into")
    chosen = area.options[3]
    area.select_index(3).run()
    assert not at.exception, at.exception
    assert f"{chosen}: crimes per month" in " ".join(str(c.proto.spec) for c in at.get("plotly_chart"))
    assert at.query_params["area"] == _select(at, "Area to look into").value


def test_harm_measure_is_labelled_an_estimate(hotspots_app: AppTest) -> None:
    at = hotspots_app
    _select(at, "Measure").set_value("harm").run()
    assert not at.exception, at.exception
    text = _text(at)
    assert "Harm is an estimate" in text
    assert "Cambridge Crime Harm Index 2020" in text


def test_bad_link_values_fall_back_with_a_note(demo_store_path: Path, use_store) -> None:  # type: ignore[no-untyped-def]
    use_store(demo_store_path)
    at = _open({"csp": "W06000022", "measure": "DROP TABLE", "level": "msoa", "conf": "42", "area": "nowhere"})
    assert not at.exception, at.exception
    assert _select(at, "Measure").value == "count"
    assert _select(at, "Areas").value == "lsoa"
    assert _select(at, "Hot spot confidence").value == "95"
    assert any("isn't available" in str(i.value) for i in at.info)


def test_public_output_shows_small_counts_as_less_than_five(demo_store_path: Path, use_store,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    use_store(demo_store_path)
    monkeypatch.setenv("CSPDASH_PUBLIC_OUTPUT", "1")
    at = _open({"csp": "W06000022", "type": "Robbery", "level": "lsoa"})
    assert not at.exception, at.exception
    top = _table(at, "Top locations (On or near)")
    crimes = top["Crimes"].astype(str)
    # an area whose count is hidden has no rank either: it is left out of the top table
    assert not crimes.isin(["1", "2", "3", "4", "<5", "[c]"]).any(), crimes.tolist()
    assert "(<5)" in " ".join(top["Top locations (On or near)"])
    # a change beside a hidden previous count would give it back: blank on those rows
    hidden = top["Previous period"].astype(str).isin(["<5", "[c]"])
    assert hidden.any()
    assert (top.loc[hidden, "Change"].fillna("") == "").all(), top.loc[hidden, "Change"]
    assert top.loc[~hidden, "Change"].astype(str).str.len().gt(0).all()
    # outside public output the small-count areas are ranked in the table (so the checks above can fail)
    monkeypatch.setenv("CSPDASH_PUBLIC_OUTPUT", "0")
    plain = _table(_open({"csp": "W06000022", "type": "Robbery", "level": "lsoa"}), "Top locations (On or near)")
    assert plain["Crimes"].between(1, 4).any()
    assert plain["Previous period"].astype(str).isin(["1", "2", "3", "4"]).any()


def test_points_distance_neighbours_and_three_year_persistence(hotspots_app: AppTest) -> None:
    at = hotspots_app
    _select(at, "Crime locations layer").set_value("on").run()
    assert not at.exception, at.exception
    assert "busiest of" in _text(at)  # the points layer says how many of the anonymised points it shows
    map_spec = str(at.get("plotly_chart")[0].proto.spec)
    assert "Crime locations (anonymised points)" in map_spec and "white-bg" in map_spec

    _select(at, "Neighbours").set_value("distance").run()
    assert not at.exception, at.exception
    assert "smallest distance that gives every area at least one neighbour" in _text(at)

    _select(at, "Persistence over").set_value("years").run()
    assert not at.exception, at.exception
    titles = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in at.get("plotly_chart")]
    assert any("each of the last three years" in t.replace("<br>", " ") for t in titles), titles  # a long title wraps

    _select(at, "Street map background").set_value("on").run()
    assert not at.exception, at.exception
    assert "carto-positron" in str(at.get("plotly_chart")[0].proto.spec)


def test_in_words_names_the_chosen_crime_type(demo_store_path: Path, use_store) -> None:  # type: ignore[no-untyped-def]
    use_store(demo_store_path)
    at = _open({"csp": "W06000022", "end": "2025-06", "len": "12", "type": "Possession of weapons"})
    assert not at.exception, at.exception
    words = next(m.value for m in at.markdown if str(m.value).startswith("**In words:** Of "))
    assert "the most Possession of weapons crimes were in " in words, words
    assert "asb" not in words
