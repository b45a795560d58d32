"""One memo for reads of a store version, declared on the function: ``@per_store_version(maxsize=...)``.

Store versions are immutable files (README, Architecture), so what a function reads from one version never
changes: its result is kept per (version file, arguments). A new version is a new file, so a load is seen on the
next call without any clearing. In-memory and unnamed stores (tests, tools) are never kept: they are read every
time. The memo holds at most ``maxsize`` results and forgets the least recently used first. Kept results are
shared between callers and must not be modified (return a copy where a caller may change it).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

import duckdb

P = ParamSpec("P")
R = TypeVar("R")

#: the database file behind each open connection (asked once per connection: it never changes)
_FILE_OF: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()


def store_file(con: duckdb.DuckDBPyConnection) -> str:
    """The database file behind a connection ('' for in-memory stores)."""
    row = con.execute("SELECT file FROM pragma_database_list WHERE name = current_database()").fetchone()
    return str(row[0]) if row and row[0] else ""


def connection_file(con: duckdb.DuckDBPyConnection) -> str:
    """store_file, asked once per connection."""
    try:
        return _FILE_OF[con]
    except KeyError:
        pass
    except TypeError:  # an object that cannot be weakly referenced
        return store_file(con)
    file = _FILE_OF[con] = store_file(con)
    return file


class StoreVersionMemo(Generic[P, R]):
    """A function of (connection, hashable arguments) whose results are kept per store version file."""

    def __init__(self, function: Callable[Concatenate[duckdb.DuckDBPyConnection, P], R], maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, not {maxsize}")
        self.function = function
        self.maxsize = maxsize
        self.hits = self.misses = 0
        self._values: OrderedDict[Hashable, R] = OrderedDict()
        self._lock = threading.Lock()
        self.__name__ = getattr(function, "__name__", "memo")
        self.__qualname__ = getattr(function, "__qualname__", self.__name__)
        self.__doc__ = function.__doc__
        self.__module__ = function.__module__
        self.__wrapped__ = function

    def __reduce__(self) -> str:
        """Pickled by name, as the function it decorates is (the bench and Streamlit pass queries around)."""
        return self.__qualname__

    def key(self, con: duckdb.DuckDBPyConnection, *args: Any, **kwargs: Any) -> Hashable | None:
        """The memo's key for a call (None for a store that is never kept)."""
        file = connection_file(con)
        return (file, args, tuple(sorted(kwargs.items()))) if file else None

    def __call__(self, con: duckdb.DuckDBPyConnection, *args: P.args, **kwargs: P.kwargs) -> R:
        key = self.key(con, *args, **kwargs)
        if key is None:
            return self.function(con, *args, **kwargs)
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return self._values[key]
        value = self.function(con, *args, **kwargs)  # outside the lock: two sessions may read at once
        with self._lock:
            self.misses += 1
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.maxsize:
                self._values.popitem(last=False)
        return value

    def holds(self, con: duckdb.DuckDBPyConnection, *args: Any, **kwargs: Any) -> bool:
        """Whether the result of this call is kept."""
        key = self.key(con, *args, **kwargs)
        with self._lock:
            return key is not None and key in self._values

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        """Forget every kept result (and the counts)."""
        with self._lock:
            self._values.clear()
            self.hits = self.misses = 0


def per_store_version(maxsize: int) -> Callable[[Callable[Concatenate[duckdb.DuckDBPyConnection, P], R]],
                                                 StoreVersionMemo[P, R]]:
    """Keep a function's results per store version file and arguments, at most ``maxsize`` of them."""

    def decorate(function: Callable[Concatenate[duckdb.DuckDBPyConnection, P], R]) -> StoreVersionMemo[P, R]:
        return StoreVersionMemo(function, maxsize)

    return decorate
