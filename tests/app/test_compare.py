"""The "How do we compare?" page and the Overview's comparison section on the Gwent demo store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")


def open_compare(store: Path, use_store: Callable[[Path], None], **query: str) -> AppTest:
    use_store(store)
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.query_params.update({"csp": "W06000022", **query})
    at.run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    return at


def _text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info])


def test_compare_page_answers_in_one_sentence(demo_store_path: Path, use_store: Callable[[Path], None]) -> None:
    at = open_compare(demo_store_path, use_store)
    text = _text(at)
    assert "Newport's recorded crime (excluding ASB) rate was 118.3 per 1,000 residents" in text  # 18,878 / 159,569 Census 2021 residents, from the raw files
    assert "rank 2 of 5 partnerships loaded"  # Blaenau Gwent 120.3 is first in text
    assert "within the 95% limits: in line with areas of its size (with only 5 partnerships to compare, the limits are wide" in text
    # the similar group: one of 15 loaded (Caerphilly), no group verdict, the forces that would complete it
    assert "1 of Newport's 15 most similar partnerships has police.uk data loaded" in text
    assert "with fewer than 5 loaded there is no verdict against the similar group" in text
    assert "Loading the police.uk files of Cambridgeshire, Cleveland" in text
    assert "With only 5 partnerships loaded" in text  # the limit of a 5-area funnel, said honestly
    assert len(at.get("plotly_chart")) == 3  # side by side, funnel, rate over time


def test_crime_type_choice_changes_the_answer(demo_store_path: Path, use_store: Callable[[Path], None]) -> None:
    at = open_compare(demo_store_path, use_store, ct="Shoplifting")
    assert "Newport's shoplifting rate was 13.5 per 1,000 residents" in _text(at)


@pytest.mark.parametrize("public", ["0", "1"])
def test_compare_page_in_both_output_modes(demo_store_path: Path, use_store: Callable[[Path], None],
                                           monkeypatch: pytest.MonkeyPatch, public: str) -> None:
    monkeypatch.setenv("CSPDASH_PUBLIC_OUTPUT", public)
    at = open_compare(demo_store_path, use_store, ct="Theft from the person")
    assert "rate was" in _text(at)  # partnership-level counts here are far above 4


def test_overview_section_gives_the_answer_and_tiles_show_rates(demo_store_path: Path,
                                                                 use_store: Callable[[Path], None]) -> None:
    use_store(demo_store_path)
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.query_params.update({"csp": "W06000022"})
    at.run()
    assert not at.exception
    assert any(s.value == "How do we compare?" for s in at.subheader)
    text = _text(at)
    assert "Newport's recorded crime (excluding ASB) rate was 118.3 per 1,000 residents" in text  # 18,878 / 159,569 Census 2021 residents, from the raw files
    assert "1 of its 15 most similar partnerships in England and Wales is loaded, too few for a verdict" in text
    assert "Why this is fair" in text
    tiles = "\n".join(str(h.proto.body) for h in [*at.get("html"), *at.get("markdown")])  # tiles: st.markdown
    assert "118.3 against 116.8 per 1,000 residents" in tiles  # 18,878 and 18,634 crimes over 159,569 residents (raw files)


def test_partnership_without_population_is_explained(demo_store_path: Path, use_store: Callable[[Path], None],
                                                      tmp_path: Path) -> None:
    import shutil

    import duckdb

    copy = tmp_path / "nopop.duckdb"
    shutil.copy(demo_store_path.resolve(), copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("DELETE FROM population WHERE area_code IN "
                    "(SELECT lsoa_code FROM areas WHERE partnership_code = 'W06000021')")
    at = open_compare(copy, use_store, csp="W06000021")
    text = _text(at)
    assert "Monmouthshire's recorded crime (excluding ASB) rate cannot be compared" in text
    assert "has no population figure" in text
    assert "a funnel needs at least 5" in text


def test_public_output_suppresses_counts_of_one_to_four(demo_store_path: Path, use_store: Callable[[Path], None],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # theft from the person, Apr–Jun 2025: Blaenau Gwent 1, Monmouthshire 4, the others 7 or more
    monkeypatch.setenv("CSPDASH_PUBLIC_OUTPUT", "1")
    at = open_compare(demo_store_path, use_store, csp="W06000019", ct="Theft from the person", len="3")
    assert "too few theft from the person to compare in public output" in _text(at)
    side = at.dataframe[0].value
    small = side[side["Area"].isin(["Blaenau Gwent", "Monmouthshire"])]
    assert list(small["Crimes"]) == ["<5", "<5"]
    assert small["Rate per 1,000 residents"].isna().all()  # a rate would give the count back
    assert "Torfaen" in set(side["Area"]) and "<5" not in set(side.loc[side["Area"] == "Torfaen", "Crimes"])
    summaries = [m.value for m in at.markdown if m.value.startswith("**In words:**")]
    assert not any("Blaenau Gwent" in s or "Monmouthshire" in s for s in summaries[:1])  # left out of the chart
