"""A one-line progress bar on stderr, without a dependency: redrawn in place on a terminal,
printed every tenth of the way otherwise (CI logs stay short)."""

from __future__ import annotations

import threading
import time
from typing import TextIO

_WIDTH = 28
_REDRAW_S = 0.1


class Progress:
    def __init__(self, total: int, *, stream: TextIO | None, done: int = 0, correct: int = 0) -> None:
        self.total = total
        self.done = done
        self.correct = correct
        self.skipped = 0
        self._stream = stream
        self._tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._last_tenth = -1
        self._lock = threading.Lock()

    def advance(self, status: str) -> None:
        with self._lock:
            self.done += 1
            self.correct += status == "correct"
            self.skipped += status == "skipped"
            self._draw(final=False)

    def close(self) -> None:
        with self._lock:
            self._draw(final=True)
            if self._stream is not None and self._tty:
                self._stream.write("\n")
                self._stream.flush()

    def line(self) -> str:
        share = self.done / self.total if self.total else 1.0
        filled = int(share * _WIDTH)
        elapsed = time.perf_counter() - self._start
        scored = self.done - self.skipped
        accuracy = f"{self.correct / scored:.1%}" if scored else "-"
        skipped = f", {self.skipped} skipped" if self.skipped else ""
        return (f"eval [{'#' * filled}{'.' * (_WIDTH - filled)}] {self.done}/{self.total} "
                f"correct {self.correct} ({accuracy}{skipped}) {elapsed:.1f}s")

    def _draw(self, *, final: bool) -> None:
        if self._stream is None:
            return
        now = time.perf_counter()
        if self._tty:
            if final or now - self._last_draw >= _REDRAW_S:
                self._stream.write("\r" + self.line())
                self._stream.flush()
                self._last_draw = now
            return
        tenth = int(10 * self.done / self.total) if self.total else 10
        if tenth > self._last_tenth or (final and self.done < self.total):
            self._last_tenth = tenth
            self._stream.write(self.line() + "\n")
            self._stream.flush()
