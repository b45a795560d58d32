"""Load benchmark: bare DuckDB read_csv vs the full cspdash load of the same police.uk-shaped files.

    python bench/bench_load.py                            # 1,000,000 street rows
    python bench/bench_load.py --rows 6000000             # a national year
    python bench/bench_load.py --rows 6000000 --outcomes  # a national year with its outcomes files
    python bench/bench_load.py --quick                    # 200,000 rows, for CI

Each measurement runs in its own subprocess (fresh DuckDB file, its own peak RSS):
  bare      CREATE TABLE AS SELECT * FROM read_csv([...files...]) into a fresh file (one table per kind)
  load      cspdash.ingest.load.load_paths(Store(fresh), files): checks, replacement, load log, aggregates
  batch     (only with --modes) the same work with police_uk.load_and_record_batch per kind, called directly
With --outcomes the generator also writes outcomes files (about 0.86 events per crime, as in Gwent) and every
mode loads both kinds; the outcome pre-aggregate (each crime's latest outcome joined to its street row) is then
part of the load.
Every mode runs --repeat times (default 5), interleaved, each on a synced disk with the store before it deleted;
the ratios compare medians (single runs of a national year vary by ±3 s on this machine).
Target: load/bare <= 1.5 and peak RSS < 2 GB at 6 million rows.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROWS_PER_FORCE_MONTH = 11_628   # 43 forces × 11,628 ≈ 500,000 rows a month, as nationally
FORCES = 43


def _child(mode: str, files: list[Path], db: Path) -> dict[str, float]:
    """Run one measurement in this (child) process and return wall time and rows."""
    import duckdb

    from cspdash.ingest.load import load_paths
    from cspdash.store.versions import Store

    started = time.perf_counter()   # after the imports: both sides measure loading, not Python start-up
    if mode == "bare":
        con = duckdb.connect(str(db))
        rows = 0
        for table, suffix in (("street", "-street.csv"), ("outcomes", "-outcomes.csv")):
            kind = [str(f) for f in files if f.name.endswith(suffix)]
            if kind:
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv(?)", [kind])
                rows += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] if table == "street" else 0  # type: ignore[index]
        con.close()
    elif mode == "load":
        rows = sum(r.rows_loaded for r in load_paths(Store(db), files) if r.source == "police_uk_street")
    else:
        rows = _batched_load(files, db)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"wall_s": wall, "rows": rows, "peak_bytes": peak}


def _batched_load(files: list[Path], db: Path) -> int:
    """What load_paths does for police.uk files, calling load_and_record_batch per kind directly."""
    from cspdash.ingest import police_uk
    from cspdash.ingest.common import next_load_ids
    from cspdash.store.aggregates import rebuild_crime_aggregates, rebuild_outcome_aggregates
    from cspdash.store.versions import Store

    rows = 0
    with Store(db).write() as con:
        for source, suffix in (("street", "-street.csv"), ("outcomes", "-outcomes.csv")):
            kind = [f for f in files if f.name.endswith(suffix)]
            batch = [(f, load_id, f.name) for f, load_id in zip(kind, next_load_ids(con, len(kind)), strict=True)]
            if not batch:
                continue
            reports = police_uk.load_and_record_batch(con, source, batch, "bench")
            rows += sum(r.rows_loaded for r in reports) if source == "street" else 0
        pairs = con.execute(
            "SELECT DISTINCT force, strftime(month, '%Y-%m-01') FROM published_month WHERE source = 'street'"
        ).fetchall()
        rebuild_crime_aggregates(con, [(f, m) for f, m in pairs])
        if any(f.name.endswith("-outcomes.csv") for f in files):
            rebuild_outcome_aggregates(con, sorted({f for f, _m in pairs}))
    return rows


def _measure(mode: str, files: list[Path], workdir: Path) -> dict[str, float]:
    listing = workdir / "files.json"
    listing.write_text(json.dumps([str(f) for f in files]))
    db = workdir / f"{mode}-{time.time_ns()}.duckdb"
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--files", str(listing), "--db", str(db)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Generate (or reuse) the data, measure bare / load / batch, print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="200,000 rows")
    parser.add_argument("--data", type=Path, help="folder to generate into or reuse (default: a temporary one)")
    parser.add_argument("--modes", default="bare,load", help="from bare, load, batch (default bare,load)")
    parser.add_argument("--outcomes", action="store_true", help="also generate and load outcomes files")
    parser.add_argument("--repeat", type=int, default=5,
                        help="rounds of every mode, interleaved; medians are compared (default 5; 1 with --quick)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        files = [Path(p) for p in json.loads(args.files.read_text())]
        print(json.dumps(_child(args.child, files, args.db)))
        return

    from bench.generate import generate

    rows = 200_000 if args.quick else args.rows
    if args.quick:
        args.repeat = 1
    months = max(1, math.ceil(rows / (FORCES * ROWS_PER_FORCE_MONTH)))
    per_force_month = max(1, round(rows / (FORCES * months)))
    with tempfile.TemporaryDirectory(prefix="cspdash-bench-") as tmp:
        data = args.data or Path(tmp) / "data"
        marker = data / f".generated-{FORCES}x{months}x{per_force_month}{'-outcomes' if args.outcomes else ''}"
        if not marker.exists():
            started = time.perf_counter()
            made = generate(data, FORCES, months, per_force_month, seed=1, outcomes=args.outcomes)
            marker.touch()
            print(f"generated {made.street_rows:,} street rows in {len(made.street_files)} files "
                  f"and {made.outcome_rows:,} outcome events ({FORCES} forces × {months} months) "
                  f"in {time.perf_counter() - started:.1f}s")
        files = sorted(data.glob("*/*-street.csv"))
        if args.outcomes:
            files += sorted(data.glob("*/*-outcomes.csv"))
        size = sum(f.stat().st_size for f in files)
        print(f"{len(files)} files, {size / 1e9:.2f} GB")
        modes = args.modes.split(",")
        runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
        for round_no in range(1, args.repeat + 1):  # interleaved: a slow spell of the machine hits every mode
            for mode in modes:
                work = Path(tmp) / f"{mode}-{round_no}"
                work.mkdir()
                os.sync()  # the step before (generation, or the last store) is on disk before the clock starts
                r = _measure(mode, files, work)
                shutil.rmtree(work)  # its store is not written back to disk while the next one is timed
                runs[mode].append(r)
                print(f"{mode:6s} {r['rows']:>12,.0f} street rows  {r['wall_s']:7.2f} s  "
                      f"{r['rows'] / r['wall_s']:>12,.0f} rows/s  peak {r['peak_bytes'] / 2**30:5.2f} GiB"
                      + (f"  (round {round_no})" if args.repeat > 1 else ""))
        results = {mode: {"wall_s": statistics.median(r["wall_s"] for r in rs),
                          "peak_bytes": max(r["peak_bytes"] for r in rs)} for mode, rs in runs.items()}
        if args.repeat > 1:
            for mode, r in results.items():
                print(f"median of {args.repeat}: {mode:6s} {r['wall_s']:7.2f} s  peak {r['peak_bytes'] / 2**30:5.2f} GiB")
        if "bare" in results:
            for mode in results:
                if mode != "bare":
                    ratio = results[mode]["wall_s"] / results["bare"]["wall_s"]
                    verdict = "ok" if ratio <= 1.5 else "ABOVE TARGET 1.5"
                    print(f"ratio {mode}/bare = {ratio:.2f} ({verdict})")
                    if args.repeat > 1:  # each round's own ratio: how much the machine moved the figure
                        rounds = sorted(r["wall_s"] / b["wall_s"] for r, b in zip(runs[mode], runs["bare"], strict=True))
                        print(f"  round by round: {', '.join(f'{x:.2f}' for x in rounds)} (median {statistics.median(rounds):.2f})")


if __name__ == "__main__":
    main()
