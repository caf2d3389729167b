"""The date a question's stored values are dated by, as the model's verified queries date them
(``verified_dates``: learnt once per model into ``Lexicon.dated_values``)."""

from __future__ import annotations

from nl2sql.planner.filter_values import filter_value
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.spec import ColRef, Condition


def learnt_date(conditions: list[Condition], lex: Lexicon) -> ColRef | None:
    """The one date the verified queries date the question's stored values (or named filters testing one) by,
    on the table the value is on; None when there is none or more than one."""
    found: set[ColRef] = set()
    for c in conditions:
        pairs = [((c.col.column.lower(), str(v).lower()), c.col.table) for v in c.values] if c.kind == "in" and \
            c.col is not None and not c.negated else _filter_pairs(c, lex)
        for key, table in pairs:
            date = lex.dated_values.get(key)
            info = lex.tables.get(table)
            column = next((d for d in info.dates if d.lower() == date), None) if info is not None and date else None
            if column is not None:
                found.add(ColRef(table, column))
    return next(iter(found)) if len(found) == 1 else None


def _filter_pairs(c: Condition, lex: Lexicon) -> list[tuple[tuple[str, str], str]]:
    """A named filter that is one equality (``l_returnflag = 'R'``) as its (column, value), on its table."""
    value = filter_value(Concept("filter", c.table, name=c.filter_name), lex) \
        if c.kind == "filter" and not c.negated else None
    if value is None or value.column is None or value.value is None:
        return []
    return [((value.column.lower(), value.value.lower()), value.table)]
