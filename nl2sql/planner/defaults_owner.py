"""The default rows of the record a measured row is part of: "sales in 2025" adds up order lines, and a line of a
cancelled order is no sale when the orders' default filter leaves cancelled orders out. A row whose primary key
holds the key of the record above it (an order line keyed by its order and a line number) is part of that
record, and is counted only under a record the model counts: the owner's default is added as a condition the
answer shows. A row keyed by its owner and a date (a hotel's day) is a reading of the owner, not a part, and a
default that reads a date (``closed_on IS NULL``: open today) is a current state that says nothing of the past:
neither is added. Rows that only point to a table ("visits per club", an enrollment with an id of its own and a
student) keep every row, as docs/overlay.md says of dimensions. Skipped when the question asks for every row of
the owner ("including cancelled") or tests the default's own columns ("lines of cancelled orders").
"""

from __future__ import annotations

from dataclasses import replace

from catalog_semantics.question import QuestionWords
from nl2sql.planner.defaults import asks_all_rows, columns_of, default_filter
from nl2sql.planner.defaults_exists import reads_default
from nl2sql.planner.joins import JoinGraph
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import Condition, QuerySpec
from nl2sql.planner.tokens import question_words


def with_owner_defaults(spec: QuerySpec, question: str | QuestionWords, lex: Lexicon, graph: JoinGraph) -> QuerySpec:
    """The spec with the default filter of the dated record its undated rows are part of, as a condition."""
    info = lex.tables.get(spec.base)
    if info is None or default_filter(lex, spec.base) is not None or not spec.measures:
        return spec
    key, dates = {c.lower() for c in info.pk}, {d.lower() for d in info.dates}
    owners = {e.dst for e in graph.edges.get(spec.base, ()) if e.up and e.dst in lex.tables
              and {c.lower() for c in e.src_cols} < key and not (key - {c.lower() for c in e.src_cols}) & dates
              and default_filter(lex, e.dst) is not None}
    if len(owners) != 1:
        return spec
    owner = owners.pop()
    f = default_filter(lex, owner)
    assert f is not None
    if f.name not in lex.filters or columns_of(f.sql, lex.dialect) & {d.lower() for d in lex.tables[owner].dates} \
            or asks_all_rows(question_words(question).stems, owner, lex) \
            or reads_default(spec, owner, columns_of(f.sql, lex.dialect), lex) \
            or any(c.kind == "filter" and c.filter_name == f.name for c in spec.conditions):
        return spec
    return replace(spec, conditions=(*spec.conditions, Condition("filter", owner, filter_name=f.name, text="")))
