"""start_streamlit sends the server's output to a file: a server that logs more than a pipe holds (about 64 KB)
still starts and answers, and a server that fails to start shows the end of its log."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e import conftest as e2e

#: run by every Python the server starts (through PYTHONPATH): a lot of output before the server answers
_NOISY = """import os, sys
sys.stderr.write("noise " * 50_000)  # 300 KB, over four times a pipe's buffer
sys.stderr.flush()
if os.environ.get("POLISH_FAIL_START"):
    sys.stderr.write("\\nthe last words before exiting\\n")
    raise SystemExit(3)
"""


def _noisy_env(folder: Path, fail: bool = False) -> dict[str, str]:
    (folder / "sitecustomize.py").write_text(_NOISY, encoding="utf-8")
    (folder / "app.py").write_text("import streamlit as st\nst.write('hello')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(folder)}
    if fail:
        env["POLISH_FAIL_START"] = "1"
    return env


def test_a_server_that_logs_more_than_a_pipe_holds_still_answers(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e2e, "NAVIGATION_MS", 60_000)  # a blocked server never answers: fail in a minute
    port = e2e.free_port()
    proc = e2e.start_streamlit(tmp_path / "app.py", _noisy_env(tmp_path), port, log=tmp_path / "server.log")
    try:
        assert proc.stderr is None and proc.stdout is None  # nothing left unread in a pipe
        assert (tmp_path / "server.log").stat().st_size >= 300_000
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_server_that_fails_to_start_shows_the_end_of_its_log(tmp_path: Path) -> None:
    port = e2e.free_port()
    with pytest.raises(RuntimeError, match="the last words before exiting"):
        e2e.start_streamlit(tmp_path / "app.py", _noisy_env(tmp_path, fail=True), port)
    assert e2e.server_log(port).exists()
    e2e.server_log(port).unlink()
