"""An on-disk cache of LLM replies, keyed by the full request, so re-running an evaluation costs nothing.

``CachedLlm(inner, path)`` is itself an ``LlmClient``. The key is a SHA-256 of the model, every message,
and the request settings that change the reply (temperature, base URL, ...), given as ``request``.
Only successful replies are stored; errors pass through and are retried next time. The store is one
SQLite file, safe for the harness's worker threads.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from nl2sql.ports import Completion, LlmClient, Message


class CachedLlm:
    def __init__(self, inner: LlmClient, path: str | Path, *, request: Mapping[str, Any] | None = None) -> None:
        self.inner = inner
        self.model = inner.model
        self.request = dict(request or {})
        self.hits = 0
        self.misses = 0
        file = Path(path)
        file.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(file), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, completion TEXT NOT NULL)")
        self._lock = threading.Lock()

    def key(self, messages: Sequence[Message]) -> str:
        payload = {
            "model": self.model,
            "messages": [m.as_dict() for m in messages],
            "request": {k: self.request[k] for k in sorted(self.request)},
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def complete(self, messages: Sequence[Message]) -> Completion:
        key = self.key(messages)
        with self._lock:
            row = self._db.execute("SELECT completion FROM replies WHERE key = ?", (key,)).fetchone()
        if row is not None:
            with self._lock:
                self.hits += 1
            stored = json.loads(row[0])
            stored["extra"] = tuple(tuple(pair) for pair in stored.get("extra", ()))
            # A cached reply costs no time; its tokens are still reported so runs stay comparable.
            return replace(Completion(**stored), elapsed_ms=0.0, extra=(*stored["extra"], ("cache", "hit")))
        completion = self.inner.complete(messages)
        with self._lock:
            self.misses += 1
            self._db.execute("INSERT OR REPLACE INTO replies (key, completion) VALUES (?, ?)",
                             (key, json.dumps(asdict(completion), ensure_ascii=False)))
        return completion

    def close(self) -> None:
        with self._lock:
            self._db.close()
