"""Reading a chat request as stub "f" does: the question asked, and whether the last turn reports a failed query."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

_QUESTION = re.compile(r"^\s*Question:\s*(.+?)\s*$", re.M)
_FENCED = re.compile(r"```(?:sql)?\s*\n?(.*?)(?:```|$)", re.S | re.I)
_BARE = re.compile(r"\b(select|with)\b.*", re.S | re.I)
# What a caller writes back when the query it ran failed (the engine's message, or its own words).
_FAILURE = re.compile(r"\b(error|failed|fails|no such|syntax|ambiguous|does not exist|not found|invalid)\b", re.I)


@dataclass(frozen=True)
class Turn:
    question: str | None
    failed_sql: str | None         # the previous reply's SQL when the last user turn says it failed
    prompt: str                    # every message's text, for the conventions a prompt sets
    key: str                       # a digest of the request's messages: same prompt, same key


def text_of(content: Any) -> str:
    """A message's text: a string, or the text of its content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def sql_in(text: str) -> str | None:
    fenced = _FENCED.search(text)
    if fenced and fenced.group(1).strip():
        return fenced.group(1).strip()
    bare = _BARE.search(text)
    return bare.group(0).strip() if bare else None


def read(body: dict[str, Any]) -> Turn:
    messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
    users = [text_of(m.get("content")) for m in messages if m.get("role") == "user"]
    question = None
    for text in reversed(users):            # the last user message first; a repair turn may not repeat it
        found = _QUESTION.findall(text)
        if found:
            question = found[-1]
            break
    failed = None
    if messages and messages[-1].get("role") == "user" and len(messages) >= 2:
        before = messages[-2]
        if before.get("role") == "assistant" and _FAILURE.search(users[-1]):
            failed = sql_in(text_of(before.get("content")))
    prompt = "\n".join(text_of(m.get("content")) for m in messages)
    key = hashlib.sha256(json.dumps(messages, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return Turn(question, failed, prompt, key)
