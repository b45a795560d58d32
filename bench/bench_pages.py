"""Benchmark the overview and crime trends pages on the demo store: the queries each page makes (cold = a new
connection each time, warm = repeated on one connection) and a warm full-page AppTest render. Prints a table.

    python bench/bench_pages.py [--db PATH] [--repeat N]

Without --db it builds the demo store in a temporary folder first (about 15 s).
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

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cspdash.metrics import crime, plan  # noqa: E402
from cspdash.metrics.period import Period, add_months  # noqa: E402
from cspdash.store.versions import Store  # noqa: E402

PARTNERSHIP, FORCE = "W06000022", "Gwent Police"
TARGET_S = 1.0


def page_queries(end: date) -> dict[str, list[tuple[str, Callable[..., Any], tuple[Any, ...]]]]:
    """The metric calls each page makes for its default view (and the trends page's heaviest filters)."""
    period = Period(end, 12)
    start = add_months(end, -35)
    return {
        "overview": [
            ("freshness", crime.freshness, (FORCE,)),
            ("priority types", crime.priority_crime_types, (PARTNERSHIP,)),
            ("headline changes", crime.headline_changes, (PARTNERSHIP, period, ("Violence and sexual offences",))),
            ("recent SPC signals", crime.recent_signals, (PARTNERSHIP, FORCE, end)),
            ("ward changes", crime.ward_changes, (PARTNERSHIP, period)),
            ("plan priorities", plan.priorities, (PARTNERSHIP, end)),
            ("all-crime XmR", crime.spc_series, (PARTNERSHIP, FORCE, "partnership", PARTNERSHIP, "All crime",
                                                 start, end, None)),
            ("plan events", crime.plan_events, (PARTNERSHIP, start, end)),
        ],
        "trends": [
            ("trend: partnership, month", crime.trend_series, (PARTNERSHIP, FORCE, "partnership", (), "All crime",
                                                               start, end, "month", False)),
            ("trend: + force", crime.trend_series, (PARTNERSHIP, FORCE, "partnership", (), "All crime", start, end,
                                                    "month", True)),
            ("trend: 3 wards, quarter", crime.trend_series, (PARTNERSHIP, FORCE, "ward", ("W05001645", "W05001638",
                                                             "W05001635"), "Burglary", start, end, "quarter", False)),
            ("ward options", crime.area_options, (PARTNERSHIP, "ward")),
            ("busiest wards", crime.largest_areas, (PARTNERSHIP, "ward", "All crime", period.start, end)),
            ("XmR with break", crime.spc_series, (PARTNERSHIP, FORCE, "partnership", PARTNERSHIP, "All crime",
                                                  start, end, date(2024, 7, 1))),
            ("outcomes by type", crime.outcomes_by_crime_type, (PARTNERSHIP, period.start, end)),
            ("outcomes by month", crime.outcomes_by_month, (PARTNERSHIP, "All crime", start, end)),
            ("stop and search rows", crime.stop_search_rows, (FORCE, period.start, end)),
            ("population coverage", crime.population_coverage, (PARTNERSHIP,)),
        ],
    }


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def bench_queries(version: Path, end: date, repeat: int) -> list[tuple[str, str, float, float, float, float]]:
    """(page, query, cold median, cold p95, warm median, warm p95) in seconds, plus a per-page total row."""
    rows = []
    warm_con = duckdb.connect(str(version), read_only=True, config={"threads": 2})
    for page, calls in page_queries(end).items():
        totals_cold: list[float] = [0.0] * repeat
        totals_warm: list[float] = [0.0] * repeat
        for name, fn, args in calls:
            def cold(fn: Callable[..., Any] = fn, args: tuple[Any, ...] = args) -> None:
                con = duckdb.connect(str(version), read_only=True, config={"threads": 2})
                try:
                    fn(con, *args)
                finally:
                    con.close()

            cold_times = timed(cold, repeat)
            fn(warm_con, *args)
            warm_times = timed(lambda fn=fn, args=args: fn(warm_con, *args), repeat)  # type: ignore[misc]
            totals_cold = [a + b for a, b in zip(totals_cold, cold_times, strict=True)]
            totals_warm = [a + b for a, b in zip(totals_warm, warm_times, strict=True)]
            rows.append((page, name, statistics.median(cold_times), p95(cold_times), statistics.median(warm_times),
                         p95(warm_times)))
        rows.append((page, "ALL QUERIES (uncached)", statistics.median(totals_cold), p95(totals_cold),
                     statistics.median(totals_warm), p95(totals_warm)))
    warm_con.close()
    return rows


def bench_render(store: Path, repeat: int) -> list[tuple[str, float, float, float]]:
    """(page, first render, warm median, warm p95) seconds of a full AppTest run (Streamlit caches warm)."""
    os.environ["CSPDASH_DB"] = str(store)
    from streamlit.testing.v1 import AppTest

    results = []
    for page in ("overview", "trends"):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
        at.run()
        if page != "overview":
            at.switch_page(f"pages/{page}.py")
        started = time.perf_counter()
        at.run()
        first = time.perf_counter() - started
        assert not at.exception, at.exception
        warm = timed(lambda at=at: at.run(), repeat)  # type: ignore[misc]
        results.append((page, first, statistics.median(warm), p95(warm)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing store (default: build the demo store in a temporary folder)")
    parser.add_argument("--repeat", type=int, default=20)
    options = parser.parse_args()
    if options.db:
        store = Path(options.db)
    else:
        from cspdash.demo import build_demo

        store = Path(tempfile.mkdtemp()) / "demo.duckdb"
        print(f"Building the demo store at {store} …", flush=True)
        build_demo(Store(store))
    version = Store(store).current_version()
    assert version is not None, f"no store at {store}"
    with duckdb.connect(str(version), read_only=True) as con:
        end = con.execute("SELECT max(month) FROM published_month WHERE source = 'street'").fetchone()[0]  # type: ignore[index]

    print(f"\nQueries per page on {store.name} (period ending {end:%b %Y}), {options.repeat} runs each, seconds")
    print(f"{'page':<9} {'query':<28} {'cold med':>9} {'cold p95':>9} {'warm med':>9} {'warm p95':>9}")
    for page, name, cold_med, cold_p95, warm_med, warm_p95 in bench_queries(version, end, options.repeat):
        print(f"{page:<9} {name:<28} {cold_med:>9.4f} {cold_p95:>9.4f} {warm_med:>9.4f} {warm_p95:>9.4f}")

    os.environ.setdefault("CSPDASH_TEST", "1")
    print(f"\nFull-page AppTest render, {options.repeat} warm runs, seconds (target warm < {TARGET_S:.0f} s)")
    print(f"{'page':<9} {'first':>8} {'warm med':>9} {'warm p95':>9}  verdict")
    for page, first, warm_med, warm_p95 in bench_render(store, options.repeat):
        verdict = "ok" if warm_p95 < TARGET_S else "SLOW"
        print(f"{page:<9} {first:>8.3f} {warm_med:>9.3f} {warm_p95:>9.3f}  {verdict}")


if __name__ == "__main__":
    main()
