"""Load ids come from the store's sequence: one at a time or many in one query, never repeated."""

from __future__ import annotations

from pathlib import Path

from cspdash.ingest.common import next_load_id, next_load_ids
from cspdash.store.versions import Store


def test_many_ids_at_once_are_new_and_increasing(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb").write() as con:
        first = next_load_id(con)
        many = next_load_ids(con, 516)
        after = next_load_id(con)
    assert len(set(many)) == 516 and many == sorted(many)
    assert first < many[0] and many[-1] < after
    assert many == list(range(first + 1, first + 517))
