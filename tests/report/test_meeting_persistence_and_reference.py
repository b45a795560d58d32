"""The meeting briefing's hot spot persistence and reference rows: the matrix form of the hot spot persistence rule agrees with
persistence() (hand-worked rows and random histories), and the reference rows kept per store version are read
afresh for a new version and never kept for an in-memory store."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from cspdash.analysis.hotspots import (
    _z_trend_dense,
    gi_star_arrays,
    gi_star_rows,
    persistence,
    persistence_classes,
    z_trend,
)
from cspdash.metrics import meeting as mm


def _by_frame(hot: np.ndarray, z: np.ndarray) -> list[str]:
    areas, periods = hot.shape
    frame = pd.DataFrame({"area_code": [f"A{i:03d}" for i in range(areas) for _ in range(periods)],
                          "period": [k for _ in range(areas) for k in range(periods)],
                          "is_hot": hot.ravel(), "z": z.ravel()})
    return persistence(frame)["persistence"].tolist()


def test_persistence_classes_by_hand() -> None:
    hot = np.array([[False, False, False, False],   # never hot
                    [False, False, False, True],    # hot only in the latest period: new
                    [True, True, True, True],       # hot throughout, z rising steadily (tau = 1): intensifying
                    [True, True, True, True],       # hot throughout, z falling steadily: diminishing
                    [True, False, True, True],      # 3 of 4 with the latest, z not trending: persistent
                    [True, True, True, False],      # not hot now, hot in all earlier periods: diminishing
                    [True, False, False, False]])   # once, long ago: sporadic
    z = np.array([[0.0, 0.1, 0.2, 0.3], [0.0, 0.0, 0.0, 3.0], [2.0, 3.0, 4.0, 5.0], [5.0, 4.0, 3.0, 2.0],
                  [3.0, 1.0, 3.0, 2.5], [3.0, 3.0, 3.0, 0.0], [3.0, 0.0, 0.0, 0.0]])
    expected = ["not a hot spot", "new", "intensifying", "diminishing", "persistent", "diminishing", "sporadic"]
    assert persistence_classes(hot, z) == expected
    assert _by_frame(hot, z) == expected


@pytest.mark.parametrize("periods", [1, 2, 4, 6])
def test_persistence_classes_agree_with_persistence(periods: int) -> None:
    rng = np.random.default_rng(periods)
    hot = rng.random((300, periods)) < 0.6
    z = np.round(rng.normal(1.5, 1.5, (300, periods)), 1)   # rounded, so tied z scores occur
    assert persistence_classes(hot, z) == _by_frame(hot, z)


def test_dense_rank_trend_is_z_trend() -> None:
    assert _z_trend_dense(np.array([1.0, 2.0, np.nan, 3.0, 4.0])) == z_trend([1.0, 2.0, np.nan, 3.0, 4.0]) == "rising"
    assert _z_trend_dense(np.array([2.0, 2.0, 2.0, 2.0])) is None            # no variation
    rng = np.random.default_rng(7)
    for _ in range(300):
        z = np.round(rng.normal(0, 2, int(rng.integers(3, 9))), 0)           # whole numbers: ties are common
        z[rng.random(len(z)) < 0.1] = np.nan
        assert _z_trend_dense(z) == z_trend(z), z


def test_gi_star_rows_is_gi_star_arrays_row_by_row() -> None:
    rng = np.random.default_rng(3)
    codes = [f"A{i:02d}" for i in range(30)]
    neighbours = {code: [codes[j] for j in rng.choice(30, 4, replace=False) if j != i] for i, code in enumerate(codes)}
    values = rng.poisson(6, (4, 30)).astype(float)
    values[2] = 5.0                                     # a period without variation: z is 0 throughout
    z, q = gi_star_rows(codes, values, neighbours)
    assert z.shape == q.shape == (4, 30)
    for row in range(4):
        _statistic, _k, z_row, _p, q_row = gi_star_arrays(codes, values[row], neighbours)
        assert np.array_equal(z[row], z_row) and np.array_equal(q[row], q_row)
    assert not z[2].any()


def test_no_periods_means_no_hot_spot() -> None:
    assert persistence_classes(np.zeros((2, 0), dtype=bool), np.zeros((2, 0))) == ["not a hot spot"] * 2


def test_reference_rows_are_kept_per_version_and_not_for_memory() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE partnership (partnership_code VARCHAR, partnership_name VARCHAR, force VARCHAR)")
    con.execute("CREATE TABLE partnership_la (partnership_code VARCHAR, la_code VARCHAR)")
    con.execute("CREATE TABLE published_month (source VARCHAR, force VARCHAR, month DATE)")
    con.execute("CREATE TABLE load_log (loaded_at TIMESTAMP)")
    con.execute("CREATE TABLE partner (partner_code VARCHAR, partner_name VARCHAR)")
    con.execute("CREATE TABLE meeting (meeting_id VARCHAR, partnership_code VARCHAR, committee VARCHAR,"
                " meeting_date DATE)")
    con.execute("INSERT INTO partnership VALUES ('P1', 'One', 'f1')")
    con.execute("INSERT INTO meeting VALUES ('M1', 'P1', 'C', DATE '2025-02-10'), ('M2', 'P1', 'C', DATE '2025-05-05'),"
                " ('M3', 'P2', 'C', DATE '2025-03-01')")
    con.execute("INSERT INTO published_month VALUES ('street', 'f1', DATE '2025-01-01'), ('street', 'f2',"
                " DATE '2025-03-01'), ('outcomes', 'f1', DATE '2025-04-01')")
    ref = mm._reference(con)
    assert ref.file == "" and not mm._reference.holds(con)
    assert ref.published("f1") == {date(2025, 1, 1)}
    assert ref.published("") == {date(2025, 1, 1), date(2025, 3, 1)}
    # the last street month before the meeting's month, for the force or any force
    assert ref.data_end("f1", date(2025, 2, 10)) == date(2025, 1, 1)
    assert ref.data_end("f1", date(2025, 1, 31)) is None
    assert ref.data_end("", date(2025, 4, 2)) == date(2025, 3, 1)
    # a meeting's partnership and previous meeting; P2 is not in the partnership table (any force's months)
    found = mm.meeting(con, "M2")
    assert found is not None and (found.partnership_name, found.force) == ("One", "f1")
    assert (found.previous_id, found.data_end) == ("M1", date(2025, 1, 1))
    other = mm.meeting(con, "M3")
    assert other is not None and (other.partnership_name, other.force, other.previous_id) == ("P2", "", None)
    assert other.data_end == date(2025, 1, 1) and mm.meeting(con, "M9") is None
    con.execute("INSERT INTO published_month VALUES ('street', 'f1', DATE '2025-02-01')")
    assert mm._reference(con).published("f1") == {date(2025, 1, 1), date(2025, 2, 1)}  # in memory: read afresh


def test_reference_rows_of_a_file_store_are_read_once(tmp_path: object) -> None:
    path = f"{tmp_path}/v1.duckdb"
    con = duckdb.connect(path)
    for sql in ("CREATE TABLE partnership (partnership_code VARCHAR, partnership_name VARCHAR, force VARCHAR)",
                "CREATE TABLE partnership_la (partnership_code VARCHAR, la_code VARCHAR)",
                "CREATE TABLE published_month (source VARCHAR, force VARCHAR, month DATE)",
                "CREATE TABLE load_log (loaded_at TIMESTAMP)",
                "CREATE TABLE partner (partner_code VARCHAR, partner_name VARCHAR)",
                "CREATE TABLE meeting (meeting_id VARCHAR, partnership_code VARCHAR, committee VARCHAR,"
                " meeting_date DATE)",
                "INSERT INTO partner VALUES ('X', 'Partner X')"):
        con.execute(sql)
    first = mm._reference(con)
    assert first.file.endswith("v1.duckdb") and first.partners == {"X": "Partner X"}
    assert mm._reference(con) is first
    con.close()
    mm._reference.clear()
