"""Browser benchmark: the dashboard's Overview against the floor of the stack, started the same way in the same run.

Three apps are served by `streamlit run` on loopback (tests/e2e/conftest.start_streamlit) and driven by Debian
chromium through Playwright:

* **strict floor** (`strict_app.py`): a title and one `go.Figure` line chart; no sidebar, no pandas;
* **old floor** (`bare_app.py`): the earlier, more lenient reference (a sidebar select box, pandas, plotly.express);
* **cspdash** (`dashboard.py`): the Overview.

Clocks run in the page (`performance.now()`, from the navigation's start), recorded by a script added to every
browser context before any page script: *first chart* = the animation frame in which the first plotly trace
(`.js-plotly-plot .scatterlayer .trace path`) is in the page; *first tile* = the same for the first headline tile's
figure (`ul.cspdash-tiles .tile-value`); *script start* and *run finished* = the arrival of the server's
`new_session` and (successful) `script_finished` messages on the app's websocket. Main-thread long tasks
(> 50 ms) before the first chart are summed.

Measured for each app, interleaved round by round (strict floor, cspdash, old floor):

* first visit — a fresh browser context (empty cache); the very first visit after the server starts is reported
  apart ("server just started");
* repeat visit — the same context opening the app again (browser cache warm, new Streamlit session) once the first
  visit's page has finished (its run done, its network idle), as a visitor coming back would;
* filter change (cspdash and the old floor, which have a sidebar) — choose another partnership until the status
  widget is idle and a chart titled with the new partnership is drawn (partnerships not shown before);
* server memory — RSS of the server's process tree with nine sessions open.

Targets (issue 23), each against the strict floor, taken as the median of the round-by-round ratios: first chart
on a first visit ≤ 1.2×, on a repeat visit ≤ 1.2×; cspdash's first tile no later than the strict floor's first
chart; filter change ≤ 0.5 s; server RSS after nine sessions ≤ 300 MB (demo).

    python bench/bench_browser.py                        # the Gwent demo store
    python bench/bench_browser.py --scale national       # the national 3-year store (built by bench_queries)
    python bench/bench_browser.py --quick
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_queries import RESULTS_DIR, SCALES, ensure_store, md_table  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, start_streamlit  # noqa: E402

TRACE = ".js-plotly-plot .scatterlayer .trace path"
TILE = "ul.cspdash-tiles .tile-value"
TIMEOUT_MS = 180_000
TARGETS = {"first": 1.2, "repeat": 1.2, "tile": 1.0, "filter_s": 0.5, "rss_demo_mb": 300.0,
           "rss_national_mb": 1024.0}
#: partnerships to switch to, in order (the dashboard opens on Newport)
GWENT_SWITCHES = ["Caerphilly", "Torfaen", "Blaenau Gwent", "Monmouthshire", "Newport"]
#: the apps, in the order each round visits them: the Overview between the two floors
APPS = ("strict", "dashboard", "bare")
LABELS = {"strict": "strict floor", "dashboard": "cspdash Overview", "bare": "old floor"}

#: added to every context before any page script: first-paint marks, websocket message arrivals, long tasks
MARKS_JS = """
(() => {
  const csp = {marks: {}, messages: [], longtasks: []};
  window.__csp = csp;
  const selectors = {chart: __TRACE__, tile: __TILE__};
  const check = () => {
    for (const [name, selector] of Object.entries(selectors)) {
      if (csp.marks[name + '_dom'] === undefined && document.querySelector(selector)) {
        csp.marks[name + '_dom'] = performance.now();
        requestAnimationFrame(() => { csp.marks[name] = performance.now(); });
      }
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true});
  const Native = window.WebSocket;
  const Wrapped = function (...args) {
    const socket = new Native(...args);
    socket.addEventListener('message', (event) => { csp.messages.push([performance.now(), event.data]); });
    return socket;
  };
  Wrapped.prototype = Native.prototype;
  for (const key of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Wrapped[key] = Native[key];
  window.WebSocket = Wrapped;
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) csp.longtasks.push([entry.startTime, entry.duration]);
    }).observe({type: 'longtask', buffered: true});
  } catch (e) { /* no long-task timing in this browser */ }
})();
""".replace("__TRACE__", json.dumps(TRACE)).replace("__TILE__", json.dumps(TILE))

#: the page's websocket messages as (ms, base64) pairs, to be decoded with Streamlit's ForwardMsg
MESSAGES_JS = """() => window.__csp.messages.map(([t, data]) => {
  const bytes = new Uint8Array(data instanceof ArrayBuffer ? data : new ArrayBuffer(0));
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return [t, btoa(text)];
})"""


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
    """Open the app; seconds from the navigation's start until its first plotly trace is drawn."""
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    page.wait_for_function("() => window.__csp && window.__csp.marks.chart !== undefined", timeout=TIMEOUT_MS,
                           polling=20)
    return float(page.evaluate("() => window.__csp.marks.chart")) / 1000


def message_kinds(raw: Sequence[Sequence[Any]]) -> list[tuple[float, str, int | None]]:
    """Decode the page's websocket messages: (seconds, message type, script_finished status or None)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    kinds = []
    for t, data in raw:
        msg = ForwardMsg()
        msg.ParseFromString(base64.b64decode(data))
        kind = msg.WhichOneof("type") or ""
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            kind = f"delta:{msg.delta.new_element.WhichOneof('type')}"
        kinds.append((float(t) / 1000, kind, int(msg.script_finished) if kind == "script_finished" else None))
    return kinds


def timeline(messages: Sequence[tuple[float, str, int | None]], marks: dict[str, float],
             longtasks: Sequence[Sequence[float]] = ()) -> dict[str, float | None]:
    """A visit's first-screen timeline, seconds from the navigation's start.

    ``messages`` are (seconds, type, status) as `message_kinds` returns them, ``marks`` the page's marks in ms.
    The script starts with the first ``new_session``; the run is finished at the first successful
    ``script_finished`` after it (a run stopped early for a rerun, status 2, does not count; a fragment's run,
    status 3, neither); the first delta is the first element after the script start, and the chart arrives with
    the first ``plotly_chart`` element. Long tasks (start, duration in ms) are summed over those that start before
    the first chart.
    """
    start = next((t for t, kind, _s in messages if kind == "new_session"), None)
    after = [(t, kind, status) for t, kind, status in messages if start is not None and t >= start]
    first_delta = next((t for t, kind, _s in after if kind.startswith("delta") or kind == "ref_hash"), None)
    chart_sent = next((t for t, kind, _s in after if kind == "delta:plotly_chart"), None)
    finished = next((t for t, kind, status in after if kind == "script_finished" and status == 0), None)
    chart = marks.get("chart")
    busy = sum(d for s, d in longtasks if chart is not None and s < chart) if longtasks else 0.0
    return {"script_start": start, "first_delta": first_delta, "chart_arrived": chart_sent,
            "first_tile": marks["tile"] / 1000 if "tile" in marks else None,
            "first_chart": chart / 1000 if chart is not None else None, "run_finished": finished,
            "server_run": finished - start if start is not None and finished is not None else None,
            "busy_before_chart": busy / 1000}


def page_timeline(page: Any) -> dict[str, float | None]:
    """Read a settled page's marks and messages into its timeline."""
    marks = page.evaluate("() => window.__csp.marks")
    longtasks = page.evaluate("() => window.__csp.longtasks")
    return timeline(message_kinds(page.evaluate(MESSAGES_JS)), marks, longtasks)


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
        self.figures: dict[str, Any] = {"first_s": [], "repeat_s": [], "filter_s": [], "first_timeline": [],
                                        "repeat_timeline": []}

    def stop(self) -> None:
        """Stop the server."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


SCRIPTS = {"strict": ROOT / "bench" / "strict_app.py", "dashboard": ROOT / "dashboard.py",
           "bare": ROOT / "bench" / "bare_app.py"}


def run(store_path: Path, visits: int, switches: list[str], sessions: int, shots: Path | None,
        app_root: Path = ROOT) -> dict[str, Any]:
    """Measure the three apps, interleaved, and return their figures (the dashboard served from ``app_root``)."""
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "CSPDASH_DB": str(store_path), "CSPDASH_USERS": "",
           "PYTHONPATH": str(app_root)}
    env.pop("CSPDASH_TEST", None)
    scripts = {**SCRIPTS, "dashboard": app_root / "dashboard.py"}
    apps = [App(name, scripts[name], env) for name in APPS]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            viewport = {"width": 1400, "height": 1000}

            def new_context() -> Any:
                context = browser.new_context(viewport=viewport)
                context.add_init_script(MARKS_JS)
                return context

            for app in apps:  # the first session on a just-started server
                context = new_context()
                page = context.new_page()
                app.figures["server_cold_first_s"] = visit(page, app.url)
                settle(page)
                app.figures["server_cold_timeline"] = page_timeline(page)
                context.close()
            for _ in range(visits):
                for app in apps:
                    context = new_context()
                    first = context.new_page()
                    app.figures["first_s"].append(visit(first, app.url))
                    settle(first)
                    app.figures["first_timeline"].append(page_timeline(first))
                    repeat = context.new_page()
                    app.figures["repeat_s"].append(visit(repeat, app.url))
                    settle(repeat)
                    app.figures["repeat_timeline"].append(page_timeline(repeat))
                    context.close()
            for app in apps:
                if app.name == "strict":  # no sidebar: nothing to filter
                    continue
                context = new_context()
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
                    context = new_context()
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


def per_round(numerator: Sequence[float], denominator: Sequence[float]) -> list[float]:
    """Each round's ratio, in round order (the two lists hold one visit per round each)."""
    return [n / d for n, d in zip(numerator, denominator, strict=True)]


def round_ratios(dashboard: list[float], bare: list[float]) -> dict[str, float]:
    """Each round's dashboard visit over the floor's visit in the same round: median, middle half and range.

    The visits of a round share the machine's state at that moment, so these ratios are steadier than either
    app's own times, which drift with whatever else the machine is doing."""
    ratios = sorted(per_round(dashboard, bare))
    quartiles = statistics.quantiles(ratios, n=4, method="inclusive") if len(ratios) > 1 else ratios * 3
    return {"median": statistics.median(ratios), "q1": quartiles[0], "q3": quartiles[2], "min": ratios[0],
            "max": ratios[-1], "rounds": len(ratios)}


def median_timeline(timelines: Sequence[dict[str, float | None]]) -> dict[str, float | None]:
    """The median of each timeline mark over visits (marks a visit lacks are left out; None when none has it)."""
    keys = [k for k in timelines[0]] if timelines else []
    out: dict[str, float | None] = {}
    for key in keys:
        values = [t[key] for t in timelines if t.get(key) is not None]
        out[key] = statistics.median(values) if values else None  # type: ignore[type-var]
    return out


def verdict(value: float, target: float) -> str:
    """'(ok)' when a figure is at or under its target, else '(ABOVE TARGET)'."""
    return "(ok)" if value <= target else "(ABOVE TARGET)"


def summarise(figures: dict[str, Any], scale: str) -> dict[str, Any]:
    """Medians, ratios against both floors, round by round, and the targets' verdicts."""
    summary: dict[str, Any] = {"scale": scale}
    for name, f in figures.items():
        summary[name] = {
            "server_cold_first_s": f["server_cold_first_s"],
            "first_s": statistics.median(f["first_s"]), "repeat_s": statistics.median(f["repeat_s"]),
            "filter_s": statistics.median(f["filter_s"]) if f["filter_s"] else None,
            "filter_max_s": max(f["filter_s"]) if f["filter_s"] else None,
            "rss_mb": f["rss_mb"], "sessions": f["sessions"],
            "first_timeline": median_timeline(f["first_timeline"]),
            "repeat_timeline": median_timeline(f["repeat_timeline"]),
            "server_cold_timeline": f["server_cold_timeline"], "raw": f,
        }
    d = summary["dashboard"]
    summary["ratios"] = {}
    summary["round_ratios"] = {}
    summary["rounds"] = {}
    for floor in ("strict", "bare"):
        b = summary[floor]
        summary["ratios"][floor] = {k: d[k] / b[k] for k in ("server_cold_first_s", "first_s", "repeat_s", "rss_mb")}
        summary["round_ratios"][floor] = {k: round_ratios(d["raw"][k], b["raw"][k]) for k in ("first_s", "repeat_s")}
        summary["rounds"][floor] = {k: per_round(d["raw"][k], b["raw"][k]) for k in ("first_s", "repeat_s")}
    tiles = [t["first_tile"] for t in d["raw"]["first_timeline"]]
    tile_rounds = per_round(tiles, summary["strict"]["raw"]["first_s"]) if None not in tiles else []
    summary["tile_rounds"] = tile_rounds
    rss_target = TARGETS["rss_national_mb"] if scale.startswith("national") else TARGETS["rss_demo_mb"]
    strict = summary["round_ratios"]["strict"]
    checks = [
        ("first chart, first visit (× strict floor, median of rounds)", strict["first_s"]["median"],
         TARGETS["first"], "{:.2f}×", "≤ 1.2×"),
        ("first chart, repeat visit (× strict floor, median of rounds)", strict["repeat_s"]["median"],
         TARGETS["repeat"], "{:.2f}×", "≤ 1.2×"),
        ("first tile, first visit (× strict floor's first chart, median of rounds)",
         statistics.median(tile_rounds) if tile_rounds else float("inf"), TARGETS["tile"], "{:.2f}×", "≤ 1.0×"),
        ("filter change (s, median)", d["filter_s"], TARGETS["filter_s"], "{:.2f} s", "≤ 0.5 s"),
        (f"server RSS after {d['sessions']} sessions (MB)", d["rss_mb"], rss_target, "{:.0f} MB",
         f"≤ {rss_target:.0f} MB"),
    ]
    summary["targets"] = [{"measure": m, "value": v, "target": t, "shown": fmt.format(v), "target_text": tt,
                           "verdict": verdict(v, t)} for m, v, t, fmt, tt in checks]
    return summary


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def report(summary: dict[str, Any]) -> None:
    """Print the browser figures: the targets, the table against both floors, round by round, the timelines."""
    d, s, b = summary["dashboard"], summary["strict"], summary["bare"]
    rs, rb = summary["ratios"]["strict"], summary["ratios"]["bare"]
    print(f"\n### Browser: the Overview against the strict and the old floor ({summary['scale']} store)\n")
    for check in summary["targets"]:
        print(f"- {check['measure']}: {check['shown']} — target {check['target_text']} {check['verdict']}")
    rows = [
        ["first chart, server just started (s)", _s(d["server_cold_first_s"]), _s(s["server_cold_first_s"]),
         f"{rs['server_cold_first_s']:.2f}×", _s(b["server_cold_first_s"]), f"{rb['server_cold_first_s']:.2f}×"],
        ["first chart, first visit (s, median)", _s(d["first_s"]), _s(s["first_s"]), f"{rs['first_s']:.2f}×",
         _s(b["first_s"]), f"{rb['first_s']:.2f}×"],
        ["first chart, repeat visit (s, median)", _s(d["repeat_s"]), _s(s["repeat_s"]), f"{rs['repeat_s']:.2f}×",
         _s(b["repeat_s"]), f"{rb['repeat_s']:.2f}×"],
        ["first tile, first visit (s, median)", _s(d["first_timeline"]["first_tile"]), "—", "—", "—", "—"],
        ["first tile, repeat visit (s, median)", _s(d["repeat_timeline"]["first_tile"]), "—", "—", "—", "—"],
        ["server run, first visit (s, median)", _s(d["first_timeline"]["server_run"]),
         _s(s["first_timeline"]["server_run"]), "—", _s(b["first_timeline"]["server_run"]), "—"],
        ["main-thread long tasks before the first chart, first visit (s, median)",
         _s(d["first_timeline"]["busy_before_chart"]), _s(s["first_timeline"]["busy_before_chart"]), "—",
         _s(b["first_timeline"]["busy_before_chart"]), "—"],
        ["filter change (s, median / max)", f"{_s(d['filter_s'])} / {_s(d['filter_max_s'])}", "—", "—",
         f"{_s(b['filter_s'])} / {_s(b['filter_max_s'])}", "—"],
        [f"server RSS after {d['sessions']} sessions (MB)", f"{d['rss_mb']:.0f}", f"{s['rss_mb']:.0f}",
         f"{rs['rss_mb']:.2f}×", f"{b['rss_mb']:.0f}", f"{rb['rss_mb']:.2f}×"],
    ]
    print()
    print(md_table(["measure", "cspdash", "strict floor", "ratio", "old floor", "ratio"], rows))
    for floor in ("strict", "bare"):
        for key, words in (("first_s", "first visit"), ("repeat_s", "repeat visit")):
            rr = summary["round_ratios"][floor][key]
            each = ", ".join(f"{r:.2f}" for r in summary["rounds"][floor][key])
            print(f"\nRound by round, {words}, against the {LABELS[floor]}: {each}; median {rr['median']:.2f}×, "
                  f"middle half {rr['q1']:.2f}–{rr['q3']:.2f}×, all {rr['min']:.2f}–{rr['max']:.2f}×.")
    if summary["tile_rounds"]:
        print("\nRound by round, cspdash's first tile over the strict floor's first chart: "
              + ", ".join(f"{r:.2f}" for r in summary["tile_rounds"]) + ".")
    print("\nFirst-screen timeline (s from the navigation's start, median of first visits / repeat visits):\n")
    marks = ("script_start", "first_delta", "first_tile", "chart_arrived", "first_chart", "run_finished")
    tl_rows = []
    for name in APPS:
        for kind in ("first_timeline", "repeat_timeline"):
            tl = summary[name][kind]
            tl_rows.append([LABELS[name], kind.split("_")[0], *(_s(tl[m]) for m in marks)])
    print(md_table(["app", "visit", "script start", "first element", "first tile painted", "chart element arrives",
                    "first chart drawn", "run finished"],
                   tl_rows))


def main(argv: list[str] | None = None) -> int:
    """Run the browser benchmark on the chosen store and write browser-<scale>.json and its timeline chart."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="partnership", help=f"store to serve, from: {', '.join(SCALES)}")
    parser.add_argument("--quick", action="store_true", help="one visit each, one filter change, two sessions")
    parser.add_argument("--visits", type=int, default=15,
                        help="rounds of visits (single visits vary by ±0.6 s; medians of 9 by about ±0.1x)")
    parser.add_argument("--sessions", type=int, default=9)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--app-root", type=Path, default=ROOT,
                        help="serve dashboard.py from this checkout (e.g. an export of an earlier commit, for A/B)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("Debian chromium is not installed (apt-get install -y chromium)", file=sys.stderr)
        return 2
    scale = "tiny" if args.quick else args.scale
    built = ensure_store(SCALES[scale])
    visits, sessions = (1, 2) if args.quick else (args.visits, args.sessions)
    switches = GWENT_SWITCHES[:1] if args.quick else GWENT_SWITCHES
    figures = run(built.path, visits, switches, sessions, None if args.quick else args.out, args.app_root.resolve())
    summary = summarise(figures, scale)
    report(summary)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"browser-{scale}.json").write_text(json.dumps(summary, indent=2))
    from timeline_chart import draw_timeline

    chart = draw_timeline(summary, args.out / f"browser-timeline-{scale}.png")
    print(f"\n![first-screen timeline]({chart.name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
