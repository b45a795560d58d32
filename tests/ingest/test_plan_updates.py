"""In-app action updates: validation, role check, persistence across a restart, audit and progress history."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from cspdash.ingest.action_plan import export_action_plan
from cspdash.ingest.load import load_paths
from cspdash.ingest.plan_updates import check_update, may_edit, update_action
from cspdash.store.versions import Store
from tests.conftest import store_checksums
from tests.metrics.plan_fixture import PARTNERSHIP, build_plan_store

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def plan_version(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture plan store's file, built once for the module."""
    version = build_plan_store(tmp_path_factory.mktemp("plan"), TODAY).current_version()
    assert version is not None
    return version


@pytest.fixture()
def store(plan_version: Path, tmp_path: Path) -> Store:
    """A private copy of the fixture plan store that a test may change."""
    shutil.copyfile(plan_version, tmp_path / "plan.duckdb")
    return Store(tmp_path / "plan.duckdb")


def _read(store_path: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    """Run a query on a brand-new Store object and connection (as after a restart)."""
    con = Store(store_path).connect_read()
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_update_persists_audits_and_survives_restart(store: Store) -> None:
    update_action(store, "A4", "red", 35, "  Funding withdrawn  ", user="jo.manager", role="editor")
    action = _read(store.path, "SELECT status, pct_complete, commentary, updated_by FROM action WHERE action_id = 'A4'")
    assert action == [("Red", 35, "Funding withdrawn", "jo.manager")]
    audit = _read(store.path, "SELECT user_name, user_role, entity, entity_id, field, old_value, new_value "
                              "FROM edit_audit ORDER BY field")
    assert audit == [
        ("jo.manager", "editor", "action", "A4", "commentary", "Funding risk", "Funding withdrawn"),
        ("jo.manager", "editor", "action", "A4", "pct_complete", "30", "35"),
        ("jo.manager", "editor", "action", "A4", "status", "Amber", "Red"),
    ]
    when = _read(store.path, "SELECT DISTINCT edited_at FROM edit_audit")
    assert len(when) == 1 and abs((when[0][0] - dt.datetime.now()).total_seconds()) < 120  # type: ignore[operator]
    progress = _read(store.path, "SELECT update_date, status, pct_complete, commentary, updated_by, source "
                                 "FROM progress_update WHERE action_id = 'A4' ORDER BY update_date, recorded_at")
    assert len(progress) == 3  # two workbook rounds + this one: history is appended, never replaced
    assert progress[-1] == (TODAY, "Red", 35, "Funding withdrawn", "jo.manager", "app")


def test_only_changed_fields_are_audited(store: Store) -> None:
    update_action(store, "A1", "Green", 60, None, user="sam", role="admin")
    fields = _read(store.path, "SELECT field, old_value, new_value FROM edit_audit")
    assert fields == [("pct_complete", "50", "60")]
    update_action(store, "A1", "Green", 60, None, user="sam", role="admin")  # a re-confirmation: history only
    assert len(_read(store.path, "SELECT * FROM edit_audit")) == 1
    assert len(_read(store.path, "SELECT * FROM progress_update WHERE action_id = 'A1' AND source = 'app'")) == 2


@pytest.mark.parametrize("status", ["Red", "Amber", "Not started"])
def test_commentary_required_unless_green_or_complete(store: Store, status: str) -> None:
    before = store_checksums(store)
    with pytest.raises(ValueError, match=f"Commentary is required when the status is {status}"):
        update_action(store, "A1", status, 10, "   ", user="jo", role="editor")
    assert store_checksums(store) == before


@pytest.mark.parametrize(("status", "pct", "message"), [
    ("Purple", 10, "Status 'Purple' is not allowed; choose one of: Red, Amber, Green, Not started, Complete."),
    ("Green", 101, "% complete must be a whole number from 0 to 100 (got 101)."),
    ("Green", -1, "% complete must be a whole number from 0 to 100"),
    ("Green", 12.5, "% complete must be a whole number from 0 to 100 (got 12.5)."),
    ("Green", None, "% complete is required"),
    ("Complete", 90, "A Complete action is 100% done"),
])
def test_invalid_values_are_refused_with_a_clear_message(status: str, pct: float | None, message: str) -> None:
    with pytest.raises(ValueError) as info:
        check_update(status, pct, "some commentary")
    assert str(info.value).startswith(message)


def test_green_and_complete_need_no_commentary() -> None:
    assert check_update("green", 40, "") == ("Green", 40, None)
    assert check_update("Completed", 100, None) == ("Complete", 100, None)


@pytest.mark.parametrize("role", ["viewer", "none", "", "Editor"])
def test_role_check_on_the_server(store: Store, role: str) -> None:
    before = store_checksums(store)
    with pytest.raises(PermissionError, match="needs the editor role"):
        update_action(store, "A1", "Green", 60, None, user="cllr.smith", role=role)
    assert store_checksums(store) == before
    assert [may_edit(r) for r in ("viewer", "editor", "analyst", "admin")] == [False, True, True, True]


def test_unknown_action_changes_nothing(store: Store) -> None:
    before = store_checksums(store)
    with pytest.raises(ValueError, match="There is no action 'A99'"):
        update_action(store, "A99", "Green", 60, None, user="jo", role="editor")
    assert store_checksums(store) == before


def test_edit_then_export_then_reload_keeps_the_edit(store: Store, tmp_path: Path) -> None:
    update_action(store, "A3", "Amber", 80, "Venue found; new date set", user="jo.manager", role="editor")
    con = store.connect_read()
    try:
        workbook = export_action_plan(con, [PARTNERSHIP], tmp_path / "exported.xlsx")
    finally:
        con.close()
    fresh = Store(tmp_path / "fresh" / "fresh.duckdb")
    with fresh.write() as write:
        write.execute("INSERT INTO partnership (partnership_code, partnership_name, force) VALUES (?, 'Newport', "
                      "'Gwent Police')", [PARTNERSHIP])
    load_paths(fresh, [workbook], user="analyst")
    reloaded = _read(fresh.path, "SELECT status, pct_complete, commentary, updated_by FROM action "
                                 "WHERE action_id = 'A3'")
    assert reloaded == [("Amber", 80, "Venue found; new date set", "jo.manager")]
    progress = _read(fresh.path, "SELECT status, pct_complete, updated_by, source FROM progress_update "
                                 "WHERE action_id = 'A3' ORDER BY update_date, recorded_at")
    assert progress[-1] == ("Amber", 80, "jo.manager", "app")
    assert len(progress) == 3


def test_update_is_one_atomic_write(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the audit insert fails, neither the action nor the progress history changes."""
    before = store_checksums(store)
    real_execute = duckdb.DuckDBPyConnection.execute

    class Boom(RuntimeError):
        pass

    def failing_execute(self: duckdb.DuckDBPyConnection, sql: str, *args: object) -> object:
        if sql.startswith("INSERT INTO edit_audit"):
            raise Boom("disk trouble")
        return real_execute(self, sql, *args)

    monkeypatch.setattr(duckdb.DuckDBPyConnection, "execute", failing_execute)
    with pytest.raises(Boom):
        update_action(store, "A1", "Amber", 55, "Staff shortage", user="jo", role="editor")
    monkeypatch.undo()
    assert store_checksums(store) == before


def test_a_past_date_quotes_the_commentary_reported_with_its_status(store: Store) -> None:
    """Found by a CSP manager: after an update today, a past meeting's page and pack showed the action's status at
    the meeting beside today's commentary. On each date the commentary is the one reported with that status."""
    from cspdash.metrics.plan.on_date import plan_status

    update_action(store, "A4", "Green", 55, "Funding found", user="jo.manager", role="editor")
    con = store.connect_read()
    try:
        def a4(on: dt.date) -> tuple[object, object]:
            actions = plan_status(con, PARTNERSHIP, on)[1].set_index("action_id")
            commentary = actions.loc["A4", "commentary"]
            return actions.loc["A4", "status"], None if commentary is None or commentary != commentary else commentary

        assert a4(TODAY - dt.timedelta(days=7)) == ("Amber", "Funding risk")  # the round 14 days ago
        assert a4(TODAY - dt.timedelta(days=30)) == ("Green", None)  # the round 75 days ago: no commentary
        assert a4(TODAY) == ("Green", "Funding found")
    finally:
        con.close()


def test_a_commentary_longer_than_a_page_is_refused_and_the_store_unchanged(store: Store) -> None:
    """Found by a CSP manager: a 60,000-character commentary saved, and filled 16 of the pack's 27 pages."""
    before = store_checksums(store)
    with pytest.raises(ValueError, match="limited to 2,000 characters \\(got 60,000\\)"):
        update_action(store, "A4", "Red", 35, "x" * 60_000, user="jo.manager", role="editor")
    assert store_checksums(store) == before
    update_action(store, "A4", "Red", 35, "x" * 2_000, user="jo.manager", role="editor")  # the limit itself is fine
