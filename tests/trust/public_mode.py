"""Public-output mode for the attack tests: the environment set, and every download's data recorded."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from streamlit.delta_generator import DeltaGenerator


@contextmanager
def public_output(store: Path, downloads: list[tuple[str, Any]]) -> Iterator[None]:
    """Public-output mode on ``store`` (demo sign-in) while inside; each download_button's (label, data) is appended
    to ``downloads`` (a deferred download's data written at once); the environment is restored after."""
    saved = {k: os.environ.get(k) for k in ("CSPDASH_DB", "CSPDASH_USERS", "CSPDASH_PUBLIC_OUTPUT")}
    os.environ.update({"CSPDASH_DB": str(store), "CSPDASH_PUBLIC_OUTPUT": "1", "CSPDASH_USERS": ""})
    original = DeltaGenerator.download_button

    def recording(self, label: str, data: Any, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        downloads.append((label, data() if callable(data) else data))
        return original(self, label, data, *args, **kwargs)

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(DeltaGenerator, "download_button", recording)
            import streamlit

            patch.setattr(streamlit, "download_button", lambda *a, **k: recording(streamlit._main, *a, **k))
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
