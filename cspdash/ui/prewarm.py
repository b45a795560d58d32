"""Warm the result cache for the partnerships a visitor is likely to pick next.

A partnership change runs every one of the page's queries anew (each is keyed on the partnership): most of a filter
change's server run. After the Overview has run for one partnership, its queries and its chart's figure
(``overview_blocks.prefetch``) are made in the background for the other partnerships of the same force, the ones
the sidebar lists beside it: one daemon thread at the lowest CPU priority, started a moment after the run, one
partnership at a time, each (store version, partnership, period) once per process. The results go into the same
caches the pages read (``st.cache_data`` through ``db.query``, the shared figure cache), bounded as before, so a
later change to one of those partnerships finds them there.

Off under the test harness (``CSPDASH_TEST``) and when ``CSPDASH_PREWARM=0`` (e.g. to measure an uncached change).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from cspdash.metrics import context
from cspdash.ui import db
from cspdash.ui.filters import Selection

log = logging.getLogger("cspdash.ui.prewarm")
#: seconds between a run and the first prefetch (the visitor's browser draws the page meanwhile)
DELAY_S = 1.0
#: other partnerships prefetched after a run, at most (the largest force, the Metropolitan Police, has 33)
MAX_PARTNERSHIPS = 40
#: (version, partnership, period) remembered as prefetched, at most
MAX_REMEMBERED = 5_000

Job = tuple[float, Callable[[Selection], None], Selection]
_queue: queue.Queue[Job] = queue.Queue()
_done: OrderedDict[tuple[str, str, str, object], None] = OrderedDict()
_lock = threading.Lock()
_worker: threading.Thread | None = None


def enabled() -> bool:
    """Whether page runs prefetch (not under tests, not when switched off)."""
    return not os.environ.get("CSPDASH_TEST") and os.environ.get("CSPDASH_PREWARM", "1") != "0"


def neighbours(selection: Selection) -> list[Selection]:
    """The same view for the other partnerships of the selection's force, in the sidebar's order."""
    frame = db.query(context.partnerships)
    out = []
    for code, name, force in zip(frame["partnership_code"], frame["partnership_name"], frame["force"], strict=True):
        if force == selection.force and code != selection.partnership_code:
            out.append(dataclasses.replace(selection, partnership_code=str(code), partnership_name=str(name)))
    return out[:MAX_PARTNERSHIPS]


def after_run(selection: Selection, prefetch: Callable[[Selection], None]) -> int:
    """Queue ``prefetch`` for the selection's neighbours not prefetched before; returns how many were queued."""
    if not enabled():
        return 0
    version = db.version()
    due = time.monotonic() + DELAY_S
    queued = 0
    for other in neighbours(selection):
        key = (version, f"{prefetch.__module__}.{prefetch.__qualname__}", other.partnership_code, other.period)
        with _lock:
            if key in _done:
                continue
            _done[key] = None
            while len(_done) > MAX_REMEMBERED:
                _done.popitem(last=False)
        _queue.put((due, prefetch, other))
        queued += 1
    if queued:
        _start_worker()
    return queued


def run_one(prefetch: Callable[[Selection], None], selection: Selection) -> bool:
    """One prefetch; False (logged, never raised) when it failed: the page makes the same calls and says why."""
    try:
        prefetch(selection)
    except Exception:
        log.debug("prefetch for %s failed", selection.partnership_code, exc_info=True)
        return False
    return True


def drain(timeout_s: float = 60.0) -> bool:
    """Wait until every queued prefetch has run (tests and benchmarks); False on timeout."""
    deadline = time.monotonic() + timeout_s
    while _queue.unfinished_tasks:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _start_worker() -> None:
    global _worker
    with _lock:
        if _worker is not None and _worker.is_alive():
            return
        _worker = threading.Thread(target=_work, name="cspdash-prewarm", daemon=True)
        _worker.start()


def _work() -> None:
    try:  # the lowest CPU priority, for this thread only: visitors' runs and their browsers go first
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass
    _quiet_context_warning()
    while True:
        due, prefetch, selection = _queue.get()
        try:
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            run_one(prefetch, selection)
        finally:
            _queue.task_done()


class _NoContextWarning(logging.Filter):
    """Drops Streamlit's 'missing ScriptRunContext' warning from this module's thread (it runs no script)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (threading.current_thread().name == "cspdash-prewarm" and "ScriptRunContext" in record.getMessage())


def _quiet_context_warning() -> None:
    logger = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    if not any(isinstance(f, _NoContextWarning) for f in logger.filters):
        logger.addFilter(_NoContextWarning())
