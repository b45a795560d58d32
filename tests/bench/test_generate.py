"""The generator's data looks like the real police.uk files: each distribution is measured the same way on the
real Gwent files (36 months) and on three generated years, and the two must agree within sampling noise."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pytest

from bench.generate import generate
from tests.conftest import shared_or_skip

GWENT = Path(__file__).resolve().parents[3] / "shared" / "data" / "police_uk" / "gwent"


@dataclass(frozen=True)
class Profile:
    """What a folder of police.uk street and outcomes CSVs looks like."""

    crime_types: dict[str, float]      # share of street rows
    last_outcomes: dict[str, float]    # share of crimes (rows with a Crime ID)
    season: np.ndarray                 # rows per calendar month (Jan..Dec) over the average month
    top10_lsoa_share: float            # share of located rows in the busiest 10% of LSOAs
    top1_lsoa_share: float
    asb_with_id: int                   # anti-social behaviour rows with a Crime ID
    with_event: float                  # share of the first year's crimes with an outcome event
    lag: np.ndarray                    # events of the first year's crimes, months after the crime: 0, 1, 2, 3-5, 6+
    second_event: float                # share of crimes with events that have two or more


def profile(folder: Path) -> Profile:
    con = duckdb.connect()
    street = sorted(str(p) for p in folder.glob("**/*-street.csv"))
    outcomes = sorted(str(p) for p in folder.glob("**/*-outcomes.csv"))
    con.execute("CREATE TABLE s AS SELECT \"Crime ID\" AS id, strptime(\"Month\", '%Y-%m')::DATE AS month, "
                "\"LSOA code\" AS lsoa, \"Crime type\" AS crime_type, \"Last outcome category\" AS outcome "
                "FROM read_csv(?, all_varchar = true)", [street])
    con.execute("CREATE TABLE o AS SELECT \"Crime ID\" AS id, strptime(\"Month\", '%Y-%m')::DATE AS month "
                "FROM read_csv(?, all_varchar = true)", [outcomes])

    def shares(sql: str) -> dict[str, float]:
        return {k: float(v) for k, v in con.execute(sql).fetchall()}

    crime_types = shares("SELECT crime_type, count(*) / (SELECT count(*) FROM s) FROM s GROUP BY 1")
    last_outcomes = shares("SELECT outcome, count(*) / (SELECT count(*) FROM s WHERE id IS NOT NULL) FROM s "
                           "WHERE id IS NOT NULL GROUP BY 1")
    by_month = dict(con.execute("SELECT month(month), count(*) FROM s GROUP BY 1").fetchall())
    season = np.array([by_month[m] for m in range(1, 13)], dtype=float)
    season /= season.mean()
    counts = np.sort(np.array([n for (n,) in con.execute(
        "SELECT count(*) FROM s WHERE lsoa IS NOT NULL GROUP BY lsoa").fetchall()]))[::-1]
    top10 = counts[: max(1, len(counts) // 10)].sum() / counts.sum()
    top1 = counts[: max(1, len(counts) // 100)].sum() / counts.sum()
    asb_with_id = con.execute(
        "SELECT count(*) FROM s WHERE crime_type = 'Anti-social behaviour' AND id IS NOT NULL").fetchone()[0]
    # outcomes need time to be published: judge the first year's crimes, whose events had two more years
    con.execute("""CREATE TABLE first_year AS SELECT DISTINCT id, month FROM s
                   WHERE id IS NOT NULL AND month < (SELECT min(month) FROM s) + INTERVAL 12 MONTH""")
    with_event = con.execute(
        "SELECT count(*) FILTER (WHERE id IN (SELECT id FROM o)) / count(*) FROM first_year").fetchone()[0]
    lags = dict(con.execute(
        "SELECT least(CASE WHEN d >= 6 THEN 6 WHEN d >= 3 THEN 3 ELSE d END, 6), count(*) FROM "
        "(SELECT datediff('month', f.month, o.month) AS d FROM first_year f JOIN o USING (id)) WHERE d >= 0 "
        "GROUP BY 1").fetchall())
    lag = np.array([lags.get(k, 0) for k in (0, 1, 2, 3, 6)], dtype=float)
    second = con.execute("SELECT avg((n >= 2)::INT) FROM (SELECT id, count(*) AS n FROM o GROUP BY id)").fetchone()[0]
    return Profile(crime_types, last_outcomes, season, float(top10), float(top1), int(asb_with_id),
                   float(with_event), lag / lag.sum(), float(second))


@pytest.fixture(scope="module")
def real() -> Profile:
    return profile(shared_or_skip(GWENT))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Profile:
    out = tmp_path_factory.mktemp("generated")
    generate(out, forces=1, months=36, rows_per_force_month=5_600, seed=3, first_month="2022-07")
    return profile(out)


def test_crime_type_mix_is_the_real_one(real: Profile, generated: Profile) -> None:
    assert set(generated.crime_types) == set(real.crime_types)
    worst = max(abs(generated.crime_types[t] - real.crime_types[t]) for t in real.crime_types)
    assert worst < 0.006, (generated.crime_types, real.crime_types)


def test_last_outcome_mix_is_the_real_one(real: Profile, generated: Profile) -> None:
    gen = {k: v for k, v in generated.last_outcomes.items() if k is not None}
    worst = max(abs(gen.get(k, 0.0) - v) for k, v in real.last_outcomes.items() if k is not None)
    assert worst < 0.008, (gen, real.last_outcomes)


def test_seasonality_follows_the_real_calendar(real: Profile, generated: Profile) -> None:
    # each calendar month holds 3 × ~5,600 rows: Poisson noise alone is under 1%; the force's size is random
    assert np.abs(generated.season - real.season).max() < 0.03, (generated.season.round(3), real.season.round(3))
    assert generated.season.argmin() in (0, 11)         # winter is quietest
    assert 2 <= generated.season.argmax() <= 5          # spring/early summer busiest (May in Gwent)


def test_crime_concentrates_in_a_few_areas_as_in_gwent(real: Profile, generated: Profile) -> None:
    assert abs(generated.top10_lsoa_share - real.top10_lsoa_share) < 0.06, (generated, real)
    assert abs(generated.top1_lsoa_share - real.top1_lsoa_share) < 0.05, (generated, real)


def test_anti_social_behaviour_has_no_crime_id(real: Profile, generated: Profile) -> None:
    assert real.asb_with_id == 0
    assert generated.asb_with_id == 0


def test_outcome_events_arrive_over_months_as_in_gwent(real: Profile, generated: Profile) -> None:
    assert abs(generated.with_event - real.with_event) < 0.02, (generated.with_event, real.with_event)
    # share of events 0, 1, 2, 3-5 and 6+ months after the crime
    assert np.abs(generated.lag - real.lag).max() < 0.02, (generated.lag.round(3), real.lag.round(3))
    assert 0.001 < generated.second_event < 0.02 and 0.001 < real.second_event < 0.02


def test_ten_years_of_months_with_no_event_published_after_the_last_month(tmp_path: Path) -> None:
    result = generate(tmp_path, forces=2, months=120, rows_per_force_month=40, seed=5, first_month="2016-01")
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert len(folders) == 120 and (folders[0], folders[-1]) == ("2016-01", "2025-12")
    assert len(result.street_files) == len(result.outcome_files) == 240
    con = duckdb.connect()
    months = con.execute(f"SELECT min(Month), max(Month), count(*) FROM read_csv('{tmp_path}/*/*-outcomes.csv', "
                         "all_varchar=true)").fetchone()
    assert months is not None and months[0] >= "2016-01" and months[1] <= "2025-12"
    assert months[2] == result.outcome_rows > 0


def test_more_than_ten_years_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="1 to 120"):
        generate(tmp_path, forces=1, months=121, rows_per_force_month=10)


def test_command_line_runs_as_documented_and_refuses_eleven_years(tmp_path: Path) -> None:
    """`python bench/generate.py ...` from any folder, with nothing on PYTHONPATH."""
    script = Path(__file__).resolve().parents[2] / "bench" / "generate.py"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    ok = subprocess.run([sys.executable, str(script), "--out", str(tmp_path / "ok"), "--forces", "1", "--months", "2",
                         "--rows-per-force-month", "50"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert sorted(p.name for p in (tmp_path / "ok").iterdir()) == ["2023-01", "2023-02"]
    refused = subprocess.run([sys.executable, str(script), "--out", str(tmp_path / "no"), "--months", "132"],
                             cwd=tmp_path, env=env, capture_output=True, text=True)
    assert refused.returncode == 2 and "months must be 1 to 120 (10 years), not 132" in refused.stderr
    assert not (tmp_path / "no").exists()
