"""A check before any answer: a text column whose stored values spell one thing several ways ('CHICAGO',
'Chicago', 'CHICAGO ': typed by hand, as a publisher's description may say, "case varies") cannot be grouped
by or tested for one value without deciding which spellings belong together; that is the user's to say.
"""

from __future__ import annotations

from nl2sql.planner.joins import JoinGraph
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import ColRef, QuerySpec


def no_mixed_spellings(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """Groupings and equality tests on a column whose sampled values differ only in case or spaces decline."""
    tested = [c.col for c in spec.conditions if c.kind == "in" and c.col is not None]
    for ref in [d.col for d in spec.dims] + tested:
        if _mixed(ref, lex):
            raise NotUnderstood(f"The values of {' '.join(lex.tables[ref.table].column_words.get(ref.column, ()))} "
                                "are spelled several ways (upper and lower case, spaces); I cannot tell which "
                                "belong together.", (ref.column,))
    return spec, ()


def _mixed(ref: ColRef, lex: Lexicon) -> bool:
    info = lex.tables.get(ref.table)
    col = info.table.column(ref.column) if info is not None else None
    values = set(col.sample_values) if col is not None else set()
    return len({" ".join(v.split()).casefold() for v in values}) < len(values)
