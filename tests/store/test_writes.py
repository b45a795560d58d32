"""insert_rows writes exactly what executemany would, in one statement; transaction() commits or rolls back."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from cspdash.store.writes import in_transaction, insert_rows, transaction

ROWS = [
    ["Gwent Police", date(2024, 1, 1), 7, None, "it's \"quoted\", with a comma"],
    ["Dyfed-Powys Police", None, None, 2.5, ""],
    ["Gwent Police", date(2025, 12, 1), 2**40, -1.0, None],
]


def _table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(f"CREATE TABLE {name} (force VARCHAR, month DATE, n BIGINT, x DOUBLE, note VARCHAR)")


def test_insert_rows_matches_executemany() -> None:
    con = duckdb.connect()
    _table(con, "a")
    _table(con, "b")
    insert_rows(con, "a", ROWS)
    con.executemany("INSERT INTO b VALUES (?, ?, ?, ?, ?)", ROWS)
    got = con.execute("SELECT * FROM a ORDER BY force, month").fetchall()
    assert got == con.execute("SELECT * FROM b ORDER BY force, month").fetchall()
    assert len(got) == 3 and got[1][4] == "it's \"quoted\", with a comma"


def test_insert_rows_casts_text_to_the_column_type_and_ignores_no_rows() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE s (force VARCHAR, month DATE)")
    insert_rows(con, "s", [])
    insert_rows(con, "s", [("Gwent Police", "2024-03-01"), ("Gwent Police", "2024-04-01")])
    assert con.execute("SELECT month FROM s ORDER BY 1").fetchall() == [(date(2024, 3, 1),), (date(2024, 4, 1),)]


def test_transaction_commits_once_and_rolls_back_on_error() -> None:
    con = duckdb.connect()
    _table(con, "t")
    with transaction(con) as owned:
        assert owned and in_transaction(con)
        insert_rows(con, "t", ROWS[:1])
    assert not in_transaction(con)
    with pytest.raises(RuntimeError), transaction(con):
        insert_rows(con, "t", ROWS[1:])
        raise RuntimeError("stop")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (1,)


def test_transaction_inside_the_callers_leaves_it_to_the_caller() -> None:
    con = duckdb.connect()
    _table(con, "t")
    con.execute("BEGIN TRANSACTION")
    with transaction(con) as owned:
        assert not owned
        insert_rows(con, "t", ROWS)
    assert in_transaction(con)   # still the caller's, not committed by us
    con.execute("ROLLBACK")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
