"""Fixtures shared by the AppTest files."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
import streamlit as st


@pytest.fixture(autouse=True)
def _close_app_connections() -> Iterator[None]:
    """Drop the app's cached store connection after each test: DuckDB refuses a second connection to the same
    file with another configuration in one process, which other tests' plain connections would be."""
    yield
    st.cache_resource.clear()
    gc.collect()
