"""Public output plays the attacker: nothing sent to the browser gives back a hidden small count.

The Hot spots page is opened in public-output mode (CSPDASH_PUBLIC_OUTPUT=1) on the demo store with the view an
adversarial review used (Newport, Possession of weapons, counts by LSOA), and with the rate, harm and ward views.
Everything the browser receives is collected: every element's protobuf (figure JSON with its z/y/x/customdata and
hover text, table data, markdown), and every download's bytes. Then each hidden cell (a count of 1–4, or a cell
hidden beside it) is attacked: its count read directly, harm ÷ the shipped weight, rate × residents ÷ 1,000,
share × total ÷ 100, and the totals (the partnership's, each ward's) minus the counts shown beside them, solved
as intervals. No attack may recover any hidden cell.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from cspdash.metrics import hotspots as hs
from cspdash.store.versions import Store
from tests.trust.public_mode import public_output

ROOT = Path(__file__).resolve().parents[2]
NEWPORT = "W06000022"
WEAPONS = "Possession of weapons"
PERIOD = {"end": "2025-06", "len": "12"}
DOWNLOADS: list[tuple[str, Any]] = []


@pytest.fixture(scope="module", autouse=True)
def public_mode(demo_store_path: Path) -> Iterator[None]:
    with public_output(demo_store_path, DOWNLOADS):
        yield


# ---------------------------------------------------------------------------------------------- what is sent
def _elements(node: Any) -> Iterator[Any]:
    proto = getattr(node, "proto", None)
    if proto is not None and not hasattr(node, "children"):
        yield node
    for child in getattr(node, "children", {}).values():
        yield from _elements(child)


def _decode(value: Any) -> Any:
    """plotly's typed arrays ({'dtype': 'f8', 'bdata': base64}) as lists; anything else as it is."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).tolist()
    return value


def _sent(at: AppTest) -> tuple[list[dict], list[pd.DataFrame], str]:
    """(figure traces, tables and CSV downloads, all the text) the browser received on the last run."""
    traces: list[dict] = []
    frames: list[pd.DataFrame] = []
    texts: list[str] = []
    for element in _elements(at._tree):
        proto = element.proto
        if proto.DESCRIPTOR.name == "PlotlyChart":
            for trace in json.loads(proto.spec)["data"]:
                traces.append({k: _decode(v) for k, v in trace.items()})
            texts.append(proto.spec)
        elif proto.DESCRIPTOR.name in ("Arrow", "Dataframe") and isinstance(element.value, pd.DataFrame):
            frames.append(element.value)
            texts.append(element.value.to_csv())
        else:
            texts.append(json.dumps(MessageToDict(proto)))
    for _label, data in DOWNLOADS:
        raw = data.encode() if isinstance(data, str) else data
        if isinstance(raw, bytes) and raw[:4] not in (b"%PDF", b"PK\x03\x04"):
            texts.append(raw.decode("utf-8", "replace"))
            try:
                frames.append(pd.read_csv(io.BytesIO(raw)))
            except Exception:
                pass
    return traces, frames, "\n".join(texts)


def _open(query: dict[str, str]) -> AppTest:
    DOWNLOADS.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    for key, value in {"csp": NEWPORT, **PERIOD, **query}.items():
        at.query_params[key] = value
    at.switch_page("pages/hotspots.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ---------------------------------------------------------------------------------------------- the truth
def _truth(store_path: Path, level: str, crime_types: tuple[str, ...]) -> pd.DataFrame:
    from cspdash.metrics.period import Period

    con = Store(store_path).connect_read()
    try:
        period = Period(pd.Timestamp(PERIOD["end"] + "-01").date(), int(PERIOD["len"]))
        spots = hs.hot_spots(con, NEWPORT, level, period.start, period.end, period.previous_start,
                             period.previous_end, "count", "boundary", crime_types, hs.default_weights())
    finally:
        con.close()
    return spots


def _numbers(text: str) -> set[float]:
    """The figures in a hover text, after the area's name (its first line, e.g. 'Newport 006A') and '<5'."""
    figures = text.split("<br>", 1)[1] if "<br>" in text else text
    figures = figures.replace("<5", "")
    return {float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", figures)}


def _recovers(value: float, count: int, residents: float, weight: float, total: float) -> bool:
    """value gives the count back read as a count, a rate, a harm score or a share of the total."""
    if not np.isfinite(value):
        return False
    guesses = [value, value * residents / 1000 if residents == residents else np.nan, value / weight,
               value * total / 100]
    return any(np.isfinite(g) and round(g) == count and abs(g - count) < 0.051 * max(1, count) for g in guesses)


def _interval_recovered(values: list[int], hidden: list[bool], shown_small: list[bool], total: int) -> list[bool]:
    """An attacker's solve of ``total`` = Σ cells: a '<5' cell lies in 1..4, another hidden cell in 5.., a shown
    cell is known; a hidden cell with one possible value is recovered (written here apart from the app's rule)."""
    known = sum(v for v, h in zip(values, hidden, strict=True) if not h)
    rest = total - known
    lows = [(1 if s else 5) if h else 0 for h, s in zip(hidden, shown_small, strict=True)]
    highs = [(4 if s else 10**9) if h else 0 for h, s in zip(hidden, shown_small, strict=True)]
    out = []
    for i, h in enumerate(hidden):
        low = max(lows[i], rest - (sum(highs) - highs[i]))
        high = min(highs[i], rest - (sum(lows) - lows[i]))
        out.append(h and low == high)
    return out


def _shown_counts(frames: list[pd.DataFrame], codes: list[str]) -> dict[str, str]:
    """Each area's count as the map download shows it (text: '12', '<5' or '[c]')."""
    for frame in frames:
        if {"area_code", "crimes"} <= set(frame.columns) and set(codes) <= set(frame["area_code"].astype(str)):
            return dict(zip(frame["area_code"].astype(str), frame["crimes"].astype(str), strict=True))
    raise AssertionError("the map's download with every area's count was not sent")


_WARDS: dict[str, dict[str, str]] = {}


def _ward_counts_shown(crime_type: str) -> dict[str, str]:
    """Each ward's count as the ward view's map download gives it (what an attacker adds to the LSOA view)."""
    if crime_type not in _WARDS:
        at = _open({"measure": "count", "level": "ward", "type": crime_type})
        _traces, frames, _text = _sent(at)
        frame = next(f for f in frames if {"area_code", "crimes"} <= set(f.columns))
        _WARDS[crime_type] = dict(zip(frame["area_code"].astype(str), frame["crimes"].astype(str), strict=True))
    return _WARDS[crime_type]


#: table columns that are not worked out from an area's count (how many periods it was a hot spot, of how many)
NOT_FROM_COUNTS = ("hot_periods", "periods")
VIEWS = [
    {"measure": "count", "level": "lsoa", "type": WEAPONS},
    {"measure": "rate", "level": "lsoa", "type": WEAPONS},
    {"measure": "harm", "level": "lsoa", "type": WEAPONS},
    {"measure": "count", "level": "ward", "type": WEAPONS},
]


@pytest.mark.parametrize("view", VIEWS, ids=[f"{v['measure']}-{v['level']}" for v in VIEWS])
def test_no_hidden_count_is_recovered_from_what_the_browser_receives(view: dict[str, str],
                                                                      demo_store_path: Path) -> None:
    truth = _truth(demo_store_path, view["level"], (WEAPONS,))
    weight = dict(hs.default_weights())[WEAPONS]
    total = int(truth["crimes"].sum())
    small = truth[truth["crimes"].between(1, 4)]
    assert len(small) >= (10 if view["level"] == "lsoa" else 3), "the attack needs small counts to attack"
    at = _open(view)
    traces, frames, text = _sent(at)
    codes = truth["area_code"].astype(str).tolist()
    shown = _shown_counts(frames, codes)
    hidden = {c for c, v in shown.items() if not re.fullmatch(r"\d+", v.replace(",", ""))}
    assert set(small["area_code"]) <= hidden, "every count of 1–4 is hidden"
    recovered: list[str] = []
    rows = truth.set_index("area_code")
    # 1. figure data: the value drawn for a hidden area (z, or anything per location) gives no count back
    for trace in traces:
        locations = trace.get("locations") or []
        for key in ("z", "customdata", "text", "hovertext"):
            values = trace.get(key)
            if not isinstance(values, list) or len(values) != len(locations):
                continue
            for code, value in zip(locations, values, strict=True):
                if code not in hidden or code not in rows.index:
                    continue
                row = rows.loc[code]
                numbers = _numbers(str(value)) if isinstance(value, str) else {float(value)} if isinstance(
                    value, int | float) else set()
                if key == "z" and trace.get("showscale") is False and len(set(trace["z"])) == 1:
                    continue  # one colour for every area of the layer (the grey "no value" layer, a class map)
                if any(_recovers(n, int(row["crimes"]), row["residents"], weight, total) for n in numbers):
                    recovered.append(f"{key} of {code}")
    # 2. every table and download row about a hidden area
    for frame in frames:
        key = next((c for c in frame.columns if str(c).lower() in ("area_code",)), None)
        if key is None:
            continue
        for _, record in frame[frame[key].astype(str).isin(hidden)].iterrows():
            row = rows.loc[str(record[key])]
            for column, value in record.items():
                number = pd.to_numeric(pd.Series([value]), errors="coerce").iat[0]
                if column not in (key, *NOT_FROM_COUNTS) and pd.notna(number) and _recovers(float(number), int(row["crimes"]),
                                                                    row["residents"], weight, total):
                    recovered.append(f"{column} of {record[key]} in a table")
    # 3. totals minus parts: the partnership's total, and at LSOA level each ward's (from the ward view)
    groups = [codes]
    if view["level"] == "lsoa":  # each ward whose count the ward view shows
        wards = _ward_counts_shown(view["type"])
        groups += [list(g) for w, g in truth.groupby("ward_code")["area_code"]
                   if re.fullmatch(r"\d+", wards.get(str(w), ""))]
        assert len(groups) > 5
    for group in groups:
        values = [int(rows.loc[c, "crimes"]) for c in group]
        flags = [c in hidden for c in group]
        smalls = [shown[c] == "<5" for c in group]
        for code, hit in zip(group, _interval_recovered(values, flags, smalls, sum(values)), strict=True):
            if hit:
                recovered.append(f"{code} from a total minus its shown parts")
    assert not recovered, recovered
    assert "Possession of weapons" in text


def test_the_attack_recovers_counts_when_nothing_is_hidden(demo_store_path: Path) -> None:
    """Guard: the same attacks on the unprotected figures recover the small counts (harm ÷ weight, rate)."""
    truth = _truth(demo_store_path, "lsoa", (WEAPONS,))
    weight = dict(hs.default_weights())[WEAPONS]
    total = int(truth["crimes"].sum())
    small = truth[truth["crimes"].between(1, 4)]
    by_harm = sum(_recovers(h, c, r, weight, total) for h, c, r in zip(small["harm"], small["crimes"],
                                                                       small["residents"], strict=True))
    by_rate = sum(_recovers(v, c, r, 1e9, 1e9) for v, c, r in zip(small["rate"], small["crimes"], small["residents"],
                                                                  strict=True))
    assert by_harm == len(small) and by_rate >= len(small) * 0.8
    values = [1, 7, 9]
    assert _interval_recovered(values, [True, False, False], [True, False, False], 17) == [True, False, False]
    assert _interval_recovered([1, 7, 9], [True, True, False], [True, False, False], 17) == [False, False, False]


def test_drilldown_sends_no_small_monthly_or_mix_count(demo_store_path: Path) -> None:
    """The drill-down of a shown area: no month, crime type or outcome group of 1–4 in its figures' data."""
    truth = hs.disclose(_truth(demo_store_path, "lsoa", (WEAPONS,)), "lsoa", "95")
    area = str(truth[~truth["hidden"]].sort_values("crimes", ascending=False)["area_code"].iat[0])
    at = _open({"measure": "count", "level": "lsoa", "type": WEAPONS, "area": area})
    traces, frames, _text = _sent(at)
    found = []
    for trace in traces:
        if trace.get("type") in ("bar", "scatter") and trace.get("name") != "% of crimes":
            for axis in ("x", "y"):
                values = [v for v in trace.get(axis) or [] if isinstance(v, int | float)]
                if any(1 <= v <= 4 and float(v).is_integer() for v in values):
                    found.append(f"{trace.get('name')} {axis}")
    assert not found, found
    assert any(t.get("type") == "bar" for t in traces), "the crime mix is drawn"
