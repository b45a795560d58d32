"""Public output in the pack's and the slides' comparison pages: nothing Compare hides comes back from them.

The store is the demo with Blaenau Gwent's bicycle thefts over the 12 months to the Newport meeting's last month of
data cut to 3 and Newport's to 6: Compare hides Blaenau Gwent's (<5) and, since the whole force's rate is their
sum with the others, Newport's ([c], the smallest beside it), and further cells beside those. The attacker reads
Compare for every Gwent partnership (tests/trust/test_disclosure_pooled_rates: counts, rates and pooled rates,
each rate as an interval on the count it stands for) and then the comparison table of Newport's public pack (text
pulled out with pdftotext) and slides (python-pptx): counts, Newport's rate, Force, Similar partnerships, All
loaded. A cell Compare hides that the pack or slides pin is recovered. None may be; Compare alone pins none.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from pptx import Presentation

from cspdash.metrics import meeting as mm
from cspdash.metrics import public
from cspdash.metrics.crime import crime_type_label
from cspdash.metrics.partnership_rates import partnership_residents
from cspdash.report import figures, pack, slides
from cspdash.report.comparison import period_for
from cspdash.store.versions import Store
from tests.trust.test_disclosure_pages import Seen
from tests.trust.test_disclosure_pooled_rates import (
    TYPES,
    _sentences,
    constraints_of,
    pools_of,
    read_compare,
    read_table_row,
    truth_of,
)

MEETING = "NWP-M-2025-07-16"
NEWPORT = "W06000022"
CUT = {"W06000019": 3, NEWPORT: 6}  # bicycle thefts left in the 12 months
COLUMNS = {"Crimes counted": "count", "Newport rate": "rate", "Force": "force", "Similar partnerships": "group",
           "All loaded": "all"}


@pytest.fixture(scope="module")
def store(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo with the bicycle thefts cut (CUT), in the agg table every comparison reads."""
    target = tmp_path_factory.mktemp("cut") / "store.duckdb"
    shutil.copyfile(Store(demo_store_path).current_version(), target)  # type: ignore[arg-type]
    con = duckdb.connect(str(target))
    try:
        b = mm.briefing(con, MEETING)
        assert b is not None and b.meeting.data_end is not None
        period = period_for(b.meeting.data_end)
        assert period is not None
        for la, keep in CUT.items():
            where = ("la_code = $la AND crime_type = 'Bicycle theft' AND month BETWEEN $start AND $end")
            args = {"la": la, "start": period.start, "end": period.end, "keep": keep}
            con.execute(f"DELETE FROM agg_crime_month_lsoa WHERE {where} AND rowid NOT IN "
                        f"(SELECT rowid FROM agg_crime_month_lsoa WHERE {where} ORDER BY rowid LIMIT $keep)", args)
            con.execute(f"UPDATE agg_crime_month_lsoa SET crimes = 1 WHERE {where}",
                        {k: v for k, v in args.items() if k != "keep"})
    finally:
        con.close()
    return Store(target)


@pytest.fixture(scope="module")
def exports(store: Store) -> Iterator[tuple[str, Any]]:
    """(pack text, slides) of the meeting in public output."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CSPDASH_PUBLIC_OUTPUT", "1")
        patch.setattr(figures, "png", lambda *a, **k: None)  # read for their text: no charts drawn
        con = store.connect_read()
        try:
            pdf = pack.build_pack(con, MEETING)
            deck = Presentation(io.BytesIO(slides.build_slides(con, MEETING)))
        finally:
            con.close()
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    yield text.decode(), deck


def slide_rows(deck: Any) -> list[dict[str, str]]:
    """The comparison table's rows on the slides (header 'Crime type', 'Crimes counted', …)."""
    out = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_table:
                rows = [[c.text for c in r.cells] for r in shape.table.rows]
                if rows and rows[0][:2] == ["Crime type", "Crimes counted"]:
                    out += [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    return out


def pack_rows(text: str, labels: list[str]) -> list[dict[str, str]]:
    """The comparison table's one-line rows in the pack's text, each figure put in the column whose heading starts
    where it does (pdftotext -layout keeps the columns; a hidden rate is a blank cell)."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "Every crime type against its comparators" in line)
    heads = lines[at + 1:at + 4]
    starts: dict[str, int] = {}
    for name, word in (("Crimes counted", "Crimes"), ("Newport rate", "Newport"), ("Force", "Force"),
                       ("Similar partnerships", "Similar"), ("All loaded", "All")):
        starts[name] = next(h.find(word) for h in heads if h.find(word) > 0)
    out = []
    for line in lines[at + 4:]:
        if line.startswith("Rates per 1,000"):
            break
        cells = [(m.start(), m.group(0)) for m in re.finditer(r"\S+(?: \S+)*", line)]
        if not cells or cells[0][1] not in labels:
            continue
        row = {"Crime type": cells[0][1]}
        for position, value in cells[1:]:
            column = min(starts, key=lambda c: abs(starts[c] - position))
            if abs(starts[column] - position) <= 3:
                row[column] = value
        out.append(row)
    return out


def _attack(con: duckdb.DuckDBPyConnection, rows: list[dict[str, str]]) -> tuple[list[str], int]:
    """Cells Compare hides (compare_protection) that the rows, with Compare itself, pin: (found, hidden)."""
    b = mm.briefing(con, MEETING)
    assert b is not None and b.meeting.data_end is not None
    period = period_for(b.meeting.data_end)
    assert period is not None
    pools = pools_of(con)
    people = partnership_residents(con).set_index("partnership_code")["residents"].astype(float)
    seen = Seen()
    read_compare(con, seen, period, pools, _sentences)
    label_of = {crime_type_label(t): t for t in TYPES}
    for row in rows:
        crime_type = label_of[row["Crime type"]]
        read_table_row(seen, NEWPORT, crime_type, row["Crimes counted"],
                       {COLUMNS[c]: row.get(c, "") for c in COLUMNS if c != "Crimes counted"}, pools, people)
    seen.solve(constraints_of(pools))
    truth = truth_of(con, period)
    hidden = [c for c in public.compare_protection(con, period.start, period.end) if c in truth]
    found = [f"{c} = {truth[c]:g}" for c in hidden if c in seen.low and seen.low[c] == seen.high.get(c) == truth[c]]
    return found, len(hidden)


def test_compare_hides_cells_and_gives_none_back(store: Store) -> None:
    """The store's cut does what it says, and Compare alone (the attacker's background) pins no hidden cell."""
    con = store.connect_read()
    try:
        found, hidden = _attack(con, [])
    finally:
        con.close()
    assert hidden >= 2 and not found, (found, hidden)


def test_the_pack_and_slides_give_no_hidden_cell_back(store: Store, exports: tuple[str, Any]) -> None:
    text, deck = exports
    con = store.connect_read()
    try:
        rows = slide_rows(deck)
        labels = [crime_type_label(t) for t in TYPES]
        printed = pack_rows(text, labels)
        assert len(rows) == len(TYPES) and len(printed) >= 10, (len(rows), len(printed))
        for source, read in (("slides", rows), ("pack", printed)):
            found, hidden = _attack(con, read)
            assert not found, f"{source}: {len(found)} of {hidden} cells Compare hides recovered: {found[:6]}"
    finally:
        con.close()


def test_the_attack_reads_a_printed_count() -> None:
    """Guard, by hand: a row printing Newport's bicycle thefts as '6' pins them; '[c]' does not."""
    seen = Seen()
    people = pd.Series({NEWPORT: 159_569.0})
    read_table_row(seen, NEWPORT, "Bicycle theft", "6", {"rate": "0.038"}, {}, people)
    assert seen.low[(NEWPORT, "Bicycle theft")] == seen.high[(NEWPORT, "Bicycle theft")] == 6
    seen = Seen()
    read_table_row(seen, NEWPORT, "Bicycle theft", "[c]", {"rate": ""}, {}, people)
    assert seen.low[(NEWPORT, "Bicycle theft")] < seen.high[(NEWPORT, "Bicycle theft")]
