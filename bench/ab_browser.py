"""Interleaved A/B in the browser: variants of the dashboard against the strict floor, visited in the same rounds.

Each variant is a copy of the project (``name=path``: the dashboard is served from ``path``, with ``path`` as its
working directory, so its ``.streamlit/config.toml`` counts too); every round visits the strict floor, then each
variant in turn (the order of the variants rotates round by round), each with a fresh browser context and then a
repeat visit in the same context, as `bench_browser.py` does. Prints, for each variant, the median over rounds of
its first and repeat visits' ratios to the strict floor's, and its median timeline; with ``--switches`` also the
filter change.

    rsync -a --exclude .git --exclude .venv ./ /tmp/ab/a/   # then change /tmp/ab/b/...
    flock /tmp/browser.lock nice -n 10 python bench/ab_browser.py a=/tmp/ab/a b=/tmp/ab/b --visits 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_browser import (  # noqa: E402
    GWENT_SWITCHES,
    MARKS_JS,
    choose_partnership,
    median_timeline,
    page_timeline,
    settle,
    visit,
    wait_idle_with_title,
)
from bench_queries import SCALES, ensure_store  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402


def serve(script: Path, cwd: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`streamlit run script` from ``cwd`` on a free loopback port; returns the process and its URL once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{script} did not start")


def against_floor(times: list[float], floor: list[float]) -> dict[str, Any]:
    """A variant's visits against the strict floor's visits of the same rounds: each round's ratio, their median,
    and the fastest visit over the floor's fastest (the least disturbed by the machine's other work)."""
    rounds = [v / f for v, f in zip(times, floor, strict=True)]
    return {"rounds": rounds, "median": statistics.median(rounds), "fastest": min(times) / min(floor)}


def variant_line(name: str, f: dict[str, list[Any]], strict: dict[str, list[Any]]) -> str:
    """One printed line: the variant's ratios to the strict floor (unless it is the floor) and median timeline."""
    line = [f"{name:>10}: first {statistics.median(f['first']):.2f} s"]
    if name != "strict":
        for kind in ("first", "repeat"):
            got = against_floor(f[kind], strict[kind])
            line.append(f"{kind} ×{got['median']:.2f} ({', '.join(f'{r:.2f}' for r in got['rounds'])}; "
                        f"fastest ×{got['fastest']:.2f})")
    for kind in ("first", "repeat"):
        tl = median_timeline(f[f"{kind}_tl"])
        line.append(f"{kind}: arrives {tl['chart_arrived'] or 0:.2f} drawn {tl['first_chart'] or 0:.2f} "
                    f"busy {tl['busy_before_chart'] or 0:.2f} run {tl['server_run'] or 0:.2f}")
    if f["filter"]:
        line.append(f"filter {statistics.median(f['filter']):.2f} s (max {max(f['filter']):.2f})")
    return " | ".join(line)


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print each variant's ratios to the strict floor."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variants", nargs="+", help="name=path of a copy of the project")
    parser.add_argument("--visits", type=int, default=5)
    parser.add_argument("--switches", type=int, default=0, help="filter changes per variant (0: none)")
    parser.add_argument("--scale", default="partnership")
    args = parser.parse_args(argv)
    store = ensure_store(SCALES[args.scale]).path
    variants = dict(v.split("=", 1) for v in args.variants)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    urls: dict[str, str] = {}
    figures: dict[str, dict[str, list[Any]]] = {}
    base = {**os.environ, "CSPDASH_DB": str(store), "CSPDASH_USERS": ""}
    base.pop("CSPDASH_TEST", None)
    try:
        procs["strict"], urls["strict"] = serve(ROOT / "bench" / "strict_app.py", ROOT, base)
        for name, path in variants.items():
            root = Path(path).resolve()
            procs[name], urls[name] = serve(root / "dashboard.py", root, {**base, "PYTHONPATH": str(root)})
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

            def context() -> Any:
                made = browser.new_context(viewport={"width": 1400, "height": 1000})
                made.add_init_script(MARKS_JS)
                return made

            for name in urls:  # the server's first session is not measured
                warm = context()
                page = warm.new_page()
                visit(page, urls[name])
                settle(page)
                warm.close()
            names = list(variants)
            for round_ in range(args.visits):
                shift = round_ % len(names)
                for name in ["strict", *names[shift:], *names[:shift]]:
                    f = figures.setdefault(name, {"first": [], "repeat": [], "first_tl": [], "repeat_tl": [],
                                                  "filter": []})
                    ctx = context()
                    for kind in ("first", "repeat"):
                        page = ctx.new_page()
                        f[kind].append(visit(page, urls[name]))
                        settle(page)
                        f[f"{kind}_tl"].append(page_timeline(page))
                    ctx.close()
            for name in names if args.switches else []:
                ctx = context()
                page = ctx.new_page()
                visit(page, urls[name])
                wait_idle_with_title(page, "Newport")
                for target in GWENT_SWITCHES[:args.switches]:
                    figures[name]["filter"].append(choose_partnership(page, target))
                ctx.close()
            browser.close()
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(timeout=10)
    print(f"load average {os.getloadavg()}; {args.visits} rounds on {args.scale}")
    for name, f in figures.items():
        print(variant_line(name, f, figures["strict"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
