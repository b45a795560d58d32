"""A load never removes held records without a confirmation: one test per record kind, CLI and library."""

from __future__ import annotations

from pathlib import Path

import pytest

from cspdash.cli import main
from cspdash.config import DEMO_DIR
from cspdash.ingest.load import load_paths
from cspdash.ingest.replacement import ConfirmationNeeded, Replacement, removals
from cspdash.store.versions import Store

SAMPLE = DEMO_DIR / "action_plan_sample.xlsx"
CAERPHILLY = "W06000018"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A store holding the sample plan (each test may change it)."""
    own = Store(tmp_path / "s.duckdb")
    load_paths(own, [SAMPLE])
    return own


def count(store: Store, sql: str, params: list[object] | None = None) -> int:
    con = store.connect_read()
    try:
        return int(con.execute(sql, params or []).fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


def one_trigger_file(tmp_path: Path) -> Path:
    path = tmp_path / "community_triggers.csv"
    path.write_text("Case ID,Partnership code,Kind,Received date,Threshold met?,Outcome,Resolved date\n"
                    f"CAE-CT-2026-01,{CAERPHILLY},Community Trigger,2026-11-02,Yes,,\n", encoding="utf-8")
    return path


def test_one_row_trigger_file_adds_a_case_and_keeps_the_other_twelve(store: Store, tmp_path: Path) -> None:
    """The failure: a one-row file replaced all 12 Caerphilly cases with 1 while saying 'Loaded'."""
    held = "SELECT count(*) FROM community_trigger WHERE partnership_code = ?"
    assert count(store, held, [CAERPHILLY]) == 12
    [report] = load_paths(store, [one_trigger_file(tmp_path)])
    assert count(store, held, [CAERPHILLY]) == 13
    assert "Community Trigger / CCfA cases: 1 added, 0 updated, 12 kept" in report.detail


def test_trigger_replacement_is_listed_and_needs_replace(store: Store, tmp_path: Path) -> None:
    """Making the file the complete list removes the others only with the confirmation, and says which went."""
    [report] = load_paths(store, [one_trigger_file(tmp_path)], replace=True)
    assert count(store, "SELECT count(*) FROM community_trigger WHERE partnership_code = ?", [CAERPHILLY]) == 1
    assert "Community Trigger / CCfA cases of W06000018: 12 → 1; these 12 go: CAE-CCFA-2023-03" \
        in report.detail


def test_recommendation_file_updates_by_reference_and_keeps_the_rest(store: Store, tmp_path: Path) -> None:
    held = count(store, "SELECT count(*) FROM recommendation WHERE partnership_code = ?", [CAERPHILLY])
    path = tmp_path / "recommendations.csv"
    path.write_text("Reference,Meeting ID,Partnership code,Recommendation,Lead partner,Response,Due date,"
                    "Recommendation status\n"
                    f"CAE-R-2024-02,CAE-M-2024-11-20,{CAERPHILLY},Review the summer programme,CAERPHILLY_CBC,"
                    "Done,2025-03-19,achieved\n", encoding="utf-8")
    [report] = load_paths(store, [path])
    assert count(store, "SELECT count(*) FROM recommendation WHERE partnership_code = ?", [CAERPHILLY]) == held
    assert count(store, "SELECT count(*) FROM recommendation WHERE reference = 'CAE-R-2024-02' "
                        "AND status = 'achieved'") == 1
    assert f"recommendations: 0 added, 1 updated, {held - 1} kept" in report.detail


def one_action_file(tmp_path: Path) -> Path:
    path = tmp_path / "actions.csv"
    path.write_text("Action ID,Priority ID,Action title,Owner partner,Status,% complete\n"
                    "CAE-P1-A1,CAE-P1,Hot-spot patrols,GWENT_POLICE,Green,50\n", encoding="utf-8")
    return path


def test_partial_action_file_is_refused_with_what_would_go(store: Store, tmp_path: Path) -> None:
    actions = "SELECT count(*) FROM action WHERE priority_id LIKE 'CAE-%'"
    before = count(store, actions)
    version = store.current_version()
    with pytest.raises(ConfirmationNeeded) as caught:
        load_paths(store, [one_action_file(tmp_path)])
    [replacement] = caught.value.replacements
    assert replacement.what == "plan actions" and replacement.before == before and replacement.after == 1
    assert "CAE-P2-A1" in replacement.removed and "CAE-P1-A1" not in replacement.removed
    assert store.current_version() == version and count(store, actions) == before  # nothing written
    load_paths(store, [one_action_file(tmp_path)], replace=True)
    assert count(store, actions) == 1


def test_contributions_removed_only_with_confirmation(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "contributions.csv"
    path.write_text("Partnership code,Partner,Priority ID,Kind,Description,Amount (£),FTE,Period\n"
                    f"{CAERPHILLY},GWENT_OPCC,,funding,PCC Community Safety Fund grant,117000,,2025/26\n",
                    encoding="utf-8")
    with pytest.raises(ConfirmationNeeded, match=r"partner contributions of W06000018: 12 → 1"):
        load_paths(store, [path])


def test_cli_prints_what_would_go_and_needs_replace(store: Store, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = one_action_file(tmp_path)
    assert main(["--db", str(store.path), "load", str(path)]) == 4
    err = capsys.readouterr().err
    assert "plan actions of W06000018:" in err and "CAE-P2-A1" in err and "--replace" in err
    assert count(store, "SELECT count(*) FROM action WHERE priority_id LIKE 'CAE-%'") > 1
    assert main(["--db", str(store.path), "load", "--replace", str(path)]) == 0
    assert count(store, "SELECT count(*) FROM action WHERE priority_id LIKE 'CAE-%'") == 1


def test_reloading_an_unchanged_export_needs_no_confirmation(store: Store, tmp_path: Path) -> None:
    load_paths(store, [SAMPLE])  # the same plan again: nothing goes, so nothing to confirm


@pytest.mark.parametrize(("held", "incoming", "message"), [
    (["A", "B", "C"], ["A"], "cases of partnership X: 3 → 1; these 2 go: B, C"),
    (["A", "B"], ["A", "C"], "cases of partnership X: 2 → 2; this one goes: B"),
])
def test_replacement_message(held: list[str], incoming: list[str], message: str) -> None:
    found = removals("cases", "partnership X", held, incoming)
    assert isinstance(found, Replacement) and found.message() == message


def test_no_removal_no_replacement() -> None:
    assert removals("cases", "partnership X", ["A"], ["A", "B"]) is None
