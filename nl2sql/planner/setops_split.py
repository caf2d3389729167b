"""Where a set-operation marker splits a question into two questions (planner.setops reads each).

"students who have both cat and dog pets" -> ("students who have cat pets", "students who have dog pets"); "X but
not Y", "the X shared by A and B" and "A or B" likewise. The markers are data (``vocabulary.yaml``
``set_operations``). A split is only a candidate: both sides must read whole and their frames must differ as
planner.setops.combine requires, so a split in the wrong place is never answered.
"""

from __future__ import annotations

from collections.abc import Iterator

from catalog_semantics.text import words as split_words
from nl2sql.planner.spec import SetKind
from nl2sql.planner.tokens import token_spans
from nl2sql.planner.words import word_list

_MAX_SIDE = 8            # tokens one side of "both X and Y" may have
_MAX_OR = 6              # tokens one side of "X or Y" may have
Spans = tuple[tuple[int, int], ...]


def _markers(kind: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(split_words(p)) for p in word_list("set_operations", kind))


def splits(question: str, *, first: bool) -> Iterator[tuple[SetKind, str, str]]:
    """(kind, left question, right question) candidates, the likeliest first."""
    spans = token_spans(question)
    words = tuple(question[a:b].lower() for a, b in spans)
    if first:
        yield from (("intersect", a, b) for a, b in _shared_splits(question, spans, words))
        yield from (("union", a, b) for a, b in _or_splits(question, spans, words))
        return
    yield from (("intersect", a, b) for a, b in _both_splits(question, spans, words))
    yield from (("except", a, b) for a, b in _but_not_splits(question, spans, words))


def _both_splits(q: str, spans: Spans, words: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """'... both X and Y rest': ('... X rest', '... Y rest'), Y as long as X (or one longer or shorter, or up
    to the end of the question)."""
    for b in _positions(words, _markers("intersect")):
        a = next((k for k in range(b + 2, min(len(words), b + 2 + _MAX_SIDE)) if words[k] == "and"), None)
        if a is None:
            continue
        n = a - b - 1
        for m in dict.fromkeys((n, n + 1, n - 1, len(words) - a - 1)):
            if not 1 <= m <= _MAX_SIDE or a + m >= len(words):
                continue
            x = q[spans[b + 1][0]:spans[a - 1][1]]
            y = q[spans[a + 1][0]:spans[a + m][1]]
            head, tail = q[:spans[b][0]], q[spans[a + m][1]:]
            yield head + x + tail, head + y + tail


def _but_not_splits(q: str, spans: Spans,
                    words: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """'... X but not Y rest': ('... X rest', '... Y rest'), X and Y parallel (the same first word, "from CVO
    but not from APG", or as many words, "has a dog but does not have a cat"); the longest Y first, so that the rest after it is shared."""
    for marker in _markers("except"):
        for p in _positions(words, (marker,)):
            after = p + len(marker)
            for m in range(min(len(words) - after, _MAX_SIDE), 0, -1):
                for n in range(1, min(p, _MAX_SIDE) + 1):
                    if words[p - n] != words[after] and n != m:
                        continue
                    x = q[spans[p - n][0]:spans[p - 1][1]]
                    y = q[spans[after][0]:spans[after + m - 1][1]]
                    head, tail = q[:spans[p - n][0]], q[spans[after + m - 1][1]:]
                    yield head + x + tail, head + y + tail


def _shared_splits(q: str, spans: Spans,
                   words: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """'the X shared by rows A and B': ('the X of rows A', 'the X of rows B'), A as long as B (or one longer or
    shorter), B up to the end of the question."""
    for marker in _markers("shared"):
        for p in _positions(words, (marker,)):
            after = p + len(marker)
            for a in (k for k in range(after + 1, len(words) - 1) if words[k] == "and"):
                m = len(words) - a - 1
                for n in dict.fromkeys((m, m + 1, m - 1)):
                    if not 1 <= n <= a - after or m > _MAX_SIDE:
                        continue
                    head = q[:spans[p][0]] + "of " + q[spans[after][0]:spans[a - n][0]]
                    x = q[spans[a - n][0]:spans[a - 1][1]]
                    y, tail = q[spans[a + 1][0]:spans[-1][1]], q[spans[-1][1]:]
                    yield head + x + tail, head + y + tail


def _or_splits(q: str, spans: Spans, words: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """'... X or Y rest': ('... X rest', '... Y rest'); Y up to the end of the question first (what follows "or"
    belongs to its side: "customers in Oslo or with purchases in the WEB channel"), then the shortest sides
    ("customers in the RETAIL segment or in Tromso": "in the RETAIL segment" / "in Tromso")."""
    for k in _positions(words, _markers("union")):
        last = len(words) - k - 1
        # sides that leave words after Y are parallel (as long, one word apart): those words belong to both
        pairs = [(n, m) for n in range(1, min(k, _MAX_OR) + 1) for m in range(1, min(last, _MAX_OR) + 1)
                 if (m == last or abs(n - m) <= 1) and not _bare_number_beside_more(words, k, n, m)]
        for n, m in sorted(pairs, key=lambda p: (p[1] != last, p[0] + p[1], abs(p[0] - p[1]))):
            head, tail = q[:spans[k - n][0]], q[spans[k + m][1]:]
            x, y = q[spans[k - n][0]:spans[k - 1][1]], q[spans[k + 1][0]:spans[k + m][1]]
            yield head + x + tail, head + y + tail


def _bare_number_beside_more(words: tuple[str, ...], k: int, n: int, m: int) -> bool:
    """'grade 9 or 12': a number right before "or" (at k) and one right after are two values of whatever names the
    first, so only the number is a side ("grade 9" / "12" would look up the key 12); a number alone on one side is
    never a side beside more words.

    >>> w = ("grade", "9", "or", "12")
    >>> _bare_number_beside_more(w, 2, 1, 1), _bare_number_beside_more(w, 2, 2, 1)
    (False, True)
    """
    def number(side: tuple[str, ...]) -> bool:
        return len(side) == 1 and side[0].replace(".", "", 1).isdigit()
    if number(words[k - 1:k]) and number(words[k + 1:k + 2]):
        return n != 1
    x, y = words[k - n:k], words[k + 1:k + 1 + m]
    return (number(x) or number(y)) and not (number(x) and number(y))


def _positions(words: tuple[str, ...], markers: tuple[tuple[str, ...], ...]) -> list[int]:
    return [k for k in range(len(words)) for mk in markers if words[k:k + len(mk)] == mk]


