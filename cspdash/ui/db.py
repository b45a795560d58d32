"""Store access for pages: one read-only connection per store version, cached query results per version.

When a load publishes a new version, the next rerun sees the new symlink target, opens it, and every cached
result keyed on the old version is simply not asked for again: the dashboard shows new data without a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import duckdb
import streamlit as st

from cspdash.config import settings
from cspdash.store.versions import READ_CONFIG, Store

T = TypeVar("T")
_FUNCTIONS: dict[str, Callable[..., Any]] = {}


def store() -> Store:
    """The configured store."""
    return Store(settings().db_path)


def version() -> str:
    """The version this script run reads ('' when there is no store): the live one, resolved once per run and
    held (Store.pin) until the session's next run, so every query of one page run reads the same version and
    a load publishing meanwhile neither mixes two versions into one page nor removes the one being read."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:  # outside a script run (a thread of our own, a test): the live version now
        current = store().current_version()
        return str(current) if current else ""
    run = ctx.cursors  # a new dict at the start of every run (ScriptRunContext.reset): this run's token
    pinned = getattr(ctx, _PIN_ATTRIBUTE, None)
    if pinned is not None and pinned[0] is run and pinned[2] == settings().db_path:
        return str(pinned[1].path)
    if pinned is not None:
        pinned[1].close()  # the session's previous run is over: its version may go
        delattr(ctx, _PIN_ATTRIBUTE)
    pin = store().pin()
    if pin is None:  # no store yet (the first start may build one during this run): ask again next time
        return ""
    setattr(ctx, _PIN_ATTRIBUTE, (run, pin, settings().db_path))
    return str(pin.path)


#: where a script run keeps its pinned version: (run token, Pin, store path)
_PIN_ATTRIBUTE = "_cspdash_store_pin"


@st.cache_resource(max_entries=3, show_spinner=False)
def _connection(version_path: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(version_path, read_only=True, config=READ_CONFIG)


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on the live version for this script run."""
    current = version()
    if not current:
        from cspdash.store.versions import StoreError

        raise StoreError("There is no data store yet. Build it with: python -m cspdash demo")
    return _connection(current).cursor()


@st.cache_data(max_entries=2000, show_spinner=False)
def _cached_call(version_path: str, key: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> Any:
    con = _connection(version_path).cursor()
    try:
        return _FUNCTIONS[key](con, *args, **dict(kwargs))
    finally:
        con.close()


def query(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn(con, *args, **kwargs)`` on the live version, cached per version and arguments.

    Arguments must be hashable values (use tuples, not lists).
    """
    key = f"{fn.__module__}.{fn.__qualname__}"
    _FUNCTIONS[key] = fn
    current = version()
    if not current:
        from cspdash.store.versions import StoreError

        raise StoreError("There is no data store yet. Build it with: python -m cspdash demo")
    return _cached_call(current, key, args, tuple(sorted(kwargs.items())))  # type: ignore[no-any-return]
