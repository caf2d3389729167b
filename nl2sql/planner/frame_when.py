"""'which beers have been discontinued and when': a trailing "and when" asks for the date of the event the rest
names, shown beside the rows. A frame rule (``frame_rules.FRAME_RULES``)."""

from __future__ import annotations

from dataclasses import replace

import sqlglot
from sqlglot import exp

from catalog_semantics.text import stem
from nl2sql.planner.frame import Frame
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import ColRef, Condition
from nl2sql.planner.unread import NotUnderstood
from nl2sql.planner.words import word_list

_ASKS = tuple(tuple(p.split()) for p in word_list("when_last"))
_PRONOUNS = frozenset(stem(w) for w in word_list("anaphora") if " " not in w)


def when_said_last(f: Frame, lex: Lexicon) -> Frame:
    """The frame with the date of its event shown: the one date a named filter of it tests ("discontinued":
    ``disc_dt IS NOT NULL``), or the date a verb named (``date_hints``) with the filter that says the event
    happened (that date ``IS NOT NULL``). No such date: declined, never dropped."""
    if f.when or f.measures or not (_when_said_again(f) or any(f.words[-len(a):] == a for a in _ASKS)):
        return f
    tested = {(c.table, d) for c in f.conditions if c.kind == "filter" and c.filter_name in lex.filters
              for d in dates_set(lex.filters[c.filter_name].sql, c.table, lex)}
    if len(tested) == 1:
        table, col = tested.pop()
        return replace(f, projections=(*f.projections, *_named(f, table, lex), (ColRef(table, col), len(f.words))))
    happened = [(t, col, name) for t, col in set(f.date_hints) for name, nf in lex.filters.items()
                if nf.table.lower() == t and dates_set(nf.sql, t, lex) == {col}]
    if not tested and len(happened) == 1:
        table, col, name = happened[0]
        return replace(f, conditions=(*f.conditions, Condition("filter", table, filter_name=name, text=name)),
                       projections=(*f.projections, *_named(f, table, lex), (ColRef(table, col), len(f.words))))
    raise NotUnderstood("“when” asks for a date, but I could not tell which one.", ("when",))


def _when_said_again(f: Frame) -> bool:
    """'events that sold out during 2025 and when they sold out': "and when" (vocabulary ``when_last``), then only
    pronouns and the words of a named filter said before it."""
    ends = [i + len(a) for a in _ASKS for i in range(len(f.words) - len(a)) if f.words[i:i + len(a)] == a]
    said = {stem(w) for c in f.conditions if c.kind == "filter" for w in c.text.lower().split()} | _PRONOUNS
    return bool(ends) and all(w in said for w in f.words[max(ends):])


def _named(f: Frame, table: str, lex: Lexicon) -> tuple[tuple[ColRef, int], ...]:
    """The rows' name (else their key), shown before their date when nothing else of them is shown."""
    info = lex.tables.get(table)
    labels = list(info.labels) if info is not None else []
    return () if f.projections or not labels else ((ColRef(table, labels[0]), len(f.words) - 1),)


def dates_set(sql: str, table: str, lex: Lexicon) -> set[str]:
    """The date columns a filter's SQL requires to be set (``col IS NOT NULL``)."""
    try:
        node = sqlglot.parse_one(sql, read=lex.dialect)
    except sqlglot.errors.SqlglotError:
        return set()
    dates = {d.lower() for d in lex.tables[table].dates} if table in lex.tables else set()
    inner = node.this if isinstance(node, exp.Not) else None
    if isinstance(inner, exp.Is) and isinstance(inner.this, exp.Column) and isinstance(inner.expression, exp.Null):
        return {inner.this.name.lower()} & dates
    return set()
