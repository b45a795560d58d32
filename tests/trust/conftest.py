"""Fixtures for the trust tests: AppTest runs that behave like the real server across reruns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "dashboard.py"


@pytest.fixture(scope="session", autouse=True)
def navigation_like_the_server() -> Iterator[None]:
    """Keep AppTest from running a pages/ file on its own on a rerun.

    AppTest resets PagesManager.uses_pages_directory before every run, so with a pages/ folder beside
    dashboard.py its second run executes the current page file without the shell (no sidebar, no sign-in
    gate). The server sets the flag to False once st.navigation has run and keeps it; so do we.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PagesManager, "__init__", init)
        yield
