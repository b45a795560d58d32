"""Public output: the meeting briefing (page, pack and slides) hides what Crime trends and Hot spots hide.

It hid counts of 1–4 only: the pack's monthly chart drew the 8 all-crime months of Monmouthshire that Crime trends
hides beside small counts (the Overview's defect, found by a councillor's walk), its crime table gave totals over
those months, its SPC signals quoted them, and its hot spots table gave every area's Gi* z, which Hot spots leaves
out in public output. Checked on the demo store against the protection the pages use.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cspdash.metrics import public
from cspdash.metrics.area_disclosure import ALL_CRIME
from cspdash.metrics.meeting.briefing import briefing
from cspdash.metrics.public_overview import HIDDEN_CHANGE
from cspdash.store.versions import Store

MEETING = "MON-M-2025-07-16"  # Monmouthshire, data to Jun 2025, window Mar–Jun 2025


@pytest.fixture(scope="module")
def con(demo_store_path: Path) -> duckdb.DuckDBPyConnection:
    connection = Store(demo_store_path).connect_read()
    yield connection
    connection.close()


def test_the_briefings_monthly_series_has_a_gap_where_crime_trends_does(con: duckdb.DuckDBPyConnection) -> None:
    shown = briefing(con, MEETING, public=True)
    plain = briefing(con, MEETING, public=False)
    assert shown is not None and plain is not None
    primary, secondary = public.month_protection(con, "W06000021", "Gwent Police")[ALL_CRIME]
    months = [pd.Timestamp(m).date() for m in shown.monthly["month"]]
    hidden = [("partnership", "W06000021", "month", m) in primary | secondary for m in months]
    assert sum(hidden) == 8, "Monmouthshire's 8 hidden all-crime months (7 Dec 2026): the test could not fail"
    assert shown.monthly["crimes"].isna().tolist() == hidden
    assert plain.monthly["crimes"].notna().all()


def test_the_briefings_totals_and_signals_over_hidden_months_are_hidden(con: duckdb.DuckDBPyConnection) -> None:
    shown = briefing(con, MEETING, public=True)
    plain = briefing(con, MEETING, public=False)
    assert shown is not None and plain is not None
    gone = shown.crime_changes["current"].isna() | shown.crime_changes["previous"].isna()
    assert gone.sum() >= 5, "fewer hidden totals than on 7 Dec 2026: the test could not fail"
    for row in shown.crime_changes[gone].itertuples():
        assert row.sentence == HIDDEN_CHANGE and row.verdict is None and pd.isna(row.pct_change), row
        assert shown.count(row.current if pd.isna(row.current) else row.previous) == "[c]"
    assert len(plain.spc_signals) > 0 and len(shown.spc_signals) == 0
    assert plain.hot_spots["z_latest"].notna().any() and shown.hot_spots["z_latest"].isna().all()
