"""The default rows of a table a question tests for existence: "how many vehicles did we sell in 2024", read as
vehicles with a deal in 2024, means a deal the model counts (a booked deal, the deal table's default filter),
not an unwound one. The base table's default is decided in ``defaults.py``; this adds the default of each
table reached by the first one-to-many step of the question's conditions, so the EXISTS (or the join that
stands for it, ``compile_exists.py``) tests the rows the model means. A dimension reached many-to-one keeps
every row ("revenue by dealership" counts closed dealerships too), as do tables the question asks all rows of
("ever", "including unwound") or tests on the default's own columns ("unwound deals").
"""

from __future__ import annotations

from dataclasses import replace

from catalog_semantics.question import QuestionWords
from nl2sql.planner.defaults import asks_all_rows, columns_of, default_filter, filter_reads
from nl2sql.planner.joins import Ambiguous, JoinGraph
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import Condition, QuerySpec
from nl2sql.planner.tokens import question_words


def with_existence_defaults(spec: QuerySpec, question: str | QuestionWords, lex: Lexicon,
                            graph: JoinGraph) -> QuerySpec:
    """The spec with the default filter of each child table its conditions test (first step down) marked."""
    stems = question_words(question).stems
    added: list[str] = []
    for c in spec.conditions:
        t = c.table
        if t == spec.base or t in spec.default_filters or t in added or not _first_step_down(spec.base, c, graph):
            continue
        f = default_filter(lex, t)
        if f is None or asks_all_rows(stems, t, lex) or reads_default(spec, t, columns_of(f.sql, lex.dialect), lex):
            continue
        added.append(t)
    return replace(spec, default_filters=(*spec.default_filters, *added)) if added else spec


def _first_step_down(base: str, c: Condition, graph: JoinGraph) -> bool:
    """Whether the condition's table is reached from the base by many-to-one steps and then one one-to-many
    step (the table an EXISTS selects from)."""
    try:
        path = graph.path(base, c.table, c.col.via if c.col else None)
    except Ambiguous:
        return False
    return path is not None and len(path) > 0 and not path[-1].up and all(e.up for e in path[:-1])


def reads_default(spec: QuerySpec, table: str, read: set[str], lex: Lexicon) -> bool:
    """A condition on the table that reads a column its default reads ("unwound deals"): the question says
    which rows it means."""
    for c in spec.conditions:
        if c.table != table:
            continue
        if c.kind == "filter" and filter_reads(c, read, lex):
            return True
        if c.kind != "filter" and c.col is not None and c.col.column.lower() in read:
            return True
    return False
