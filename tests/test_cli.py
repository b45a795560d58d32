"""The command line, run as a user would: python -m cspdash load|status|rollback, exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cspdash.store.versions import Store
from tests.conftest import store_checksums

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "police_uk"


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CSPDASH_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "cspdash", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def _street_rows(folder: Path) -> int:
    return sum(len(p.read_bytes().strip().splitlines()) - 1 for p in folder.rglob("*-street.csv"))


def test_load_folder_then_status_json(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    result = _cli("load", str(FIXTURES), db=db)
    assert result.returncode == 0, result.stderr
    assert "rows loaded" in result.stdout
    status = _cli("status", "--json", db=db)
    assert status.returncode == 0, status.stderr
    info = json.loads(status.stdout)
    street = next(s for s in info["sources"] if s["source"] == "police_uk_street")
    assert street["rows"] == _street_rows(FIXTURES)
    assert info["forces"][0]["force"] == "Gwent Police"
    assert info["forces"][0]["first"] == "2024-01" and info["forces"][0]["last"] == "2024-03"


def test_failed_load_exits_non_zero_names_the_problem_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert _cli("load", str(FIXTURES / "2024-01"), db=db).returncode == 0
    before = store_checksums(Store(db))
    bad = tmp_path / "2024-02-gwent-street.csv"
    bad.write_text("Crime ID,Month,Wrong header\n1,2024-02,x\n")
    result = _cli("load", str(FIXTURES / "2024-02"), str(bad), db=db)
    assert result.returncode == 2
    assert "2024-02-gwent-street.csv" in result.stderr and "unchanged" in result.stderr
    assert store_checksums(Store(db)) == before


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = _cli("load", str(tmp_path / "nope.csv"), db=tmp_path / "s.duckdb")
    assert result.returncode == 2
    assert "nope.csv" in result.stderr


def test_status_without_store_says_how_to_build_one(tmp_path: Path) -> None:
    result = _cli("status", db=tmp_path / "none.duckdb")
    assert result.returncode == 3
    assert "python -m cspdash demo" in result.stderr


def test_rollback_restores_previous_load(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert _cli("load", str(FIXTURES / "2024-01"), db=db).returncode == 0
    first = store_checksums(Store(db))
    assert _cli("load", str(FIXTURES / "2024-02"), db=db).returncode == 0
    assert store_checksums(Store(db)) != first
    result = _cli("rollback", db=db)
    assert result.returncode == 0 and "v000001" in result.stdout
    assert store_checksums(Store(db)) == first
    # it says what the store holds now: the last load of the version rolled back to (2024-01's file)
    assert "the last file loaded into it:" in result.stdout and "2024-01" in result.stdout, result.stdout
    assert "a later rollback never returns to them" in result.stdout
