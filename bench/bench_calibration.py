"""How often the change verdicts are wrong: stable series simulated, true changes simulated, real Gwent data.

    python bench/bench_calibration.py            # the full run (4,000 stable series per setting)
    python bench/bench_calibration.py --quick    # CI: a reduced run (400 per setting, fewer settings)

Prints three markdown tables:
1. **False alarms**: stable series (36 months; monthly means 2 to 2,000; dispersion 1 to 15, gamma-Poisson;
   a seasonal pattern of ±20%) judged by the product's change test (cspdash.analysis.change: the last 12 months
   against the 12 before, dispersion from the 36 months) and by the old rule (|2(√a − √b)| > 3 real, ≥ 2
   possible): how often each says "real change" and "possible change" when nothing changed. Target: ≤ 1% real,
   ≤ 5% possible.
2. **Power**: how often a true change of 10%, 20% and 50% in the last 12 months is called real (or possible).
3. **Real data**: for every crime type and partnership in the real Gwent police.uk files (../shared/data, or
   the demo zip), every rolling year-on-year comparison (12 months against the 12 before, each year end from
   the 24th month on) judged by the old rule and the new test: how many are called real.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cspdash.analysis.change import compare_frame, window_series  # noqa: E402
from cspdash.metrics.period import add_months  # noqa: E402

SHARED_GWENT = ROOT.parent / "shared" / "data" / "police_uk" / "gwent"
DEMO_ZIP = ROOT / "data" / "demo" / "police_uk_gwent.zip"
MONTHS = [add_months(date(2022, 7, 1), i) for i in range(36)]
SEASON_AMPLITUDE = 0.2

FULL = {"means": (2, 5, 20, 100, 500, 2000), "dispersions": (1, 2, 4, 8, 15), "reps": 4000,
        "power_means": (5, 20, 100, 500, 2000), "power_dispersions": (1, 4, 15)}
QUICK = {"means": (5, 100, 2000), "dispersions": (1, 4, 15), "reps": 400,
         "power_means": (20, 500), "power_dispersions": (4,)}


def simulate(mean: float, dispersion: float, reps: int, change: float = 0.0, seed: int = 0,
             months: int = 36) -> np.ndarray:
    """reps × months gamma-Poisson counts: monthly mean ``mean`` × a seasonal factor (±20%, random phase per
    series), variance ``dispersion`` × mean, the last 12 months multiplied by 1 + ``change``."""
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, size=(reps, 1))
    moy = np.arange(months)[None, :]
    mu = mean * (1 + SEASON_AMPLITUDE * np.sin(2 * np.pi * moy / 12 + phase))
    mu[:, -12:] *= 1 + change
    if dispersion > 1:  # gamma with mean mu and variance (dispersion − 1) mu: the Poisson's variance is then φ mu
        scale = dispersion - 1
        mu = rng.gamma(mu / scale, scale)
    return rng.poisson(mu).astype(float)


def new_verdicts(grid: np.ndarray, months: list[date] = MONTHS) -> np.ndarray:
    """The product's verdict for the last 12 months against the 12 before, per row of ``grid``."""
    end = months[-1]
    series = window_series(grid, months, add_months(end, -11), end, add_months(end, -23), add_months(end, -12))
    import pandas as pd

    frame = pd.DataFrame({"current": series.current, "previous": series.previous})
    judged = compare_frame(frame, "current", "previous", series.phi, series.df, series.complete,
                           series.expected_share)
    return judged["verdict"].to_numpy(dtype=object)


def old_verdicts(grid: np.ndarray) -> np.ndarray:
    """The old rule: z = 2(√current − √previous), |z| > 3 real, ≥ 2 possible."""
    current, previous = grid[:, -12:].sum(axis=1), grid[:, -24:-12].sum(axis=1)
    size = np.abs(2 * (np.sqrt(current) - np.sqrt(previous)))
    return np.where(size > 3, "significant", np.where(size >= 2, "possible", "noise"))


def rates(verdicts: np.ndarray) -> tuple[float, float]:
    """(% real, % possible)."""
    return 100.0 * float(np.mean(verdicts == "significant")), 100.0 * float(np.mean(verdicts == "possible"))


def false_alarm_rates(mean: float, dispersion: float, reps: int, seed: int = 1) -> dict[str, tuple[float, float]]:
    """{'new': (% real, % possible), 'old': (…)} on stable simulated series."""
    grid = simulate(mean, dispersion, reps, seed=seed)
    return {"new": rates(new_verdicts(grid)), "old": rates(old_verdicts(grid))}


def false_alarm_table(settings: dict) -> tuple[str, float, float]:
    lines = ["| monthly mean | dispersion | new: real % | new: possible % | old: real % | old: possible % |",
             "|---:|---:|---:|---:|---:|---:|"]
    worst_real = worst_possible = 0.0
    for seed, (mean, dispersion) in enumerate((m, d) for m in settings["means"] for d in settings["dispersions"]):
        found = false_alarm_rates(mean, dispersion, settings["reps"], seed=seed + 1)
        (real, possible), (old_real, old_possible) = found["new"], found["old"]
        worst_real, worst_possible = max(worst_real, real), max(worst_possible, possible)
        lines.append(f"| {mean:,} | {dispersion} | {real:.1f} | {possible:.1f} | {old_real:.1f} | {old_possible:.1f} |")
    return "\n".join(lines), worst_real, worst_possible


def short_window_table(settings: dict) -> str:
    """False alarms for the 3- and 6-month periods the pages offer: against the months just before (the seasons
    expected share) and against the same months a year earlier (the meeting's comparison)."""
    import pandas as pd

    from cspdash.analysis.change import compare_frame

    end = MONTHS[-1]
    lines = ["| months | against | monthly mean | dispersion | real % | possible % |", "|---:|---|---:|---:|---:|---:|"]
    for length in (3, 6):
        for kind in ("the months before", "a year earlier"):
            for seed, (mean, dispersion) in enumerate(((5, 1), (100, 4), (2000, 8), (2, 15))):
                grid = simulate(mean, dispersion, settings["reps"], seed=seed + 500)
                before_end = add_months(end, -length) if kind == "the months before" else add_months(end, -12)
                series = window_series(grid, MONTHS, add_months(end, -(length - 1)), end,
                                       add_months(before_end, -(length - 1)), before_end)
                judged = compare_frame(pd.DataFrame({"current": series.current, "previous": series.previous}),
                                       "current", "previous", series.phi, series.df, series.complete,
                                       series.expected_share)
                real, possible = rates(judged["verdict"].to_numpy(dtype=object))
                lines.append(f"| {length} | {kind} | {mean:,} | {dispersion} | {real:.1f} | {possible:.1f} |")
    return "\n".join(lines)


def power_table(settings: dict) -> str:
    changes = (0.1, 0.2, 0.5)
    head = " | ".join(f"+{c:.0%} real (possible) new · old" for c in changes)
    lines = [f"| monthly mean | dispersion | {head} |", "|---:|---:|" + "---:|" * len(changes)]
    seed = 1000
    for mean in settings["power_means"]:
        for dispersion in settings["power_dispersions"]:
            cells = []
            for change in changes:
                seed += 1
                grid = simulate(mean, dispersion, max(settings["reps"] // 2, 200), change=change, seed=seed)
                real, possible = rates(new_verdicts(grid))
                old_real, _old_possible = rates(old_verdicts(grid))
                cells.append(f"{real:.0f}% ({possible:.0f}%) · {old_real:.0f}%")
            lines.append(f"| {mean:,} | {dispersion} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- real data
def gwent_street_glob(work: Path) -> str | None:
    """A glob of the real Gwent street files: ../shared/data, else the demo zip unpacked into ``work``."""
    if SHARED_GWENT.is_dir():
        return str(SHARED_GWENT / "*" / "*-street.csv")
    if DEMO_ZIP.exists():
        with zipfile.ZipFile(DEMO_ZIP) as archive:
            names = [n for n in archive.namelist() if n.endswith("-street.csv")]
            archive.extractall(work, members=names)
        return str(work / "**" / "*-street.csv")
    return None


def gwent_series(pattern: str) -> tuple[list[date], dict[tuple[str, str], np.ndarray]]:
    """Monthly counts per (partnership, crime type) from the street files; the partnership is the LSOA name
    without its last word (police.uk names LSOAs 'Newport 001A')."""
    import duckdb

    rows = duckdb.sql(f"""
        SELECT strptime("Month", '%Y-%m')::DATE AS month,
               regexp_replace("LSOA name", ' [^ ]+$', '') AS partnership, "Crime type" AS crime_type, count(*) AS n
        FROM read_csv('{pattern}', header = true, all_varchar = true, union_by_name = true)
        WHERE "LSOA name" IS NOT NULL
        GROUP BY ALL""").fetchall()
    months = sorted({r[0] for r in rows})
    position = {m: i for i, m in enumerate(months)}
    counts: dict[tuple[str, str], np.ndarray] = {}
    for month, partnership, crime_type, n in rows:
        counts.setdefault((partnership, crime_type), np.zeros(len(months)))[position[month]] += n
    return months, counts


def real_data_table(pattern: str, min_per_month: float = 0.0) -> tuple[str, dict[str, int]]:
    """Rolling year-on-year comparisons on the real data, old rule against the new test."""
    months, counts = gwent_series(pattern)
    gwent = {"Newport", "Caerphilly", "Torfaen", "Blaenau Gwent", "Monmouthshire"}
    keys = sorted(k for k in counts if k[0] in gwent and counts[k].mean() >= min_per_month)
    grid = np.array([counts[k] for k in keys])
    totals = {"comparisons": 0, "old_real": 0, "new_real": 0, "old_possible": 0, "new_possible": 0}
    per_type: dict[str, list[int]] = {}
    for end_index in range(23, len(months)):
        window = months[:end_index + 1]
        sub = grid[:, :end_index + 1]
        new = new_verdicts(sub, window)
        old = old_verdicts(sub)
        totals["comparisons"] += len(keys)
        totals["old_real"] += int((old == "significant").sum())
        totals["new_real"] += int((new == "significant").sum())
        totals["old_possible"] += int((old == "possible").sum())
        totals["new_possible"] += int((new == "possible").sum())
        for (_p, crime_type), o, n in zip(keys, old, new, strict=True):
            tally = per_type.setdefault(crime_type, [0, 0, 0])
            tally[0] += 1
            tally[1] += int(o == "significant")
            tally[2] += int(n == "significant")
    lines = ["| crime type | comparisons | old rule: real | new test: real |", "|---|---:|---:|---:|"]
    for crime_type in sorted(per_type):
        n, old_real, new_real = per_type[crime_type]
        lines.append(f"| {crime_type} | {n} | {old_real} ({100 * old_real / n:.0f}%) | "
                     f"{new_real} ({100 * new_real / n:.0f}%) |")
    n = totals["comparisons"]
    lines.append(f"| **all** | {n} | {totals['old_real']} ({100 * totals['old_real'] / n:.0f}%) | "
                 f"{totals['new_real']} ({100 * totals['new_real'] / n:.0f}%) |")
    return "\n".join(lines), totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="reduced run for CI")
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    started = time.perf_counter()
    print("### Change test calibration: stable series (nothing changed)\n")
    table, worst_real, worst_possible = false_alarm_table(settings)
    print(table)
    print(f"\nWorst setting: {worst_real:.1f}% called real (target ≤ 1%), {worst_possible:.1f}% possible "
          f"(target ≤ 5%); {settings['reps']:,} series per setting, 36 months each, ±{SEASON_AMPLITUDE:.0%} "
          "seasonal pattern.\n")
    print("### Change test calibration: shorter periods (nothing changed)\n")
    print(short_window_table(settings))
    print()
    print("### Change test power: a true change in the last 12 months\n")
    print("Each cell: % called a real change by the new test (in brackets: % called possible) · % called real by "
          "the old rule.\n")
    print(power_table(settings))
    print()
    with tempfile.TemporaryDirectory() as work:
        pattern = gwent_street_glob(Path(work))
        if pattern is None:
            print("Real Gwent data: not found (../shared/data or data/demo/police_uk_gwent.zip); skipped.")
        else:
            print("### Real Gwent data: rolling year-on-year comparisons called real\n")
            table, totals = real_data_table(pattern)
            print(table)
            print(f"\nEvery partnership × crime type, each 12 months against the 12 before, for every year end "
                  f"from the 24th month on: the old rule calls {totals['old_real']} of {totals['comparisons']} "
                  f"real (and {totals['old_possible']} possible), the new test {totals['new_real']} (and "
                  f"{totals['new_possible']} possible).")
    print(f"\nRun time {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    main()
