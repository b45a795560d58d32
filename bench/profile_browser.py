"""Where the browser's main thread spends a first visit: the strict floor against the Overview (issue 23, item 3).

Serves the strict floor (`strict_app.py`) and the dashboard on the benchmark's store, warms each server with one
visit, then, round by round, opens each in a fresh browser context with Chromium's sampling profiler running
(DevTools `Profiler`, one sample every 0.2 ms) and stops it when the first plotly trace is drawn. Prints the main
thread's self time per visit, by Streamlit's script bundle and by kind (plotly, React, markdown, styling, the
browser's own work, idle), for each app and the difference. `(program)` is the browser's own work outside
JavaScript (style, layout, paint, parsing); `(idle)` is waiting (for the server or the network).

    python bench/profile_browser.py                  # the demo store, 4 rounds
    python bench/profile_browser.py --rounds 8 --repeat
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ab_browser import serve  # noqa: E402
from bench_browser import TRACE  # noqa: E402
from bench_queries import SCALES, ensure_store  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

#: (kind, fragments of a bundle's file name); the first that matches names the kind, else "other scripts"
KINDS = [
    ("plotly", ("PlotlyChart",)),
    ("React", ("react-dom", "react.", "scheduler")),
    ("markdown", ("StreamlitMarkdown", "rehype", "remark", "micromark", "mdast", "hast", "parse5", "unified")),
    ("styling (emotion)", ("emotion", "styled-components", "opacities")),
    ("browser's own work", ("(program)",)),
    ("garbage collection", ("(garbage collector)",)),
    ("idle", ("(idle)",)),
]


def kind_of(bundle: str) -> str:
    """The kind a script bundle (or a profiler pseudo-node) belongs to."""
    return next((kind for kind, parts in KINDS if any(p in bundle for p in parts)), "other scripts")


def self_times(profile: dict[str, Any]) -> collections.Counter[str]:
    """Milliseconds of self time per bundle file name in a DevTools CPU profile."""
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    out: collections.Counter[str] = collections.Counter()
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        frame = nodes[sample]
        out[frame["url"].rsplit("/", 1)[-1] or frame["functionName"] or "(native)"] += delta / 1000
    return out


def profiled_visit(page: Any, url: str) -> tuple[float, collections.Counter[str]]:
    """(seconds to the first drawn trace, self time per bundle) of one visit with the profiler running."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})
    cdp.send("Profiler.start")
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(TRACE, timeout=180_000)
    seconds = time.perf_counter() - start
    return seconds, self_times(cdp.send("Profiler.stop")["profile"])


def table(title: str, columns: dict[str, collections.Counter[str]], rounds: int, rows: list[str]) -> None:
    """A markdown table of milliseconds per visit."""
    names = list(columns)
    print(f"\n{title}\n\n| | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names))
    for row in rows:
        print(f"| {row} | " + " | ".join(f"{columns[n][row] / rounds:.0f}" for n in names) + " |")


def main(argv: list[str] | None = None) -> int:
    """Profile the rounds and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--scale", default="partnership")
    parser.add_argument("--repeat", action="store_true", help="profile a repeat visit in the same context too")
    args = parser.parse_args(argv)
    store = ensure_store(SCALES[args.scale]).path
    env = {**os.environ, "CSPDASH_DB": str(store), "CSPDASH_USERS": "", "PYTHONPATH": str(ROOT)}
    env.pop("CSPDASH_TEST", None)
    apps = {"strict floor": serve(ROOT / "bench" / "strict_app.py", ROOT, env),
            "Overview": serve(ROOT / "dashboard.py", ROOT, env)}
    visits = ("first", "repeat") if args.repeat else ("first",)
    bundles = {(app, kind): collections.Counter[str]() for app in apps for kind in visits}
    seconds: dict[tuple[str, str], list[float]] = {key: [] for key in bundles}
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _proc, url in apps.values():  # the server's first session is not measured
                warm = browser.new_context(viewport={"width": 1400, "height": 1000})
                warm.new_page().goto(url)
                warm.pages[0].wait_for_selector(TRACE, timeout=180_000)
                warm.close()
            for _ in range(args.rounds):
                for app, (_proc, url) in apps.items():
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    for kind in visits:
                        took, times = profiled_visit(context.new_page(), url)
                        seconds[(app, kind)].append(took)
                        bundles[(app, kind)].update(times)
                    context.close()
            browser.close()
    finally:
        for proc, _url in apps.values():
            proc.terminate()
            proc.wait(timeout=10)
    print(f"load average {os.getloadavg()}; {args.rounds} rounds on {args.scale}; times are milliseconds of the "
          "main thread per visit, until the first trace is drawn")
    for kind in visits:
        columns = {app: bundles[(app, kind)] for app in apps}
        floor, overview = columns["strict floor"], columns["Overview"]
        columns["difference"] = collections.Counter({b: overview[b] - floor[b] for b in set(floor) | set(overview)})
        by_kind = {name: collections.Counter[str]() for name in columns}
        for name, counter in columns.items():
            for bundle, ms in counter.items():
                by_kind[name][kind_of(bundle)] += ms
        for name in apps:
            by_kind[name]["all"] = sum(by_kind[name].values())
            by_kind[name]["busy (all but idle)"] = by_kind[name]["all"] - by_kind[name]["idle"]
        by_kind["difference"]["all"] = by_kind["Overview"]["all"] - by_kind["strict floor"]["all"]
        by_kind["difference"]["busy (all but idle)"] = (by_kind["Overview"]["busy (all but idle)"]
                                                        - by_kind["strict floor"]["busy (all but idle)"])
        medians = ", ".join(f"{app} {sorted(seconds[(app, kind)])[len(seconds[(app, kind)]) // 2]:.2f} s"
                            for app in apps)
        table(f"### {kind} visit, by kind (first trace drawn: {medians})", by_kind, args.rounds,
              [k for k, _ in KINDS] + ["other scripts", "busy (all but idle)", "all"])
        top = [b for b, _ in columns["difference"].most_common(12)]
        table(f"### {kind} visit, the 12 bundles that cost the Overview most over the floor", columns, args.rounds,
              top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
