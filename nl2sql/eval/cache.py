"""An on-disk cache of LLM replies, keyed by the full request, so re-running an evaluation costs nothing.

Also the production reply cache (``NL2SQL_LLM_REPLY_CACHE=true``: ``wiring.build_llm`` wraps the client in it).

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
from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from nl2sql.ports import Completion, LlmClient, Message, complete_many, complete_sample


def _restored(stored: dict[str, Any]) -> Completion:
    """A stored reply: it costs no time; its tokens are still reported so runs stay comparable."""
    extra = tuple(tuple(pair) for pair in stored.get("extra", ()))
    known = {k: v for k, v in stored.items() if k in Completion.__dataclass_fields__ and k != "extra"}
    return replace(Completion(**known), elapsed_ms=0.0, extra=(*extra, ("cache", "hit")))


class CachedLlm:
    def __init__(self, inner: LlmClient, path: str | Path, *, request: Mapping[str, Any] | None = None) -> None:
        self.inner = inner
        self.model = inner.model
        self.request = dict(request or {})
        self.hits = 0
        self.misses = 0
        self.choices_vary = False                # as OpenAiLlm's: one reply set's choices have differed
        file = Path(path)
        file.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(file), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, completion TEXT NOT NULL)")
        self._lock = threading.Lock()

    def key(self, messages: Sequence[Message], n: int = 1, sample: int = 0) -> str:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": [m.as_dict() for m in messages],
            "request": {k: self.request[k] for k in sorted(self.request)},
        }
        if n > 1:                                # n samples are one reply set; one sample keeps the old key
            payload["n"] = n
        if sample:                               # sample i of several is its own request (its seed)
            payload["sample"] = sample
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def complete(self, messages: Sequence[Message]) -> Completion:
        return self._one(messages, 0)

    def complete_sample(self, messages: Sequence[Message], index: int) -> Completion:
        """Sample ``index`` of several, cached under a key that includes it (each sample is its own request)."""
        return self._one(messages, index)

    def _one(self, messages: Sequence[Message], sample: int) -> Completion:
        key = self.key(messages, sample=sample)
        with self._lock:
            row = self._db.execute("SELECT completion FROM replies WHERE key = ?", (key,)).fetchone()
        if row is not None:
            with self._lock:
                self.hits += 1
            return _restored(json.loads(row[0]))
        completion = complete_sample(self.inner, messages, sample) if sample else self.inner.complete(messages)
        with self._lock:
            self.misses += 1
            self._db.execute("INSERT OR REPLACE INTO replies (key, completion) VALUES (?, ?)",
                             (key, json.dumps(asdict(completion), ensure_ascii=False)))
        return completion

    def complete_many(self, messages: Sequence[Message], n: int) -> tuple[Completion, ...]:
        """Up to ``n`` sampled replies from one request, cached together under a key that includes ``n``."""
        if n <= 1:
            return (self.complete(messages),)
        key = self.key(messages, n)
        with self._lock:
            row = self._db.execute("SELECT completion FROM replies WHERE key = ?", (key,)).fetchone()
        if row is not None:
            with self._lock:
                self.hits += 1
            restored = tuple(_restored(c) for c in json.loads(row[0]))
            self.choices_vary = self.choices_vary or len({c.text for c in restored}) > 1
            return restored
        completions = complete_many(self.inner, messages, n)
        self.choices_vary = self.choices_vary or len({c.text for c in completions}) > 1
        with self._lock:
            self.misses += 1
            self._db.execute("INSERT OR REPLACE INTO replies (key, completion) VALUES (?, ?)",
                             (key, json.dumps([asdict(c) for c in completions], ensure_ascii=False)))
        return completions

    def close(self) -> None:
        with self._lock:
            self._db.close()


def reply_cache_request(settings: Any) -> dict[str, Any]:
    """The request settings that change a reply, for the cache key (the model and messages are added per call)."""
    request = {"base_url": settings.llm_base_url, "temperature": settings.llm_temperature}
    if settings.llm_candidates > 1:
        request["candidate_temperature"] = settings.llm_candidate_temperature
    return request
