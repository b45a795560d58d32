"""Public-output mode in the exports: the briefing pack (read back with pdftotext) and the slides (python-pptx).

Both are built from the demo store for a meeting whose crime-type counts include some of 1–4 (small cells),
once with CSPDASH_PUBLIC_OUTPUT=1 and once without. The demo's hot spots all have large counts (that is what
makes them hot), so to exercise the small-area path one LSOA of the briefing is given 3 crimes in the last
3 months and 2 before, and made a new hot spot; everything else is the demo data as stored.

Every place an export writes a count is found by its shape ("(12 vs 4)", "3 in the last 3 months", a table
row); in public mode none may hold 1–4, and the same export in normal mode must hold some (so the check can
fail).
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from pptx import Presentation

from cspdash.metrics import meeting as mm
from cspdash.metrics.disclosure import RULE_TEXT, SUPPRESSED
from cspdash.report import figures, pack, slides
from cspdash.store.versions import Store

FORCED_LATEST, FORCED_BEFORE = 3, 2
COUNT = r"(\d[\d,]*|<5)"


def _small(token: str) -> bool:
    return token.replace(",", "").isdigit() and 1 <= int(token.replace(",", "")) <= 4


@pytest.fixture(scope="module")
def store(demo_store_path: Path) -> Store:
    return Store(demo_store_path)


@pytest.fixture(scope="module")
def meeting_id(store: Store) -> str:
    """The latest demo meeting with a crime type counted 1–4 in either period (a small cell)."""
    con = store.connect_read()
    try:
        ids = [r[0] for r in con.execute("SELECT meeting_id FROM meeting ORDER BY meeting_date DESC, meeting_id")
               .fetchall()]
        for found in ids:
            b = mm.briefing(con, found)
            assert b is not None
            changes = b.crime_changes
            if not changes.empty and (changes["current"].between(1, 4) | changes["previous"].between(1, 4)).any():
                return str(found)
    finally:
        con.close()
    raise AssertionError("no demo meeting has a small crime-type count: the test would prove nothing")


def _with_small_hot_spot(original: Any) -> Any:
    """briefing() with the first LSOA made a new hot spot of 3 crimes (2 before): a small-area count."""
    def patched(con: duckdb.DuckDBPyConnection, meeting_id: str, public: bool = False) -> mm.Briefing | None:
        b = original(con, meeting_id, public=public)
        if b is None or b.hot_spots.empty:
            return b
        hot = b.hot_spots.copy()
        hot.loc[hot.index[0], ["crimes_latest", "crimes_before", "hot_spot_class", "persistence"]] = \
            [FORCED_LATEST, FORCED_BEFORE, "Hot spot 90%", "new"]
        return dataclasses.replace(b, hot_spots=hot)
    return patched


def _build(store: Store, meeting_id: str, public: bool, out: Path) -> tuple[Path, Any, mm.Briefing]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CSPDASH_PUBLIC_OUTPUT", "1" if public else "0")
        patch.setattr(pack, "briefing", _with_small_hot_spot(mm.briefing))
        if not public:  # the normal export is read for its text only: skip drawing its charts
            patch.setattr(figures, "png", lambda *a, **k: None)
        con = store.connect_read()
        try:
            pdf = out / f"pack-{'public' if public else 'normal'}.pdf"
            pdf.write_bytes(pack.build_pack(con, meeting_id))
            deck = Presentation(io.BytesIO(slides.build_slides(con, meeting_id)))
            b = pack.briefing(con, meeting_id, public=public)
        finally:
            con.close()
    return pdf, deck, b


@pytest.fixture(scope="module")
def public(store: Store, meeting_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    yield _build(store, meeting_id, True, tmp_path_factory.mktemp("public"))


@pytest.fixture(scope="module")
def normal(store: Store, meeting_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    yield _build(store, meeting_id, False, tmp_path_factory.mktemp("normal"))


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _deck_text(deck: Any) -> str:
    parts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts.extend(cell.text for row in shape.table.rows for cell in row.cells)
    return "\n".join(parts)


def small_counts_in_pack(text: str, b: mm.Briefing) -> list[str]:
    """Every count of 1–4 the pack writes where public output needs '<5'."""
    flat = " ".join(text.split())
    found = [f"'{m.group(0)}'" for m in re.finditer(rf"\({COUNT} vs {COUNT}\)", flat)
             if _small(m.group(1)) or _small(m.group(2))]  # change sentences
    found += [f"'{m.group(0)}'" for m in re.finditer(rf"{COUNT} (?:crimes and ASB incidents )?in the last 3 months"
                                                     rf"(?: vs {COUNT})?", flat)
              if _small(m.group(1)) or (m.group(2) is not None and _small(m.group(2)))]  # hot spot lines
    found += [f"'{m.group(0)}'" for m in re.finditer(rf"{COUNT} in [A-Z][a-z]{{2}} \d{{4}} – [A-Z][a-z]{{2}} \d{{4}}",
                                                     flat) if _small(m.group(1))]  # question evidence
    lines = text.splitlines()
    for line in lines:  # table rows: crime by type, hot spots (LSOA code), triggers by quarter
        cells = re.split(r"\s{2,}", line.strip())
        crime_row = cells[0] in set(b.crime_changes["crime_type"]) and len(cells) >= 3
        lsoa_row = any(re.fullmatch(r"[EW]01\d{6}", c) for c in cells) and len(cells) >= 4
        quarter_row = bool(re.match(r"20\d\d-\d\d Q\d$", cells[0])) and len(cells) >= 5
        counts = cells[1:3] if crime_row else cells[2:4] if lsoa_row else cells[2:5] if quarter_row else []
        if lsoa_row:
            at = next(i for i, c in enumerate(cells) if re.fullmatch(r"[EW]01\d{6}", c))
            counts = cells[at + 1:at + 3]
        found += [f"row '{line.strip()}'" for c in counts if _small(c)]
    return found


def test_the_meeting_has_small_cells_and_a_small_area(normal: tuple, meeting_id: str) -> None:
    _pdf, _deck, b = normal
    changes = b.crime_changes
    assert (changes["current"].between(1, 4) | changes["previous"].between(1, 4)).any(), meeting_id
    assert ((b.hot_spots["crimes_latest"] == FORCED_LATEST) & (b.hot_spots["persistence"] == "new")).any()


def test_normal_pack_shows_small_counts(normal: tuple) -> None:
    """The check finds the small counts in the normal pack: crime types, the forced hot spot, the trigger counts."""
    pdf, _deck, b = normal
    found = small_counts_in_pack(_pdf_text(pdf), b)
    text = "\n".join(found)
    small_types = b.crime_changes[b.crime_changes["current"].between(1, 4)
                                  | b.crime_changes["previous"].between(1, 4)]["crime_type"]
    assert any(t in text for t in small_types), found
    assert any(f"{FORCED_LATEST} in the last 3 months" in f for f in found), found
    assert any("Q" in f and f.startswith("row") for f in found) or b.triggers.empty, found
    assert RULE_TEXT not in " ".join(_pdf_text(pdf).split())


def test_public_pack_shows_no_small_count_and_says_so(public: tuple) -> None:
    pdf, _deck, b = public
    text = _pdf_text(pdf)
    assert small_counts_in_pack(text, b) == []
    flat = " ".join(text.split())
    first_page = " ".join(subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                                         text=True, check=True).stdout.split())
    assert RULE_TEXT in first_page  # said on the cover
    # the suppressed values are there as <5, not dropped: the forced hot spot and each small crime type
    assert f"{SUPPRESSED} in the last 3 months" in flat
    for row in b.crime_changes.itertuples():
        if 1 <= row.current <= 4 or 1 <= row.previous <= 4:
            assert re.search(rf"{re.escape(row.crime_type)} (<5|[\d,]+) (<5|[\d,]+) ", flat), row.crime_type
            assert re.search(rf"{re.escape(row.crime_type)}: (up|down) \(", flat) or row.verdict != "significant"
    # the individual Community Trigger cases are not listed (they would give the counts away)
    assert pack.TRIGGER_LOG_LEFT_OUT in flat
    left_out = figures.left_out_of_change_chart(b)
    assert left_out and figures.change_chart_note(left_out) in flat


def test_public_change_chart_leaves_out_small_cells(public: tuple, normal: tuple) -> None:
    """The chart in public mode has no bar for a crime type with a small count; in normal mode it has."""
    _pdf, _deck, b_public = public
    _pdf, _deck, b_normal = normal
    left_out = figures.left_out_of_change_chart(b_public)
    public_types = set(figures.change_figure(b_public).data[0].y)
    normal_types = set(figures.change_figure(b_normal).data[0].y)
    assert left_out and not public_types & set(left_out)
    assert set(left_out) <= normal_types
    assert figures.left_out_of_change_chart(b_normal) == []


def test_public_slides_say_so_and_name_what_the_chart_leaves_out(public: tuple, normal: tuple) -> None:
    _pdf, deck, b = public
    text = _deck_text(deck)
    cover = _deck_text(type("D", (), {"slides": [deck.slides[0]]})())
    assert RULE_TEXT in cover
    assert figures.change_chart_note(figures.left_out_of_change_chart(b)) in text
    normal_text = _deck_text(normal[1])
    assert RULE_TEXT not in normal_text and "Not charted in public output" not in normal_text


def _headline_counts(deck: Any) -> list[str]:
    """The big figures of the headline slide's crime and ASB boxes."""
    out = []
    for shape in deck.slides[1].shapes:
        if shape.has_text_frame:
            paras = [p.text for p in shape.text_frame.paragraphs]
            if len(paras) == 3 and ("recorded crimes" in paras[1] or "ASB incidents" in paras[1]):
                out.append(paras[0])
    return out


def test_headline_figures_apply_the_rule(public: tuple, normal: tuple) -> None:
    """The headline slide's crime totals are large here, but a crime type of 1–4 in them would come back as the
    total minus the types shown: public output gives the types shown and '+'. A briefing with small totals shows
    them as <5."""
    b_normal = normal[2]
    crimes = b_normal.crime_changes[b_normal.crime_changes["crime_type"] != "Anti-social behaviour"]
    assert crimes["current"].between(1, 4).any(), "the meeting has a crime type of 1–4 now"
    # the types public output shows: neither 1–4 nor hidden beside such counts ('[c]', blank in the briefing)
    b_public = public[2]
    public_crimes = b_public.crime_changes[b_public.crime_changes["crime_type"] != "Anti-social behaviour"]
    shown = public_crimes.loc[~public_crimes["current"].between(1, 4) & public_crimes["current"].notna(), "current"].sum()
    assert _headline_counts(public[1]) == [f"{shown:,.0f}+", _headline_counts(normal[1])[1]]
    assert _headline_counts(normal[1])[0] == f"{crimes['current'].sum():,.0f}"
    small = pd.DataFrame({"crime_type": ["Burglary", "Anti-social behaviour"], "current": [2.0, 40.0],
                          "previous": [3.0, 30.0], "verdict": ["noise", "noise"]})
    b = dataclasses.replace(public[2], crime_changes=small)
    crime, asb = slides.headline_figures(b)[:2]
    assert crime == (SUPPRESSED, f"recorded crimes, {b.meeting.window_label}", "")  # no % to give it away
    assert asb[0] == "40" and asb[2] == "+33% on a year earlier"
    normal_crime = slides.headline_figures(dataclasses.replace(b, public=False))[0]
    assert normal_crime[0] == "2" and normal_crime[2] == "-33% on a year earlier"


def test_the_one_rule_in_sentences() -> None:
    """count_text, the change sentence and the SPC sentence write 1–4 as <5 in public output only."""
    from cspdash.analysis.spc import series_signals, signals, xmr
    from cspdash.metrics.disclosure import count_text

    assert [count_text(v) for v in (0, 1, 4, 5, 1234.0, float("nan"))] == ["0", "<5", "<5", "5", "1,234", ""]
    assert count_text(3, public=False) == "3"
    assert mm._change_sentence(4.0, 13.0, -69.2, "significant") == "down 69% (4 vs 13) — a real change"
    assert mm._change_sentence(4.0, 13.0, -69.2, "significant", public=True) == "down (<5 vs 13) — a real change"
    assert mm._change_sentence(40.0, 13.0, 207.7, "significant", public=True) == "up 208% (40 vs 13) — a real change"
    values = [1.0] * 11 + [4.0]  # mean 1.25, average moving range 0.27: 4 is above the upper limit (about 2.0)
    plain = [s.sentence for s in signals(xmr(values)) if s.rule == "outside_limits"]
    public = [s.sentence for s in signals(xmr(values), count_format=count_text) if s.rule == "outside_limits"]
    assert len(plain) == 1 and "(4 > 2.0)" in plain[0]
    # public: a withheld count is not called unusual ('<5 > 2.0' would say it is 3 or 4)
    assert public == []
    assert [s.sentence for s in series_signals(values, count_format=count_text)
            if s.rule == "outside_limits"] == public
    big = [10.0] * 11 + [40.0]  # a count that is not withheld keeps its sentence, figures and all
    assert [s.sentence for s in signals(xmr(big), count_format=count_text) if s.rule == "outside_limits"] == [
        s.sentence for s in signals(xmr(big)) if s.rule == "outside_limits"] != []
    rising = [1.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 12.0]  # 2 → 12: six rises
    assert [s.sentence for s in signals(xmr(rising)) if s.rule == "trend_of_6"]  # '(2 rising to 12)'
    # public: no trend over withheld months ('<5 rising to 12' says the three '<5's rise: 2, 3, 4 or 1, 2, 3 …)
    assert not [s for s in signals(xmr(rising), count_format=count_text) if s.rule == "trend_of_6"]


def test_suppress_blanks_figures_derived_from_a_small_count() -> None:
    """The meeting page's change table: a row with a small count loses its % change and z too."""
    from cspdash.metrics.disclosure import suppress

    frame = pd.DataFrame({"crime_type": ["Robbery", "Burglary"], "current": [13.0, 85.0], "previous": [4.0, 173.0],
                          "pct_change": [225.0, -50.9], "z": [3.2, -7.9]})
    out = suppress(frame, ["current", "previous"], derived=["pct_change", "z"])
    assert out["previous"].tolist() == ["<5", "173"] and out["current"].tolist() == [13.0, 85.0]
    assert out["pct_change"].isna().tolist() == [True, False] and out["z"].tolist()[1] == -7.9
    assert suppress(frame, ["current", "previous"])["z"].tolist() == [3.2, -7.9]  # only when asked


# ---------------------------------------------------------------------------------------------- the attacker
def _headline(deck: Any) -> dict[str, tuple[str, str]]:
    """The headline slide's crime and ASB boxes: label → (figure, note)."""
    out = {}
    for shape in deck.slides[1].shapes:
        if shape.has_text_frame:
            paras = [p.text for p in shape.text_frame.paragraphs]
            if len(paras) == 3 and paras[1].startswith(("recorded crimes", "ASB incidents")):
                out[paras[1].split(",")[0]] = (paras[0], paras[2])
    return out


def export_attack(pdf_text: str, deck: Any, types: list[str]) -> Any:
    """Everything the pack and the slides print about the meeting's counts by crime type, as an attacker reads
    it: the pack's crime-by-type table ('13', '<5', '[c]'), the headline totals (crime excluding ASB = the sum of
    the other types) and the % change on a year earlier (an interval for the previous total), solved as intervals."""
    from tests.trust.test_disclosure_pages import Seen

    seen = Seen()
    for line in pdf_text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) >= 4 and cells[0] in types and " vs " in cells[3]:  # not the comparison table's rows
            seen.text(("now", cells[0]), cells[1])
            seen.text(("before", cells[0]), cells[2])
    head = _headline(deck)
    if "recorded crimes" in head:
        figure, note = head["recorded crimes"]
        figure = figure.replace(",", "")
        if figure.endswith("+"):
            seen.bound(("now", "all"), float(figure[:-1]), 10.0**9)
        else:
            seen.text(("now", "all"), figure)
        found = re.match(r"([+-]\d+)% on a year earlier", note)
        if found and figure.isdigit():
            pct, now = int(found.group(1)), float(figure)
            seen.bound(("before", "all"), math.ceil(now / (1 + (pct + 0.5) / 100)),
                       math.floor(now / (1 + (pct - 0.5) / 100)))
    crimes = [t for t in types if t != "Anti-social behaviour"]
    seen.solve([((w, "all"), [(w, t) for t in crimes]) for w in ("now", "before")])
    return seen


def _recovered(seen: Any, b: mm.Briefing) -> list[str]:
    out = []
    for row in b.crime_changes.itertuples():
        for when, value in (("now", row.current), ("before", row.previous)):
            cell = (when, row.crime_type)
            if 1 <= value <= 4 and seen.low.get(cell) == seen.high.get(cell) == value:
                out.append(f"{row.crime_type} {when} = {value:g}")
    return out


def test_nothing_the_pack_and_slides_print_gives_a_small_count_back(public: tuple, normal: tuple) -> None:
    """The attacker reads the public pack and slides (all their text) and solves the crime-type counts against
    the headline total and its change: no count of 1–4 is recovered. The same attack on the normal export reads
    every count (the guard: the attack reads what it should)."""
    pdf, deck, b = public
    types = list(normal[2].crime_changes["crime_type"])
    seen = export_attack(_pdf_text(pdf), deck, types)
    assert ("now", "Anti-social behaviour") in seen.low, "the pack's table was read"
    assert not _recovered(seen, normal[2]), _recovered(seen, normal[2])
    plain = export_attack(_pdf_text(normal[0]), normal[1], types)
    assert _recovered(plain, normal[2]), "the guard: the normal export prints the small counts"


def test_the_attack_solves_a_total_minus_its_shown_types() -> None:
    """Guard, worked by hand: a headline of 20 over types 13, '<5' and 5 gives the '<5' back (2); '20+' does not."""
    from types import SimpleNamespace

    class Deck:
        def __init__(self, figure: str, note: str) -> None:
            paras = [SimpleNamespace(text=t) for t in (figure, "recorded crimes, Mar 2025 – Jun 2025", note)]
            box = SimpleNamespace(has_text_frame=True, text_frame=SimpleNamespace(paragraphs=paras))
            self.slides = [None, SimpleNamespace(shapes=[box])]

    text = ("Robbery    13    10    up 30% (13 vs 10)\nBurglary    <5    5    down (<5 vs 5)\n"
            "Drugs    5    5    no change (5 vs 5)")
    seen = export_attack(text, Deck("20", "+0% on a year earlier"), ["Robbery", "Burglary", "Drugs"])
    assert seen.low[("now", "Burglary")] == seen.high[("now", "Burglary")] == 2
    assert seen.low[("before", "all")] == 20 and seen.high[("before", "all")] == 20
    seen = export_attack(text, Deck("18+", "plus types of 1–4, not shown"), ["Robbery", "Burglary", "Drugs"])
    assert seen.low[("now", "Burglary")] < seen.high[("now", "Burglary")]


def test_the_comparison_table_hides_a_type_beside_a_small_one() -> None:
    """'All recorded crime' 120 over types 100, 17 and 3: the 3 is '<5', and the 17 '[c]' (120 − 100 − 17 = 3
    otherwise), with no rate, rank or verdict; ASB is not part of the total and stays shown."""
    from cspdash.report.comparison import _table, hidden_types

    by_type = pd.DataFrame({"crime_type": ["All crime", "Anti-social behaviour", "Burglary", "Drugs", "Robbery"],
                            "label": ["All recorded crime (excluding ASB)", "Anti-social behaviour", "Burglary",
                                      "Drugs", "Robbery"],
                            "crimes": [120.0, 40.0, 100.0, 17.0, 3.0], "rate": [1.2, 0.4, 1.0, 0.17, 0.03],
                            "force_rate": 1.0, "group_rate": 1.0, "all_rate": 1.0, "rank": 1.0, "of": 5.0,
                            "quartile": 1.0, "position": "within_95", "verdict": "in line"})
    from cspdash.vocab import ALL_CRIME

    by_type.loc[0, "crime_type"] = ALL_CRIME
    assert hidden_types(by_type) == [False, False, False, True, True]
    table = _table(by_type, "Newport", True).set_index("Crime type")
    assert table.loc["Drugs", "Crimes counted"] == "[c]" and table.loc["Robbery", "Crimes counted"] == "<5"
    assert table.loc["Drugs", "Newport rate"] == "" and table.loc["Drugs", "Rank (1 = highest)"] == ""
    assert table.loc["Burglary", "Crimes counted"] == "100"
    assert table.loc["All recorded crime (excluding ASB)", "Crimes counted"] == "120"
    assert _table(by_type, "Newport", False).set_index("Crime type").loc["Robbery", "Crimes counted"] == "3"
