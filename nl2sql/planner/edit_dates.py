"""The date a follow-up's period applies to when the previous frame has none ("and in 1997?" after an undated
count; "for 1997 receipts only": the receipt date)."""

from __future__ import annotations

from catalog_semantics.text import stem
from nl2sql.planner.assemble import Assembler
from nl2sql.planner.frame import Frame
from nl2sql.planner.joins import JoinGraph
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import ColRef, QuerySpec


def date_column(spec: QuerySpec, lex: Lexicon, graph: JoinGraph, question: str) -> ColRef:
    """The date of the base table the question's words name (else its default date)."""
    from nl2sql.planner.matching import matched
    from nl2sql.planner.tokens import question_words

    stems = question_words(question).stems
    # (the words of a column's name name no date: "ship" of "by ship mode" is not the ship date)
    free = tuple(stem(w) for it in matched(question, lex) if not (it.kind == "concept" and it.concepts and all(
        c.kind == "column" for c in it.concepts)) for w in it.text.lower().split()) if question else stems
    col = Assembler(Frame(words=stems, free_words=free), lex, graph)._date_column(spec.base)
    if col is None:
        raise NotUnderstood("I could not find a date to apply the period to.", ())
    return col
