"""The Data page: completeness, load log and rejected rows on the demo store; the upload box by role."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")


@pytest.fixture()
def data_page(demo_store_path: Path, use_store: Callable[[Path], None]) -> AppTest:
    use_store(demo_store_path)
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    return at


def test_data_page_shows_completeness_and_load_log(data_page: AppTest) -> None:
    assert data_page.title[0].value == "Data"
    # 36 months of Gwent street data, all complete
    assert any("is published for every force loaded" in s.value for s in data_page.success)
    frames = [df.value for df in data_page.dataframe]
    completeness = next(f for f in frames if "Status" in f.columns)
    assert len(completeness) == 36 and set(completeness["Status"]) == {"ok"}
    assert completeness["Month"].iloc[0] == "2022-07"
    log = next(f for f in frames if "Rows loaded" in f.columns)
    # sources by their plain names, never the store's codes (the failure: 'police_uk_street', 'action_plan')
    assert not log["Source"].str.contains("_").any(), sorted(set(log["Source"]))
    assert {"police.uk street crime", "police.uk outcomes", "Action plan workbook"} <= set(log["Source"])
    street = log[log["Source"] == "police.uk street crime"]
    assert len(street) == 36 and int(street["Rows loaded"].sum()) == 202_374
    # every table has its CSV download
    labels = [b.label for b in data_page.get("download_button")]
    assert any("completeness" in label for label in labels) and any("load log" in label for label in labels)
