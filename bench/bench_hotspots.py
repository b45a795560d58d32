"""Benchmark the hot spots page: its queries, Gi* cold and warm, and an AppTest render warm (target < 1.5 s).

Usage: python bench/bench_hotspots.py [--db PATH]   (without --db, builds the demo store in a temporary folder)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cspdash.analysis import hotspots as gi  # noqa: E402
from cspdash.metrics import hotspots as hs  # noqa: E402
from cspdash.store.versions import Store  # noqa: E402

PARTNERSHIP = "W06000022"  # Newport: 100 LSOAs, 21 wards
START, END = date(2024, 7, 1), date(2025, 6, 1)
PREV_START, PREV_END = date(2023, 7, 1), date(2024, 6, 1)
TARGET_S = 1.5


def timed(fn: Callable[[], Any], repeat: int = 1) -> float:
    """Median wall time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_queries(store: Store) -> None:
    """Each query of the map page, cold (fresh connection, empty geometry caches) and warm."""
    page_queries: dict[str, Callable[[Any], Any]] = {
        "map geometry (lsoa)": lambda con: hs.map_geometry(con, PARTNERSHIP, "lsoa"),
        "neighbours (boundary)": lambda con: hs.neighbours(con, PARTNERSHIP, "lsoa", "boundary"),
        "area measures": lambda con: hs.area_measures(con, PARTNERSHIP, "lsoa", START, END, PREV_START, PREV_END),
        "hot spots (Gi*)": lambda con: hs.hot_spots(con, PARTNERSHIP, "lsoa", START, END, PREV_START, PREV_END,
                                                    "count", "boundary"),
        "top hot spots table": lambda con: hs.top_hot_spots(con, PARTNERSHIP, "lsoa", START, END, PREV_START,
                                                            PREV_END, "count", "boundary", "95"),
        "persistence (4 quarters)": lambda con: hs.persistence_classes(con, PARTNERSHIP, "lsoa", END, "quarters",
                                                                       "count", "boundary"),
        "caveats": lambda con: hs.caveats(con, PARTNERSHIP, "Gwent Police", START, END),
        "crime points (3,000)": lambda con: hs.crime_points(con, PARTNERSHIP, START, END),
        "drill-down monthly": lambda con: hs.area_monthly(con, PARTNERSHIP, "lsoa", "W01001687", date(2022, 7, 1),
                                                          END),
        "drill-down crime mix": lambda con: hs.area_crime_mix(con, PARTNERSHIP, "lsoa", "W01001687", START, END,
                                                              PREV_START, PREV_END),
        "drill-down outcomes": lambda con: hs.area_outcome_mix(con, PARTNERSHIP, "lsoa", "W01001687", START, END),
    }
    print(f"{'query':32} {'cold s':>8} {'warm s':>8}")
    total_cold = total_warm = 0.0
    for name, run in page_queries.items():
        hs.map_geometry.clear()
        hs.neighbours.clear()
        con = store.connect_read()
        cold = timed(lambda run=run, con=con: run(con))
        warm = timed(lambda run=run, con=con: run(con), repeat=3)
        con.close()
        total_cold += cold
        total_warm += warm
        print(f"{name:32} {cold:8.3f} {warm:8.3f}")
    print(f"{'sum':32} {total_cold:8.3f} {total_warm:8.3f}")


def bench_gi_star(store: Store) -> None:
    """Gi* alone: neighbours cold (from polygons) vs cached, and the statistic itself."""
    con = store.connect_read()
    try:
        for level in ("lsoa", "ward"):
            hs.map_geometry.clear()
            hs.neighbours.clear()
            cold_links = timed(lambda level=level: hs.neighbours(con, PARTNERSHIP, level, "boundary"))
            links = hs.neighbours(con, PARTNERSHIP, level, "boundary")
            warm_links = timed(lambda level=level: hs.neighbours(con, PARTNERSHIP, level, "boundary"), repeat=5)
            values = hs.area_measures(con, PARTNERSHIP, level, START, END, PREV_START, PREV_END)
            frame = values[["area_code", "crimes"]].rename(columns={"crimes": "value"})
            stat = timed(lambda frame=frame, links=links: gi.gi_star(frame, links), repeat=5)
            print(f"Gi* {level:5} ({len(frame):3} areas): neighbours cold {cold_links:.3f} s, warm {warm_links:.4f} s;"
                  f" statistic + FDR {stat:.4f} s")
    finally:
        con.close()


def bench_apptest(store_path: Path) -> None:
    """The whole page through AppTest: first render (cold caches) and re-renders (warm)."""
    from streamlit.testing.v1 import AppTest

    os.environ["CSPDASH_DB"] = str(store_path)
    os.environ.setdefault("CSPDASH_TEST", "1")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.query_params.update({"csp": PARTNERSHIP, "end": "2025-06", "len": "12"})
    at.run()
    at.switch_page("pages/hotspots.py")
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    assert not at.exception, at.exception
    warm = []
    for _ in range(5):
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
    median = statistics.median(warm)
    verdict = "meets" if median < TARGET_S else "MISSES"
    print(f"AppTest hot spots page: cold {cold:.2f} s, warm median {median:.2f} s (min {min(warm):.2f}, "
          f"max {max(warm):.2f}) — {verdict} the {TARGET_S} s target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, help="an existing store (default: build the demo store)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cspdash-bench-") as tmp:
        path = args.db
        if path is None:
            from cspdash.demo import build_demo

            path = Path(tmp) / "demo.duckdb"
            started = time.perf_counter()
            build_demo(Store(path))
            print(f"demo store built in {time.perf_counter() - started:.1f} s")
        store = Store(path)
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
        bench_queries(store)
        print()
        bench_gi_star(store)
        print()
        bench_apptest(path)


if __name__ == "__main__":
    main()
