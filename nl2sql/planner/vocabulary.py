"""The English function words the planner understands, independent of any schema (the words themselves
live in vocabulary.yaml; this module indexes them).

Everything a question says is either one of these, a concept of the semantic model, a number, a date
or a literal; anything else makes the planner abstain and name the word. Phrases are written plainly
and matched on stems, so "averages" and "sorted" work too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, TypeGuard, get_args

from catalog_semantics.text import stem, words
from nl2sql.planner.words import vocabulary


# Every kind of function word: those the ``cues`` of vocabulary.yaml give, in its order, then the calendar words
# (``months``, ``halves``, ``quarters``). A kind the file gives and this list lacks is refused when it loads.
CueKind = Literal["agg", "extreme", "star", "distinct", "mode", "group", "grain", "unit", "top", "order", "dir", "cmp",
                  "cmp_post", "date_cmp", "neg", "share", "contains", "and", "or", "list", "stop", "per_value", "trend",
                  "time_dir", "numword", "month", "half", "quarter"]
_CUE_KINDS = frozenset(get_args(CueKind))


@dataclass(frozen=True)
class Cue:
    kind: CueKind
    arg: str = ""


def _is_cue_kind(kind: str) -> TypeGuard[CueKind]:
    return kind in _CUE_KINDS


def _cue(kind: str, arg: str) -> Cue:
    if not _is_cue_kind(kind):
        raise ValueError(f"vocabulary.yaml: unknown cue kind {kind!r} (vocabulary.CueKind lists the known ones)")
    return Cue(kind, arg)


def _cues() -> tuple[tuple[str, Cue], ...]:
    groups = vocabulary().get("cues", [])
    return tuple((str(p).strip(), _cue(str(g["kind"]), str(g.get("arg", "")))) for g in groups
                 for p in g["phrases"] if str(p).strip())


def _months() -> dict[str, int]:
    return {str(name): int(n) for n, names in vocabulary().get("months", {}).items() for name in names}


def _numbered(key: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in vocabulary().get(key, {}).items()}


def _adjectives() -> dict[str, tuple[bool, tuple[str, ...]]]:
    return {str(k): (bool(v["descending"]), tuple(str(c) for c in v["columns"]))
            for k, v in vocabulary().get("adjective_attributes", {}).items()}


# The function words, from vocabulary.yaml (package data): a phrase may carry several cues ("by": group and
# stop; "top": extreme and top); the reader decides.
CUES: tuple[tuple[str, Cue], ...] = _cues()
MONTHS: dict[str, int] = _months()
HALVES: dict[str, int] = _numbered("halves")
QUARTERS: dict[str, int] = _numbered("quarters")
# Adjectives of degree and the attribute they rank by ("the oldest singer" ranks by age); the model
# still has to have such a column on the table in question.
ADJECTIVE_ATTRIBUTES: dict[str, tuple[bool, tuple[str, ...]]] = _adjectives()


@lru_cache(maxsize=1)
def exact_phrases(kind: CueKind) -> frozenset[tuple[str, ...]]:
    """Cue phrases of one kind as written (not stemmed): 'orders by' is not 'ordered by'."""
    return frozenset(tuple(words(p)) for p, c in CUES if c.kind == kind)


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The stems a phrase is matched on.

    >>> phrase_key("Sorted by"), phrase_key("how many")
    (('sort', 'by'), ('how', 'many'))
    """
    return tuple(stem(w) for w in words(phrase))


@lru_cache(maxsize=1)
def cue_index() -> dict[tuple[str, ...], tuple[Cue, ...]]:
    """Every cue phrase by its stems; one phrase may carry several cues (e.g. 'top': extreme and top)."""
    index: dict[tuple[str, ...], list[Cue]] = {}
    for phrase, cue in CUES:
        found = index.setdefault(phrase_key(phrase), [])
        if cue not in found:
            found.append(cue)
    for name, month in MONTHS.items():
        index.setdefault(phrase_key(name), []).append(Cue("month", str(month)))
    for name, half in HALVES.items():
        index.setdefault(phrase_key(name), []).append(Cue("half", str(half)))
    for name, quarter in QUARTERS.items():
        index.setdefault(phrase_key(name), []).append(Cue("quarter", str(quarter)))
    return {k: tuple(v) for k, v in index.items()}
