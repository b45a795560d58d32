"""Public output plays the attacker on the pages beyond Hot spots: Crime trends, Overview, and their downloads.

The attacker opens Crime trends (CSPDASH_PUBLIC_OUTPUT=1, demo store, Newport, Possession of weapons) the way
anyone can: the partnership at month, quarter and financial-year grain; every ward (six at a time); the LSOAs of
one ward as counts, rates, rolling 12-month sums and against last year. Everything the browser receives is read
(figure JSON: each trace's x and y; every CSV download), turned into counts (a rate × the area's residents ÷
1,000; last year's value is the count a year before; a rolling sum is the sum of 12 months) and solved as
intervals with what anyone knows: a ward is the sum of its LSOAs, the partnership of its wards, a quarter and a
year of their months, '<5' means 1–4 and '[c]' 5 or more. A count of 1–4 worked out exactly is recovered.
The Overview is read the same way (its ward list, signal sentences, tile table). None may be recovered.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cspdash.store.versions import Store
from tests.trust.test_disclosure_attack import DOWNLOADS, _sent, public_mode  # noqa: F401 (autouse fixture)

ROOT = Path(__file__).resolve().parents[2]
NEWPORT = "W06000022"
WEAPONS = "Possession of weapons"
PERIOD = {"end": "2025-06", "len": "12"}
INF = 10.0**9


def _run(page: str, query: dict[str, Any]) -> AppTest:
    DOWNLOADS.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=240)
    for key, value in {"csp": NEWPORT, **PERIOD, **query}.items():
        at.query_params[key] = value
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ---------------------------------------------------------------------------------------------- the truth
def _month(value: Any) -> date:
    stamp = pd.Timestamp(value)
    return date(stamp.year, stamp.month, 1)


def _quarter(m: date) -> date:
    return date(m.year, (m.month - 1) // 3 * 3 + 1, 1)


def _year(m: date) -> date:
    return date(m.year if m.month >= 4 else m.year - 1, 4, 1)


class Truth:
    """What the attacker wants (the LSOA months) and what anyone knows (geography, residents, published months)."""

    def __init__(self, store: Path) -> None:
        con = Store(store).connect_read()
        try:
            self.rows = con.execute(
                """SELECT coalesce(g.lsoa_code, '') lsoa, coalesce(l.ward_code, '') ward, g.month, sum(g.crimes) n
                   FROM agg_crime_month_lsoa g LEFT JOIN lsoa l ON l.lsoa_code = g.lsoa_code
                   WHERE g.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = ?)
                     AND g.crime_type = ? GROUP BY ALL""", [NEWPORT, WEAPONS]).df()
            geo = con.execute(
                """SELECT l.lsoa_code, l.ward_code, coalesce(w.ward_name, l.ward_code) ward_name,
                          coalesce(l.lsoa_name, l.lsoa_code) lsoa_name, p.residents
                   FROM lsoa l LEFT JOIN ward w USING (ward_code)
                   LEFT JOIN (SELECT area_code, arg_max(residents, year) residents FROM population
                              WHERE area_type = 'lsoa' GROUP BY 1) p ON p.area_code = l.lsoa_code
                   WHERE l.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = ?)""",
                [NEWPORT]).df()
            self.partnership_name = con.execute("SELECT partnership_name FROM partnership WHERE partnership_code = ?",
                                                [NEWPORT]).fetchone()[0]
        finally:
            con.close()
        self.rows["month"] = [_month(m) for m in self.rows["month"]]
        self.months = sorted(set(self.rows["month"]))
        self.geo = geo
        self.ward_lsoas = {w: sorted(g["lsoa_code"]) for w, g in geo.groupby("ward_code")}
        self.names = {**dict(zip(geo["lsoa_name"], geo["lsoa_code"], strict=True)),
                      **dict(zip(geo["ward_name"], geo["ward_code"], strict=True)), self.partnership_name: NEWPORT}
        residents = dict(zip(geo["lsoa_code"], geo["residents"], strict=True))
        self.residents = {**residents, NEWPORT: float(geo["residents"].sum())}
        for ward, lsoas in self.ward_lsoas.items():
            self.residents[ward] = float(sum(residents[a] for a in lsoas))
        self.values: dict[tuple, float] = {}
        for lsoa, ward, month, n in self.rows.itertuples(index=False):
            for level, area in (("lsoa", lsoa), ("ward", ward), ("partnership", NEWPORT)):
                for grain, key in (("month", month), ("quarter", _quarter(month)), ("fy", _year(month))):
                    cell = (level, area, grain, key)
                    self.values[cell] = self.values.get(cell, 0) + float(n)

    def value(self, cell: tuple) -> float:
        return self.values.get(cell, 0.0)

    def small_cells(self) -> set[tuple]:
        return {c for c, v in self.values.items() if 1 <= v <= 4}

    def constraints(self) -> list[tuple[tuple, list[tuple]]]:
        """total = Σ members, as anyone can write them from the public geography and the calendar."""
        out: list[tuple[tuple, list[tuple]]] = []
        quarters: dict[date, list[date]] = {}
        years: dict[date, list[date]] = {}
        for m in self.months:
            quarters.setdefault(_quarter(m), []).append(m)
            years.setdefault(_year(m), []).append(m)
        areas = [("partnership", NEWPORT)] + [("ward", w) for w in self.ward_lsoas] + [
            ("lsoa", a) for a in self.geo["lsoa_code"]]
        for level, area in areas:
            for q, ms in quarters.items():
                out.append(((level, area, "quarter", q), [(level, area, "month", m) for m in ms]))
            for y, ms in years.items():
                out.append(((level, area, "fy", y), [(level, area, "month", m) for m in ms]))
            for i in range(11, len(self.months)):
                window = self.months[i - 11:i + 1]
                if (window[-1].year * 12 + window[-1].month) - (window[0].year * 12 + window[0].month) == 11:
                    out.append(((level, area, "rolling", window[-1]), [(level, area, "month", m) for m in window]))
        for grain, keys in (("month", self.months), ("quarter", list(quarters)), ("fy", list(years))):
            for key in keys:
                out.append((("partnership", NEWPORT, grain, key), [("ward", w, grain, key) for w in self.ward_lsoas]))
                for ward, lsoas in self.ward_lsoas.items():
                    out.append((("ward", ward, grain, key), [("lsoa", a, grain, key) for a in lsoas]))
        return out


@pytest.fixture(scope="module")
def truth(demo_store_path: Path) -> Truth:
    return Truth(demo_store_path)


# ---------------------------------------------------------------------------------------------- what is seen
class Seen:
    """Bounds on each cell from what the browser received: exact values, '<5' (1–4), '[c]' (5 or more)."""

    def __init__(self) -> None:
        self.low: dict[tuple, float] = {}
        self.high: dict[tuple, float] = {}
        self.readings: list[tuple[tuple, float, str]] = []  # (cell, a count worked out, how)

    def exact(self, cell: tuple, value: float, how: str) -> None:
        self.readings.append((cell, value, how))
        if abs(value - round(value)) < 0.05:
            self.bound(cell, round(value), round(value))

    def bound(self, cell: tuple, low: float, high: float) -> None:
        self.low[cell] = max(self.low.get(cell, 0.0), low)
        self.high[cell] = min(self.high.get(cell, INF), high)

    def text(self, cell: tuple, shown: str) -> None:
        shown = str(shown).replace(",", "").strip()
        if shown == "<5":
            self.bound(cell, 1, 4)
        elif shown == "[c]":
            self.bound(cell, 5, INF)
        elif re.fullmatch(r"\d+(\.0+)?", shown):
            self.exact(cell, float(shown), "count shown")

    def solve(self, constraints: list[tuple[tuple, list[tuple]]]) -> None:
        """Interval propagation over total = Σ members until nothing tightens."""
        for _ in range(30):
            changed = False
            for total, members in constraints:
                lows = [self.low.get(m, 0.0) for m in members]
                highs = [self.high.get(m, INF) for m in members]
                t_low, t_high = self.low.get(total, 0.0), self.high.get(total, INF)
                sum_low, sum_high = sum(lows), min(sum(highs), INF)
                if sum_low > t_low or sum_high < t_high:
                    self.low[total], self.high[total] = max(t_low, sum_low), min(t_high, sum_high)
                    t_low, t_high = self.low[total], self.high[total]
                    changed = True
                if t_high >= INF:
                    continue
                for i, member in enumerate(members):
                    new_low = max(lows[i], t_low - (sum_high - highs[i]) if sum_high < INF else lows[i])
                    new_high = min(highs[i], t_high - (sum_low - lows[i]))
                    if new_low > lows[i] or new_high < highs[i]:
                        self.low[member], self.high[member] = new_low, new_high
                        changed = True
            if not changed:
                return

    def recovered(self, truth: Truth) -> list[str]:
        found = set()
        for cell in truth.small_cells():
            if cell in self.low and self.low[cell] == self.high.get(cell) == truth.value(cell):
                found.add(f"{cell} solved")
        for cell, value, how in self.readings:
            if cell in truth.small_cells() and round(value) == truth.value(cell) and abs(value - round(value)) < 0.05:
                found.add(f"{cell} by {how}")
        return sorted(found)


def _trend_download(frames: list[pd.DataFrame]) -> pd.DataFrame:
    for frame in frames:
        if {"area_code", "period", "rate"} <= set(frame.columns):
            return frame
    raise AssertionError("the trend chart's download was not sent")


def _read_trends(seen: Seen, truth: Truth, at: AppTest, level: str, grain: str) -> None:
    traces, frames, _text = _sent(at)
    if level == "lsoa":  # never published (area_disclosure.unpublished): no series may be sent to read
        lsoas = {code for code in truth.residents if code.startswith(("E01", "W01"))}
        assert not [list(f.columns) for f in frames if "area_code" in f.columns
                    and set(f["area_code"].astype(str)) & lsoas], "an LSOA's series was sent"
        assert not [t.get("name") for t in traces if truth.names.get(str(t.get("name") or "").split(" — ")[0])
                    in lsoas], "an LSOA's line was drawn"
        return
    data = _trend_download(frames)
    for row in data.to_dict("records"):
        area, period = str(row["area_code"]), _month(row["period"])
        if area not in truth.residents and area != NEWPORT:
            continue
        cell = (level, area, grain, period)
        seen.text(cell, row.get("crimes_shown", row["crimes"]) if pd.notna(row.get("crimes_shown", np.nan))
                  else row["crimes"])
        if pd.notna(row["crimes"]):
            seen.exact(cell, float(row["crimes"]), "download count")
        residents = truth.residents.get(area, np.nan)
        if pd.notna(row.get("rate")) and residents == residents:
            seen.exact(cell, float(row["rate"]) * residents / 1000, "rate × residents")
        before = (level, area, grain, date(period.year - 1, period.month, 1))
        if pd.notna(row.get("last_year")):
            seen.exact(before, float(row["last_year"]), "last year")
        if pd.notna(row.get("last_year_rate")) and residents == residents:
            seen.exact(before, float(row["last_year_rate"]) * residents / 1000, "last year's rate")
        if grain == "month" and pd.notna(row.get("rolling_12")):
            seen.exact((level, area, "rolling", period), float(row["rolling_12"]), "rolling sum")
    for trace in traces:  # the figure itself: each trace's y at each x, by the area its name gives
        name = str(trace.get("name") or "")
        base = name.split(" — ")[0]
        area = truth.names.get(base)
        if area is None or trace.get("type") not in (None, "scatter"):
            continue
        for x, y in zip(trace.get("x") or [], trace.get("y") or [], strict=False):
            if isinstance(y, int | float) and np.isfinite(y) and x is not None:
                period = _month(x)
                if " — " in name:
                    seen.exact((level, area, grain, date(period.year - 1, period.month, 1)), float(y), "figure y")
                else:
                    seen.exact((level, area, grain, period), float(y), "figure y")


# ---------------------------------------------------------------------------------------------- the attack
def assert_none_recovered(seen: Seen, truth: Truth, attacked: int) -> None:
    """Fail, naming the cells and the ways, when the attacker worked out any small cell."""
    recovered = seen.recovered(truth)
    cells = sorted({r.split(" by ")[0].split(" solved")[0] for r in recovered})
    ways = sorted({r.split(" by ")[1] if " by " in r else "total minus shown parts" for r in recovered})
    assert not recovered, (f"{len(cells)} small cells recovered (of {attacked} attacked) by {ways}, e.g. "
                           f"{recovered[:6]}")


def _chosen_ward(truth: Truth) -> str:
    """The ward of at most six LSOAs with most small LSOA months (the best target)."""
    small = truth.small_cells()
    scores = {w: sum(1 for c in small if c[0] == "lsoa" and c[1] in lsoas)
              for w, lsoas in truth.ward_lsoas.items() if len(lsoas) <= 6}
    return max(scores, key=lambda w: (scores[w], w))


def _trends_attack(truth: Truth) -> tuple[Seen, dict[str, int]]:
    seen = Seen()
    views = 0
    for grain in ("month", "quarter", "fy"):
        _read_trends(seen, truth, _run("trends", {"type": WEAPONS, "grain": grain}), "partnership", grain)
        views += 1
    wards = sorted(truth.ward_lsoas)
    for i in range(0, len(wards), 6):
        _read_trends(seen, truth, _run("trends", {"type": WEAPONS, "level": "ward", "area": wards[i:i + 6],
                                                  "compare": "last_year"}), "ward", "month")
        views += 1
    ward = _chosen_ward(truth)
    lsoas = truth.ward_lsoas[ward]
    for extra in ({"compare": "last_year"}, {"measure": "rate"}, {"compare": "rolling"}, {"grain": "quarter"},
                  {"grain": "fy"}):
        grain = extra.get("grain", "month")
        _read_trends(seen, truth, _run("trends", {"type": WEAPONS, "level": "lsoa", "area": lsoas, **extra}),
                     "lsoa", grain)
        views += 1
    seen.solve(truth.constraints())
    return seen, {"views": views}


def test_trends_sends_nothing_that_gives_back_a_small_count(truth: Truth) -> None:
    seen, _ = _trends_attack(truth)
    targets = [c for c in truth.small_cells() if c[0] != "lsoa" or c[1] in truth.ward_lsoas[_chosen_ward(truth)]]
    assert len(targets) >= 20, "the attack needs small counts to attack"
    assert_none_recovered(seen, truth, len(targets))


def test_the_solver_recovers_a_cell_from_a_total_and_its_shown_parts() -> None:
    """Guard: a ward of 10 with LSOAs 7 and '<5' gives the small one (3) back; '<5' beside '[c]' does not."""
    seen = Seen()
    seen.exact(("ward", "w", "month", 1), 10, "count shown")
    seen.exact(("lsoa", "a", "month", 1), 7, "count shown")
    seen.text(("lsoa", "b", "month", 1), "<5")
    seen.solve([(("ward", "w", "month", 1), [("lsoa", "a", "month", 1), ("lsoa", "b", "month", 1)])])
    assert seen.low[("lsoa", "b", "month", 1)] == seen.high[("lsoa", "b", "month", 1)] == 3
    other = Seen()
    other.exact(("ward", "w", "month", 1), 16, "count shown")
    other.text(("lsoa", "a", "month", 1), "[c]")
    other.text(("lsoa", "b", "month", 1), "<5")
    other.solve([(("ward", "w", "month", 1), [("lsoa", "a", "month", 1), ("lsoa", "b", "month", 1)])])
    assert other.low[("lsoa", "b", "month", 1)] < other.high[("lsoa", "b", "month", 1)]


# ---------------------------------------------------------------------------------------------- overview
def test_overview_sends_no_small_ward_or_signal_count(truth: Truth, demo_store_path: Path) -> None:
    """The overview's ward list and tile table: a ward or crime type's count of 1–4 never appears as a number,
    nor its change."""
    from cspdash.metrics import crime
    from cspdash.metrics.period import Period

    at = _run("overview", {})
    at.toggle(key="tile_table").set_value(True).run()
    _traces, frames, text = _sent(at)
    con = Store(demo_store_path).connect_read()
    try:
        period = Period(date(2025, 6, 1), 12)
        wards = crime.ward_changes(con, NEWPORT, period)
    finally:
        con.close()
    recovered = []
    for ward in wards.itertuples():
        for line in re.findall(rf"\*\*{re.escape(str(ward.ward_name))}\*\*: ([^\\n\"]*)", text):
            numbers = [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", line.split("—")[0])]
            for value in (ward.current, ward.previous):
                if 1 <= value <= 4 and value in numbers:
                    recovered.append(f"{ward.ward_name}: {value} in '{line[:60]}'")
    assert not recovered, recovered


# ---------------------------------------------------------------------------------------------- signals and ward lines
def test_signal_sentences_write_small_counts_as_less_than_five(tmp_path: Path) -> None:
    """The overview's SPC sentences quote monthly counts: a partnership's rare crime type (0–4 a month, then a run
    of 9 rising to 14) is written '<5' in public output, the same sentences keep the number outside it."""
    from cspdash.metrics import crime
    from cspdash.metrics.period import add_months

    path = tmp_path / "signals.duckdb"
    months = [add_months(date(2023, 1, 1), i) for i in range(30)]
    values = [1, 0, 2, 1, 0, 1, 2, 0, 1, 1, 0, 2, 1, 0, 1, 2, 0, 1, 1, 0, 2, 1, 3, 4, 6, 8, 9, 11, 12, 14]
    with Store(path).write() as con:
        con.execute("INSERT INTO local_authority (la_code, la_name) VALUES ('A1', 'Alpha')")
        con.execute("INSERT INTO partnership (partnership_code, partnership_name, force) VALUES ('P1', 'Alpha', 'F')")
        con.execute("INSERT INTO partnership_la (partnership_code, la_code) VALUES ('P1', 'A1')")
        con.execute("INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, la_code) VALUES ('L1', 'Alpha 001A', 2021, 'A1')")
        con.executemany("INSERT INTO agg_crime_month_lsoa (force, month, lsoa_code, la_code, crime_type, crimes) "
                        "VALUES ('F', ?, 'L1', 'A1', 'Robbery', ?)", [(m, v) for m, v in zip(months, values,
                                                                                            strict=True) if v])
        con.executemany("INSERT INTO published_month (source, force, month, load_id, rows) VALUES ('street', 'F', ?, 1, 1)",
                        [(m,) for m in months])
    con = Store(path).connect_read()
    try:
        plain = crime.recent_signals(con, "P1", "F", months[-1])
        public = crime.recent_signals(con, "P1", "F", months[-1], public=True)
    finally:
        con.close()
    small = re.compile(r"(?<![\d.])[1-4](?![\d.%])")
    robbery = [s for s in plain[plain["crime_type"] == "Robbery"]["sentence"] if "rising" in s]
    assert robbery and any(small.search(s.split("(", 1)[1]) for s in robbery), "the guard: plain text quotes 1–4"
    for sentence in public[public["crime_type"] == "Robbery"]["sentence"]:
        inside = re.findall(r"\(([^)]*)\)", sentence)
        assert not any(small.search(part.replace("<5", "")) for part in inside if "average" not in part), sentence


def test_ward_lines_hide_a_small_count_and_its_change() -> None:
    from types import SimpleNamespace

    from cspdash.metrics.disclosure import ward_change_text

    row = SimpleNamespace(current=3, previous=14, sentence="down 79% — a real change")
    assert ward_change_text(row, False) == "3 against 14 — down 79% — a real change"
    assert ward_change_text(row, True) == "<5 against 14 — too few crimes to compare in public output"


def test_the_packs_top_areas_give_no_rate_for_a_small_count() -> None:
    """The pack's and slides' top areas: an LSOA of 3 crimes gets no rate (× its residents ÷ 1,000 = 3)."""
    from types import SimpleNamespace

    from cspdash.metrics.meeting import top_areas

    spots = pd.DataFrame({"area_code": ["E01000001", "E01000002"], "area_name": ["A 001A", "A 001B"],
                          "crimes_latest": [3, 40], "hot_spot_class": ["Hot spot 90%", "Hot spot 99%"],
                          "persistence": ["new", "persistent"]})
    residents = {"E01000001": 1500, "E01000002": 1600}
    for public in (False, True):
        areas, _sentence = top_areas(SimpleNamespace(hot_spots=spots, public=public), residents)  # type: ignore[arg-type]
        rate = dict(zip(areas["area_code"], areas["rate"], strict=True))
        assert rate["E01000002"] == pytest.approx(25.0)
        if public:
            assert np.isnan(rate["E01000001"])
        else:
            assert rate["E01000001"] * 1500 / 1000 == pytest.approx(3)


# ---------------------------------------------------------------------------------------------- every page
COUNT_COLUMN = re.compile(r"^(crimes|crimes_latest|crimes_before|current|previous|searches|linked|count|incidents)$|"
                          r"^crimes\b|\bcrimes$|^Crimes", re.IGNORECASE)
PAGES = [("overview", {}), ("trends", {"type": WEAPONS, "level": "ward"}), ("trends", {"type": "Robbery"}),
         ("hotspots", {"type": WEAPONS}), ("compare", {"type": WEAPONS}), ("priorities", {}), ("partners", {}),
         ("meeting", {})]


@pytest.mark.parametrize(("page", "query"), PAGES, ids=[f"{p}-{'-'.join(q.values()) or 'default'}" for p, q in PAGES])
def test_no_table_or_download_on_any_page_shows_a_count_of_1_to_4(page: str, query: dict[str, str]) -> None:
    """Every table and CSV download the page sends: no count column holds 1–4, and no rate, share or change
    sits beside a hidden count."""
    at = _run(page, query)
    _traces, frames, _text = _sent(at)
    found = []
    for frame in frames:
        counts = [c for c in frame.columns if COUNT_COLUMN.search(str(c)) and not str(c).endswith("_shown")]
        for column in counts:
            values = pd.to_numeric(frame[column], errors="coerce")
            whole = values.notna() & (values == values.round())
            for value in values[whole & values.between(1, 4)]:
                found.append(f"{column}={value:g} in a table of {list(frame.columns)[:6]}")
    assert not found, found[:10]


def test_compare_says_when_public_output_hides_every_month_of_its_lines() -> None:
    """Newport's burglary rate lines lose every month in public output (each hidden on Crime trends); the page
    said 'No monthly rates: no police.uk data or no population figure for this partnership', which is untrue. It
    now says the months are hidden, with the rule."""
    at = _run("compare", {"type": "Burglary"})
    infos = [str(i.value) for i in at.info]
    assert not any("no police.uk data" in text for text in infos), infos
    assert any("public output hides every month of these lines" in text for text in infos), infos


def test_trends_at_lsoa_level_publishes_no_lsoa_month_and_says_so() -> None:
    """Public output never publishes a single LSOA's months (area_disclosure.unpublished): Crime trends at LSOA
    level says so, with where to look instead, and draws no chart of gaps: no LSOA's count reaches the browser, in
    a chart or a download. On main the page showed the LSOAs' months with '<5' and '[c]' gaps, and no notice."""
    at = _run("trends", {"level": "lsoa"})
    infos = [str(i.value) for i in at.info]
    assert any("does not publish a single neighbourhood's (LSOA's) months" in t and "Hot spots" in t
               for t in infos), infos
    assert any(t.startswith("No process control chart at LSOA level in public output") for t in infos), infos
    traces, frames, _text = _sent(at)
    codes = {str(c) for c in at.multiselect[0].value}  # the LSOAs chosen by default
    assert len(codes) >= 2 and all(c.startswith("W01") for c in codes), codes
    lsoa_name = re.compile(r"^Newport \d{3}[A-Z]$")  # the chart names each line after its LSOA
    assert not [t.get("name") for t in traces if lsoa_name.match(str(t.get("name")))]
    assert not [list(f.columns) for f in frames if "area_code" in f.columns and set(f["area_code"].astype(str)) & codes]
