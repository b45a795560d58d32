"""Where the Overview's server run spends its time: a first session (fresh process) and a repeat session.

Runs the dashboard's script under Streamlit's AppTest in this process (as the server runs it in its own), with
cProfile around each run and every message the script sends timed as it is enqueued. Prints, per session:
the run's wall time; when the first element, the first headline tile and the first chart were sent; and the
cumulative time of imports, the sidebar, the page header, each Overview block, the cached queries and the
figure building.

    python bench/profile_overview.py                      # the demo store
    python bench/profile_overview.py --scale national
    python bench/profile_overview.py --top 25             # also the 25 costliest functions of each run
    python bench/profile_overview.py --switches 3         # also a partnership change (another partnership each)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

#: (label, module path fragment, function name) whose cumulative time is reported
PARTS = [
    ("imports", "<frozen importlib._bootstrap>", "_find_and_load"),
    ("sidebar (shell.sidebar)", "cspdash/ui/shell.py", "sidebar"),
    ("navigation (shell.navigation)", "cspdash/ui/shell.py", "navigation"),
    ("page header (shell.page_header)", "cspdash/ui/shell.py", "page_header"),
    ("freshness banner", "cspdash/ui/overview_blocks.py", "freshness_banner"),
    ("headline tiles", "cspdash/ui/overview_blocks.py", "headline_tiles"),
    ("headline chart", "cspdash/ui/overview_blocks.py", "headline_chart"),
    ("comparison section", "cspdash/ui/compare_blocks.py", "overview_section"),
    ("exceptions (SPC signals, wards)", "cspdash/ui/overview_blocks.py", "exceptions"),
    ("action-plan summary", "cspdash/ui/overview_blocks.py", "plan_summary"),
    ("cached queries (ui.db.query)", "cspdash/ui/db.py", "query"),
    ("figure building (charts.*)", "cspdash/charts/", "*"),
    ("plotly_chart (serialising figures)", "streamlit/elements/plotly_chart.py", "plotly_chart"),
]


def part_times(stats: pstats.Stats, parts: list[tuple[str, str, str]] = PARTS) -> dict[str, float]:
    """Cumulative seconds of each part; a '*' function sums the module's top-level entries (callers outside it)."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for label, where, name in parts:
        total = 0.0
        for (path, _line, func), (_cc, _nc, _tt, ct, callers) in raw.items():
            if where not in path:
                continue
            if name == "*":
                if not any(where in caller[0] for caller in callers):
                    total += ct
            elif func == name:
                total += ct
        out[label] = total
    return out


def send_marks(log: list[tuple[float, str]], started: float) -> dict[str, float | None]:
    """Seconds from the run's start to the first element, the first tile (the element holding the tiles' list)
    and the first plotly chart, from the enqueued messages' log of (time, what)."""
    def first(test: Callable[[str], bool]) -> float | None:
        return next((t - started for t, what in log if test(what)), None)

    return {"first element": first(lambda w: w.startswith("delta")),
            "first tile": first(lambda w: w == "delta:html:tiles"),
            "first chart": first(lambda w: w == "delta:plotly_chart"),
            "messages": float(len(log))}


#: the profiler of the run in progress: the script runs in Streamlit's script thread, profiled there
PROFILER: list[cProfile.Profile] = []
#: when each script run started, in its thread (AppTest's own set-up before it is left out of the marks)
SCRIPT_START: list[float] = []


def profile_script_thread() -> None:
    """Profile every script run, in the thread that runs it."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    original = ScriptRunner._run_script

    def run_script(self: Any, *args: Any, **kwargs: Any) -> None:
        SCRIPT_START.append(time.perf_counter())
        PROFILER[-1].enable()
        try:
            original(self, *args, **kwargs)
        finally:
            PROFILER[-1].disable()

    ScriptRunner._run_script = run_script  # type: ignore[method-assign]


def profiled_run(at: Any, log: list[tuple[float, str]]) -> tuple[float, dict[str, float | None], pstats.Stats]:
    """Run the app once under cProfile; its wall time from the script's start, send marks and profile."""
    log.clear()
    profiler = cProfile.Profile()
    PROFILER.append(profiler)
    at.run()
    wall = time.perf_counter() - SCRIPT_START[-1]
    assert not at.exception, at.exception
    return wall, send_marks(log, SCRIPT_START[-1]), pstats.Stats(profiler, stream=io.StringIO())


#: partnerships chosen in turn by --switches (the dashboard opens on Newport), as bench_browser's filter change
SWITCHES = ["Caerphilly", "Torfaen", "Blaenau Gwent", "Monmouthshire"]


def switch_run(at: Any, name: str, log: list[tuple[float, str]]) -> tuple[float, dict[str, float | None],
                                                                            dict[str, float], pstats.Stats]:
    """Choose partnership ``name`` in the sidebar and profile the run that follows."""
    box = next(s for s in at.sidebar.selectbox if s.label == "Partnership")
    box.select_index(box.options.index(name))
    wall, marks, stats = profiled_run(at, log)
    return wall, marks, part_times(stats), stats


def main(argv: list[str] | None = None) -> int:
    """Profile a first and a repeat session of the Overview."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="partnership")
    parser.add_argument("--top", type=int, default=0, help="also print the N costliest functions of each run")
    parser.add_argument("--repeats", type=int, default=3, help="repeat sessions to time (the median is printed)")
    parser.add_argument("--switches", type=int, default=0,
                        help="then choose another partnership this many times in the last session (a filter change: "
                             "its queries and figure are not yet cached) and print the median of those runs")
    args = parser.parse_args(argv)
    from bench_queries import SCALES, ensure_store

    store = ensure_store(SCALES[args.scale]).path
    os.environ.update({"CSPDASH_DB": str(store), "CSPDASH_USERS": ""})
    os.environ.pop("CSPDASH_TEST", None)
    import_started = time.perf_counter()
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext
    from streamlit.testing.v1 import AppTest
    streamlit_import = time.perf_counter() - import_started

    log: list[tuple[float, str]] = []
    original = ScriptRunContext.enqueue

    def enqueue(self: Any, msg: Any) -> None:
        kind = msg.WhichOneof("type")
        what = kind
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element.WhichOneof("type")
            what = f"delta:{element}"
            body = getattr(msg.delta.new_element, element).body if element in ("html", "markdown") else ""
            if "cspdash-tiles" in body:
                what = "delta:html:tiles"
        log.append((time.perf_counter(), what))
        original(self, msg)

    ScriptRunContext.enqueue = enqueue  # type: ignore[method-assign]
    profile_script_thread()
    runs = []
    for session in range(1 + args.repeats):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
        wall, marks, stats = profiled_run(at, log)
        runs.append((wall, marks, part_times(stats), stats))
        if session == 0 and args.top:
            print(f"\nFirst session, the {args.top} costliest functions (cumulative):")
            out = io.StringIO()
            stats.stream = out  # type: ignore[attr-defined]
            stats.sort_stats("cumulative").print_stats(args.top)
            print(out.getvalue()[:8000])
    switched = [switch_run(at, name, log) for name in SWITCHES[:args.switches]]
    print(f"\n### Overview server run, profiled ({args.scale} store; streamlit itself imported in "
          f"{streamlit_import:.2f} s before the first run)\n")
    first = runs[0]
    repeat = sorted(runs[1:], key=lambda r: r[0])[len(runs[1:]) // 2]  # the median repeat by wall time
    columns = [first, repeat]
    heads = ["first session (fresh process)", f"repeat session (median of {args.repeats})"]
    if switched:
        columns.append(sorted(switched, key=lambda r: r[0])[len(switched) // 2])
        heads.append(f"partnership change (median of {len(switched)})")
    print(f"| | {' | '.join(heads)} |\n|---{'|---' * len(heads)}|")
    print(f"| run, wall (profiled) | {' | '.join(f'{c[0]:.3f} s' for c in columns)} |")

    def seconds(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f} s"

    for key in ("first element", "first tile", "first chart"):
        print(f"| {key} sent after | {' | '.join(seconds(c[1][key]) for c in columns)} |")
    sent = [f"{c[1]['messages']:.0f}" for c in columns]
    print(f"| messages sent | {' | '.join(sent)} |")
    for label in first[2]:
        print(f"| {label} | {' | '.join(f'{c[2][label]:.3f} s' for c in columns)} |")
    if args.top:
        print(f"\nRepeat session, the {args.top} costliest functions (cumulative):")
        out = io.StringIO()
        repeat[3].stream = out
        repeat[3].sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue()[:8000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
