"""Soak benchmark: many browser sessions over every page, filter, download and upload; server memory as it goes.

One `streamlit run dashboard.py` server on the demo store (demo sign-in) is driven by Debian chromium through
Playwright. Each session is a fresh browser context that opens every page, changes filters through the URL
(partnership, period, crime type, area level, map measure), uploads a harm-weights CSV on Hot spots (every
session: the shipped weights; every third: a 10 MB file with a million columns, which must be refused), uploads
a file the Data page refuses (no write), downloads a CSV, and every tenth session builds the PDF pack and the
slides. The server's resident memory (process tree) is printed every 10 sessions; the target is flat and
≤ 400 MB on the demo.

    python bench/bench_soak.py                 # 100 sessions
    python bench/bench_soak.py --sessions 12   # a shorter soak
    python bench/bench_soak.py --quick         # CI: one session
    python bench/bench_soak.py --port 8620     # serve on a given port (default: any free one)

Each reading also splits the server's RSS into memory mapped from files (the code of the libraries it has
imported: pyarrow, DuckDB, scipy, pandas, numpy …, shared with any other process using them and never
freed) and its own anonymous memory (Python objects, malloc heaps, DuckDB's buffers), and gives the load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_browser  # noqa: E402
from bench_browser import TIMEOUT_MS, App, settle, tree_rss_mb  # noqa: E402
from bench_queries import SCALES, ensure_store  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

TARGET_MB = 400.0
PARTNERSHIPS = ["W06000022", "W06000018", "W06000020", "W06000019", "W06000021"]
VIEWS = [
    "overview?csp={csp}",
    "overview?csp={csp}&end=2025-03&len=12",
    "trends?csp={csp}&type=Burglary&level=ward",
    "trends?csp={csp}&type=Anti-social+behaviour&grain=quarter",
    "hotspots?csp={csp}&measure=count&level=lsoa&type=Possession+of+weapons",
    "hotspots?csp={csp}&measure=harm&level=ward",
    "hotspots?csp={csp}&measure=rate&level=lsoa&persist=years",
    "priorities?csp={csp}",
    "partners?csp={csp}",
    "meeting?csp={csp}",
    "data?csp={csp}",
]


def _files(folder: Path) -> dict[str, Path]:
    """The upload payloads: the shipped weights, a 10 MB million-column CSV, a file the loader refuses."""
    shipped = folder / "weights.csv"
    shipped.write_bytes((ROOT / "data" / "harm_weights.csv").read_bytes())
    wide = folder / "wide.csv"
    header = "crime_type,harm_weight_days," + ",".join(f"c{i}" for i in range(10**6))
    wide.write_text(header + "\n")
    refused = folder / "2024-01-gwent-street.csv"
    refused.write_text("Crime ID,Month\n")
    return {"weights": shipped, "wide": wide, "refused": refused}


FAILED: list[str] = []


def _step(name: str, action: Any) -> None:
    """One action of a session; a failure is counted and printed at the end, and the soak goes on."""
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
        FAILED.append(f"{name}: {str(exc).splitlines()[0][:160]}")


def _open(page: Any, url: str) -> None:
    page.goto(url, timeout=TIMEOUT_MS)
    page.wait_for_selector("[data-testid='stHeading'], [data-testid='stException']", timeout=TIMEOUT_MS)
    settle(page)


def _upload_weights(page: Any, path: Path) -> None:
    page.locator("[data-testid='stExpander']").filter(has_text="Harm weights").first.locator("summary").click()
    upload = page.locator("[data-testid='stFileUploaderDropzoneInput']").first
    upload.set_input_files(str(path))
    # the app's message (used / not used), or the uploader's own refusal of a file over its 1 MB cap
    page.wait_for_function(
        """() => ['Using your weights', 'were not used', 'or smaller', 'too large', 'exceeds']
                 .some(t => document.body.innerText.includes(t))""", timeout=TIMEOUT_MS, polling=100)
    settle(page)


def _upload_refused(page: Any, path: Path) -> None:
    upload = page.locator("[data-testid='stFileUploaderDropzoneInput']").first
    if upload.count():
        upload.set_input_files(str(path))
        settle(page)
        button = page.get_by_role("button", name="Load these files")
        if button.count():
            button.click()
            settle(page)


def _download(page: Any) -> None:
    button = page.get_by_role("button", name="Download").first
    if button.count():
        with page.expect_download(timeout=TIMEOUT_MS):
            button.click()


def _build(page: Any) -> None:
    """Build the pack, then the slides, each to the end (its download offered, or the reason it failed)."""
    for label, ext in (("PDF", "PDF"), ("PowerPoint", "PPTX")):
        build = page.get_by_role("button", name=label).first
        if build.count():
            build.click()
            page.wait_for_function(
                """(ext) => [...document.querySelectorAll('button')].some(b => b.innerText.includes('Download ' + ext))
                           || document.body.innerText.includes('Could not build')""",
                arg=ext, timeout=TIMEOUT_MS, polling=200)
            settle(page)


def session(browser: Any, base: str, number: int, files: dict[str, Path]) -> int:
    """One visitor over every page; returns the number of page views."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    csp = PARTNERSHIPS[number % len(PARTNERSHIPS)]
    views = 0
    try:
        for view in VIEWS:
            url = base + view.format(csp=csp)
            _step(view, lambda: _open(page, url))  # noqa: B023 - called at once
            views += 1
            if view.startswith("hotspots") and "weapons" in view.lower():
                _step("harm upload", lambda: _upload_weights(page, files["wide" if number % 3 == 0 else "weights"]))
            if view.startswith("data"):
                _step("refused upload", lambda: _upload_refused(page, files["refused"]))
            if view.startswith("trends"):
                _step("download", lambda: _download(page))
            if view.startswith("meeting") and number % 10 == 9:
                _step("pack and slides", lambda: _build(page))
    finally:
        context.close()
    return views


def rss_split_mb(pid: int) -> tuple[float, float]:
    """(file-backed, anonymous) resident memory of one process, MB, from /proc/<pid>/status ((0, 0) where there
    is no such file)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0, 0.0
    fields = {line.split(":")[0]: int(line.split()[1]) for line in text.splitlines() if line.endswith(" kB")}
    return fields.get("RssFile", 0) / 1e3, fields.get("RssAnon", 0) / 1e3


def reading(pid: int) -> str:
    """The server process's memory split, its child processes' memory (an export being built), and the load
    average, for a line of the report."""
    files, anon = rss_split_mb(pid)
    children = tree_rss_mb(pid) - files - anon
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"(server process: library code {files:.0f} MB + own memory {anon:.0f} MB = {files + anon:.0f} MB; "
            f"child processes {max(children, 0):.0f} MB; load {load})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="CI: one session over every page on the tiny store")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: any free one)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions = 1
    from playwright.sync_api import sync_playwright

    built = ensure_store(SCALES["tiny" if args.quick else "partnership"])
    env = {**os.environ, "CSPDASH_DB": str(built.path), "CSPDASH_USERS": ""}
    if args.port:
        bench_browser.free_port = lambda: args.port  # App asks bench_browser for its port
    app = App("dashboard", ROOT / "dashboard.py", env)
    readings: list[tuple[int, float]] = [(0, tree_rss_mb(app.proc.pid))]
    print(f"server RSS at start: {readings[0][1]:.0f} MB {reading(app.proc.pid)}", flush=True)
    started = time.perf_counter()
    views = 0
    try:
        with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
            files = _files(Path(tmp))
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for number in range(args.sessions):
                views += session(browser, app.url, number, files)
                if (number + 1) % 10 == 0 or number + 1 == args.sessions:
                    rss = tree_rss_mb(app.proc.pid)
                    readings.append((number + 1, rss))
                    print(f"after {number + 1:3d} sessions ({views:,} page views, "
                          f"{time.perf_counter() - started:,.0f} s): server RSS {rss:.0f} MB {reading(app.proc.pid)}",
                          flush=True)
            browser.close()
    finally:
        app.stop()
    first_ten = next((r for n, r in readings if n >= 10), readings[-1][1])
    last = readings[-1][1]
    peak = max(r for _n, r in readings)
    growth = last - first_ten
    print(f"\nsteps that failed: {len(FAILED)}")
    for message in FAILED[:10]:
        print(f"  {message}")
    print(f"peak {peak:.0f} MB (target ≤ {TARGET_MB:.0f} MB: {'met' if peak <= TARGET_MB else 'NOT met'})")
    if len([n for n, _r in readings if n >= 10]) < 2:
        print("flatness not judged: it needs readings after 10 sessions and later (run 20 or more)")
    else:
        print(f"growth after the first 10 sessions {growth:+.0f} MB ({growth / max(first_ten, 1) * 100:+.1f}%, "
              f"flat = within ±10%: {'met' if abs(growth) <= 0.1 * first_ten else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
