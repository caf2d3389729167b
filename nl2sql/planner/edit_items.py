"""What the edit rules ask of a follow-up's items: their stems, the kinds of concept they name, a count, a
preposition (helpers of ``edit_rules``)."""

from __future__ import annotations

from nl2sql.planner.lexicon import Concept
from nl2sql.planner.matching import Item
from nl2sql.planner.words import phrases


def _stems(it: Item) -> tuple[str, ...]:
    from catalog_semantics.text import stem, words

    return tuple(stem(w) for w in words(it.text))


def _kinds(it: Item) -> set[str]:
    return {c.kind for c in it.concepts}


def _of_kind(it: Item, *kinds: str) -> tuple[Concept, ...]:
    if it.kind not in ("concept", "literal"):
        return ()
    return tuple(c for c in it.concepts if c.kind in kinds)


def _word_in_values(it: Item) -> tuple[Concept, ...]:
    """A word seen inside a column's values ('green' in part names), unless it is a word follow-ups say for
    themselves ('same' in "same but 2024 only" is not the SAME_DAY service level)."""
    own = phrases("followup", "fillers") | phrases("followup", "leading") | phrases("followup", "anywhere")
    return () if _stems(it) in own or it.cues else _of_kind(it, "valueword")


def _preposition(it: Item) -> bool:
    return it.kind == "cue" and _stems(it) in phrases("followup", "prepositions")


def _names_column(it: Item, values: tuple[Concept, ...], some: bool = False) -> bool:
    """Whether the item names the values' column (``some``: one of the columns it names, "green in the name")."""
    cols = {(c.table, c.column) for c in values}
    found = [c.kind == "column" and (c.table, c.column) in cols for c in it.concepts]
    return it.kind == "concept" and bool(found) and (any(found) and all(c.kind == "column" for c in it.concepts)
                                                     if some else all(found))


def _count(it: Item) -> int | None:
    n = it.number
    if it.kind == "number" and n is not None and n == int(n) and 0 < n <= 1000:
        return int(n)
    word = it.cue("numword")
    # "the bottom ones" is not one row: a number word counts only as said, never inflected
    return int(word.arg) if word and _stems(it) == tuple(it.text.lower().split()) else None
