"""The pack's comparison page and the summary's sentence (issue 19 item 4, issue 20 item 5): the words, the edge
cases (no population, fewer than 5 partnerships loaded) and small counts in public output."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cspdash.metrics.disclosure import SUPPRESSED
from cspdash.metrics.meeting import Briefing, briefing
from cspdash.report.comparison import _outliers, _table, comparison_view, ordinal, rank_words
from cspdash.report.summary import COMPARISON_HEADING, COMPARISON_NOT_AVAILABLE, summarise
from cspdash.store.versions import Store
from cspdash.vocab import ALL_CRIME
from tests.report.meeting_fixture import MEETING

NEWPORT = "W06000022"
#: the other Gwent councils whose residents are removed to leave fewer than 5 partnerships with a rate
MONMOUTHSHIRE, TORFAEN = "W06000021", "W06000020"


def test_ordinals_and_rank_words() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]
    assert rank_words(1, 5) == "the highest"
    assert rank_words(2, 5) == "the 2nd highest"
    assert rank_words(5, 5) == "the lowest"
    assert rank_words(23, 300) == "the 23rd highest"


def test_summary_states_the_comparison_sentence(fixture_briefing: Briefing, meeting_con: duckdb.DuckDBPyConnection
                                                ) -> None:
    """Hand-checked against the demo (rank among the 5 Gwent partnerships, 12 months to June 2025)."""
    view = comparison_view(meeting_con, fixture_briefing)
    section = summarise(fixture_briefing, view).section(COMPARISON_HEADING)
    assert section.shown[0] == view.sentence
    assert view.sentence == (
        "Newport's recorded crime (excluding ASB) rate, 118.3 per 1,000 residents (Jul 2024 – Jun 2025), is the "
        "2nd highest of the 5 Gwent Police partnerships loaded; within the 95% limits: in line with areas of its "
        "size (with only 5 partnerships to compare the limits are wide).")
    assert view.period_label == "Jul 2024 – Jun 2025"
    assert view.method.startswith("Method: each rate is crimes per 1,000 residents (Census 2021)")
    assert view.method.count(". ") == 0  # one sentence
    # without a comparison (no store), page 1 says so rather than show figures
    assert summarise(fixture_briefing).section(COMPARISON_HEADING).shown == [COMPARISON_NOT_AVAILABLE]


def test_table_has_every_crime_type_with_rank_and_quartile(fixture_briefing: Briefing,
                                                           meeting_con: duckdb.DuckDBPyConnection) -> None:
    table = comparison_view(meeting_con, fixture_briefing).table
    assert list(table.columns) == ["Crime type", "Crimes counted", "Newport rate", "Force", "Similar partnerships",
                                   "All loaded", "Rank (1 = highest)", "Quartile", "Funnel verdict"]
    assert len(table) == 15  # all recorded crime and the 14 police.uk types
    first = table.iloc[0]
    assert first["Crime type"] == "All recorded crime (excluding ASB)"
    assert first["Rank (1 = highest)"] == "2 of 5" and first["Quartile"] == "2"
    assert first["Funnel verdict"] == "in line (within limits)"


@pytest.fixture()
def edited_store(meeting_store: Store, tmp_path: Path) -> Iterator[tuple[Path, duckdb.DuckDBPyConnection]]:
    """A private read-write copy of the fixture store's live version, to take figures out of."""
    path = tmp_path / "edited.duckdb"
    shutil.copyfile(meeting_store.current_version(), path)  # type: ignore[arg-type]
    con = duckdb.connect(str(path))
    yield path, con
    con.close()


def _drop_residents(con: duckdb.DuckDBPyConnection, *councils: str) -> None:
    con.execute("DELETE FROM population WHERE area_code IN (SELECT lsoa_code FROM lsoa WHERE list_contains(?, la_code))",
                [list(councils)])


def test_a_partnership_with_no_population_gets_no_rate_and_says_why(
        edited_store: tuple[Path, duckdb.DuckDBPyConnection]) -> None:
    _path, con = edited_store
    _drop_residents(con, NEWPORT)
    b = briefing(con, MEETING)
    assert b is not None
    view = comparison_view(con, b)
    assert view.sentence == ("Newport's recorded crime (excluding ASB) rate cannot be compared: Newport has no "
                             "population figure, so it has no rate per resident.")
    assert NEWPORT not in set(view.points["partnership_code"])  # not drawn in the funnel either
    assert (view.table["Newport rate"] == "").all() and (view.table["Rank (1 = highest)"] == "").all()


def test_fewer_than_five_partnerships_loaded_gives_no_funnel_verdict(
        edited_store: tuple[Path, duckdb.DuckDBPyConnection]) -> None:
    _path, con = edited_store
    _drop_residents(con, MONMOUTHSHIRE, TORFAEN)
    b = briefing(con, MEETING)
    assert b is not None
    view = comparison_view(con, b)
    assert view.sentence.endswith("of the 3 Gwent Police partnerships loaded; no funnel verdict: only 3 "
                                  "partnerships loaded (a funnel needs at least 5 to judge how much areas normally "
                                  "differ).")
    assert "limit" not in " ".join(view.summary[1:2])  # no crime-type verdicts either
    assert set(view.table["Funnel verdict"]) == {"no verdict"}


def test_small_counts_are_suppressed_in_public_output() -> None:
    by_type = pd.DataFrame([
        {"crime_type": ALL_CRIME, "label": "All recorded crime (excluding ASB)", "crimes": 1200, "rate": 80.0,
         "force_rate": 90.0, "group_rate": 85.0, "all_rate": 88.0, "rank": 2.0, "of": 6, "quartile": 2.0,
         "position": "within", "verdict": ""},
        {"crime_type": "Robbery", "label": "Robbery", "crimes": 3, "rate": 0.2, "force_rate": 0.5,
         "group_rate": 0.4, "all_rate": 0.45, "rank": 6.0, "of": 6, "quartile": 4.0, "position": "below_998",
         "verdict": ""},
        # the other types of the total (1,200 = 3 + 600 + 597): the smallest beside the 3 is hidden too ('[c]')
        *({"crime_type": t, "label": t, "crimes": n, "rate": n / 15, "force_rate": 40.0, "group_rate": 40.0,
           "all_rate": 40.0, "rank": 3.0, "of": 6, "quartile": 2.0, "position": "within", "verdict": ""}
          for t, n in (("Burglary", 600), ("Drugs", 597))),
    ])
    public = _table(by_type, "Newport", public=True)
    assert list(public["Crimes counted"])[2:] == ["600", "[c]"]
    robbery = public.iloc[1]
    assert robbery["Crimes counted"] == SUPPRESSED
    assert robbery["Newport rate"] == "" and robbery["Rank (1 = highest)"] == "" and robbery["Quartile"] == ""
    assert robbery["Funnel verdict"] == ""
    assert robbery["Force"] == "0.50"  # the comparators' pooled rates rest on large counts
    assert public.iloc[0]["Crimes counted"] == "1,200" and public.iloc[0]["Rank (1 = highest)"] == "2 of 6"
    private = _table(by_type, "Newport", public=False)
    assert private.iloc[1]["Crimes counted"] == "3" and private.iloc[1]["Newport rate"] == "0.20"
    # the crime type below the 99.8% limit is named only when its count may be shown
    assert _outliers(by_type, 6, public=True) == ["No crime type is outside the 99.8% limits."]
    assert _outliers(by_type, 6, public=False) == [
        "By crime type, lower than areas of its size would show by chance (below the 99.8% limit): Robbery."]


def test_public_output_hides_a_small_own_count(edited_store: tuple[Path, duckdb.DuckDBPyConnection]) -> None:
    """A partnership whose own count is 1–4 gets no rate, rank or verdict in public output (each gives it back),
    and is left out of the funnel plot; in private output the same figures show."""
    _path, con = edited_store
    con.execute("DELETE FROM agg_crime_month_lsoa WHERE la_code = ? AND month BETWEEN '2024-07-01' AND '2025-06-01'",
                [NEWPORT])
    con.execute("INSERT INTO agg_crime_month_lsoa VALUES ('Gwent Police', '2025-01-01', 'W01001623', ?, "
                "'Robbery', 3)", [NEWPORT])
    b = briefing(con, MEETING)
    assert b is not None
    private = comparison_view(con, b)
    assert private.sentence.startswith("Newport's recorded crime (excluding ASB) rate, 0.019 per 1,000 residents")
    assert NEWPORT in set(private.points["partnership_code"])
    public = comparison_view(con, dataclasses.replace(b, public=True))
    assert public.sentence == "Newport: too few crimes to compare in public output (counts of 1–4 are not shown)."
    assert NEWPORT not in set(public.points["partnership_code"])
    row = public.table.set_index("Crime type").loc["Robbery"]
    assert row["Crimes counted"] == SUPPRESSED and row["Newport rate"] == "" and row["Funnel verdict"] == ""
