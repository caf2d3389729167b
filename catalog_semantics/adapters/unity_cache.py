"""A value kept for a time-to-live, then read again; ``refresh`` reads it now. Thread-safe.

The catalog of a remote warehouse costs several round trips to read, and changes rarely; a reader keeps
it for ``ttl_s`` seconds (0 = never cache) and a data team can force a fresh read after DDL.
"""

from __future__ import annotations

import threading
import time
from typing import Generic, TypeVar
from collections.abc import Callable

T = TypeVar("T")


class TtlCache(Generic[T]):
    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._value: T | None = None
        self._read_at: float | None = None

    def get(self, read: Callable[[], T]) -> T:
        """The cached value while it is younger than the TTL, else a fresh ``read()``."""
        with self._lock:
            if self._value is not None and self._read_at is not None and self._clock() - self._read_at < self.ttl_s:
                return self._value
            return self._store(read())

    def refresh(self, read: Callable[[], T]) -> T:
        with self._lock:
            return self._store(read())

    def invalidate(self) -> None:
        with self._lock:
            self._value, self._read_at = None, None

    @property
    def age_s(self) -> float | None:
        return None if self._read_at is None else self._clock() - self._read_at

    def _store(self, value: T) -> T:
        self._value, self._read_at = value, self._clock()
        return value


class VersionedCache(Generic[T]):
    """A value read with a version; once older than ``ttl_s`` it is refreshed in a background thread.

    ``read`` returns the value with its version (read together, within one time budget); ``version`` alone is
    the cheap check. The first ``get`` reads synchronously. Later ones return the current value at once; a stale one starts
    (at most one) background refresh, which first asks for the version (cheap) and reads the value again
    only when the version changed, or when ``max_age_s`` passed since the last full read (a version that
    misses some changes). A failed refresh keeps the previous value and records the error.
    """

    def __init__(self, read: Callable[[], tuple[str, T]], version: Callable[[], str], *, ttl_s: float,
                 max_age_s: float = 86_400.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._read, self._version = read, version
        self.ttl_s, self.max_age_s = ttl_s, max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._value: T | None = None
        self.version: str | None = None
        self._checked_at = self._read_at = 0.0
        self._refreshing: threading.Thread | None = None
        self.last_error: BaseException | None = None
        self.refreshed = threading.Event()            # set after each background refresh (tests wait on it)

    def get(self) -> T:
        with self._lock:
            if self._value is None:
                return self._full_read()
            if self._clock() - self._checked_at >= self.ttl_s and self._refreshing is None:
                self.refreshed.clear()
                self._refreshing = threading.Thread(target=self._refresh, name="catalog-refresh", daemon=True)
                self._refreshing.start()
            return self._value

    def refresh(self) -> T:
        """Read again now, whatever the version says."""
        with self._lock:
            return self._full_read()

    def _full_read(self) -> T:
        version, value = self._read()
        self._value, self.version = value, version
        self._checked_at = self._read_at = self._clock()
        return value

    def _refresh(self) -> None:
        try:
            version = self._version()
            if version != self.version or self._clock() - self._read_at >= self.max_age_s:
                version, value = self._read()
                with self._lock:
                    self._value, self.version, self._read_at = value, version, self._clock()
            with self._lock:
                self._checked_at = self._clock()
            self.last_error = None
        except Exception as e:
            self.last_error = e
        finally:
            with self._lock:
                self._refreshing = None
            self.refreshed.set()
