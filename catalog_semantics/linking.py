"""Schema linking: which tables, columns, values, metrics and filters of the model a question is about.

Its first job is recall for the prompt: a table the SQL needs but the prompt lacks is a wrong answer,
an extra table only costs tokens. So a small schema is kept whole (every table scored, none dropped),
and a large one keeps the best tables plus the bridge tables that join them. Matching is lexical and
deterministic: identifier words (snake_case and camelCase split), synonyms, comments, metric and filter
names, and the sample values of text columns, tolerant of case, plurals and typos (``text.py``).
"""

from __future__ import annotations

import math
import weakref
from functools import lru_cache
from dataclasses import dataclass

from catalog_semantics.join_paths import bridge_tables, join_graph
from catalog_semantics.model import Column, Metric, NamedFilter, SemanticModel, Table
from catalog_semantics.text import (
    STOPWORDS, fold, implied_stems, is_text_type, plain_words, proper_nouns, stem, typo_match, words,
)


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


@dataclass(frozen=True)
class LinkedSchema:
    """The part of the model a question needs; tables best first, always joinable when the model allows."""

    question: str
    tables: tuple[LinkedTable, ...]
    columns: tuple[LinkedColumn, ...] = ()
    values: tuple[ValueMatch, ...] = ()
    metrics: tuple[Metric, ...] = ()
    filters: tuple[NamedFilter, ...] = ()
    complete: bool = True                       # every table of the model is kept

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)

    def table_score(self, name: str) -> float | None:
        return next((t.score for t in self.tables if t.name.lower() == name.lower()), None)

    def column_score(self, table: str, column: str) -> float:
        key = (table.lower(), column.lower())
        return next((c.score for c in self.columns if (c.table.lower(), c.name.lower()) == key), 0.0)


def link(model: SemanticModel, question: str, *, max_tables: int = 6, min_score: float = 0.3,
         keep_all_up_to: int = 8) -> LinkedSchema:
    """Rank the model's tables and columns for ``question``; prune only schemas above ``keep_all_up_to`` tables.

    When pruning, tables scoring at least ``min_score`` are kept (the best ``max_tables``), then bridge
    tables on the shortest join paths between them; if nothing matches, every table is kept.
    """
    q = _Question(question)
    index = _index(model)
    values = tuple(v for v in (_match_value(q, e) for e in _value_candidates(q, index)) if v is not None)
    metrics = tuple(m for m in model.metrics if _best_phrase(q, (m.name, *m.synonyms)) >= 0.99)
    filters = tuple(f for f in model.filters if _best_phrase(q, (f.name, *f.synonyms)) >= 0.99)
    unknown = _unknown_entities(q, index, values)
    value_bonus: dict[tuple[str, str], float] = {}
    table_value: dict[str, float] = {}
    for v in values:
        value_bonus[(v.table, v.column)] = max(v.score, value_bonus.get((v.table, v.column), 0.0))
        table_value[v.table] = max(v.score, table_value.get(v.table, 0.0))
    named_tables = {n for m in metrics for n in (m.table, *m.joins)} | {f.table for f in filters}
    columns: list[LinkedColumn] = []
    scores: dict[str, float] = {}
    for table in model.tables:
        col_scores = sorted(((_column_score(q, index, c) + value_bonus.get((table.name, c.name), 0.0), c.name)
                             for c in table.columns), reverse=True)
        columns += [LinkedColumn(table.name, name, round(s, 3)) for s, name in col_scores if s > 0]
        best = [s for s, _ in col_scores[:2]] + [0.0, 0.0]
        score = max(_name_score(q, index, table.name), _best_phrase(q, table.synonyms))
        score += 0.6 * best[0] + 0.2 * best[1] + _comment_score(q, index, table.comment, 0.6)
        score += table_value.get(table.name, 0.0)
        if table.name in named_tables:
            score += 1.0
        if unknown and table.name in index.open_text:   # "flights from Aberdeen": some free-text column holds it
            score += 0.3
        scores[table.name] = round(score, 3)
    ranked = sorted(model.tables, key=lambda t: (-scores[t.name], t.name))
    if len(model.tables) <= keep_all_up_to:
        chosen = [LinkedTable(t.name, scores[t.name], "match" if scores[t.name] >= min_score else "kept")
                  for t in ranked]
        complete = True
    else:
        chosen = _prune(model, ranked, scores, max_tables, min_score)
        complete = len(chosen) == len(model.tables)
    kept = {t.name for t in chosen}
    return LinkedSchema(
        question=question,
        tables=tuple(chosen),
        columns=tuple(c for c in columns if c.table in kept),
        values=tuple(v for v in values if v.table in kept),
        metrics=metrics,
        filters=filters,
        complete=complete,
    )


def _prune(model: SemanticModel, ranked: list[Table], scores: dict[str, float], max_tables: int,
           min_score: float) -> list[LinkedTable]:
    top = scores[ranked[0].name] if ranked else 0.0
    picked = [t.name for t in ranked if scores[t.name] >= max(min_score, 0.1 * top)][:max_tables]
    if not picked:                               # nothing matched: no basis to prune, keep everything
        return [LinkedTable(t.name, scores[t.name], "kept") for t in ranked]
    graph = join_graph(model)
    chosen = [LinkedTable(n, scores[n]) for n in picked]
    for bridge in bridge_tables(graph, picked):
        chosen.append(LinkedTable(bridge, scores[bridge], "bridge"))
    return chosen


# ------------------------------------------------------------------------------------------ matching

class _Question:
    def __init__(self, text: str) -> None:
        self.words = plain_words(text)                            # every word, in order (values need them all)
        self.content = [w for w in words(text) if w not in STOPWORDS]
        self.stems = {stem(w) for w in self.content}
        # Words the question implies: "taller" -> height, "1995" -> year, "miles per gallon" -> mpg.
        self.implied = implied_stems(self.words) - self.stems
        self.entities = proper_nouns(text)
        self.memo: dict[str, float] = {}                          # identifier word -> match, per question


@dataclass(frozen=True)
class _ValueEntry:
    table: str
    column: str
    value: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class _Index:
    idf: dict[str, float]                      # identifier-word stem -> weight (rare words count more)
    values: dict[str, tuple[_ValueEntry, ...]]  # first word of the value -> entries
    by_stem: dict[str, tuple[str, ...]]        # stem of a first word -> first words
    by_shape: dict[tuple[str, int], tuple[str, ...]]   # (initial, length) of a first word -> first words
    vocabulary: frozenset[str]                 # stems of every name, synonym and comment word
    open_text: frozenset[str]                  # tables with a text column too varied to sample (names, cities)


_INDEXES: dict[int, tuple[weakref.ref, _Index]] = {}


def _index(model: SemanticModel) -> _Index:
    """Per-model word weights and value list, built once per model object."""
    cached = _INDEXES.get(id(model))
    if cached is not None and cached[0]() is model:
        return cached[1]
    df: dict[str, int] = {}
    for t in model.tables:
        for s in {stem(w) for c in t.columns for w in words(c.name)} | {stem(w) for w in words(t.name)}:
            df[s] = df.get(s, 0) + 1
    n = max(len(model.tables), 1)
    idf = {s: 0.35 + 0.65 * math.log(1 + n / d) / math.log(1 + n) for s, d in df.items()}
    entries = []
    for t in model.tables:
        for c in t.columns:
            for v in c.sample_values:
                vw = plain_words(v)
                if any(len(w) >= 2 and not w.isdigit() for w in vw) and not all(w in STOPWORDS for w in vw):
                    entries.append(_ValueEntry(t.name, c.name, v, vw))
    vocabulary = {stem(w) for t in model.tables for text in _texts(t) for w in words(text)}
    vocabulary |= {stem(w) for m in (*model.metrics, *model.filters) for p in (m.name, *m.synonyms) for w in words(p)}
    open_text = frozenset(t.name for t in model.tables if any(
        is_text_type(c.type) and not c.sample_values and not c.is_primary_key for c in t.columns))
    by_first: dict[str, list[_ValueEntry]] = {}
    for e in entries:
        by_first.setdefault(e.words[0], []).append(e)
    by_stem: dict[str, list[str]] = {}
    by_shape: dict[tuple[str, int], list[str]] = {}
    for first in by_first:
        by_stem.setdefault(stem(first), []).append(first)
        by_shape.setdefault((first[0], len(first)), []).append(first)
    index = _Index(idf, {k: tuple(v) for k, v in by_first.items()}, {k: tuple(v) for k, v in by_stem.items()},
                   {k: tuple(v) for k, v in by_shape.items()}, frozenset(vocabulary), open_text)
    if len(_INDEXES) > 32:
        _INDEXES.clear()
    _INDEXES[id(model)] = (weakref.ref(model), index)
    return index


def _texts(table: Table) -> tuple[str, ...]:
    return (table.name, table.comment or "", *table.synonyms,
            *(x for c in table.columns for x in (c.name, c.comment or "", *c.synonyms)))


def _unknown_entities(q: _Question, index: _Index, values: tuple[ValueMatch, ...]) -> bool:
    """Whether the question names something (a capitalised or quoted word) that no name or value explains."""
    matched = {w for v in values for w in v.words}
    return any(not all(w in matched or stem(w) in index.vocabulary or w in STOPWORDS for w in plain_words(e))
               for e in q.entities)


def _word_match(name_word: str, q: _Question) -> float:
    """How well one identifier word is found in the question (memoised: schemas repeat their words)."""
    found = q.memo.get(name_word)
    if found is None:
        found = q.memo[name_word] = _match_word(name_word, q)
    return found


def _match_word(name_word: str, q: _Question) -> float:
    """Exact or plural, implied, typo, or part of a compound."""
    s = stem(name_word)
    if s in q.stems:
        return 1.0
    if s in q.implied:
        return 0.7
    if len(name_word) >= 5 and any(typo_match(s, qs) for qs in q.stems):
        return 0.8
    # Compound or abbreviated identifiers: "mktsegment" holds "segment", "acct" starts "account".
    if len(s) >= 4 and any(len(qs) >= 4 and (qs in s or qs.startswith(s)) for qs in q.stems):
        return 0.6
    return 0.0


@lru_cache(maxsize=65536)
def _name_parts(name: str) -> tuple[str, ...]:
    """The words of an identifier worth matching: no one-letter prefixes (``l_``), numbers or stop words."""
    return tuple(w for w in words(name) if len(w) > 1 and not w.isdigit() and w not in STOPWORDS)


@lru_cache(maxsize=16384)
def _text_stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text) if w not in STOPWORDS)


def _name_score(q: _Question, index: _Index, name: str) -> float:
    parts = _name_parts(name)
    if not parts:
        return 0.0
    weights = [index.idf.get(stem(w), 1.0) for w in parts]
    matched = sum(_word_match(w, q) * wt for w, wt in zip(parts, weights))
    if matched == 0:
        return 0.0
    coverage = matched / sum(weights)
    return round(0.5 * max(_word_match(w, q) * wt for w, wt in zip(parts, weights)) + 0.5 * coverage, 3)


def _phrase_score(q: _Question, phrase: str) -> float:
    """A synonym or metric name: 1 when all its words are in the question, partial credit otherwise."""
    parts = [w for w in words(phrase) if w not in STOPWORDS] or list(words(phrase))
    if not parts:
        return 0.0
    matched = [_word_match(w, q) for w in parts]
    if all(m >= 0.8 for m in matched):
        return 1.0
    return round(0.6 * sum(matched) / len(parts), 3)


def _best_phrase(q: _Question, phrases: tuple[str, ...]) -> float:
    return max((_phrase_score(q, p) for p in phrases), default=0.0)


def _comment_score(q: _Question, index: _Index, comment: str | None, cap: float) -> float:
    if not comment or not q.stems:
        return 0.0
    comment_stems = _text_stems(comment)
    hits = [index.idf.get(s, 0.6) for s in q.stems if s in comment_stems and len(s) > 2]
    return min(cap, 0.15 * sum(hits))


def _column_score(q: _Question, index: _Index, column: Column) -> float:
    name_score = max(_name_score(q, index, column.name), _best_phrase(q, column.synonyms))
    return round(name_score + _comment_score(q, index, column.comment, 0.4), 3)


def _value_candidates(q: _Question, index: _Index) -> list[_ValueEntry]:
    """Values whose first word could match a question word: same word, same stem, a typo away, or a prefix."""
    firsts: set[str] = set()
    for w in set(q.words):
        firsts.add(w)
        firsts.update(index.by_stem.get(stem(w), ()))
        if len(w) >= 5:
            for n in range(len(w) - 2, len(w) + 3):
                firsts.update(f for f in index.by_shape.get((w[0], n), ()) if len(f) >= 5 and typo_match(f, w))
        firsts.update(w[:n] for n in range(4, len(w)))
    return [e for f in sorted(firsts) for e in index.values.get(f, ())]


def _match_value(q: _Question, entry: _ValueEntry) -> ValueMatch | None:
    """The value's words found consecutively in the question (case-insensitive, plural and typo tolerant)."""
    n = len(entry.words)
    best: ValueMatch | None = None
    for start in range(len(q.words) - n + 1):
        window = q.words[start:start + n]
        quality = 1.0
        for vw, qw in zip(entry.words, window):
            if vw == qw:
                continue
            if stem(vw) == stem(qw) and len(vw) >= 3:
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
