"""Public output in the browser: what a visitor going through a force's partnerships waits for, and what the server
then holds.

Serves each given copy of the project (``name=path``; default: this one) with ``CSPDASH_PUBLIC_OUTPUT=1`` on the
demo store and, in one browser tab, opens every Gwent partnership's Hot spots, Crime trends (LSOA level) and
Compare in turn, then Newport's Hot spots three more times; prints the seconds until each page is ready and the
server's resident memory at the end. The first visit to a partnership works its protection out
(metrics.area_disclosure); Compare works out every partnership its force line pools.

    python bench/public_tour.py
    python bench/public_tour.py old=/tmp/ab/old new=.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ab_browser import serve  # noqa: E402
from bench_queries import SCALES, ensure_store  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, wait_for_app  # noqa: E402

PARTNERSHIPS = ["W06000022", "W06000018", "W06000019", "W06000020", "W06000021"]
VIEWS = {"hotspots": "", "trends": "&level=lsoa", "compare": ""}


def rss_mb(pid: int) -> int:
    """The process's resident memory in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
    return 0


def tour(name: str, root: Path, store: Path) -> None:
    """One copy's tour, printed as it ends."""
    env = {**os.environ, "CSPDASH_DB": str(store), "CSPDASH_USERS": "", "CSPDASH_PUBLIC_OUTPUT": "1",
           "PYTHONPATH": str(root)}
    env.pop("CSPDASH_TEST", None)
    proc, url = serve(root / "dashboard.py", root, env)
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()

            def open_view(path: str) -> float:
                start = time.perf_counter()
                page.goto(url + path, wait_until="commit")
                wait_for_app(page, 900_000)
                return time.perf_counter() - start

            for view, extra in VIEWS.items():
                took = [open_view(f"{view}?csp={code}{extra}") for code in PARTNERSHIPS]
                print(f"{name}: {view:9} " + " ".join(f"{t:5.1f}" for t in took) + f"  total {sum(took):5.0f} s",
                      flush=True)
            again = [open_view("hotspots?csp=W06000022") for _ in range(3)]
            browser.close()
        print(f"{name}: Newport's Hot spots again " + " ".join(f"{t:.2f}" for t in again)
              + f" s; server RSS {rss_mb(proc.pid)} MB", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    """Tour each copy in turn."""
    copies = dict(a.split("=", 1) for a in (argv if argv is not None else sys.argv[1:])) or {"this": str(ROOT)}
    store = ensure_store(SCALES["partnership"]).path
    print(f"public tour of {', '.join(PARTNERSHIPS)} (seconds until each page is ready), load {os.getloadavg()}")
    for name, path in copies.items():
        tour(name, Path(path).resolve(), store)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
