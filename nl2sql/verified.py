"""Match a question to a verified question→SQL pair a person has checked.

A verified answer is labelled trusted, so a match must be near-certain: the two questions must say the
same thing word for word, up to case, punctuation, word order, filler words, plural endings and
one-letter typos in longer words. Numbers must be identical ("top 5" never matches "top 10").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Iterable

from catalog_semantics.model import VerifiedQuery

# Words that carry no meaning for matching: "show me the revenue" ≡ "revenue".
_FILLER = frozenset(
    ["a", "an", "the", "of", "for", "in", "on", "at", "to", "by", "per", "with", "and", "or", "is", "are", "was", "were", "be", "what", "which", "who", "whose", "how", "show", "me", "list", "give", "get", "find", "tell", "display", "please", "i", "we", "our", "my", "do", "does", "did", "there", "all", "each", "every", "total"]
)
_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?")  # "4,000,000" and "1.5" stay one token


@dataclass(frozen=True)
class VerifiedMatch:
    query: VerifiedQuery
    phrasing: str                       # the question or alternate that matched


def _normalise_word(word: str) -> str:
    word = word.replace(",", "")
    if word.isdigit() or not word.isalpha():
        return word
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def question_key(text: str) -> tuple[str, ...]:
    """The sorted content words of a question.

    >>> question_key("Show me the total Revenue by Region?")
    ('region', 'revenue')
    """
    words = (_normalise_word(w) for w in _WORD.findall(text.lower()))
    return tuple(sorted(w for w in words if w not in _FILLER))


def _close(a: str, b: str) -> bool:
    """Equal, or one edit apart when both are alphabetic words of five letters or more."""
    if a == b:
        return True
    if not (a.isalpha() and b.isalpha()) or min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (
            len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _same(key_a: tuple[str, ...], key_b: tuple[str, ...]) -> bool:
    if len(key_a) != len(key_b) or not key_a:
        return False
    if key_a == key_b:
        return True
    remaining = list(key_b)
    for word in key_a:
        hit = next((i for i, other in enumerate(remaining) if _close(word, other)), None)
        if hit is None:
            return False
        remaining.pop(hit)
    return True


def match_verified(question: str, queries: Iterable[VerifiedQuery]) -> VerifiedMatch | None:
    """The verified query whose question (or an alternate phrasing) says the same as ``question``."""
    key = question_key(question)
    for query in queries:
        for phrasing in (query.question, *query.alternates):
            if _same(key, question_key(phrasing)):
                return VerifiedMatch(query, phrasing)
    return None
