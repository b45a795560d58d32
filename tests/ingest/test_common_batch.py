"""The batched load log (record_loads, Hashes) writes exactly what one record_load per file writes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from cspdash.ingest.common import Hashes, problem, record_load, record_loads, sha256_of
from cspdash.ingest.report import LoadReport
from cspdash.store.versions import apply_schema


def _reports() -> list[tuple[int, LoadReport]]:
    bad = LoadReport(source="police_uk_street", file_name="2024-01-gwent-street.csv", sha256="ab" * 32,
                     rows_read=10, rows_loaded=8, rows_rejected=2, detail="replaced Jan 2024",
                     problems=[problem("2024-01-gwent-street.csv", "a month like 2024-01", 3, "Month", "Jan"),
                               problem("2024-01-gwent-street.csv", "a crime type", 7, "Crime type", None)])
    good = LoadReport(source="police_uk_street", file_name="2024-02-gwent-street.csv", sha256="cd" * 32,
                      rows_read=5, rows_loaded=5)
    odd = LoadReport(source="police_uk_outcomes", file_name="it's | \"odd\".csv", sha256="ef" * 32, detail="")
    return [(11, bad), (12, good), (13, odd)]


def _tables(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], list[tuple]]:
    log = con.execute("SELECT * EXCLUDE (loaded_at) FROM load_log ORDER BY load_id").fetchall()
    reject = con.execute("SELECT * FROM load_reject ORDER BY ALL").fetchall()
    return log, reject


def test_record_loads_equals_one_record_load_per_file() -> None:
    one, many = duckdb.connect(), duckdb.connect()
    apply_schema(one)
    apply_schema(many)
    for load_id, report in _reports():
        record_load(one, load_id, report, "analyst")
    record_loads(many, _reports(), "analyst")
    expected = _tables(one)
    assert expected[0] and len(expected[1]) == 2
    assert _tables(many) == expected
    assert many.execute("SELECT count(DISTINCT loaded_at) FROM load_log WHERE loaded_at IS NOT NULL").fetchone() == (1,)
    record_loads(many, [], "analyst")  # nothing to write: nothing written
    assert _tables(many) == expected


def sha256_of_many(paths: list[Path]) -> list[str]:
    with Hashes(paths) as hashes:
        return [hashes.of(p) for p in paths]


def test_hashes_of_many_in_order(tmp_path: Path) -> None:
    paths = []
    for index in range(5):
        path = tmp_path / f"f{index}.csv"
        path.write_bytes(bytes([index]) * (index * 700_001 + 1))
        paths.append(path)
    digests = sha256_of_many(paths)
    assert digests == [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    assert digests == [sha256_of(p) for p in paths]
    assert sha256_of_many(paths[:1]) == digests[:1] and sha256_of_many([]) == []
