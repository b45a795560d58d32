"""Page query benchmark: every query each page runs, timed cold and warm at partnership, force and national scale.

The queries are discovered, not listed by hand: each page is run once under Streamlit's AppTest with the store's
cached-query entry point (cspdash.ui.db._cached_call) recorded, so the benchmark follows the pages as they change.
The recorded calls (metrics function and arguments, exactly as the page asked) are replayed straight on DuckDB:

* cold — a fresh read-only connection per page run (empty DuckDB buffer pool; the OS file cache stays warm);
* warm — the same connection again (a second visitor or a changed filter, before Streamlit's result cache).

A page's time is the sum of its distinct calls (sidebar included). Stores are built once into $CSPDASH_BENCH_DIR
(default /tmp/cspdash-bench) and reused: every store holds the real Gwent demo (geography, plan, 36 months) plus
generated police.uk-shaped data for other forces (bench/generate.py), and a synthetic whole-force partnership.
Store size and the load's peak memory are measured per scale (bytes per row).

    python bench/bench_queries.py                          # partnership, force, national 1-year and 3-year
    python bench/bench_queries.py --scales partnership --quick
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS_DIR = ROOT / "bench" / "results"
TARGET_WARM_MS = 100.0
NEWPORT = "W06000022"
SYNTHETIC_LA = "E07990001"          # the generated whole-force partnership (LSOA names "Avon 012A")
SYNTHETIC_FORCE_SLUG = "avon-and-somerset"
#: the largest partnership in England and Wales (1.14 million residents, West Midlands): the national scales'
#: second selection, as their generated forces sit in their real LSOAs (bench/generate.py --real-geography)
BIRMINGHAM = "E22000335"
#: forces generated at national scale but not kept: Gwent is the real demo data; BTP and Northern Ireland
#: are not among the 43 territorial forces of England and Wales
NOT_GENERATED = ("gwent", "btp", "northern-ireland")


def bench_dir() -> Path:
    """Where generated data and stores are cached between runs (outside the repository)."""
    return Path(os.environ.get("CSPDASH_BENCH_DIR", "/tmp/cspdash-bench"))


# ---------------------------------------------------------------------------------------------- scales
@dataclass(frozen=True)
class Scale:
    """A store size: the demo plus `forces` generated forces × `months` months × `rows_per_force_month`."""

    name: str
    label: str
    forces: int = 0                          # 0: the demo store only
    months: int = 0
    rows_per_force_month: int = 0
    selections: tuple[str, ...] = (NEWPORT,)
    csv_from: str | None = None              # reuse the first `months` months generated for another scale
    real_geography: bool = False             # generated forces in their real LSOAs, so partnerships resolve

    @property
    def folder(self) -> Path:
        """This scale's cache folder."""
        return bench_dir() / self.name


SCALES: dict[str, Scale] = {
    "partnership": Scale("partnership", "partnership: Gwent demo, 36 months"),
    "force": Scale("force", "force: demo + 1 large force (~90k rows/month), 36 months", 1, 36, 90_000,
                   (NEWPORT, SYNTHETIC_LA)),
    "national1": Scale("national1", "national: 43 forces, 12 months", 45, 12, 11_700, (NEWPORT, BIRMINGHAM),
                       csv_from="national", real_geography=True),
    "national": Scale("national", "national: 43 forces, 36 months", 45, 36, 11_700, (NEWPORT, BIRMINGHAM),
                      real_geography=True),
    # CI: a tiny generated force on top of the demo, to exercise generation, loading and discovery
    "tiny": Scale("tiny", "tiny: demo + 1 small force, 3 months", 1, 3, 2_000),
}
DEFAULT_SCALES = "partnership,force,national1,national"


def scales_from_args(text: str, quick: bool) -> list[Scale]:
    """The scales named on the command line (quick: tiny only)."""
    names = ["tiny"] if quick else [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCALES]
    if unknown:
        raise SystemExit(f"unknown scale(s) {', '.join(unknown)}; choose from {', '.join(SCALES)}")
    return [SCALES[n] for n in names]


@dataclass
class BuiltStore:
    """A store ready to query, with how its (last) load went."""

    path: Path
    street_rows: int
    loaded_rows: int
    load_seconds: float | None
    load_peak_mb: float | None
    generated_csv_bytes: int

    @property
    def version(self) -> Path:
        """The live version file."""
        from cspdash.store.versions import Store

        current = Store(self.path).current_version()
        assert current is not None
        return current


def run_measured(command: Sequence[str], log: Path | None = None, env: dict[str, str] | None = None,
                 capture: bool = False) -> tuple[float, float, str]:
    """Run a child process; returns (wall seconds, peak RSS MB, stdout when captured). Raises on failure."""
    started = time.perf_counter()
    out = open(log, "a") if log else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(list(command), cwd=ROOT, env=env or {**os.environ, "PYTHONPATH": str(ROOT)},
                                stdout=subprocess.PIPE if capture else out, stderr=out)
        stdout = proc.stdout.read().decode() if capture and proc.stdout else ""
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log and not isinstance(out, int):
            out.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with exit code {proc.returncode}" +
                           (f"; see {log}" if log else ""))
    return time.perf_counter() - started, usage.ru_maxrss / 1024, stdout


def _write_synthetic_geography(folder: Path) -> None:
    """A council named like the generated LSOA names of the first force, and one partnership covering it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "synthetic_las.csv").write_text(f"LADCD,LADNM\n{SYNTHETIC_LA},Avon\n")
    (folder / "synthetic_partnerships.csv").write_text(
        "partnership_code,partnership_name,display_name,force,la_code\n"
        f"{SYNTHETIC_LA},Avon and Somerset (synthetic whole force),"
        f"Avon and Somerset synthetic Community Safety Partnership,Avon and Somerset Constabulary,{SYNTHETIC_LA}\n")


def ensure_store(scale: Scale) -> BuiltStore:
    """Build the scale's store into the cache folder (or reuse it): demo first, then the generated forces."""
    folder = scale.folder
    folder.mkdir(parents=True, exist_ok=True)
    store_path = folder / "store.duckdb"
    info_path = folder / "store.json"
    if info_path.exists() and store_path.exists():
        info = json.loads(info_path.read_text())
        return BuiltStore(store_path, **info)
    log = folder / "build.log"
    python = sys.executable
    csv_bytes = 0
    for stale in folder.glob("store.duckdb*"):
        if stale.is_dir():
            for f in stale.iterdir():
                f.unlink()
            stale.rmdir()
        else:
            stale.unlink()
    print(f"  building the {scale.name} store in {folder} (log: {log})", file=sys.stderr, flush=True)
    wall, peak, _ = run_measured([python, "-m", "cspdash", "--db", str(store_path), "demo"], log)
    loaded = _street_rows_of(store_path)
    if scale.forces:
        source = SCALES[scale.csv_from] if scale.csv_from else scale
        csv_dir = generated_csv(source, log, scale.months)
        month_dirs = sorted(p for p in csv_dir.iterdir() if p.is_dir())[:scale.months]
        csv_bytes = sum(f.stat().st_size for d in month_dirs for f in d.glob("*.csv"))
        geography = folder / "geography"
        _write_synthetic_geography(geography)
        before = loaded
        listing = folder / "load-files.json"
        listing.write_text(json.dumps([str(p) for p in sorted(geography.glob("*.csv"))] +
                                      [str(f) for d in month_dirs for f in sorted(d.glob("*.csv"))]))
        wall, peak, _ = run_measured([python, __file__, "--child", "load", "--store", str(store_path),
                                      "--calls", str(listing)], log)
        loaded = _street_rows_of(store_path) - before
    built = BuiltStore(store_path, _street_rows_of(store_path), loaded, wall, peak, csv_bytes)
    info_path.write_text(json.dumps({k: v for k, v in asdict(built).items() if k != "path"}))
    return built


def batched_load(store_path: Path, files: list[Path]) -> int:
    """Load geography and police.uk files in one store write, police.uk with one load_batch per kind.

    The same library functions as ``cspdash load`` (geography loader, police_uk.load_and_record_batch, then the
    pre-aggregates), called directly so the store-building step of the benchmark names each file by its
    YYYY-MM/ folder.
    """
    from cspdash.ingest import geography, police_uk
    from cspdash.ingest.common import next_load_id, next_load_ids, record_load
    from cspdash.ingest.load import detect_kind
    from cspdash.store.aggregates import rebuild_all
    from cspdash.store.versions import Store

    loaded = 0
    with Store(store_path).write() as con:
        for path in files:
            kind = detect_kind(path)
            if kind in geography.KINDS:
                load_id = next_load_id(con)
                report = geography.load_geography_file(con, path, load_id, path.name, kind)
                record_load(con, load_id, report, "bench")
        for source, suffix in (("street", "-street.csv"), ("outcomes", "-outcomes.csv")):
            group = [f for f in files if f.name.endswith(suffix)]
            batch = [(f, load_id, f"{f.parent.name}/{f.name}")
                     for f, load_id in zip(group, next_load_ids(con, len(group)), strict=True)]
            if not batch:
                continue
            batch_reports = police_uk.load_and_record_batch(con, source, batch, "bench")
            loaded += sum(r.rows_loaded for r in batch_reports) if source == "street" else 0
        rebuild_all(con)
    return loaded


def generated_csv(scale: Scale, log: Path, months: int | None = None) -> Path:
    """The scale's generated police.uk-shaped CSVs (generated once by bench/generate.py, then reused): its first
    ``months`` months (default all); the generator's first months are the same whatever the length asked."""
    months = months or scale.months
    csv_dir = scale.folder / "csv"
    kind = f"{scale.forces}x{scale.rows_per_force_month}{'-real' if scale.real_geography else ''}"
    held = [int(m.name.rsplit("-", 1)[1]) for m in csv_dir.glob(f".generated-{kind}-*")] if csv_dir.exists() else []
    if not any(h >= months for h in held):
        print(f"  generating {scale.forces} forces × {months} months into {csv_dir}", file=sys.stderr, flush=True)
        run_measured([sys.executable, str(ROOT / "bench" / "generate.py"), "--out", str(csv_dir), "--forces",
                      str(scale.forces), "--months", str(months), "--rows-per-force-month",
                      str(scale.rows_per_force_month), "--first-month", "2022-07", "--seed", "3"]
                     + (["--real-geography"] if scale.real_geography else []), log)
        for stale in csv_dir.glob(".generated-*"):
            stale.unlink()
        (csv_dir / f".generated-{kind}-{months}").touch()
    for slug in NOT_GENERATED:
        for extra in csv_dir.glob(f"*/*-{slug}-*.csv"):
            extra.unlink()
    return csv_dir


def _street_rows_of(store_path: Path) -> int:
    from cspdash.store.versions import Store

    con = Store(store_path).connect_read()
    try:
        return int(con.execute("SELECT count(*) FROM street_crime").fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------- discovery
@dataclass
class Call:
    """One cached query a page asked for: the metrics function, its key and its arguments."""

    key: str
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]

    @property
    def name(self) -> str:
        """package.function, short: 'crime.headline_changes' for cspdash.metrics.crime.headline.headline_changes
        (a metrics package's modules are its inside; pages ask the package)."""
        module, _, function = self.key.removeprefix("cspdash.metrics.").rpartition(".")
        package = module.split(".")[0]
        return f"{COMPARISON_PREFIX.rstrip('.') if package in COMPARISON_MODULES else package}.{function}"

    def run(self, con: Any) -> Any:
        """Run the call on a cursor, as the app does."""
        cursor = con.cursor()
        try:
            return self.fn(cursor, *self.args, **dict(self.kwargs))
        finally:
            cursor.close()


@dataclass
class PageCalls:
    """The distinct calls one page run makes (sidebar included), in order."""

    page: str
    calls: list[Call] = field(default_factory=list)
    error: str | None = None


def discover_calls(store_path: Path, partnership: str | None = None) -> list[PageCalls]:
    """Run every installed page under AppTest on the store and record the queries each one asks for."""
    from streamlit.testing.v1 import AppTest

    from cspdash.ui import db, shell

    os.environ["CSPDASH_DB"] = str(store_path)
    os.environ["CSPDASH_USERS"] = ""  # no users file: demo sign-in mode
    recorded: list[Call] = []
    original = db._cached_call

    def recording_call(version_path: str, key: str, args: tuple[Any, ...],
                       kwargs: tuple[tuple[str, Any], ...]) -> Any:
        if not any(c.key == key and c.args == args and c.kwargs == kwargs for c in recorded):
            recorded.append(Call(key, db._FUNCTIONS[key], args, kwargs))
        return original(version_path, key, args, kwargs)

    db._cached_call = recording_call  # type: ignore[assignment]
    pages: list[PageCalls] = []
    try:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
        if partnership:
            at.query_params["csp"] = partnership
        at.run()
        for file, title, _icon, _section in shell.PAGES:
            if not (shell.PAGES_DIR / file).exists():
                continue
            recorded.clear()
            at.switch_page(f"pages/{file}")
            at.run()
            error = at.exception[0].message[:300] if at.exception else None
            pages.append(PageCalls(title, list(recorded), error))
    finally:
        db._cached_call = original  # type: ignore[assignment]
    return pages


# ---------------------------------------------------------------------------------------------- timing
def percentile(values: list[float], q: float) -> float:
    """The q-quantile by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def cpu_seconds() -> float:
    """User + system CPU time of this process (DuckDB's threads included)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_page(version: Path, page: PageCalls, cold_runs: int, warm_runs: int) -> dict[str, Any]:
    """Cold and warm wall-clock timings (ms) of one page's calls, CPU time, and its slowest calls."""
    import duckdb

    def run_calls(con: Any, per_call: dict[str, list[float]] | None = None) -> float:
        start = time.perf_counter()
        for call in page.calls:
            t0 = time.perf_counter()
            call.run(con)
            if per_call is not None:
                per_call.setdefault(call.name, []).append((time.perf_counter() - t0) * 1000)
        return (time.perf_counter() - start) * 1000

    cold: list[float] = []
    cold_cpu: list[float] = []
    for _ in range(cold_runs):
        t0, c0 = time.perf_counter(), cpu_seconds()
        con = duckdb.connect(str(version), read_only=True, config={"threads": 2})
        run_calls(con)
        con.close()
        cold.append((time.perf_counter() - t0) * 1000)
        cold_cpu.append((cpu_seconds() - c0) * 1000)
    warm: list[float] = []
    warm_cpu: list[float] = []
    per_call: dict[str, list[float]] = {}
    con = duckdb.connect(str(version), read_only=True, config={"threads": 2})
    try:
        run_calls(con)  # the first run on a connection is cold: not counted as warm
        for _ in range(warm_runs):
            c0 = cpu_seconds()
            warm.append(run_calls(con, per_call))
            warm_cpu.append((cpu_seconds() - c0) * 1000)
    finally:
        con.close()
    slowest = sorted(((statistics.median(v), k) for k, v in per_call.items()), reverse=True)
    computed = time_computed(version, [c for c in page.calls if c.name.startswith(COMPARISON_PREFIX)], warm_runs)
    return {
        "page": page.page, "calls": len(page.calls), "error": page.error,
        "cold_median_ms": statistics.median(cold), "cold_p95_ms": percentile(cold, 0.95),
        "warm_median_ms": statistics.median(warm), "warm_p95_ms": percentile(warm, 0.95),
        "cold_cpu_median_ms": statistics.median(cold_cpu), "warm_cpu_median_ms": statistics.median(warm_cpu),
        "per_call_warm_ms": {name: ms for ms, name in slowest},
        "comparison_computed_ms": computed,
    }


COMPARISON_PREFIX = "compare."
#: the modules whose queries are the comparisons (compare re-exports the rates it builds on)
COMPARISON_MODULES = ("compare", "partnership_rates")


def clear_memos() -> None:
    """Forget every result kept per store version (cspdash.metrics.memo), as after a load."""
    from cspdash.metrics.memo import StoreVersionMemo

    for name, module in list(sys.modules.items()):
        if name.startswith("cspdash.metrics"):
            for value in vars(module).values():
                if isinstance(value, StoreVersionMemo):
                    value.clear()


def time_computed(version: Path, calls: list[Call], runs: int) -> dict[str, float]:
    """Warm DuckDB (same connection) but every kept result forgotten before each call: what a call costs the
    first visitor after a load. Median ms per call name."""
    import duckdb

    per_call: dict[str, list[float]] = {}
    con = duckdb.connect(str(version), read_only=True, config={"threads": 2})
    try:
        for call in calls:
            call.run(con)  # the first run on the connection warms DuckDB's buffers
        for _ in range(max(runs, 1)):
            for call in calls:
                clear_memos()
                t0 = time.perf_counter()
                call.run(con)
                per_call.setdefault(call.name, []).append((time.perf_counter() - t0) * 1000)
    finally:
        con.close()
    return {name: statistics.median(v) for name, v in per_call.items()}


def machine() -> dict[str, Any]:
    """The machine and how busy it is: CPUs, RAM, CPU model, load average and a fixed CPU task's time."""
    import platform

    import psutil

    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    started, cpu0 = time.perf_counter(), cpu_seconds()
    sum(i * i for i in range(2_000_000))
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu0
    return {"cpus": os.cpu_count(), "ram_gb": psutil.virtual_memory().total / 2**30, "cpu_model": model,
            "load_average_1m": os.getloadavg()[0], "calibration_wall_ms": wall * 1000,
            "calibration_cpu_ms": cpu * 1000, "contention": wall / max(cpu, 1e-9)}


def machine_line(info: dict[str, Any]) -> str:
    """One line describing the machine and its load when measured."""
    return (f"Machine: {info['cpus']} CPUs ({info['cpu_model']}), {info['ram_gb']:.0f} GB RAM; load average "
            f"{info['load_average_1m']:.1f} when measured; a fixed single-thread task took "
            f"{info['calibration_wall_ms']:.0f} ms for {info['calibration_cpu_ms']:.0f} ms of CPU "
            f"({info['contention']:.1f}× slower than on an idle machine: other work shared the CPUs).")


def _child_discover(store: Path, partnership: str, out: Path) -> None:
    pages = discover_calls(store, partnership)
    plain = [(page.page, page.error, [(c.key, c.fn, c.args, c.kwargs) for c in page.calls]) for page in pages]
    out.write_bytes(pickle.dumps(plain))


def _child_time(version: Path, calls: Path, cold: int, warm: int) -> None:
    import resource

    pages = [PageCalls(name, [Call(*call) for call in page_calls], error)
             for name, error, page_calls in pickle.loads(calls.read_bytes())]
    timings = [time_page(version, page, cold, warm) for page in pages]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"pages": timings, "peak_rss_mb": peak_mb}))


def bench_scale(scale: Scale, cold_runs: int, warm_runs: int) -> dict[str, Any]:
    """Build (or reuse) the scale's store; for each selection discover the pages' calls and time them."""
    built = ensure_store(scale)
    version = built.version
    selections = []
    for code in scale.selections:
        calls = scale.folder / f"calls-{code}.pkl"
        run_measured([sys.executable, __file__, "--child", "discover", "--store", str(built.path), "--csp", code,
                      "--calls", str(calls)], scale.folder / "discover.log")
        _wall, _peak, stdout = run_measured(
            [sys.executable, __file__, "--child", "time", "--store", str(version), "--calls", str(calls),
             "--cold", str(cold_runs), "--warm", str(warm_runs)], scale.folder / "time.log", capture=True)
        result = json.loads(stdout.strip().splitlines()[-1])
        selections.append({"partnership": code, **result})
    return {
        "scale": scale.name, "label": scale.label, "street_rows": built.street_rows,
        "loaded_rows": built.loaded_rows, "store_bytes": version.stat().st_size,
        "bytes_per_row": version.stat().st_size / max(built.street_rows, 1),
        "load_seconds": built.load_seconds, "load_peak_mb": built.load_peak_mb,
        "generated_csv_bytes": built.generated_csv_bytes, "selections": selections,
    }


# ---------------------------------------------------------------------------------------------- output
def md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def selection_label(code: str) -> str:
    """How a benchmarked selection is named in tables."""
    return {NEWPORT: "Newport (real district)", SYNTHETIC_LA: "whole force (synthetic)",
            BIRMINGHAM: "Birmingham (largest partnership)"}.get(code, code)


def report(results: list[dict[str, Any]], info: dict[str, Any]) -> None:
    """Print the results as markdown tables."""
    print("\n" + machine_line(info))
    print("\n### Page queries (sum of each page's distinct cached queries, ms)\n")
    rows = []
    misses = []
    for result in results:
        for selection in result["selections"]:
            for page in selection["pages"]:
                ok = page["warm_median_ms"] <= TARGET_WARM_MS
                slow = "; ".join(f"{k} {v:.0f}" for k, v in list(page["per_call_warm_ms"].items())[:2])
                rows.append([result["scale"], f"{result['street_rows']:,}", selection_label(selection["partnership"]),
                             page["page"] + (" (page error)" if page["error"] else ""), str(page["calls"]),
                             f"{page['cold_median_ms']:.0f}", f"{page['cold_p95_ms']:.0f}",
                             f"{page['warm_median_ms']:.0f}", f"{page['warm_p95_ms']:.0f}",
                             f"{page['cold_cpu_median_ms']:.0f} / {page['warm_cpu_median_ms']:.0f}",
                             "yes" if ok else "**no**", slow])
                if not ok:
                    misses.append(f"{result['scale']}: {page['page']}")
    print(md_table(["scale", "street rows", "selection", "page", "calls", "cold median", "cold p95", "warm median",
                    "warm p95", "CPU cold / warm", "≤ 100 ms warm", "slowest calls (warm median ms)"], rows))
    distinct = list(dict.fromkeys(misses))
    print(f"\nPages over the 100 ms warm target ({len(misses)} of {len(rows)} page timings): "
          f"{', '.join(distinct) if distinct else 'none'}.")
    comparison_table(results)
    print("\n### Store size and load memory against rows\n")
    size_rows = []
    for result in results:
        peak = result["load_peak_mb"]
        size_rows.append([result["scale"], f"{result['street_rows']:,}", f"{result['store_bytes'] / 1e6:,.1f}",
                          f"{result['bytes_per_row']:.0f}", f"{result['loaded_rows']:,}",
                          "—" if result["load_seconds"] is None else f"{result['load_seconds']:.0f}",
                          "—" if peak is None else f"{peak:,.0f}",
                          "—" if peak is None else f"{peak * 1e6 / max(result['loaded_rows'], 1):.0f}",
                          f"{max(s['peak_rss_mb'] for s in result['selections']):,.0f}"])
    print(md_table(["scale", "street rows", "store MB", "store bytes/row", "rows in the measured load", "load s",
                    "load peak MB", "load peak bytes/row loaded", "query process peak MB"], size_rows))


def comparison_table(results: list[dict[str, Any]]) -> None:
    """Every comparison query (cspdash.metrics.compare) of every page, warm and computed afresh, ms."""
    print("\n### Comparison queries (warm median ms per call)\n")
    rows = []
    for result in results:
        for selection in result["selections"]:
            for page in selection["pages"]:
                computed = page.get("comparison_computed_ms", {})
                for name, warm in page["per_call_warm_ms"].items():
                    if not name.startswith(COMPARISON_PREFIX):
                        continue
                    fresh = computed.get(name)
                    worst = max(warm, fresh if fresh is not None else 0.0)
                    rows.append([result["scale"], f"{result['street_rows']:,}",
                                 selection_label(selection["partnership"]), page["page"], name, f"{warm:.1f}",
                                 "—" if fresh is None else f"{fresh:.1f}",
                                 "yes" if worst <= TARGET_WARM_MS else "**no**"])
    print(md_table(["scale", "street rows", "selection", "page", "query", "warm (kept result)",
                    "warm, computed afresh", "≤ 100 ms"], rows) if rows else "No comparison queries were recorded.")
    print("\n'Warm (kept result)': the same connection again, results kept per store version as the app keeps them; "
          "'computed afresh': the same warm connection with every kept result forgotten first (the first visitor "
          "after a load).")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print tables and write queries.json."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default=DEFAULT_SCALES, help=f"comma-separated, from: {', '.join(SCALES)}")
    parser.add_argument("--quick", action="store_true", help="tiny run for CI: the tiny scale, few repeats")
    parser.add_argument("--cold", type=int, default=7, help="cold runs per page")
    parser.add_argument("--warm", type=int, default=20, help="warm runs per page")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for queries.json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--csp", help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "discover":
        _child_discover(args.store, args.csp, args.calls)
        return 0
    if args.child == "load":
        files = [Path(p) for p in json.loads(args.calls.read_text())]
        print(f"loaded {batched_load(args.store, files):,} street rows")
        return 0
    if args.child == "time":
        _child_time(args.store, args.calls, args.cold, args.warm)
        return 0
    cold, warm = (1, 2) if args.quick else (args.cold, args.warm)
    info = machine()
    results = []
    for scale in scales_from_args(args.scales, args.quick):
        print(f"== {scale.label}", file=sys.stderr, flush=True)
        results.append(bench_scale(scale, cold, warm))
    info["load_average_1m_after"] = os.getloadavg()[0]
    report(results, info)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "queries.json").write_text(json.dumps({"machine": info, "scales": results}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
