"""An amount named where a list is read: whether its words ask for a total after all. "quantity ordered per
priority" names units with their event, which add up (``event_said``); "energy billed in Q1 2024", an amount
named alone, may ask for its total or its values, so it is declined naming it (``no_bare_amount``)."""

from __future__ import annotations

from catalog_semantics.text import stem
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.lexicon_names import TableInfo
from nl2sql.planner.frame import Frame
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import ColRef
from nl2sql.planner.vocabulary import cue_index
from nl2sql.planner.words import word_list

_EVENTS = frozenset(word_list("event_participles"))


def event_said(info: TableInfo, ref: ColRef, said: tuple[str, ...]) -> bool:
    """'quantity ordered per priority': the column named with its event, a participle of its own synonyms
    ("quantity ordered"), among the question's stems ``said``."""
    col = info.table.column(ref.column)
    events = {w for s in (col.synonyms if col is not None else ()) for w in s.lower().split() if w in _EVENTS}
    return bool({stem(w) for w in events} & set(said))


def no_bare_amount(r: Frame, lex: Lexicon, subject: str | None) -> None:
    """'energy billed in Q1 2024': an amount named alone (no "list"/"show", no rows it belongs to) asks for
    a total more often than for its distinct values; which one the words do not say, so decline naming it."""
    if subject is not None or r.entities or not r.projections or not r.words or (r.words[0],) in cue_index() \
            or r.distinct or r.orders or r.limit or r.star:
        return
    for ref, _pos in r.projections:
        info = lex.tables[ref.table]
        if ref.column not in info.numeric or ref.column in info.keys:
            return
    names = tuple(" ".join(lex.tables[p.table].column_words.get(p.column, (p.column,))) for p, _ in r.projections)
    raise NotUnderstood("Should that amount be added up or listed? Say “total” or “list”.", names)
