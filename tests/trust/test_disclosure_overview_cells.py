"""Public output: the Overview hides what Crime trends and Hot spots hide, not only counts of 1–4.

Found by a councillor's walk (Dec 2026): public Crime trends hid 8 of Monmouthshire's 36 all-crime months (hidden
beside small counts) and drew no process chart for them, while the public Overview drew all 36 months with the
limits, and its CSV gave every hidden month (425, 335, 358, …). Each test reads what the page sends (the charts'
figures, the CSV downloads, the tiles, the signal and ward lines) against the protection the other pages use.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cspdash.metrics import crime, public
from cspdash.metrics.area_disclosure import ALL_CRIME
from cspdash.metrics.period import Period, add_months
from cspdash.store.versions import Store
from tests.app.tiles import tiles
from tests.trust.public_mode import public_output

ROOT = Path(__file__).resolve().parents[2]
FORCE = "Gwent Police"
MONMOUTHSHIRE = "W06000021"
END = date(2025, 6, 1)
DOWNLOADS: list[tuple[str, Any]] = []


@pytest.fixture(scope="module", autouse=True)
def public_mode(demo_store_path: Path) -> Iterator[None]:
    with public_output(demo_store_path, DOWNLOADS):
        yield


def _overview(partnership: str, months: int = 12, end: date = END) -> AppTest:
    DOWNLOADS.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=240)
    for key, value in {"csp": partnership, "end": end.strftime("%Y-%m"), "len": str(months)}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _traces(at: AppTest) -> list[dict[str, Any]]:
    out = []
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            decoded = {}
            for key, value in trace.items():
                if isinstance(value, dict) and "bdata" in value:
                    value = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).tolist()
                decoded[key] = value
            out.append(decoded)
    return out


def _month(value: object) -> date | None:
    try:
        stamp = pd.Timestamp(str(value))
    except ValueError:
        return None
    return date(stamp.year, stamp.month, 1)


@pytest.fixture(scope="module")
def truth(demo_store_path: Path) -> dict[str, Any]:
    """Monmouthshire's all-crime months in the Overview's 36-month window, and the ones the protection hides."""
    con = Store(demo_store_path).connect_read()
    try:
        months = crime.month_range(add_months(END, -35), END)
        primary, secondary = public.month_protection(con, MONMOUTHSHIRE, FORCE)[ALL_CRIME]
        hidden = [m for m in months if ("partnership", MONMOUTHSHIRE, "month", m) in primary | secondary]
        series = crime.spc_series(con, MONMOUTHSHIRE, FORCE, "partnership", MONMOUTHSHIRE, "All crime",
                                  months[0], END, None).chart
        counts = {_month(m): float(v) for m, v in zip(series["month"], series["value"], strict=True)}
    finally:
        con.close()
    return {"hidden": hidden, "counts": counts}


def test_the_overview_chart_and_its_csv_give_back_no_month_crime_trends_hides(truth: dict[str, Any]) -> None:
    hidden = truth["hidden"]
    assert hidden, "the protection hides none of Monmouthshire's months: the test could not fail"
    at = _overview(MONMOUTHSHIRE)
    found = []
    for trace in _traces(at):
        for x, y in zip(trace.get("x") or [], trace.get("y") or [], strict=False):
            month = _month(x)
            if month in hidden and y is not None and np.isfinite(y) and float(y) == truth["counts"][month]:
                found.append((trace.get("name"), month, y))
    assert not found, f"the Overview's chart draws months Crime trends hides: {found[:5]}"
    for label, data in DOWNLOADS:
        if isinstance(data, bytes | str) and "month" in (text := data if isinstance(data, str) else data.decode()):
            frame = pd.read_csv(io.StringIO(text))
            for row in frame.itertuples():
                month = _month(getattr(row, "month", None) or getattr(row, "period", None))
                for column in ("crimes", "value"):
                    value = pd.to_numeric(pd.Series([getattr(row, column, None)]), errors="coerce").iat[0]
                    assert not (month in hidden and value == truth["counts"][month]), (label, month, value)
    text = " ".join(c.value for c in at.caption)
    assert f"{len(hidden)} of these 36 months are hidden" in text and "no process limits" in text


def test_signals_are_withheld_for_a_series_with_a_hidden_month(truth: dict[str, Any]) -> None:
    at = _overview(MONMOUTHSHIRE)
    captions = " ".join(c.value for c in at.caption)
    assert "Public output gives no signals for" in captions and "all recorded crime" in captions.lower()
    assert not any("All recorded crime" in m.value and "**" in m.value and "- " in m.value[:3]
                   for m in at.markdown), "a signal of the all-crime series is listed"


@pytest.mark.parametrize("partnership,months,end", [
    ("W06000021", 6, date(2024, 7, 1)),  # Monmouthshire: both all-crime totals (3,315 and 2,621) hidden
    ("W06000022", 12, date(2024, 10, 1)),  # Newport: the previous year's shoplifting (1,852) hidden
    ("W06000020", 12, date(2024, 10, 1)),  # Torfaen: this year's possession of weapons (79) hidden
])
def test_a_tile_whose_total_the_protection_hides_shows_no_count_or_change(partnership: str, months: int, end: date,
                                                                         demo_store_path: Path) -> None:
    period = Period(end, months)
    con = Store(demo_store_path).connect_read()
    try:
        protection = public.partnership_protection(con, partnership, FORCE)
        raw = crime.headline_changes(con, partnership, period, tuple(crime.priority_crime_types(con, partnership)))
    finally:
        con.close()
    at = _overview(partnership, months, end)
    shown = tiles(at)
    assert len(shown) == len(raw), (len(shown), len(raw))
    checked = 0
    for row, tile in zip(raw.itertuples(), shown, strict=True):  # the tiles in the frame's order
        choice = public.protected_choice(crime.crime_types_for(str(row.crime_type)))
        primary, secondary = protection.get(choice or "", (frozenset(), frozenset()))
        now = ("partnership", partnership, "window", (period.start, period.end))
        before = ("partnership", partnership, "window", (period.previous_start, period.previous_end))
        if not (now in primary | secondary or before in primary | secondary) or min(row.current, row.previous) < 5:
            continue
        checked += 1
        assert "%" not in tile.get("change", ""), tile
        text = " ".join(tile.values())
        if now in primary | secondary:
            assert tile["value"] == "[c]" and f"{int(row.current):,}" not in text, tile
        if before in primary | secondary:
            assert f"{int(row.previous):,}" not in text, tile
    assert checked, "no tile's total is hidden here: the case could not fail"


def test_a_ward_line_gives_back_no_total_the_protection_hides(demo_store_path: Path) -> None:
    """Newport, the 12 months to Dec 2024: Bettws (1,400 against 938) and Rogerstone North (144 against 62) are
    real changes, and the protection hides one of each ward's totals; on main both lines gave them."""
    period = Period(date(2024, 12, 1), 12)
    con = Store(demo_store_path).connect_read()
    try:
        primary, secondary = public.partnership_protection(con, "W06000022", FORCE)[ALL_CRIME]
        wards = crime.ward_changes(con, "W06000022", period)
    finally:
        con.close()
    hidden = []
    for row in wards[wards["verdict"] == "significant"].itertuples():
        for key, value in (((period.start, period.end), row.current), ((period.previous_start, period.previous_end),
                                                                        row.previous)):
            if ("ward", str(row.ward_code), "window", key) in primary | secondary:
                hidden.append((str(row.ward_name), f"{int(value):,}"))
    assert len(hidden) >= 2, f"fewer hidden ward totals than on 7 Dec: {hidden}"
    at = _overview("W06000022", 12, period.end)
    page = "\n".join(m.value for m in at.markdown)
    for name, figure in hidden:
        lines = [line for line in page.splitlines() if name in line]
        assert not any(figure in line for line in lines), (name, figure, lines)
