"""Baseline: the common approach (pandas reads every police.uk street CSV into memory, then filters) against cspdash.

The question both answer, for one partnership (Newport; the common approach filters LSOA names "Newport …"):
a 12-month count by crime type (with the 12 months before, as a headline comparison needs) and a monthly series of
all recorded crime. Both sides run in their own process, on the same data (the bench_queries store of the scale and
the CSVs it was loaded from), so time and peak memory are side by side:

* pandas — read all CSVs (what such a dashboard does at start), then the two answers (what each filter costs);
* cspdash — open the store (fresh connection), the two answers through the metrics functions the pages call
  (cold), then again on the same connection (warm).

    python bench/bench_baseline_pandas.py                    # partnership, force and national 3-year
    python bench/bench_baseline_pandas.py --scales partnership --quick
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_queries import (  # noqa: E402
    NEWPORT,
    RESULTS_DIR,
    SCALES,
    Scale,
    ensure_store,
    md_table,
    run_measured,
)

END = date(2025, 6, 1)          # the last month every scale holds
PARTNERSHIP_NAME = "Newport"
REPEATS = 5


def street_csvs(scale: Scale) -> list[Path]:
    """Every street CSV the scale's store was loaded from: the demo zip's (extracted once) and the generated."""
    from cspdash.config import DEMO_DIR
    from cspdash.demo import POLICE_ZIP

    demo = scale.folder.parent / "demo-csv"
    if not (demo / ".extracted").exists():
        with zipfile.ZipFile(DEMO_DIR / POLICE_ZIP) as archive:
            archive.extractall(demo)
        (demo / ".extracted").touch()
    files = sorted(demo.rglob("*-street.csv"))
    if scale.forces:
        source = SCALES[scale.csv_from] if scale.csv_from else scale
        months = sorted(p for p in (source.folder / "csv").iterdir() if p.is_dir())[:scale.months]
        files += sorted(f for m in months for f in m.glob("*-street.csv"))
    return files


def _child_pandas(listing: Path) -> dict[str, Any]:
    """Read every CSV with pandas, then answer the two questions REPEATS times."""
    import pandas as pd

    files = json.loads(listing.read_text())
    started = time.perf_counter()
    street = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    read_s = time.perf_counter() - started
    rows = len(street)
    timings = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        local = street[street["LSOA name"].str.startswith(PARTNERSHIP_NAME + " ", na=False)]
        month = pd.to_datetime(local["Month"], format="%Y-%m")
        end = pd.Timestamp(END)
        current = local[(month > end - pd.DateOffset(months=12)) & (month <= end)]
        previous = local[(month > end - pd.DateOffset(months=24)) & (month <= end - pd.DateOffset(months=12))]
        by_type = pd.DataFrame({"current": current["Crime type"].value_counts(),
                                "previous": previous["Crime type"].value_counts()}).fillna(0)
        crimes = local[local["Crime type"] != "Anti-social behaviour"]
        monthly = crimes.groupby("Month").size()
        timings.append(time.perf_counter() - t0)
    return {"rows": rows, "read_s": read_s, "query_s": statistics.median(timings),
            "answer": {"types": len(by_type), "current_total": int(by_type["current"].sum()),
                       "months": len(monthly), "monthly_total": int(monthly.sum())}}


def _child_cspdash(version: Path) -> dict[str, Any]:
    """Open the store and answer the same two questions with the metrics functions the pages call."""
    import duckdb

    from cspdash.metrics import crime
    from cspdash.metrics.period import Period, add_months

    period = Period(END, 12)

    def answer(con: Any) -> tuple[Any, Any]:
        by_type = crime.counts_by_type(con, NEWPORT, period.start, period.end, period.previous_start,
                                       period.previous_end)
        monthly = crime.area_monthly(con, NEWPORT, "partnership", crime.crime_types_for(crime.ALL_CRIME),
                                     add_months(END, -35), END)
        return by_type, monthly

    started = time.perf_counter()
    con = duckdb.connect(str(version), read_only=True, config={"threads": 2})
    by_type, monthly = answer(con)
    cold_s = time.perf_counter() - started
    timings = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        answer(con)
        timings.append(time.perf_counter() - t0)
    rows = con.execute("SELECT count(*) FROM street_crime").fetchone()[0]  # type: ignore[index]
    con.close()
    return {"rows": rows, "cold_s": cold_s, "warm_s": statistics.median(timings),
            "answer": {"types": int((by_type["current"] > 0).sum()), "current_total": int(by_type["current"].sum()),
                       "months": len(monthly), "monthly_total": int(monthly["crimes"].sum())}}


def bench_scale(scale: Scale) -> dict[str, Any]:
    """Both sides on one scale, each in its own process."""
    built = ensure_store(scale)
    files = street_csvs(scale)
    listing = scale.folder / "baseline-files.json"
    listing.write_text(json.dumps([str(f) for f in files]))
    log = scale.folder / "baseline.log"
    wall, peak, out = run_measured([sys.executable, __file__, "--child", "pandas", "--arg", str(listing)], log,
                                   capture=True)
    pandas_result = {**json.loads(out.strip().splitlines()[-1]), "peak_mb": peak, "wall_s": wall}
    wall, peak, out = run_measured([sys.executable, __file__, "--child", "cspdash", "--arg", str(built.version)],
                                   log, capture=True)
    cspdash_result = {**json.loads(out.strip().splitlines()[-1]), "peak_mb": peak, "wall_s": wall}
    return {"scale": scale.name, "label": scale.label, "csv_files": len(files),
            "csv_bytes": sum(f.stat().st_size for f in files), "pandas": pandas_result, "cspdash": cspdash_result}


def report(results: list[dict[str, Any]]) -> None:
    """Print the side-by-side table."""
    rows = []
    for r in results:
        p, c = r["pandas"], r["cspdash"]
        first = p["read_s"] + p["query_s"]
        rows.append([r["scale"], f"{p['rows']:,}", f"{r['csv_bytes'] / 1e9:.2f}",
                     f"{first:.2f}", f"{c['cold_s'] * 1000:.0f} ms", f"{first / c['cold_s']:,.0f}×",
                     f"{p['query_s'] * 1000:.0f} ms", f"{c['warm_s'] * 1000:.1f} ms",
                     f"{p['query_s'] / c['warm_s']:,.0f}×",
                     f"{p['peak_mb']:,.0f}", f"{c['peak_mb']:,.0f}", f"{p['peak_mb'] / c['peak_mb']:.1f}×"])
    print("\n### Baseline: pandas reading the CSVs against cspdash (Newport: 12 months by crime type + monthly "
          "series)\n")
    print(md_table(["scale", "street rows", "CSV GB", "pandas first answer (read + filter, s)", "cspdash cold",
                    "ratio", "pandas per filter", "cspdash warm", "ratio", "pandas peak MB", "cspdash peak MB",
                    "memory ratio"], rows))
    for r in results:
        if r["pandas"]["answer"]["current_total"] != r["cspdash"]["answer"]["current_total"]:
            print(f"\nNote ({r['scale']}): the two sides count differently — pandas "
                  f"{r['pandas']['answer']}, cspdash {r['cspdash']['answer']} (cspdash resolves LSOAs to councils "
                  "by code as well as by name).")


def main(argv: list[str] | None = None) -> int:
    """Run the baseline and write baseline.json."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="partnership,force,national1,national")
    parser.add_argument("--quick", action="store_true", help="the tiny scale only (CI)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--arg", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "pandas":
        print(json.dumps(_child_pandas(args.arg)))
        return 0
    if args.child == "cspdash":
        print(json.dumps(_child_cspdash(args.arg)))
        return 0
    names = ["tiny"] if args.quick else [n.strip() for n in args.scales.split(",") if n.strip()]
    results = []
    for name in names:
        print(f"== baseline {name}", file=sys.stderr, flush=True)
        results.append(bench_scale(SCALES[name]))
    report(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "baseline.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
