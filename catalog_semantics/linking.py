"""Schema linking: which tables, columns, values, metrics and filters of the model a question is about.

Its first job is recall for the prompt: a table the SQL needs but the prompt lacks is a wrong answer,
an extra table only costs tokens. So a small schema is kept whole (every table scored, none dropped),
and a large one keeps the best tables plus the bridge tables that join them. Matching is lexical and
deterministic: identifier words (snake_case and camelCase split), synonyms, comments, metric and filter
names, and the sample values of text columns, tolerant of case, plurals and typos (``text.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from catalog_semantics.join_paths import bridge_tables
from catalog_semantics.link_catalog import MAX_CONTEXT as MAX_CONTEXT, Reading as Reading
from catalog_semantics.link_catalog import prune_by_schema, shortlist, table_ties
from catalog_semantics.link_index import LinkIndex, model_index, table_index
from catalog_semantics.link_terms import ValueEntry
from catalog_semantics.link_match import LinkedColumn as LinkedColumn, LinkedTable as LinkedTable
from catalog_semantics.link_match import ValueMatch as ValueMatch
from catalog_semantics.link_match import (
    Question, best_phrase, column_score, comment_score, match_value, name_score, names_a_column, unknown_entities,
    explained_words, value_candidates, word_share,
)
from catalog_semantics.model import Metric, NamedFilter, SemanticModel, Table
from catalog_semantics.question import QuestionWords, read_question
from catalog_semantics.text import fold


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
    ties: tuple[Reading, ...] = ()              # schemas fitting the question equally well (ask, don't choose)
    # The question's words as linking read them: the offline planner reads the same tokens (no second split)
    question_words: QuestionWords | None = field(default=None, compare=False, repr=False)

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)

    def table_score(self, name: str) -> float | None:
        return next((t.score for t in self.tables if t.name.lower() == name.lower()), None)

    def column_score(self, table: str, column: str) -> float:
        key = (table.lower(), column.lower())
        return next((c.score for c in self.columns if (c.table.lower(), c.name.lower()) == key), 0.0)


SHORTLIST_FROM = 60            # tables: a model this big is linked in two stages (retrieval, then scoring)
OPERATOR_WEIGHT = 0.4         # an aggregation word's weight as a name word, in a catalog linked in two stages
VALUE_SPREAD = 0.5             # how much a value held by several tables is discounted (none in one table)
WORD_SHARE = 0.5               # a table's score adds this x the share of the question's words it explains (0..1)


def link(model: SemanticModel, question: str, *, max_tables: int = 6, min_score: float = 0.3,
         keep_all_up_to: int = 8, sampled: Sequence[Table] = ()) -> LinkedSchema:
    """``link_words`` of the question's words (``question.read_question``)."""
    return link_words(model, read_question(question), max_tables=max_tables, min_score=min_score,
                      keep_all_up_to=keep_all_up_to, sampled=sampled)


def link_words(model: SemanticModel, words: QuestionWords, *, max_tables: int = 6, min_score: float = 0.3,
               keep_all_up_to: int = 8, sampled: Sequence[Table] = ()) -> LinkedSchema:
    """Rank the model's tables and columns for the question's ``words``; prune only schemas above ``keep_all_up_to`` tables.

    When pruning, tables scoring at least ``min_score`` are kept (the best ``max_tables``), then bridge
    tables on the shortest join paths between them; if nothing matches, every table is kept. A model of
    more than ``SHORTLIST_FROM`` tables is first narrowed to ``SHORTLIST`` tables by the index's retrieval
    (``link_index.py``, ``link_catalog.py``), so the detailed scoring below never walks the whole catalog.
    ``sampled``: tables of the model with values read after it was indexed (a question's shortlist, read lazily:
    ``nl2sql.lazy_values``); their values are matched as if the model held them, and the model's index is reused.
    """
    two_stage = len(model.tables) > SHORTLIST_FROM and len(model.tables) > keep_all_up_to
    q = Question(words, operator_weight=OPERATOR_WEIGHT if two_stage else 1.0)
    index = model_index(model)
    entries = (e for e in _value_entries(q, index, sampled) if two_stage or not e.vocabulary)   # big catalogs only
    values = tuple(v for v in (match_value(q, e) for e in entries) if v is not None and not names_a_column(v, index))
    metrics = tuple(m for m in model.metrics if best_phrase(q, (m.name, *m.synonyms)) >= 0.99)
    filters = tuple(f for f in model.filters if best_phrase(q, (f.name, *f.synonyms)) >= 0.99)
    named_tables = {n for m in metrics for n in (m.table, *m.joins)} | {f.table for f in filters}
    candidates: tuple[Table, ...] = model.tables
    coverage: dict[str, float] = {}
    if two_stage:
        candidates, coverage = shortlist(model, q, index, values, named_tables)
    scores, columns, explained = _score_tables(q, index, candidates, values, named_tables)
    ranked = sorted(candidates, key=lambda t: (-scores[t.name], t.name))
    ties: tuple[Reading, ...] = ()
    if len(model.tables) <= keep_all_up_to:
        chosen = [LinkedTable(t.name, scores[t.name], "match" if scores[t.name] >= min_score else "kept")
                  for t in ranked]
        complete = True
        ties = table_ties(q, ranked, scores, min_score)
    elif len(coverage) > 1:
        chosen, ties = prune_by_schema(q, index, ranked, scores, coverage, explained, max_tables, min_score)
        chosen = chosen or _prune(model, index, ranked, scores, max_tables, min_score)
        complete = False
    else:
        chosen = _prune(model, index, ranked, scores, max_tables, min_score)
        complete = len(chosen) == len(model.tables)
        ties = () if two_stage else table_ties(q, ranked, scores, min_score)
    kept = {t.name for t in chosen}
    return LinkedSchema(
        question=words.text,
        tables=tuple(chosen),
        columns=tuple(c for c in columns if c.table in kept),
        values=tuple(v for v in values if v.table in kept),
        metrics=metrics,
        filters=filters,
        complete=complete,
        ties=ties,
        question_words=words,
    )


def _value_entries(q: Question, index: LinkIndex, sampled: Sequence[Table]) -> list[ValueEntry]:
    """The index's value candidates, with a sampled table's own values in place of those the index holds for it."""
    if not sampled:
        return value_candidates(q, index)
    late = {t.name for t in sampled}
    return [*(e for e in value_candidates(q, index) if e.table not in late),
            *(e for t in sampled for e in value_candidates(q, table_index(t)))]


def _score_tables(q: Question, index: LinkIndex, tables: tuple[Table, ...], values: tuple[ValueMatch, ...],
                  named_tables: set[str]) -> tuple[dict[str, float], list[LinkedColumn], dict[str, dict[str, float]]]:
    unknown = unknown_entities(q, index, values)
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
    by_table: dict[str, tuple[ValueMatch, ...]] = {}
    for v in values:
        by_table[v.table] = (*by_table.get(v.table, ()), v)
    columns: list[LinkedColumn] = []
    scores: dict[str, float] = {}
    explained: dict[str, dict[str, float]] = {}
    for table in tables:
        col_scores = sorted(((column_score(q, index, c) + value_bonus.get((table.name, c.name), 0.0), c.name)
                             for c in table.columns), reverse=True)
        columns += [LinkedColumn(table.name, name, round(s, 3)) for s, name in col_scores if s > 0]
        best = [s for s, _ in col_scores[:2]] + [0.0, 0.0]
        score = max(name_score(q, index, table.name), best_phrase(q, table.synonyms))
        score += 0.6 * best[0] + 0.2 * best[1] + comment_score(q, index, table.comment, 0.6)
        score += table_value.get(table.name, 0.0)
        names = (table.name, *table.synonyms, *(n for c in table.columns for n in (c.name, *c.synonyms)))
        explained[table.name] = explained_words(q, names, by_table.get(table.name, ()))
        score += WORD_SHARE * word_share(q, index, explained[table.name])
        if table.name in named_tables:
            score += 1.0
        if unknown and table.name in index.open_text:   # "flights from Aberdeen": some free-text column holds it
            score += 0.3
        scores[table.name] = round(score, 3)
    return scores, columns, explained


def _prune(model: SemanticModel, index: LinkIndex, ranked: list[Table], scores: dict[str, float], max_tables: int,
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


