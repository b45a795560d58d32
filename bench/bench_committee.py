"""A committee at once: 30 browser sessions open the Overview together, then each changes partnership.

One `streamlit run dashboard.py` server on the demo store. First one session alone opens the Overview (time to
its first chart) and changes partnership, as the baseline of the same run; then N sessions (30) open it at
the same moment, and once all have their first chart, each switches to another partnership at the same moment.
Printed: errors (pages showing an exception or an error box), the time to first chart of each session, its
median and 95th percentile against the lone session's time (ratio), and the same for the partnership change.

    python bench/bench_committee.py                 # 30 sessions
    python bench/bench_committee.py --sessions 5    # a quick look
    python bench/bench_committee.py --quick         # CI: two sessions
    python bench/bench_committee.py --port 8620     # serve on a given port (default: any free one)

The load average before and after the run is printed with the figures: on a busy machine the ratio says more
about the other work than about the dashboard.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_browser  # noqa: E402
from bench_browser import TRACE, App, tree_rss_mb  # noqa: E402
from bench_queries import SCALES, ensure_store  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

SWITCH_TO = ["Caerphilly", "Torfaen", "Blaenau Gwent", "Monmouthshire"]
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"


async def _first_chart(page: Any, url: str) -> float:
    started = time.perf_counter()
    await page.goto(url, wait_until="commit", timeout=_timeout_ms())
    await page.wait_for_selector(TRACE, state="visible", timeout=_timeout_ms())
    return time.perf_counter() - started


async def _switch(page: Any, name: str) -> float:
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has_text="Partnership")
    await box.first.click()
    option = page.get_by_role("option", name=name, exact=True)
    await option.wait_for(state="visible", timeout=_timeout_ms())
    started = time.perf_counter()
    await option.click()
    await page.wait_for_function(
        """(text) => !document.querySelector('[data-testid="stStatusWidget"]')
             && [...document.querySelectorAll('.js-plotly-plot .gtitle')].some(t => t.textContent.includes(text))""",
        arg=name, timeout=_timeout_ms(), polling=50)
    return time.perf_counter() - started


def _timeout_ms() -> float:
    """How long one session may wait (--timeout; a busy shared machine needs more than the usual 3 minutes)."""
    return float(TIMEOUT[0] if TIMEOUT else bench_browser.TIMEOUT_MS)


TIMEOUT: list[float] = []


async def _count_errors(page: Any) -> int:
    return int(await page.locator(ERRORS).count())


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


async def run(url: str, sessions: int) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        warm = await browser.new_context()
        await _first_chart(await warm.new_page(), url)  # the server's very first visit is not the baseline
        await warm.close()
        alone_context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        alone = await alone_context.new_page()
        alone_first = await _first_chart(alone, url)
        alone_switch = await _switch(alone, SWITCH_TO[0])
        await alone_context.close()
        contexts = [await browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(sessions)]
        pages = [await c.new_page() for c in contexts]
        firsts = await asyncio.gather(*(_first_chart(p, url) for p in pages), return_exceptions=True)
        switches = await asyncio.gather(*(_switch(p, SWITCH_TO[i % len(SWITCH_TO)]) for i, p in enumerate(pages)),
                                        return_exceptions=True)
        errors = sum([await _count_errors(p) for p in pages])
        for context in contexts:
            await context.close()
        await browser.close()
    failed = [str(x) for x in [*firsts, *switches] if isinstance(x, BaseException)]
    return {"alone_first": alone_first, "alone_switch": alone_switch, "errors": errors, "failed": failed,
            "firsts": [x for x in firsts if isinstance(x, float)],
            "switches": [x for x in switches if isinstance(x, float)]}


def _load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="CI: two sessions on the tiny store")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one session may wait for a chart")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: any free one)")
    args = parser.parse_args(argv)
    TIMEOUT[:] = [args.timeout * 1000]
    if args.quick:
        args.sessions = 2
    built = ensure_store(SCALES["tiny" if args.quick else "partnership"])
    if args.port:
        bench_browser.free_port = lambda: args.port  # App asks bench_browser for its port
    load_before = _load()
    app = App("dashboard", ROOT / "dashboard.py", {**os.environ, "CSPDASH_DB": str(built.path), "CSPDASH_USERS": ""})
    try:
        result = asyncio.run(run(app.url, args.sessions))
        rss = tree_rss_mb(app.proc.pid)
    except Exception as exc:  # noqa: BLE001 - the warm-up or the lone session failed: no baseline, say so plainly
        print(f"the run failed before the sessions together: {str(exc).splitlines()[0][:300]}")
        return 1
    finally:
        app.stop()
    firsts, switches = result["firsts"], result["switches"]
    print(f"{args.sessions} sessions at once on the {'tiny' if args.quick else 'demo'} store ({os.cpu_count()} CPUs; "
          f"load average before {load_before}, after {_load()})")
    print(f"errors shown: {result['errors']}; sessions that failed: {len(result['failed'])}")
    for message in result["failed"][:5]:
        print(f"  {message[:200]}")
    if firsts:
        print(f"time to first chart: one session alone {result['alone_first']:.2f} s; together median "
              f"{statistics.median(firsts):.2f} s, p95 {_p95(firsts):.2f} s, max {max(firsts):.2f} s → "
              f"p95 ratio {_p95(firsts) / result['alone_first']:.1f}×")
    if switches:
        print(f"partnership change: alone {result['alone_switch']:.2f} s; together median "
              f"{statistics.median(switches):.2f} s, p95 {_p95(switches):.2f} s → "
              f"p95 ratio {_p95(switches) / result['alone_switch']:.1f}×")
    print(f"server RSS after the run: {rss:.0f} MB")
    return 0 if not result["failed"] and not result["errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
