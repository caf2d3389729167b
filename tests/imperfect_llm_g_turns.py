"""Stub "g", reading a request: which question is asked, and whether this turn follows a reply of its own that was
cut, that failed, or something else (a clarifying answer, a new instruction). It reads the words of the turn as a
model would, not a fixed message: "cut off", "length", "truncated" mean cut; "failed", "error" mean failed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

After = Literal["ask", "cut", "failed", "other"]

_CUT = re.compile(r"cut off|length limit|truncated|incomplete|too long", re.IGNORECASE)
_FAILED = re.compile(r"fail|error|not run", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    """``question``: the last question asked ("" if none); ``after``: what this turn follows; ``previous``: the
    model's own last reply; ``key``: a digest of the whole conversation (same prompt, same key)."""

    question: str
    after: After
    previous: str
    key: str


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content or "")


def read(body: dict[str, Any]) -> Turn:
    messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
    users = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
    asked = next((u.rsplit("Question:", 1)[-1].strip() for u in reversed(users) if "Question:" in u), "")
    question = asked.splitlines()[0].strip() if asked else ""
    said = [i for i, m in enumerate(messages) if m.get("role") == "assistant"]
    previous = _text(messages[said[-1]].get("content")) if said else ""
    last = messages[-1] if messages else {}
    after: After = "ask"
    if said and last.get("role") == "user" and said[-1] < len(messages) - 1:
        words = _text(last.get("content"))
        after = "cut" if _CUT.search(words) else "failed" if _FAILED.search(words) else "other"
    digest = json.dumps([[m.get("role"), _text(m.get("content"))] for m in messages], sort_keys=True)
    return Turn(question, after, previous, hashlib.sha256(digest.encode()).hexdigest()[:24])
