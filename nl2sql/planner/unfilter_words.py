"""The words of a follow-up that drop one filter of the previous question by name: "drop the segment filter",
"remove the filter on urgent orders (and show it by quarter)" (verbs: vocabulary ``followup.drop_verbs``)."""

from __future__ import annotations

from catalog_semantics.text import stem

from nl2sql.planner.tokens import question_words
from nl2sql.planner.words import phrases, word_list

_ARTICLES = ("the", "a", "that", "this", "its", "on")


def named_unfilter(question: str) -> tuple[tuple[str, ...], str] | None:
    """The words naming the filter to drop, and what the follow-up asks after "and" ("" when nothing).

    >>> named_unfilter("drop the segment filter"), named_unfilter("drop the card filter and show it by quarter")
    ((('segment',), ''), (('card',), 'show it by quarter'))
    >>> named_unfilter("remove the filter on urgent orders"), named_unfilter("lose the filter on AIR and by year")
    ((('urgent', 'orders'), ''), (('air',), 'by year'))
    >>> named_unfilter("remove the filter"), named_unfilter("drop the filter on")
    (None, None)
    >>> named_unfilter("drop the 1994 filter, all years")
    (('1994',), '')
    """
    said = list(question_words(question).words)
    end = next((n for n, w in enumerate(said) if stem(w) in ("filter", "condit")), None)
    if end is None or end < 2 or said[0].lower() not in word_list("followup", "drop_verbs"):
        return None
    # "the filter on urgent orders": what it is on is said after it, up to "and"
    tail = said[end + 1:] if said[end + 1:end + 2] == ["on"] else []
    stop = next((n for n, w in enumerate(tail) if w in ("and", "then")), len(tail))
    rest = tail[stop:] if tail else said[end + 1:]
    if tuple(stem(w) for w in rest) in phrases("followup", "widen"):
        rest = []            # "drop the 1994 filter, all years": what dropping it means, said again
    if rest and (rest[0] not in ("and", "then") or not rest[1:]):
        return None
    named = tuple(w for w in said[1:end] + tail[1:stop] if w.lower() not in _ARTICLES)
    return (named, " ".join(rest[1:])) if named else None
