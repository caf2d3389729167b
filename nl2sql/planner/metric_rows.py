"""A metric that counts its table's rows ("number of enrollments" = COUNT(*)), said by the rows' own noun: in a
follow-up it names the rows again, not a measure of its own."""

from __future__ import annotations

from catalog_semantics.text import stem, words
from nl2sql.planner.frame_amounts import _counts_rows
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.lexicon_names import table_nouns


def rows_noun(text: str, metric: Concept, lex: Lexicon) -> bool:
    """'enrollments' as the metric "number of enrollments": a count of a table's rows said by the rows' noun only
    ("now just company seat enrollments") names the rows again, not a measure of its own."""
    m, info = lex.metrics.get(metric.name), lex.tables.get(metric.table)
    return m is not None and info is not None and _counts_rows(m.sql) \
        and {stem(w) for w in words(text)} <= table_nouns(info)
