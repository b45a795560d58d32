"""Pre-aggregates: the per-LSOA outcome table adds up to the per-council one, and older stores gain it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from cspdash.store.versions import Store


def test_outcome_tables_agree(demo_con: duckdb.DuckDBPyConnection) -> None:
    """agg_outcome_month_la is agg_outcome_month_lsoa summed per council, and both count every crime once."""
    by_lsoa = demo_con.execute(
        "SELECT force, crime_month, la_code, crime_type, outcome_group, sum(crimes) FROM agg_outcome_month_lsoa "
        "GROUP BY ALL ORDER BY ALL").fetchall()
    by_la = demo_con.execute("SELECT * FROM agg_outcome_month_la ORDER BY ALL").fetchall()
    assert by_lsoa == by_la
    (crimes,) = demo_con.execute("SELECT count(*) FROM street_crime WHERE crime_id IS NOT NULL").fetchone()
    (total,) = demo_con.execute("SELECT sum(crimes) FROM agg_outcome_month_lsoa").fetchone()
    assert total == crimes > 0


def test_store_without_the_lsoa_outcome_table_gains_it_on_its_next_write(demo_store_path: Path,
                                                                          tmp_path: Path) -> None:
    """A store written before agg_outcome_month_lsoa existed is read from raw rows, then filled on the next write."""
    from datetime import date

    from cspdash.metrics import hotspots as hs

    target = tmp_path / "old.duckdb"
    shutil.copyfile(Store(demo_store_path).current_version(), target)  # type: ignore[arg-type]
    with duckdb.connect(str(target)) as con:
        expected = con.execute("SELECT * FROM agg_outcome_month_lsoa ORDER BY ALL").fetchall()
        con.execute("DROP TABLE agg_outcome_month_lsoa")
    args = ("W06000022", "lsoa", "W01001687", date(2024, 7, 1), date(2025, 6, 1))
    with duckdb.connect(str(target), read_only=True) as con:
        old_store = hs.area_outcome_mix(con, *args)
        assert old_store.equals(hs.area_outcome_mix_from_rows(con, *args))
    with Store(target).write() as con:
        assert con.execute("SELECT * FROM agg_outcome_month_lsoa ORDER BY ALL").fetchall() == expected
    con = Store(target).connect_read()
    try:
        assert hs.area_outcome_mix(con, *args).equals(old_store)
    finally:
        con.close()
