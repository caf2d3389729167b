"""A value kept for a time-to-live, then read again; ``refresh`` reads it now. Thread-safe.

The catalog of a remote warehouse costs several round trips to read, and changes rarely; a reader keeps
it for ``ttl_s`` seconds (0 = never cache) and a data team can force a fresh read after DDL.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Generic, TypeVar

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
