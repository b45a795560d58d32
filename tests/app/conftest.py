"""Fixtures shared by the AppTest files."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import duckdb
import pytest
import streamlit as st


def _close_cached_connections() -> bool:
    """Close every DuckDB connection held in Streamlit's resource cache; False when the cache cannot be read.

    Closing the connection releases its file at once, even while a cursor made from it is still referenced
    somewhere in the AppTest's objects (a full garbage collection would otherwise be needed to free them: about
    0.1 s of CPU after every test)."""
    try:
        from streamlit.runtime.caching.cache_resource_api import _resource_caches

        caches = [cache for per_session in _resource_caches._function_caches.values()
                  for cache in per_session.values()]
        values = [result.value for cache in caches for result in list(cache._mem_cache.values())]
    except (ImportError, AttributeError):
        return False
    for value in values:
        if isinstance(value, duckdb.DuckDBPyConnection):
            value.close()
    return True


@pytest.fixture(autouse=True)
def _close_app_connections() -> Iterator[None]:
    """Drop the app's cached store connection after each test: DuckDB refuses a second connection to the same
    file with another configuration in one process, which other tests' plain connections would be."""
    yield
    closed = _close_cached_connections()
    st.cache_resource.clear()
    if not closed:  # another Streamlit: free the connection with its last cursor
        gc.collect()
