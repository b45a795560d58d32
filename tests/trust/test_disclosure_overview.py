"""Public output on the overview: a small partnership-level count shows as <5, without the change or z that would
give it back; outside public output the same tile shows the count and its change (so the test can fail)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cspdash.metrics.period import add_months
from cspdash.store.versions import Store
from tests.app.tiles import tiles

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
FORCE = "Test Police"
MONTHS = [add_months(date(2024, 1, 1), i) for i in range(24)]


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One partnership whose priority crime type (robbery) has 3 crimes in the last 12 months and 7 before."""
    path = tmp_path_factory.mktemp("small") / "small.duckdb"
    with Store(path).write() as con:
        con.execute("INSERT INTO local_authority (la_code, la_name) VALUES ('A1', 'Alpha')")
        con.execute("INSERT INTO partnership (partnership_code, partnership_name, force) VALUES ('P1', 'Alpha', ?)",
                    [FORCE])
        con.execute("INSERT INTO partnership_la (partnership_code, la_code) VALUES ('P1', 'A1')")
        con.execute("INSERT INTO ward (ward_code, ward_name, la_code) VALUES ('W1', 'Northside', 'A1')")
        con.execute("INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, ward_code, la_code) VALUES "
                    "('L1', 'Alpha 001A', 2021, 'W1', 'A1')")
        rows = [(FORCE, m, "L1", "A1", "Burglary", 20) for m in MONTHS]
        rows += [(FORCE, m, "L1", "A1", "Robbery", 1) for m in (MONTHS[2], MONTHS[5], MONTHS[7], MONTHS[8],
                                                                  MONTHS[9], MONTHS[10], MONTHS[11])]
        rows += [(FORCE, m, "L1", "A1", "Robbery", 1) for m in (MONTHS[13], MONTHS[17], MONTHS[23])]
        con.executemany("INSERT INTO agg_crime_month_lsoa (force, month, lsoa_code, la_code, crime_type, crimes) "
                        "VALUES (?, ?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT INTO published_month (source, force, month, load_id, rows) "
                        "VALUES ('street', ?, ?, 1, 100)", [(FORCE, m) for m in MONTHS])
        con.execute("INSERT INTO priority (priority_id, partnership_code, title, lead_partner, crime_types) VALUES "
                    "('P1-1', 'P1', 'Robbery', 'Police', 'Robbery')")
    return path


def _overview(public: bool, monkeypatch: pytest.MonkeyPatch, store: Path, tmp_path: Path) -> AppTest:
    monkeypatch.setenv("CSPDASH_DB", str(store))
    monkeypatch.setenv("CSPDASH_USERS", "")
    monkeypatch.setenv("CSPDASH_PUBLIC_OUTPUT", "1" if public else "0")
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.query_params["csp"] = "P1"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.toggle(key="tile_table").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _robbery_row(at: AppTest) -> pd.Series:
    table = next(d.value for d in at.dataframe if "Chance if nothing changed" in d.value.columns)
    return table[table["Crime type"].str.contains("Robbery", case=False)].iloc[0]


def test_a_small_count_tile_hides_its_change(small_store: Path, monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    plain = _overview(False, monkeypatch, small_store, tmp_path)
    row = _robbery_row(plain)
    assert (int(row.iloc[1]), int(row.iloc[2])) == (3, 7)  # the store's robbery counts, current and previous
    assert pd.notna(row["Change (%)"]) and pd.notna(row["Chance if nothing changed"])
    assert "3" in [t["value"] for t in tiles(plain)]

    public = _overview(True, monkeypatch, small_store, tmp_path)
    row = _robbery_row(public)
    # the 7 is hidden too ('[c]', since the Overview reads the pages' protection): robbery's months are 1 or 0, and
    # 0s are shown, so 7 over the seven months of 1–4 would pin each at 1 (it was shown before)
    assert (str(row.iloc[1]), str(row.iloc[2])) == ("<5", "[c]")
    assert pd.isna(row["Change (%)"]) and pd.isna(row["Chance if nothing changed"])
    shown = tiles(public)
    assert "<5" in [t["value"] for t in shown] and "3" not in [t["value"] for t in shown]
    robbery = next(t for t in shown if t["value"] == "<5")
    assert "change" not in robbery and "z =" not in robbery["detail"] and "3 in" not in robbery["detail"]
    assert robbery["verdict"] == "Too few crimes to compare in public output."
