"""Public output plays the attacker on Hot spots together with Crime trends: month × area, period × area.

The attacker opens Hot spots (CSPDASH_PUBLIC_OUTPUT=1, demo store, Newport, Possession of weapons, the 12 months to
June 2025) as counts, rates and harm by LSOA and counts by ward, then the drill-down of each LSOA of one ward and of
that ward (its monthly series: chart y and CSV; an LSOA's must send none, as public output never publishes an
LSOA's months), and Crime trends for the partnership's and the wards' months.
Everything the browser receives is read (the map's figure JSON: z, customdata and hover text per location; every
table and CSV download: counts, '<5', '[c]', rate × residents ÷ 1,000, harm ÷ the shipped weight, share × the
partnership's total ÷ 100; the drill-down's months) and solved as intervals with what anyone knows: an area's period
total is the sum of its months, the months of a period add up across areas to the partnership's month, a ward is the
sum of its LSOAs and the partnership of its wards. A count of 1–4 worked out exactly is recovered. None may be.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cspdash.metrics import hotspots as hs
from tests.trust.test_disclosure_attack import _sent, public_mode  # noqa: F401 (autouse fixture)
from tests.trust.test_disclosure_pages import (
    NEWPORT,
    WEAPONS,
    Seen,
    Truth,
    _chosen_ward,
    _month,
    _read_trends,
    _run,
    assert_none_recovered,
)

NOW = (date(2024, 7, 1), date(2025, 6, 1))  # the page's period (end 2025-06, 12 months) and the one before
BEFORE = (date(2023, 7, 1), date(2024, 6, 1))
WEIGHT = dict(hs.default_weights())[WEAPONS]


class WindowTruth(Truth):
    """Truth with each area's period totals (grain 'window', as the Hot spots map and top table give them)."""

    def __init__(self, store: Path) -> None:
        super().__init__(store)
        for lsoa, ward, month, n in self.rows.itertuples(index=False):
            for window in (NOW, BEFORE):
                if window[0] <= month <= window[1]:
                    for level, area in (("lsoa", lsoa), ("ward", ward), ("partnership", NEWPORT)):
                        cell = (level, area, "window", window)
                        self.values[cell] = self.values.get(cell, 0) + float(n)

    def constraints(self) -> list[tuple[tuple, list[tuple]]]:
        out = super().constraints()
        areas = [("partnership", NEWPORT)] + [("ward", w) for w in self.ward_lsoas] + [
            ("lsoa", a) for a in self.geo["lsoa_code"]]
        for window in (NOW, BEFORE):
            months = [m for m in self.months if window[0] <= m <= window[1]]
            for level, area in areas:
                out.append(((level, area, "window", window), [(level, area, "month", m) for m in months]))
            out.append((("partnership", NEWPORT, "window", window), [("ward", w, "window", window)
                                                                    for w in self.ward_lsoas]))
            for ward, lsoas in self.ward_lsoas.items():
                out.append((("ward", ward, "window", window), [("lsoa", a, "window", window) for a in lsoas]))
        return out


@pytest.fixture(scope="module")
def truth(demo_store_path: Path) -> WindowTruth:
    return WindowTruth(demo_store_path)


def _open_hotspots(query: dict[str, str]) -> AppTest:
    return _run("hotspots", query)


_HOVER = {"count": re.compile(r"<br>([\d,]+) crimes"), "rate": re.compile(r"([\d.,]+) per 1,000"),
          "harm": re.compile(r"harm ([\d,]+) days")}


def _hover(text: str) -> dict[str, str]:
    """The figures a map hover text gives: its count, rate and harm score (as far as it gives them)."""
    found = {what: pattern.search(text) for what, pattern in _HOVER.items()}
    return {what: match.group(1).replace(",", "") for what, match in found.items() if match}


def _read_value(seen: Seen, truth: WindowTruth, cell: tuple, value: object, how: str, measure: str) -> None:
    """A number about a cell read as a count, a rate (× residents) or a harm score (÷ the weight)."""
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iat[0]
    if pd.isna(number):
        return
    residents = truth.residents.get(cell[1], np.nan)
    if measure == "count":
        seen.exact(cell, float(number), how)
    elif measure == "rate" and residents == residents:
        seen.exact(cell, float(number) * residents / 1000, how)
    elif measure == "harm":
        seen.exact(cell, float(number) / WEIGHT, how)
    elif measure == "share":
        total = truth.value(("partnership", NEWPORT, "window", NOW))
        seen.exact(cell, float(number) * total / 100, how)


def _read_map(seen: Seen, truth: WindowTruth, at: AppTest, level: str, measure: str) -> None:
    traces, frames, _text = _sent(at)
    for trace in traces:  # the map: every value drawn per location
        locations = trace.get("locations") or []
        for key in ("z", "customdata", "text", "hovertext"):
            values = trace.get(key)
            if not isinstance(values, list) or len(values) != len(locations):
                continue
            for code, value in zip(locations, values, strict=True):
                cell = (level, str(code), "window", NOW)
                if isinstance(value, str):
                    for what, figure in _hover(value).items():
                        _read_value(seen, truth, cell, figure, f"hover {key}", what)
                elif key == "z" and not (trace.get("showscale") is False and len(set(values)) == 1):
                    _read_value(seen, truth, cell, value, "map z", measure)
    for frame in frames:
        if "area_code" in frame.columns:  # the map's CSV
            for row in frame.to_dict("records"):
                cell = (level, str(row["area_code"]), "window", NOW)
                if "crimes" in row:
                    seen.text(cell, str(row["crimes"]))
                for column, as_ in (("rate", "rate"), ("harm", "harm")):
                    if column in row:
                        _read_value(seen, truth, cell, row[column], f"map CSV {column}", as_)
        elif "Area" in frame.columns:  # the top hot spots table (names, not codes)
            for row in frame.to_dict("records"):
                code = truth.names.get(str(row["Area"]))
                if code is None:
                    continue
                cell, before = (level, code, "window", NOW), (level, code, "window", BEFORE)
                for column, target, as_ in (("Crimes", cell, "count"), ("Previous period", before, "count"),
                                            ("Rate per 1,000", cell, "rate"), ("Harm (days, est.)", cell, "harm"),
                                            ("% of partnership", cell, "share")):
                    if column in row:
                        if as_ == "count":
                            seen.text(target, str(row[column]))
                        _read_value(seen, truth, target, row[column], f"top table {column}", as_)


def _read_drilldown(seen: Seen, at: AppTest, level: str, area: str) -> int:
    """The area's monthly series: the trend CSV ('12', '<5', '[c]') and the chart's y; returns months read."""
    traces, frames, _text = _sent(at)
    read = 0
    for frame in frames:
        if set(frame.columns) >= {"month", "crimes"} and "crime_type" not in frame.columns and len(frame) >= 12:
            for row in frame.to_dict("records"):
                seen.text((level, area, "month", _month(row["month"])), str(row["crimes"]))
                read += 1
    for trace in traces:
        if trace.get("name") == "Monthly count":
            for x, y in zip(trace.get("x") or [], trace.get("y") or [], strict=False):
                if isinstance(y, int | float) and np.isfinite(y):
                    seen.exact((level, area, "month", _month(x)), float(y), "drill-down chart y")
    return read


def _hotspots_attack(truth: WindowTruth) -> tuple[Seen, dict[str, int]]:
    seen = Seen()
    for measure, level in (("count", "lsoa"), ("rate", "lsoa"), ("harm", "lsoa"), ("count", "ward")):
        _read_map(seen, truth, _open_hotspots({"measure": measure, "level": level, "type": WEAPONS}), level, measure)
    ward = _chosen_ward(truth)
    months = {"lsoa": 0, "ward": 0}
    for level, area in [("lsoa", a) for a in truth.ward_lsoas[ward]] + [("ward", ward)]:
        at = _open_hotspots({"measure": "count", "level": level, "type": WEAPONS, "area": area})
        months[level] += _read_drilldown(seen, at, level, area)
    _read_trends(seen, truth, _run("trends", {"type": WEAPONS}), "partnership", "month")
    wards = sorted(truth.ward_lsoas)
    for i in range(0, len(wards), 6):
        _read_trends(seen, truth, _run("trends", {"type": WEAPONS, "level": "ward", "area": wards[i:i + 6]}),
                     "ward", "month")
    seen.solve(truth.constraints())
    return seen, months


def test_hot_spots_and_trends_together_give_back_no_small_count(truth: WindowTruth) -> None:
    seen, months = _hotspots_attack(truth)
    assert months["ward"] >= 24, "the ward's drill-down monthly series was read"
    assert months["lsoa"] == 0, "an LSOA's months were sent (public output never publishes them)"
    ward = _chosen_ward(truth)
    targets = [c for c in truth.small_cells() if c[0] != "lsoa" or c[1] in truth.ward_lsoas[ward]]
    assert len(targets) >= 20, "the attack needs small counts to attack"
    assert_none_recovered(seen, truth, len(targets))


def test_the_hover_reader_reads_what_the_plain_map_says() -> None:
    """Guard: the attacker's hover parser reads a count, a rate and a harm score."""
    found = _hover("<b>Newport 006A</b><br>3 crimes · 0.7 per 1,000 residents<br>harm 1,235 days (estimate)")
    assert found == {"count": "3", "rate": "0.7", "harm": "1235"}
    assert _hover("<b>Newport 006A</b><br><5 crimes (hidden in public output)") == {}
