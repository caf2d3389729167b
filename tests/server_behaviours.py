"""How an OpenAI-compatible server draws its replies, as wrappers around a stub responder, so that candidate
selection is measured against servers unlike the stubs' own way (each choice drawn by its index).

Real servers differ: vLLM honours ``n`` and ``seed``; Ollama and some proxies send one choice whatever ``n`` asks;
a server at temperature 0, or one behind a reply cache, answers the same request the same way every time; a
naive stub may key its draw on the prompt alone and copy it into every choice. A responder here sees the body
with ``_stub_choice`` replaced by a number drawn from what that server keys on.

    with server_for("per-request-one", ImperfectModel(gold, seed=7)) as stub: ...
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tests.llm_stub import Reply, Responder, StubLlmServer

SERVERS = ("indexed", "ignore-n", "per-request", "per-request-one", "per-prompt")


def _draw(value: object) -> int:
    return int(hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12], 16)


def per_request(responder: Responder) -> Responder:
    """A draw per request body (messages, temperature, seed, ...) and choice: identical requests, identical replies."""
    def respond(body: dict[str, Any]) -> Reply:
        return responder({**body, "_stub_choice": _draw(body)})
    return respond


def per_prompt(responder: Responder) -> Responder:
    """A draw per messages alone, at one fixed sampling temperature: every choice of a request is the same, and
    seed and temperature change nothing."""
    def respond(body: dict[str, Any]) -> Reply:
        hot = float(body.get("temperature", 1.0)) > 0
        return responder({**body, "_stub_choice": _draw(body.get("messages")), "temperature": 0.7 if hot else 0.0})
    return respond


def server_for(kind: str, responder: Responder) -> StubLlmServer:
    """A stub server drawing as ``kind`` says (one of ``SERVERS``)."""
    if kind not in SERVERS:
        raise ValueError(f"unknown server kind {kind!r}; expected one of {SERVERS}")
    wrapped = {"per-request": per_request, "per-request-one": per_request, "per-prompt": per_prompt}.get(kind)
    return StubLlmServer(responder=wrapped(responder) if wrapped else responder,
                         ignore_n=kind in ("ignore-n", "per-request-one"))
