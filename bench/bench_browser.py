"""Browser benchmark: the dashboard against a bare one-chart Streamlit page, started the same way in the same run.

Both apps are served by `streamlit run` on loopback (tests/e2e/conftest.start_streamlit) and driven by Debian
chromium through Playwright. Measured for each app:

* first visit — a fresh browser context (empty cache) until a plotly chart (`.js-plotly-plot`) is visible;
  the very first visit after the server starts is reported apart ("server cold");
* repeat visit — the same context opening the app again (browser cache warm, new Streamlit session), once the
  first visit's page has finished (its run done, its network idle), as a visitor coming back would; also
  reported, without a target, is the repeat opened the instant the first visit's chart shows ("while the first
  page is still drawing"), when that page's remaining work competes with the repeat for the same two cores;
* filter change — choose another partnership in the sidebar until the status widget is idle and a chart titled
  with the new partnership is drawn (partnerships not shown before: nothing cached for them yet);
* server memory — RSS of the server's process tree with nine sessions open.

    python bench/bench_browser.py                        # the Gwent demo store
    python bench/bench_browser.py --scale national       # the national 3-year store (built by bench_queries)
    python bench/bench_browser.py --quick
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_queries import RESULTS_DIR, SCALES, ensure_store, md_table  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, start_streamlit  # noqa: E402

CHART = ".js-plotly-plot"
TIMEOUT_MS = 180_000
TARGETS = {"first": 1.2, "repeat": 1.2, "filter_s": 1.0, "rss_demo_mb": 300.0, "rss_national_mb": 1024.0}
#: partnerships to switch to, in order (the dashboard opens on Newport)
GWENT_SWITCHES = ["Caerphilly", "Torfaen", "Blaenau Gwent", "Monmouthshire", "Newport"]


def wait_idle_with_title(page: Any, text: str, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until Streamlit has finished its run and a chart whose title contains ``text`` is drawn."""
    page.wait_for_function(
        """(text) => !document.querySelector('[data-testid="stStatusWidget"]')
             && [...document.querySelectorAll('.js-plotly-plot .gtitle')].some(t => t.textContent.includes(text))""",
        arg=text, timeout=timeout_ms, polling=20)


def settle(page: Any, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until the page's script run has finished and it fetches nothing more (500 ms without a request)."""
    page.wait_for_function("""() => !document.querySelector('[data-testid="stStatusWidget"]')""",
                           timeout=timeout_ms, polling=20)
    page.wait_for_load_state("networkidle", timeout=timeout_ms)


def visit(page: Any, url: str) -> float:
    """Open the app; seconds until the first plotly chart is visible."""
    started = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    page.wait_for_selector(CHART, state="visible", timeout=TIMEOUT_MS)
    return time.perf_counter() - started


def choose_partnership(page: Any, name: str) -> float:
    """Pick a partnership in the sidebar; seconds until the run is finished and its chart is drawn."""
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has_text="Partnership")
    box.first.click()
    option = page.get_by_role("option", name=name, exact=True)
    option.wait_for(state="visible", timeout=TIMEOUT_MS)
    started = time.perf_counter()
    option.click()
    wait_idle_with_title(page, name)
    return time.perf_counter() - started


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, MB."""
    import psutil

    root = psutil.Process(pid)
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 1e6


class App:
    """One streamlit server under test."""

    def __init__(self, name: str, script: Path, env: dict[str, str]):
        self.name = name
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] = start_streamlit(script, env, self.port)
        self.url = f"http://127.0.0.1:{self.port}/"
        self.figures: dict[str, Any] = {"first_s": [], "repeat_s": [], "repeat_busy_s": [], "filter_s": []}

    def stop(self) -> None:
        """Stop the server."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def run(store_path: Path, visits: int, switches: list[str], sessions: int, shots: Path | None) -> dict[str, Any]:
    """Measure both apps, interleaved, and return their figures."""
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "CSPDASH_DB": str(store_path), "CSPDASH_USERS": "",
           "PYTHONPATH": str(ROOT)}
    env.pop("CSPDASH_TEST", None)
    apps = [App("dashboard", ROOT / "dashboard.py", env), App("bare", ROOT / "bench" / "bare_app.py", env)]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            viewport = {"width": 1400, "height": 1000}
            for app in apps:  # the first session on a just-started server
                context = browser.new_context(viewport=viewport)
                app.figures["server_cold_first_s"] = visit(context.new_page(), app.url)
                context.close()
            for _ in range(visits):
                for app in apps:
                    context = browser.new_context(viewport=viewport)
                    first = context.new_page()
                    app.figures["first_s"].append(visit(first, app.url))
                    busy = context.new_page()  # at once, while the first page may still be drawing
                    app.figures["repeat_busy_s"].append(visit(busy, app.url))
                    settle(first)
                    settle(busy)
                    busy.close()
                    app.figures["repeat_s"].append(visit(context.new_page(), app.url))
                    context.close()
            for app in apps:
                context = browser.new_context(viewport=viewport)
                page = context.new_page()
                visit(page, app.url)
                wait_idle_with_title(page, "Newport")
                for name in switches:
                    app.figures["filter_s"].append(choose_partnership(page, name))
                if shots:
                    shots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shots / f"browser-{app.name}.png"))
                context.close()
            for app in apps:
                contexts = []
                for _ in range(sessions):
                    context = browser.new_context(viewport=viewport)
                    visit(context.new_page(), app.url)
                    contexts.append(context)
                time.sleep(1.0)
                app.figures["rss_mb"] = tree_rss_mb(app.proc.pid)
                app.figures["sessions"] = sessions
                for context in contexts:
                    context.close()
            browser.close()
    finally:
        for app in apps:
            app.stop()
    return {app.name: app.figures for app in apps}


def summarise(figures: dict[str, Any], scale: str) -> dict[str, Any]:
    """Medians and ratios dashboard/bare."""
    summary: dict[str, Any] = {"scale": scale}
    for name, f in figures.items():
        summary[name] = {
            "server_cold_first_s": f["server_cold_first_s"],
            "first_s": statistics.median(f["first_s"]), "repeat_s": statistics.median(f["repeat_s"]),
            "repeat_busy_s": statistics.median(f["repeat_busy_s"]),
            "filter_s": statistics.median(f["filter_s"]), "filter_max_s": max(f["filter_s"]),
            "rss_mb": f["rss_mb"], "sessions": f["sessions"], "raw": f,
        }
    d, b = summary["dashboard"], summary["bare"]
    summary["ratios"] = {k: d[k] / b[k] for k in ("server_cold_first_s", "first_s", "repeat_s", "repeat_busy_s",
                                                   "filter_s", "rss_mb")}
    summary["round_ratios"] = {k: round_ratios(d["raw"][k], b["raw"][k]) for k in ("first_s", "repeat_s")}
    return summary


def round_ratios(dashboard: list[float], bare: list[float]) -> dict[str, float]:
    """Each round's dashboard visit over the bare visit made just after it: median, middle half and range.

    The two visits of a round share the machine's state at that moment, so these ratios are steadier than either
    app's own times, which drift with whatever else the machine is doing."""
    ratios = sorted(d / b for d, b in zip(dashboard, bare, strict=True))
    quartiles = statistics.quantiles(ratios, n=4, method="inclusive") if len(ratios) > 1 else ratios * 3
    return {"median": statistics.median(ratios), "q1": quartiles[0], "q3": quartiles[2], "min": ratios[0],
            "max": ratios[-1], "rounds": len(ratios)}


def report(summary: dict[str, Any]) -> None:
    """Print the browser figures as a markdown table."""
    d, b, r = summary["dashboard"], summary["bare"], summary["ratios"]
    rss_target = TARGETS["rss_national_mb"] if summary["scale"].startswith("national") else TARGETS["rss_demo_mb"]

    def verdict(ok: bool) -> str:
        return "yes" if ok else "**no**"

    rows = [
        ["first visit, server cold (s)", f"{d['server_cold_first_s']:.2f}", f"{b['server_cold_first_s']:.2f}",
         f"{r['server_cold_first_s']:.2f}×", "—", "—"],
        ["first visit, fresh browser (s, median)", f"{d['first_s']:.2f}", f"{b['first_s']:.2f}",
         f"{r['first_s']:.2f}×", "≤ 1.2× bare", verdict(r["first_s"] <= TARGETS["first"])],
        ["repeat visit (s, median)", f"{d['repeat_s']:.2f}", f"{b['repeat_s']:.2f}", f"{r['repeat_s']:.2f}×",
         "≤ 1.2× bare", verdict(r["repeat_s"] <= TARGETS["repeat"])],
        ["repeat visit while the first page is still drawing (s, median)", f"{d['repeat_busy_s']:.2f}",
         f"{b['repeat_busy_s']:.2f}", f"{r['repeat_busy_s']:.2f}×", "—", "—"],
        ["filter change (s, median / max)", f"{d['filter_s']:.2f} / {d['filter_max_s']:.2f}",
         f"{b['filter_s']:.2f} / {b['filter_max_s']:.2f}", f"{r['filter_s']:.2f}×", "≤ 1 s",
         verdict(d["filter_s"] <= TARGETS["filter_s"])],
        [f"server RSS after {d['sessions']} sessions (MB)", f"{d['rss_mb']:.0f}", f"{b['rss_mb']:.0f}",
         f"{r['rss_mb']:.2f}×", f"≤ {rss_target:.0f} MB", verdict(d["rss_mb"] <= rss_target)],
    ]
    print(f"\n### Browser: dashboard against a bare one-chart page ({summary['scale']} store)\n")
    print(md_table(["measure", "cspdash", "bare page", "ratio", "target", "met"], rows))
    for key, words in (("first_s", "first visit"), ("repeat_s", "repeat visit")):
        rr = summary["round_ratios"][key]
        print(f"\nRound by round, {words}: the median of {rr['rounds']} ratios (each dashboard visit over the bare "
              f"visit next to it) is {rr['median']:.2f}×; the middle half {rr['q1']:.2f}–{rr['q3']:.2f}×, all "
              f"{rr['min']:.2f}–{rr['max']:.2f}×.")


def main(argv: list[str] | None = None) -> int:
    """Run the browser benchmark on the chosen store and write browser-<scale>.json."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="partnership", help=f"store to serve, from: {', '.join(SCALES)}")
    parser.add_argument("--quick", action="store_true", help="one visit each, one filter change, two sessions")
    parser.add_argument("--visits", type=int, default=15,
                        help="visits of each kind (single visits vary by ±0.6 s; medians of 9 by about ±0.1x)")
    parser.add_argument("--sessions", type=int, default=9)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("Debian chromium is not installed (apt-get install -y chromium)", file=sys.stderr)
        return 2
    scale = "tiny" if args.quick else args.scale
    built = ensure_store(SCALES[scale])
    visits, sessions = (1, 2) if args.quick else (args.visits, args.sessions)
    switches = GWENT_SWITCHES[:1] if args.quick else GWENT_SWITCHES
    figures = run(built.path, visits, switches, sessions, None if args.quick else args.out)
    summary = summarise(figures, scale)
    report(summary)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"browser-{scale}.json").write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
