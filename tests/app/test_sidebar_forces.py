"""Partnerships grouped by force in the sidebar, and the Data page's geography notes, on a store made from three
forces' police.uk files alone (tests/fixtures/police_uk_national)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cspdash.ingest.load import load_paths
from cspdash.store.versions import Store

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = str(ROOT / "dashboard.py")


@pytest.fixture(scope="module")
def three_forces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = Store(tmp_path_factory.mktemp("forces") / "s.duckdb")
    load_paths(store, [ROOT / "tests" / "fixtures" / "police_uk_national"])
    return store.path


def _open(store: Path, use_store: Callable[[Path], None], **params: str) -> AppTest:
    use_store(store)
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def test_the_force_is_chosen_first_then_its_partnerships(three_forces: Path,
                                                         use_store: Callable[[Path], None]) -> None:
    at = _open(three_forces, use_store, csp="W14000015")
    force = at.sidebar.selectbox(key="flt_force")
    assert force.value == "South Wales Police"
    assert force.options == ["City of London Police", "South Wales Police", "West Yorkshire Police"]
    partnership = at.sidebar.selectbox(key="flt_csp")
    assert partnership.value == "W14000015"
    assert partnership.options == ["Bridgend", "Cardiff", "Cwm Taf", "Neath Port Talbot", "Swansea",
                                   "Vale of Glamorgan"]
    force.set_value("West Yorkshire Police").run()
    assert not at.exception
    assert at.sidebar.selectbox(key="flt_csp").options == ["Bradford", "Calderdale", "Kirklees", "Leeds",
                                                            "Wakefield"]


def test_data_page_names_the_geography_its_licence_and_the_force_table(three_forces: Path,
                                                                       use_store: Callable[[Path], None]) -> None:
    at = _open(three_forces, use_store)
    at.switch_page("pages/data.py").run()
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert "35,672 LSOAs" in info and "Open Government Licence v3.0" in info and "Welsh Government" in info
    assert any("British Transport Police records" in c.value for c in at.caption)
    forces = next(df.value for df in at.dataframe if "Force area code" in df.value.columns)
    assert len(forces) == 43
    assert forces.set_index("police.uk force (Falls within)").loc["Metropolitan Police Service",
                                                                  "Force area code"] == "E23000001"
