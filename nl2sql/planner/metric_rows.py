"""A metric that counts its table's rows ("number of enrollments" = COUNT(*)), said by the rows' own noun: in a
follow-up it names the rows again, not a measure of its own."""

from __future__ import annotations

from catalog_semantics.text import stem, words
from nl2sql.planner.lexicon import Concept, Lexicon


def rows_noun(text: str, metric: Concept, lex: Lexicon) -> bool:
    """'enrollments' as the metric "number of enrollments": a count of a table's rows said by the rows' noun only
    ("now just company seat enrollments") names the rows again, not a measure of its own."""
    m, info = lex.metrics.get(metric.name), lex.tables.get(metric.table)
    said = {stem(w) for w in words(text)}
    return m is not None and info is not None and m.sql.replace(" ", "").upper() in ("COUNT(*)", "COUNT(1)") \
        and said <= {stem(w) for w in (*info.words, *(w for s in info.table.synonyms for w in words(s)))}

