"""Value retrieval (CHESS): an index of the distinct values of text columns, queried with the question's phrases.

The linker matches the few sample values a catalog read keeps for low-cardinality columns; a question that
names a customer, a city or a product code in a column of thousands of values needs more. This index holds up
to ``per_column`` distinct values of every text column (high-cardinality ones included), normalised (case,
accents, punctuation folded), and matches the question's phrases of one to four words against it, exactly or
with one typo (a deletion neighbourhood, SymSpell-style, so a look-up is a few dictionary probes, not a scan).
Pure: the values are given; ``nl2sql.llm.value_index`` reads them from the warehouse and caches the index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from catalog_semantics.text import STOPWORDS, fold

MAX_PHRASE_WORDS = 4
MIN_TYPO_CHARS = 5                              # shorter phrases must match exactly ("cat" is not "car")
MAX_VALUE_CHARS = 60
MAX_HITS = 12
_WORD = re.compile(r"[\w#&'./-]+", re.UNICODE)


def normal(text: str) -> str:
    """Case-, accent- and punctuation-folded text, for comparing a value with a question phrase.

    >>> normal("  São  Paulo!"), normal("REG AIR"), normal("Clerk#000000007")
    ('sao paulo', 'reg air', 'clerk#000000007')
    """
    return " ".join(re.sub(r"[^\w#&/-]+", " ", fold(text).lower()).split())


def _deletions(text: str) -> set[str]:
    return {text[:i] + text[i + 1:] for i in range(len(text))}


@dataclass(frozen=True)
class ValueHit:
    table: str
    column: str
    value: str                                  # as stored
    phrase: str                                 # the question's words that matched it
    exact: bool


@dataclass(frozen=True)
class ValueIndex:
    """Normalised value -> where it is stored; plus the one-deletion neighbourhood for typo look-ups."""

    exact: Mapping[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)
    near: Mapping[str, tuple[str, ...]] = field(default_factory=dict)     # deletion -> normalised values

    @classmethod
    def build(cls, columns: Iterable[tuple[str, str, Iterable[str]]]) -> ValueIndex:
        """From (table, column, distinct values) triples; long values (prose) and bare numbers are left out.

        >>> index = ValueIndex.build([("nation", "n_name", ["GERMANY", "FRANCE"])])
        >>> [(h.value, h.exact) for h in index.match("revenue in Germny and in france")]
        [('GERMANY', False), ('FRANCE', True)]
        """
        exact: dict[str, list[tuple[str, str, str]]] = {}
        for table, column, values in columns:
            for value in values:
                if not isinstance(value, str) or len(value) > MAX_VALUE_CHARS:
                    continue
                key = normal(value)
                if key and not key.replace(" ", "").isdigit():
                    exact.setdefault(key, []).append((table, column, value))
        near: dict[str, list[str]] = {}
        for key in exact:
            if len(key) >= MIN_TYPO_CHARS:
                for d in _deletions(key):
                    near.setdefault(d, []).append(key)
        return cls({k: tuple(v) for k, v in exact.items()}, {k: tuple(v) for k, v in near.items()})

    def __len__(self) -> int:
        return len(self.exact)

    def match(self, question: str) -> tuple[ValueHit, ...]:
        """Values the question names, longest phrases first; a word used by a longer match is not reused."""
        return match_all((self,), question)


def match_all(indexes: Sequence[ValueIndex], question: str) -> tuple[ValueHit, ...]:
    """``ValueIndex.match`` over several indexes as if they were one (each table's index built once, a question's
    tables' indexes asked together: ``nl2sql.llm.question_values``); the question's phrases are read once.

    >>> towns = ValueIndex.build([("towns", "name", ["Paris"])])
    >>> people = ValueIndex.build([("people", "name", ["Ann"])])
    >>> [(h.table, h.value) for h in match_all((towns, people), "Ann in Pariss")]
    [('people', 'Ann'), ('towns', 'Paris')]
    """
    tokens = _WORD.findall(question)
    hits: list[ValueHit] = []
    used: set[int] = set()
    for size in range(MAX_PHRASE_WORDS, 0, -1):
        for start in range(len(tokens) - size + 1):
            span = set(range(start, start + size))
            if span & used:
                continue
            phrase = " ".join(tokens[start:start + size])
            key = normal(phrase)
            if not key or all(w in STOPWORDS for w in key.split()) or (size == 1 and len(key) < 3):
                continue
            found = _look_up(indexes, key)
            if found:
                used |= span
                hits += [ValueHit(t, c, v, phrase, exact) for t, c, v, exact in found]
    return tuple(hits[:MAX_HITS])


def _look_up(indexes: Sequence[ValueIndex], key: str) -> list[tuple[str, str, str, bool]]:
    exact = [(*place, True) for index in indexes for place in index.exact.get(key, ())]
    if exact or len(key) < MIN_TYPO_CHARS:
        return exact
    # One edit: a deletion on either side (insertions, deletions, substitutions; SymSpell's trick).
    deletions = _deletions(key)
    candidates: set[str] = set()
    for index in indexes:
        candidates |= set(index.near.get(key, ())) | {d for d in deletions if d in index.exact}
        candidates |= {v for d in deletions for v in index.near.get(d, ())}
    close = sorted(c for c in candidates if c[0] == key[0] and abs(len(c) - len(key)) <= 1)
    return [(*place, False) for c in close[:3] for index in indexes for place in index.exact.get(c, ())]
