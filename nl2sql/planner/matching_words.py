"""Function words the matcher reads from the vocabulary file: column head words, meaningful words, signs."""

from __future__ import annotations

import functools

from catalog_semantics.text import stem
from nl2sql.planner.vocabulary import Cue
from nl2sql.planner.words import word_list


@functools.cache
def column_heads() -> frozenset[str]:
    """Words said after a column's name that add nothing to it (vocabulary.yaml ``column_heads``)."""
    return frozenset(stem(w) for w in word_list("column_heads"))


def meaningful_words() -> frozenset[str]:
    """Words never dropped as stop words (vocabulary.yaml ``meaningful``): "will" asks for a forecast,
    "why" for an explanation, which recorded data cannot answer; left unknown, the planner abstains."""
    return _MEANINGFUL or _set_meaningful(frozenset(word_list("meaningful")))


def _set_meaningful(words: frozenset[str]) -> frozenset[str]:
    global _MEANINGFUL
    _MEANINGFUL = words
    return words


_MEANINGFUL: frozenset[str] = frozenset()


def symbol_cues(symbol: str) -> tuple[Cue, ...]:
    ops = {">": ">", "<": "<", ">=": ">=", "<=": "<=", "=": "=", "<>": "!="}
    if symbol in ops:
        return (Cue("cmp", ops[symbol]),)
    return (Cue("stop"),)


@functools.cache
def determiners() -> frozenset[str]:
    """Words after which a word is a noun (vocabulary ``determiners``): "an order by region" is no "order by"."""
    return frozenset(word_list("determiners"))
