"""How well a question's words meet the model's words: identifiers, phrases, comments and sample values.

The detailed scorer of ``linking.py`` is built from these; matching is lexical and deterministic, tolerant of
case, plurals, typos, compounds and implied attributes (``text.py``). Catalog-wide word weights and the value
index come from ``link_index.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from catalog_semantics.link_index import LinkIndex
from catalog_semantics.link_terms import ValueEntry
from catalog_semantics.model import Column
from catalog_semantics.question import QuestionWords, read_question
from catalog_semantics.text import (
    OPERATOR_WORDS, ORDERING, STOPWORDS, fold, implied_stems, link_stem, plain_words, proper_nouns, typo_match, words,
)

OPERATOR_STEMS = frozenset(link_stem(w) for w in OPERATOR_WORDS)
COMMON_WORD_IDF = 0.5          # identifier words this common (in >~25% of a big catalog's tables) are not values


@dataclass(frozen=True)
class LinkedTable:
    name: str
    score: float
    reason: str = "match"                       # "match", "bridge" (on a join path) or "kept" (small schema)


@dataclass(frozen=True)
class LinkedColumn:
    table: str
    name: str
    score: float


@dataclass(frozen=True)
class ValueMatch:
    """A question word (or words) found among a column's sample values."""

    table: str
    column: str
    value: str                                  # as stored, e.g. 'REG AIR'
    words: tuple[str, ...]                      # the question's words that matched it
    score: float = 1.0                          # 1 exact, lower for plural or typo matches



class Question:
    """The question as the detailed scorer meets it, built from its words read once (``question.py``)."""

    def __init__(self, question: str | QuestionWords, *, operator_weight: float = 1.0) -> None:
        read = question if isinstance(question, QuestionWords) else read_question(question)
        text = self.text = read.text
        self.words = read.plain                                   # every word, in order (values need them all)
        self.content = [w for w in read.words if w not in STOPWORDS]
        self.stems = {link_stem(w) for w in self.content}
        # How much a name word met by an aggregation word ("number", "total", "average") counts: across a big
        # catalog such words name columns in hundreds of tables, while the question uses them as operators.
        operators = OPERATOR_STEMS | ({"order", "sort"} if ORDERING.search(text) else set())
        self.weight = {s: operator_weight for s in self.stems & operators} if operator_weight < 1 else {}
        # Words the question implies: "taller" -> height, "1995" -> year, "miles per gallon" -> mpg.
        self.implied = implied_stems(self.words) - self.stems
        # Adjacent words glued, as identifiers often write them: "high schoolers" -> highschooler, "zip code".
        self.joined = {link_stem(a + b) for a, b in zip(self.content, self.content[1:])} - self.stems
        self.entities = proper_nouns(text)
        self.memo: dict[str, float] = {}                          # identifier word -> match, per question
        # The question words a table can explain (its operator words aside), and which of them an implied or
        # glued identifier word stands for: "youngest" is explained by an ``age`` column (``explains``).
        self.asked = self.stems - set(self.weight) - OPERATOR_STEMS
        self.implied_by: dict[str, set[str]] = {}
        for w in self.content:
            for x in implied_stems((w,)):
                self.implied_by.setdefault(x, set()).add(link_stem(w))
        self.joined_from = {link_stem(a + b): (link_stem(a), link_stem(b)) for a, b in zip(self.content, self.content[1:])}
        self.explained: dict[str, tuple[tuple[str, float], ...]] = {}   # identifier word -> question words


def unknown_entities(q: Question, index: LinkIndex, values: tuple[ValueMatch, ...]) -> bool:
    """Whether the question names something (a capitalised or quoted word) that no name or value explains."""
    matched = {w for v in values for w in v.words}
    return any(not all(w in matched or link_stem(w) in index.vocabulary or w in STOPWORDS for w in plain_words(e))
               for e in q.entities)


def names_a_column(value: ValueMatch, index: LinkIndex) -> bool:
    """A value whose words are common identifier words ('ID' for Idaho, 'Name'): the question means the column.

    Only fires in a big model: word weights of a small schema never fall this low.
    """
    return all(index.idf.get(link_stem(w), 1.0) < COMMON_WORD_IDF for w in value.words)


def _word_match(name_word: str, q: Question) -> float:
    """How well one identifier word is found in the question (memoised: schemas repeat their words)."""
    found = q.memo.get(name_word)
    if found is None:
        found = q.memo[name_word] = _match_word(name_word, q)
    return found


def _match_word(name_word: str, q: Question) -> float:
    """Exact or plural, implied, typo, or part of a compound."""
    s = link_stem(name_word)
    if s in q.weight:
        return q.weight[s]
    if s in q.stems or s in q.joined:
        return 1.0
    if s in q.implied:
        return 0.7
    # A guess from an operator word ("county" a typo of "count") weighs no more than the word itself.
    if len(name_word) >= 5:
        typo = max((q.weight.get(qs, 1.0) for qs in q.stems if typo_match(s, qs)), default=0.0)
        if typo:
            return 0.8 * typo
    # Compound or abbreviated identifiers: "mktsegment" holds "segment", "acct" starts "account".
    if len(s) >= 4:
        part = max((q.weight.get(qs, 1.0) for qs in q.stems if len(qs) >= 4 and (qs in s or qs.startswith(s))),
                   default=0.0)
        return 0.6 * part
    return 0.0


def explains(name_word: str, q: Question) -> tuple[tuple[str, float], ...]:
    """The question words an identifier word stands for, each with how well (as ``_match_word`` grades it)."""
    found = q.explained.get(name_word)
    if found is None and not _word_match(name_word, q):       # meets no question word (most don't): cheap
        found = q.explained[name_word] = ()
    if found is None:
        s = link_stem(name_word)
        best: dict[str, float] = {}
        for qs, quality in _explained_by(s, len(name_word), q):
            if qs in q.asked and quality > best.get(qs, 0.0):
                best[qs] = quality
        found = q.explained[name_word] = tuple(sorted(best.items()))
    return found


def _explained_by(s: str, length: int, q: Question) -> list[tuple[str, float]]:
    pairs = [(s, 1.0)] if s in q.stems else []
    pairs += [(x, 1.0) for x in q.joined_from.get(s, ())]
    pairs += [(x, 0.7) for x in q.implied_by.get(s, ())]
    if length >= 5:
        pairs += [(qs, 0.8) for qs in sorted(q.asked) if typo_match(s, qs)]
    if len(s) >= 4:
        pairs += [(qs, 0.6) for qs in sorted(q.asked) if len(qs) >= 4 and qs != s and (qs in s or qs.startswith(s))]
    return pairs


def explained_words(q: Question, names: tuple[str, ...], values: tuple[ValueMatch, ...]) -> dict[str, float]:
    """The question's words that ``names`` (a table's name and its columns' names) or ``values`` (its matched
    values) explain, each with its best match (1 exact, less for implied, typo, compound or partial matches)."""
    best: dict[str, float] = {}
    for name in names:
        for w in _name_parts(name):
            for qs, quality in explains(w, q):
                if quality > best.get(qs, 0.0):
                    best[qs] = quality
    for v in values:
        for w in v.words:
            qs = link_stem(w)
            if qs in q.asked and v.score > best.get(qs, 0.0):
                best[qs] = v.score
    return best


def word_share(q: Question, index: LinkIndex, explained: dict[str, float]) -> float:
    """The share of the question's words (weighted by rarity) that are explained, each by its match: 0..1.

    Two tables named alike ("dog") are told apart by the question's other words ("weight of the youngest dog":
    a ``weight`` and an ``age`` column), however many of their columns repeat the shared word.
    """
    if not q.asked:
        return 0.0
    asked = sorted(q.asked)                     # sorted: the same sums, so the same ties, in every process
    total = sum(index.idf.get(qs, 1.0) for qs in asked)
    return sum(explained.get(qs, 0.0) * index.idf.get(qs, 1.0) for qs in asked) / total


@lru_cache(maxsize=65536)
def _name_parts(name: str) -> tuple[str, ...]:
    """The words of an identifier worth matching: no one-letter prefixes (``l_``), numbers or stop words."""
    return tuple(w for w in words(name) if len(w) > 1 and not w.isdigit() and w not in STOPWORDS)


@lru_cache(maxsize=16384)
def _text_stems(text: str) -> frozenset[str]:
    return frozenset(link_stem(w) for w in words(text) if w not in STOPWORDS)


def name_score(q: Question, index: LinkIndex, name: str) -> float:
    parts = _name_parts(name)
    if not parts:
        return 0.0
    weights = [index.idf.get(link_stem(w), 1.0) for w in parts]
    matched = sum(_word_match(w, q) * wt for w, wt in zip(parts, weights))
    if matched == 0:
        return 0.0
    coverage = matched / sum(weights)
    return round(0.5 * max(_word_match(w, q) * wt for w, wt in zip(parts, weights)) + 0.5 * coverage, 3)


def _phrase_score(q: Question, phrase: str) -> float:
    """A synonym or metric name: 1 when all its words are in the question, partial credit otherwise."""
    parts = [w for w in words(phrase) if w not in STOPWORDS] or list(words(phrase))
    if not parts:
        return 0.0
    matched = [_word_match(w, q) for w in parts]
    if all(m >= 0.8 for m in matched):
        return 1.0
    return round(0.6 * sum(matched) / len(parts), 3)


def best_phrase(q: Question, phrases: tuple[str, ...]) -> float:
    return max((_phrase_score(q, p) for p in phrases), default=0.0)


def comment_score(q: Question, index: LinkIndex, comment: str | None, cap: float) -> float:
    if not comment or not q.stems:
        return 0.0
    comment_stems = _text_stems(comment)
    hits = [index.idf.get(s, 0.6) for s in q.stems if s in comment_stems and len(s) > 2]
    return min(cap, 0.15 * sum(hits))


def column_score(q: Question, index: LinkIndex, column: Column) -> float:
    named = max(name_score(q, index, column.name), best_phrase(q, column.synonyms))
    return round(named + comment_score(q, index, column.comment, 0.4), 3)


def value_candidates(q: Question, index: LinkIndex) -> list[ValueEntry]:
    """Values whose first word could match a question word: same word, same stem, a typo away, or a prefix."""
    firsts: set[str] = set()
    for w in set(q.words):
        firsts.add(w)
        firsts.update(index.by_stem.get(link_stem(w), ()))
        if len(w) >= 5:
            for n in range(len(w) - 2, len(w) + 3):
                firsts.update(f for f in index.by_shape.get((w[0], n), ()) if len(f) >= 5 and typo_match(f, w))
        firsts.update(w[:n] for n in range(4, len(w)))
    return [e for f in sorted(firsts) for e in index.values.get(f, ())]


def match_value(q: Question, entry: ValueEntry) -> ValueMatch | None:
    """The value's words found consecutively in the question (case-insensitive, plural and typo tolerant)."""
    n = len(entry.words)
    best: ValueMatch | None = None
    for start in range(len(q.words) - n + 1):
        window = q.words[start:start + n]
        quality = 1.0
        for vw, qw in zip(entry.words, window):
            if vw == qw:
                continue
            if link_stem(vw) == link_stem(qw) and len(vw) >= 3:
                quality = min(quality, 0.9)
            elif len(vw) >= 5 and typo_match(vw, qw):
                quality = min(quality, 0.7)
            elif n == 1 and len(vw) >= 4 and qw.startswith(vw):      # "european" -> 'Europe'
                quality = min(quality, 0.6)
            else:
                quality = 0.0
                break
        if quality > 0 and (best is None or quality > best.score):
            best = ValueMatch(entry.table, entry.column, entry.value, tuple(window), quality)
    if best is not None and n == 1 and fold(entry.value) in STOPWORDS:
        return None
    return best
