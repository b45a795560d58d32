"""Real-browser fixtures: the dashboard served by `streamlit run` on loopback, Debian chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = ROOT / "tests" / "e2e" / "screenshots"
#: how long a navigation or a wait on the page's state may take. Generous, because the tests wait on state
#: (the script has finished, the content is there), never on a fixed time: on an idle machine they go on as soon
#: as the page is ready, and on a busy one (other test runs sharing two cores) they still pass.
NAVIGATION_MS = 180_000
STATE_MS = 180_000
#: the page's state once Streamlit has connected and finished running the script with nothing left to draw:
#: no running indicator, no skeleton placeholders, and every plotly chart drawn (its SVG layers exist)
APP_READY = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (!document.querySelector("[data-testid='stMain']")) return false;
  if (document.querySelector("[data-testid='stStatusWidget'], [data-testid='stSkeleton']")) return false;
  return [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
    .every(chart => chart.querySelector('.js-plotly-plot .main-svg'));
}"""

pytestmark = pytest.mark.e2e


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_log(port: int) -> Path:
    """Where start_streamlit writes the server's output for ``port`` (one file per port and test process)."""
    return Path(tempfile.gettempdir()) / f"cspdash-streamlit-{os.getpid()}-{port}.log"


def log_tail(log: Path, size: int = 3000) -> str:
    """The last ``size`` characters of a server's log."""
    try:
        return log.read_bytes()[-size:].decode(errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"


def start_streamlit(script: Path, env: dict[str, str], port: int,
                    log: Path | None = None, extra_args: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
    """Start `streamlit run script` on 127.0.0.1:port and wait until it answers.

    The server's output goes to a file (``log``, else server_log(port)), never to a pipe: a pipe nobody reads
    holds about 64 KB, and a server that logs more would block on its next write. If the server exits or does
    not answer in time, the error carries the log's tail."""
    log = log or server_log(port)
    with open(log, "wb") as out:  # the child keeps its own copy of the file
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", *extra_args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + NAVIGATION_MS / 1000
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited ({proc.returncode}); the end of its log {log}:\n{log_tail(log)}")
    proc.kill()
    raise RuntimeError(f"streamlit did not start within {NAVIGATION_MS // 1000} s; the end of its log {log}:\n"
                       f"{log_tail(log)}")


@pytest.fixture(scope="session")
def app_url(demo_store_path: Path) -> Iterator[str]:
    """The dashboard on the demo store, served for the whole session."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed (apt-get install -y chromium); .ci/run installs it")
    port = free_port()
    env = {**os.environ, "CSPDASH_DB": str(demo_store_path)}
    proc = start_streamlit(ROOT / "dashboard.py", env, port)
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started by start_streamlit: asked first, killed if it has not gone in 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian chromium driven by Playwright (no downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def new_context(browser, **options):  # type: ignore[no-untyped-def]
    """A browser context 1400×1000 whose navigations and waits have the generous limits above."""
    context = browser.new_context(**{"viewport": {"width": 1400, "height": 1000}, **options})
    context.set_default_navigation_timeout(NAVIGATION_MS)
    context.set_default_timeout(STATE_MS)
    return context


@pytest.fixture()
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh page 1400×1000."""
    context = new_context(browser)
    tab = context.new_page()
    yield tab
    context.close()


def wait_for_app(page, timeout_ms: int = STATE_MS) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has connected and finished running the script, with every chart drawn."""
    page.wait_for_function(APP_READY, timeout=timeout_ms)


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """After a change of window size: the app ready and two animation frames drawn (charts follow the size)."""
    wait_for_app(page)
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    wait_for_app(page)


def open_app(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """Go to a page of the app and wait on its state: the navigation only waits for the server's first answer
    (a busy machine can take long to fire the load event), then for the app to be ready."""
    page.goto(url, wait_until="commit")
    wait_for_app(page)


def reload_app(page) -> None:  # type: ignore[no-untyped-def]
    """Reload the page and wait for the app to be ready again."""
    page.reload(wait_until="commit")
    wait_for_app(page)


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot under tests/e2e/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
