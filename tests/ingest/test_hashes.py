"""Background hashing gives the same digests as hashlib, and the load log records them for every police.uk file."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import duckdb

from cspdash.ingest.common import Hashes, sha256_of
from cspdash.ingest.load import load_paths
from cspdash.store.versions import Store

STREET = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
          "Last outcome category,Context\n")


def _street_file(folder: Path, month: str, rows: int) -> Path:
    path = folder / f"{month}-gwent-street.csv"
    lines = [f"{i:064x},{month},Gwent Police,Gwent Police,-3.0,51.6,On or near High Street,W01001{i % 9:03d},"
             f"Newport 0{i % 9:02d}A,Burglary,Under investigation,\n" for i in range(rows)]
    path.write_text(STREET + "".join(lines))
    return path


def test_background_digests_are_the_files_sha256(tmp_path: Path) -> None:
    files = [_street_file(tmp_path, f"2024-{m:02d}", 50 * m) for m in range(1, 7)]
    other = tmp_path / "other.txt"
    other.write_bytes(b"x" * 3_000_000)
    with Hashes(files + files[:2]) as hashes:
        digests = [hashes.of(f) for f in files]
        assert hashes.of(other) == hashlib.sha256(other.read_bytes()).hexdigest()  # not given: hashed on demand
    assert digests == [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    assert not [t for t in threading.enumerate() if t.name.startswith("cspdash-sha256")]  # pool shut down


def test_the_load_log_holds_each_police_files_sha256(tmp_path: Path, national_store: Store) -> None:
    files = [_street_file(tmp_path, f"2024-{m:02d}", 20) for m in range(1, 4)]
    store = national_store
    reports = load_paths(store, files)
    assert [r.sha256 for r in reports] == [sha256_of(f) for f in files]
    with duckdb.connect(str(store.current_version()), read_only=True) as con:
        logged = dict(con.execute("SELECT file_name, sha256 FROM load_log").fetchall())
    assert logged == {f.name: sha256_of(f) for f in files}
