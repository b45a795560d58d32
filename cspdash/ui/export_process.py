"""The briefing pack and the slides built in a child process, so the dashboard's server never holds what a build
takes.

Building a pack in the server process imported fpdf2 (with fontTools), python-pptx and kaleido and left the
process about 100 MB larger after the first pack and slides, and larger again after later ones (a plain process
on the demo: 336 MB → 435 MB after one pack and slides, 455 MB after four; bench/README.md, "Soak"). Here each
build runs in a fresh ``python -m cspdash.ui.export_process`` that opens the same store version read-only,
reports its progress as JSON lines on stdout and writes the file to a temporary path; when it exits, all it
used is returned to the system. The child imports no Streamlit.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: what each export kind calls: module, function (con, meeting_id, progress=...) -> bytes
BUILDERS = {"pack": ("cspdash.report.pack", "build_pack"), "slides": ("cspdash.report.slides", "build_slides")}
#: a build that has not finished after this long is stopped (a pack takes 10–30 s on the demo)
TIMEOUT_S = 600.0

Progress = Callable[[int, int, str], None]


class ExportError(RuntimeError):
    """A build that failed in the child process; the message is the child's error message."""


def build(kind: str, version_path: str, meeting_id: str, progress: Progress | None = None,
          timeout_s: float = TIMEOUT_S) -> bytes:
    """Build the export ``kind`` ('pack' or 'slides') for a meeting from a store version file, in a child process.

    ``progress(done, total, message)`` is called as the child reports its steps. Raises ExportError with the
    child's message when the build fails (an unknown meeting, say), or when the child stops or runs too long.
    """
    if kind not in BUILDERS:
        raise ValueError(f"unknown export {kind!r}; one of {', '.join(BUILDERS)}")
    with tempfile.TemporaryDirectory(prefix="cspdash-export-") as folder:
        out = Path(folder) / f"{kind}.bin"
        command = [sys.executable, "-m", "cspdash.ui.export_process", kind, version_path, meeting_id, str(out)]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        error = ""
        watchdog = threading.Timer(timeout_s, proc.kill)  # a silent, stuck child is stopped too
        watchdog.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                message = _parse(line)
                if "error" in message:
                    error = str(message["error"])
                elif "done" in message and progress is not None:
                    progress(int(message["done"]), int(message["total"]), str(message.get("text", "")))
            code = proc.wait()
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if code == -9 and not error:
            raise ExportError(f"the {kind} took longer than {timeout_s:.0f} s and was stopped")
        if error:
            raise ExportError(error)
        if code != 0 or not out.exists():
            raise ExportError(f"the {kind} could not be built (the build process stopped with code {code})")
        return out.read_bytes()


def _parse(line: str) -> dict[str, Any]:
    """One line from the child: a JSON object, or {} for anything else a library printed."""
    with contextlib.suppress(ValueError):
        value = json.loads(line)
        if isinstance(value, dict):
            return value
    return {}


def _child(kind: str, version_path: str, meeting_id: str, out: str) -> int:
    """The child's work: build, write the bytes to ``out``, report progress and errors on stdout."""
    import duckdb

    from cspdash.store.versions import READ_CONFIG

    def report(done: int, total: int, text: str) -> None:
        print(json.dumps({"done": done, "total": total, "text": text}), flush=True)

    try:
        module, name = BUILDERS[kind]
        builder = getattr(importlib.import_module(module), name)
        con = duckdb.connect(version_path, read_only=True, config=READ_CONFIG)
        try:
            data = builder(con, meeting_id, progress=report)
        finally:
            con.close()
        Path(out).write_bytes(data)
    except Exception as exc:  # noqa: BLE001 - the parent shows the message; the traceback goes to the log
        import traceback

        traceback.print_exc(file=sys.stderr)
        print(json.dumps({"error": str(exc) or type(exc).__name__}), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(*sys.argv[1:5]))
