"""Derivational morphology: the root a verb and a noun share ("enrolled" / enrolment, "departing" / departure,
"opened" / Open_Year), so a question's verb can find the table or column named by its noun.

The endings are vocabulary data (``derivation`` in vocabulary.yaml); a root is never shorter than ``min_root``
letters (``min_noun_root`` when a noun ending comes off), so short words ("state" / "station") do not meet by
accident.
"""

from __future__ import annotations

from functools import cache

from nl2sql.planner.words import vocabulary, word_list

_VOWELS = frozenset("aeiouy")


@cache
def _min_root(key: str = "min_root") -> int:
    node = vocabulary().get("derivation", {})
    return int(node.get(key, 4)) if isinstance(node, dict) else 4


def _strip(word: str, endings: tuple[str, ...], least: int) -> str:
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= least:
            return word[:-len(ending)]
    return word


def _settle(word: str) -> str:
    """A doubled last consonant is one, a final e is dropped: 'enroll' and 'enrol', 'release' and 'releas'."""
    if len(word) > _min_root() and word[-1] == word[-2] and word[-1] not in _VOWELS:
        word = word[:-1]
    if len(word) > _min_root() and word.endswith("e"):
        word = word[:-1]
    return word


def verb_root(word: str) -> str:
    """The root of a question's word, its inflection taken off.

    >>> verb_root("enrolled"), verb_root("departing"), verb_root("opened"), verb_root("released")
    ('enrol', 'depart', 'open', 'releas')
    """
    return _settle(_strip(word.lower(), word_list("derivation", "inflections"), _min_root()))


def noun_root(word: str) -> str:
    """The root of a name's word, a noun ending or an inflection taken off.

    >>> noun_root("enrolment"), noun_root("departure"), noun_root("arrival"), noun_root("open")
    ('enrol', 'depart', 'arriv', 'open')
    """
    w = word.lower()
    stripped = _strip(w, word_list("derivation", "noun_endings"), _min_root("min_noun_root"))
    if stripped == w:
        stripped = _strip(w, word_list("derivation", "inflections"), _min_root())
    return _settle(stripped)


def same_root(verb: str, noun: str) -> bool:
    """Whether a question's word and a name's word share a root of at least ``min_root`` letters.

    >>> same_root("enrolled", "enrolment"), same_root("arriving", "arrival"), same_root("stated", "station")
    (True, True, False)
    """
    root = verb_root(verb)
    return len(root) >= _min_root() and root == noun_root(noun)
