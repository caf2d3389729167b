"""Schema linking: which tables, columns, values, metrics and filters of the model a question is about.

Its first job is recall for the prompt: a table the SQL needs but the prompt lacks is a wrong answer,
an extra table only costs tokens. So a small schema is kept whole (every table scored, none dropped),
and a large one keeps the best tables plus the bridge tables that join them. Matching is lexical and
deterministic: identifier words (snake_case and camelCase split), synonyms, comments, metric and filter
names, and the sample values of text columns, tolerant of case, plurals and typos (``text.py``).
"""

from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass

from catalog_semantics.join_paths import bridge_tables
from catalog_semantics.link_index import LinkIndex as _Index, ValueEntry as _ValueEntry, model_index
from catalog_semantics.model import Column, Metric, NamedFilter, SemanticModel, Table
from catalog_semantics.text import (
    STOPWORDS, fold, implied_stems, plain_words, proper_nouns, stem, typo_match, words,
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


SHORTLIST_FROM = 60            # tables: a model this big is linked in two stages (retrieval, then scoring)
SHORTLIST = 40                 # tables the retrieval stage hands to the detailed scorer
FIRST_READING_MAX = 6          # tables the best reading may take, bridges and the rest of its schema included
OTHER_READING_TABLES = 2       # matched tables of each reading after the best one
WHOLE_SCHEMA_UP_TO = 6         # the best reading keeps its whole schema when it has at most this many tables
SCHEMA_WEIGHT = 0.6            # a reading's strength: its best table's score + this x its schema's coverage (0..1)
READING_SHARE = 0.3            # a schema reading keeps tables scoring this share of its best (3 and 0.5: worse)
COMMON_WORD_IDF = 0.5          # identifier words this common (in >~25% of a big catalog's tables) are not values
VALUE_SPREAD = 0.5             # how much a value held by several tables is discounted (none in one table)
MAX_CONTEXT = 10               # tables a link across schemas keeps at most, bridges included


def link(model: SemanticModel, question: str, *, max_tables: int = 6, min_score: float = 0.3,
         keep_all_up_to: int = 8) -> LinkedSchema:
    """Rank the model's tables and columns for ``question``; prune only schemas above ``keep_all_up_to`` tables.

    When pruning, tables scoring at least ``min_score`` are kept (the best ``max_tables``), then bridge
    tables on the shortest join paths between them; if nothing matches, every table is kept. A model of
    more than ``SHORTLIST_FROM`` tables is first narrowed to ``SHORTLIST`` tables by the index's retrieval
    (``link_index.py``), so the detailed scoring below never walks the whole catalog.
    """
    q = _Question(question)
    index = model_index(model)
    values = tuple(v for v in (_match_value(q, e) for e in _value_candidates(q, index))
                   if v is not None and not _names_a_column(v, index))
    metrics = tuple(m for m in model.metrics if _best_phrase(q, (m.name, *m.synonyms)) >= 0.99)
    filters = tuple(f for f in model.filters if _best_phrase(q, (f.name, *f.synonyms)) >= 0.99)
    named_tables = {n for m in metrics for n in (m.table, *m.joins)} | {f.table for f in filters}
    candidates: tuple[Table, ...] = model.tables
    coverage: dict[str, float] = {}
    if len(model.tables) > SHORTLIST_FROM and len(model.tables) > keep_all_up_to:
        candidates, coverage = _shortlist(model, q, index, values, named_tables)
    scores, columns = _score_tables(q, index, candidates, values, named_tables)
    ranked = sorted(candidates, key=lambda t: (-scores[t.name], t.name))
    if len(model.tables) <= keep_all_up_to:
        chosen = [LinkedTable(t.name, scores[t.name], "match" if scores[t.name] >= min_score else "kept")
                  for t in ranked]
        complete = True
    elif len(coverage) > 1:
        chosen = _prune_by_schema(model, index, ranked, scores, coverage, max_tables, min_score)
        complete = False
    else:
        chosen = _prune(model, index, ranked, scores, max_tables, min_score)
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


def _score_tables(q: _Question, index: _Index, tables: tuple[Table, ...], values: tuple[ValueMatch, ...],
                  named_tables: set[str]) -> tuple[dict[str, float], list[LinkedColumn]]:
    unknown = _unknown_entities(q, index, values)
    value_bonus: dict[tuple[str, str], float] = {}
    table_value: dict[str, float] = {}
    holders: dict[str, set[str]] = {}
    for v in values:
        holders.setdefault(fold(v.value), set()).add(v.table)
    for v in values:
        # A value many tables hold ('dog' in every pets table of a big catalog) says less about each of them.
        weight = v.score / (1 + VALUE_SPREAD * math.log(len(holders[fold(v.value)])))
        value_bonus[(v.table, v.column)] = max(weight, value_bonus.get((v.table, v.column), 0.0))
        table_value[v.table] = max(weight, table_value.get(v.table, 0.0))
    columns: list[LinkedColumn] = []
    scores: dict[str, float] = {}
    for table in tables:
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
    return scores, columns


def _schema(table: Table) -> str:
    return ".".join(p for p in (table.catalog, table.schema) if p)


def _shortlist(model: SemanticModel, q: _Question, index: _Index, values: tuple[ValueMatch, ...],
               named_tables: set[str]) -> tuple[tuple[Table, ...], dict[str, float]]:
    """Stage one: the tables the index retrieves for the question's words (as ``_match_word`` meets them),
    plus the tables of matched values, metrics and filters."""
    terms: dict[str, float] = {}

    def add(term: str, weight: float) -> None:
        if weight > terms.get(term, 0.0):
            terms[term] = weight

    for s in q.stems:
        add(s, 1.0)
        if len(s) >= 5:
            for n in range(len(s) - 2, len(s) + 3):
                for t in index.term_shape.get((s[0], n), ()):
                    if t != s and len(t) >= 5 and typo_match(t, s):
                        add(t, 0.8)
        if len(s) >= 4:
            for t in index.term_grams.get(s, ()):
                add(t, 0.6)                                        # "segment" inside "mktsegment"
            for n in range(4, len(s)):
                if s[:n] in index.postings:
                    add(s[:n], 0.6)                                # "acct"-style abbreviations
    for s in q.implied:
        add(s, 0.7)
    for s in q.joined:
        add(s, 1.0)
    found = index.retrieve(terms, SHORTLIST)
    names = set(found.tables) | {v.table for v in values} | named_tables
    for schema in found.schema_coverage:
        names.update(index.schema_tables(schema))
    # The index lists tables in the model's order, so positions pick them without a pass over the catalog.
    ids = sorted(index.position[n] for n in names if n in index.position)
    return tuple(model.tables[i] for i in ids), found.schema_coverage


def _prune_by_schema(model: SemanticModel, index: _Index, ranked: list[Table], scores: dict[str, float],
                     coverage: dict[str, float], max_tables: int, min_score: float) -> list[LinkedTable]:
    """Several schemas: each is a reading of the question (its matched tables and their bridges), best first.

    A question is almost always about one schema, and a word like "employees" can name a table in many; so
    rather than the best tables overall (a mix no query can use), the context holds whole readings: the best
    schema's matched tables joined by their bridges, then the next schema's, up to ``MAX_CONTEXT`` tables.
    """
    by_schema: dict[str, list[Table]] = {}
    for t in ranked:
        by_schema.setdefault(_schema(t), []).append(t)
    top = scores[ranked[0].name] if ranked else 0.0
    floor = max(min_score, 0.1 * top)

    def strength(schema: str) -> float:        # its best table, and how much of the question it covers
        return scores[by_schema[schema][0].name] + SCHEMA_WEIGHT * coverage.get(schema, 0.0)

    order = [s for s in sorted(by_schema, key=lambda s: (-strength(s), s)) if scores[by_schema[s][0].name] >= floor]
    chosen: list[LinkedTable] = []
    for schema in order:
        tables = by_schema[schema]
        first = not chosen
        lead = scores[tables[0].name]
        cap = max_tables if first else min(max_tables, OTHER_READING_TABLES)
        picked = [t.name for t in tables if scores[t.name] >= max(floor, READING_SHARE * lead)][:cap]
        group = [LinkedTable(n, scores[n]) for n in picked]
        group += [LinkedTable(b, scores.get(b, 0.0), "bridge") for b in bridge_tables(index.graph, picked)]
        if first:
            whole = index.schema_tables(schema)
            if len(whole) <= WHOLE_SCHEMA_UP_TO:        # the best reading's small schema comes whole, as
                shown = {g.name for g in group}         # a small single-schema model does
                group += [LinkedTable(n, scores.get(n, 0.0), "kept") for n in whole if n not in shown]
        room = MAX_CONTEXT - len(chosen)
        if first:                                   # leave room for other readings (matches first, then bridges)
            group = group[:min(room, FIRST_READING_MAX)]
        if len(group) <= room:
            chosen += group
        if len(chosen) >= MAX_CONTEXT:
            break
    return chosen or _prune(model, index, ranked, scores, max_tables, min_score)


def _prune(model: SemanticModel, index: _Index, ranked: list[Table], scores: dict[str, float], max_tables: int,
           min_score: float) -> list[LinkedTable]:
    top = scores[ranked[0].name] if ranked else 0.0
    picked = [t.name for t in ranked if scores[t.name] >= max(min_score, 0.1 * top)][:max_tables]
    if not picked:                               # nothing matched: no basis to prune, keep everything
        every = ranked if len(ranked) == len(model.tables) else model.tables
        return [LinkedTable(t.name, scores.get(t.name, 0.0), "kept") for t in every]
    chosen = [LinkedTable(n, scores[n]) for n in picked]
    for bridge in bridge_tables(index.graph, picked):
        chosen.append(LinkedTable(bridge, scores.get(bridge, 0.0), "bridge"))
    return chosen


# ------------------------------------------------------------------------------------------ matching

class _Question:
    def __init__(self, text: str) -> None:
        self.words = plain_words(text)                            # every word, in order (values need them all)
        self.content = [w for w in words(text) if w not in STOPWORDS]
        self.stems = {stem(w) for w in self.content}
        # Words the question implies: "taller" -> height, "1995" -> year, "miles per gallon" -> mpg.
        self.implied = implied_stems(self.words) - self.stems
        # Adjacent words glued, as identifiers often write them: "high schoolers" -> highschooler, "zip code".
        self.joined = {stem(a + b) for a, b in zip(self.content, self.content[1:])} - self.stems
        self.entities = proper_nouns(text)
        self.memo: dict[str, float] = {}                          # identifier word -> match, per question


def _unknown_entities(q: _Question, index: _Index, values: tuple[ValueMatch, ...]) -> bool:
    """Whether the question names something (a capitalised or quoted word) that no name or value explains."""
    matched = {w for v in values for w in v.words}
    return any(not all(w in matched or stem(w) in index.vocabulary or w in STOPWORDS for w in plain_words(e))
               for e in q.entities)


def _names_a_column(value: ValueMatch, index: _Index) -> bool:
    """A value whose words are common identifier words ('ID' for Idaho, 'Name'): the question means the column.

    Only fires in a big model: word weights of a small schema never fall this low.
    """
    return all(index.idf.get(stem(w), 1.0) < COMMON_WORD_IDF for w in value.words)


def _word_match(name_word: str, q: _Question) -> float:
    """How well one identifier word is found in the question (memoised: schemas repeat their words)."""
    found = q.memo.get(name_word)
    if found is None:
        found = q.memo[name_word] = _match_word(name_word, q)
    return found


def _match_word(name_word: str, q: _Question) -> float:
    """Exact or plural, implied, typo, or part of a compound."""
    s = stem(name_word)
    if s in q.stems or s in q.joined:
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
