"""First start with the shipped national geography: time and peak memory, and the size it adds to data/.

    python bench/bench_geography.py [--repeat 3]

Each measurement runs in its own subprocess on a fresh store (its own peak RSS), --repeat times; medians printed:
  install     the national geography alone into a new store (one write: 35,672 LSOAs, 43,565 shapes)
  first load  `load` of one month of one force (tests/fixtures/police_uk_national, City of London) into a new store:
              what a new user's first command does (installs the geography, then loads)
  again       the same file loaded again into that store (geography already installed): the baseline
  demo        the embedded Gwent demo built into a new store (the dashboard's first start)
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CITY = ROOT / "tests" / "fixtures" / "police_uk_national" / "2024-01" / "2024-01-city-of-london-street.csv"
#: the Welsh geography files data/demo shipped before the national geography replaced them (bytes, at 306f267)
REMOVED_DEMO_GEOGRAPHY = "306f267"


def _child(mode: str, folder: str) -> None:
    from cspdash.demo import build_demo
    from cspdash.ingest.load import load_paths
    from cspdash.ingest.national import install
    from cspdash.store.versions import Store

    store = Store(Path(folder) / "s.duckdb")
    if mode == "again":
        load_paths(store, [CITY])
    started = time.perf_counter()
    if mode == "install":
        with store.write() as con:
            install(con)
    elif mode in {"first load", "again"}:
        load_paths(store, [CITY])
    else:
        build_demo(store)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def _run(mode: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="cspdash-bench-geo-") as folder:
        out = subprocess.run([sys.executable, __file__, "--child", mode, folder], check=True, capture_output=True,
                             text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _removed_bytes() -> int | None:
    try:
        listing = subprocess.run(["git", "ls-tree", "-r", "-l", REMOVED_DEMO_GEOGRAPHY, "data/demo/geography"],
                                 cwd=ROOT, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    kept = {p.name for p in (ROOT / "data" / "demo" / "geography").rglob("*") if p.is_file()}
    return sum(int(line.split()[3]) for line in listing.splitlines() if Path(line.split("\t")[1]).name not in kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    shipped = _size(ROOT / "data" / "geography")
    removed = _removed_bytes()
    print(f"data/geography: {shipped / 1e6:.2f} MB added (budget 25 MB)"
          + (f"; the demo's Welsh geography files removed: {removed / 1e6:.2f} MB; net {(shipped - removed) / 1e6:+.2f} MB"
             if removed is not None else ""))
    results: dict[str, list[dict[str, float]]] = {m: [] for m in ("install", "first load", "again", "demo")}
    for _ in range(args.repeat):
        for mode in results:
            results[mode].append(_run(mode))
    print(f"{'mode':<11} {'median s':>9} {'min s':>7} {'max s':>7} {'peak MB':>8}")
    medians = {}
    for mode, runs in results.items():
        seconds = [r["seconds"] for r in runs]
        medians[mode] = statistics.median(seconds)
        print(f"{mode:<11} {medians[mode]:>9.2f} {min(seconds):>7.2f} {max(seconds):>7.2f} "
              f"{max(r['peak_mb'] for r in runs):>8.0f}")
    print(f"first load / again: {medians['first load'] / medians['again']:.1f}x "
          f"(+{medians['first load'] - medians['again']:.2f} s once, for the national geography)")


if __name__ == "__main__":
    main()
