"""A real OpenAI-compatible chat server on 127.0.0.1 for tests: scriptable, recordable, and able to fail on cue.

The real ``OpenAiLlm`` adapter talks HTTP to it exactly as it would to OpenAI, Databricks Model Serving or
vLLM, so tests exercise the ``openai`` package, our retries and our error mapping without a network.

Answers come, in order of priority, from: failures queued with ``fail_next``, replies queued with
``script``, then the default ``responder`` (request JSON -> reply text), e.g. gold SQL looked up by question.

    with StubLlmServer(responder=lambda body: "```sql\\nSELECT 1\\n```") as llm:
        OpenAiLlm(base_url=llm.url, api_key="k", model="m", ...).complete(messages)
        assert llm.requests[0].body["messages"][0]["role"] == "system"
"""

from __future__ import annotations

import collections
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Content = str | list[dict[str, Any]]        # a list: content parts, as Databricks reasoning models send


@dataclass(frozen=True)
class StubReply:
    """A reply with its ``finish_reason`` ("length": cut at the budget) and the usage details a provider reports."""

    content: Content
    finish_reason: str = "stop"
    reasoning_tokens: int = 0
    cached_tokens: int = 0


Reply = Content | StubReply
# The responder is called once per choice (``n`` times for a request with ``n``); the body it sees carries
# ``"_stub_choice": i`` so a sampling stub can answer each choice differently.
Responder = Callable[[dict[str, Any]], Reply]
FailureKind = Literal["401", "429", "500", "503", "timeout", "malformed", "no_sql", "endless", "drop", "empty_choices"]
FAILURE_KINDS: tuple[str, ...] = FailureKind.__args__  # type: ignore[attr-defined]

ENDLESS_CHARS = 2_000_000                      # an "endless" reply: far past any sane completion


def echo_sql(body: dict[str, Any]) -> str:
    """Default responder: a fenced query that names the last user message, so tests can tell replies apart."""
    last = next((m.get("content", "") for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
    escaped = str(last).replace("'", "''")[:200]
    return f"```sql\nSELECT '{escaped}' AS question\n```"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; ``headers`` keys are lower-case; ``body`` is None when it was not JSON."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    raw: bytes

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages", []))


@dataclass(frozen=True)
class _Failure:
    kind: str
    retry_after: str | None = None
    delay_s: float = 5.0
    text: str = "I am not sure which table holds that information."


@dataclass
class _State:
    responder: Responder
    model: str
    failures: collections.deque[_Failure] = field(default_factory=collections.deque)
    replies: collections.deque[Reply] = field(default_factory=collections.deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    rejected_params: tuple[str, ...] = ()
    ignore_n: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) resets connections when dozens of clients connect at once, as the
    # load test does; a real endpoint queues them.
    request_queue_size = 256


class StubLlmServer:
    """OpenAI-compatible chat server on 127.0.0.1:<free port>, served from a daemon thread."""

    def __init__(
        self, responder: Responder = echo_sql, *, model: str = "stub-model", rejected_params: tuple[str, ...] = (),
        ignore_n: bool = False,
    ) -> None:
        """``rejected_params``: request fields answered with a 400, as reasoning models refuse ``max_tokens``;
        ``ignore_n``: answer one choice whatever ``n`` asks, as Ollama and some proxies do."""
        self._state = _State(responder=responder, model=model, rejected_params=rejected_params, ignore_n=ignore_n)
        handler = type("_BoundHandler", (_Handler,), {"state": self._state})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="llm-stub", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """Base URL as clients configure it (OPENAI_BASE_URL), ending in /v1."""
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def responder(self) -> Responder:
        return self._state.responder

    @responder.setter
    def responder(self, responder: Responder) -> None:
        self._state.responder = responder

    def script(self, *replies: Reply) -> StubLlmServer:
        """Queue replies (texts, lists of content parts or ``StubReply``), answered in order (one per choice)
        before the responder is consulted."""
        with self._state.lock:
            self._state.replies.extend(replies)
        return self

    def fail_next(
        self,
        kind: FailureKind,
        *,
        times: int = 1,
        retry_after: float | str | None = None,
        delay_s: float = 5.0,
        text: str | None = None,
    ) -> StubLlmServer:
        """Make the next ``times`` requests fail as ``kind`` (before any scripted reply).

        ``retry_after`` sets the Retry-After header of a 429; ``delay_s`` is how long a "timeout" stalls;
        ``text`` is the prose of a "no_sql" reply.
        """
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; expected one of {FAILURE_KINDS}")
        failure = _Failure(kind, None if retry_after is None else str(retry_after), delay_s, text or _Failure.text)
        with self._state.lock:
            self._state.failures.extend([failure] * times)
        return self

    def close(self) -> None:
        self._state.closing.set()              # wakes handlers stalled by a "timeout"
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> StubLlmServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_parts(content: list[Any]) -> bool:
    """A list of content parts (one reply) rather than a list of replies (one per choice)."""
    return bool(content) and all(isinstance(p, dict) for p in content)


def budget(body: dict[str, Any]) -> int:
    """The reply token budget a request gave (``max_tokens`` or ``max_completion_tokens``; 1024 when absent)."""
    return int(body.get("max_tokens") or body.get("max_completion_tokens") or 1024)


def _tokens(text: str) -> int:
    """A rough, deterministic token count (4 characters a token), for usage fields."""
    return max(1, len(text) // 4) if text else 0


class _Handler(BaseHTTPRequestHandler):
    state: _State
    protocol_version = "HTTP/1.0"              # one request per connection: no stale pooled sockets in tests

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def do_GET(self) -> None:
        self._record(b"")
        if self.path.rstrip("/").endswith("models"):
            self._send_json(200, {"object": "list", "data": [{"id": self.state.model, "object": "model"}]})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        request = self._record(raw)
        if not self.path.split("?")[0].rstrip("/").endswith("chat/completions"):
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        if request.body is None:
            self._send_json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return
        rejected = [p for p in self.state.rejected_params if p in request.body]
        if rejected:
            message = f"Unsupported parameter: '{rejected[0]}' is not supported with this model."
            self._send_json(400, {"error": {"message": message, "type": "invalid_request_error",
                                            "param": rejected[0], "code": "unsupported_parameter"}})
            return
        n = 1 if self.state.ignore_n else int(request.body.get("n") or 1)
        with self.state.lock:
            failure = self.state.failures.popleft() if self.state.failures else None
            scripted = [self.state.replies.popleft() if failure is None and self.state.replies else None
                        for _ in range(n)]
        if failure is not None:
            self._fail(failure, request.body)
            return
        replies = [s if s is not None else self.state.responder({**request.body, "_stub_choice": i})
                   for i, s in enumerate(scripted)]
        self._send_completion(request.body, replies)

    def _record(self, raw: bytes) -> RecordedRequest:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = RecordedRequest(
            self.command,
            self.path,
            {k.lower(): v for k, v in self.headers.items()},
            body if isinstance(body, dict) else None,
            raw,
        )
        with self.state.lock:
            self.state.requests.append(request)
        return request

    def _fail(self, failure: _Failure, body: dict[str, Any]) -> None:
        kind = failure.kind
        if kind == "401":  # like OpenAI, echo (part of) the presented key: our errors must not
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            error = {"message": f"Incorrect API key provided: {key}", "type": "invalid_request_error"}
            self._send_json(401, {"error": error})
        elif kind == "429":
            headers = {"Retry-After": failure.retry_after} if failure.retry_after is not None else {}
            self._send_json(429, {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}, headers)
        elif kind in ("500", "503"):
            self._send_json(int(kind), {"error": {"message": "The server had an error", "type": "server_error"}})
        elif kind == "timeout":
            self.state.closing.wait(failure.delay_s)
            self._send_completion(body, "```sql\nSELECT 'too late' AS late\n```", quiet=True)
        elif kind == "malformed":
            cut_off = b'{"id": "chatcmpl-stub", "choices": [{"message": {"content": "SELE'
            self._send_raw(200, cut_off, "application/json")
        elif kind == "no_sql":
            self._send_completion(body, failure.text)
        elif kind == "endless":
            self._send_completion(body, "SELECT " + ", ".join(["1"] * (ENDLESS_CHARS // 3)))
        elif kind == "empty_choices":
            self._send_json(200, {"id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()),
                                  "model": self.state.model, "choices": []})
        elif kind == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send_completion(self, body: dict[str, Any], content: Reply | list[Reply], *, quiet: bool = False) -> None:
        prompt = "".join(str(m.get("content", "")) for m in body.get("messages", []))
        replies = [r if isinstance(r, StubReply) else StubReply(r)
                   for r in (content if isinstance(content, list) and not _is_parts(content) else [content])]
        texts = [r.content if isinstance(r.content, str) else json.dumps(r.content) for r in replies]
        completion = sum(_tokens(t) for t in texts) + sum(r.reasoning_tokens for r in replies)
        payload = {
            "id": f"chatcmpl-stub-{len(self.state.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or self.state.model,
            "choices": [{"index": i, "finish_reason": r.finish_reason,
                         "message": {"role": "assistant", "content": r.content}} for i, r in enumerate(replies)],
            "usage": {
                "prompt_tokens": _tokens(prompt),
                "completion_tokens": completion,
                "total_tokens": _tokens(prompt) + completion,
                "prompt_tokens_details": {"cached_tokens": sum(r.cached_tokens for r in replies)},
                "completion_tokens_details": {"reasoning_tokens": sum(r.reasoning_tokens for r in replies)},
            },
        }
        try:
            self._send_json(200, payload)
        except (BrokenPipeError, ConnectionResetError):
            if not quiet:
                raise

    def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(payload).encode(), "application/json", headers)

    def _send_raw(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
