"""The date an instruction gives a metric ("collections by the payment date inv.paid_dt") dates a period or a series
of that metric when the question names no date of its own: "cash collected in Q3 2025" is by payment date, not by
the invoices' default date. A frame rule (``frame_rules.FRAME_RULES``)."""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.frame import Frame
from nl2sql.planner.frame_when import dates_set
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.words import vocabulary
from catalog_semantics.text import stem

_DATE_VERBS = frozenset(str(v) for verbs in dict(vocabulary().get("date_verbs") or {}).values() for v in verbs or ())


def metric_told_date(f: Frame, lex: Lexicon) -> Frame:
    """The frame with the told date of its metrics as the date hint, when they all share one."""
    if not (f.periods or f.unit_dims) or f.date_hints or f.date_cols or not f.measures \
            or any(m.kind != "metric" for m in f.measures):
        return f
    dates = {lex.told_metric_dates.get(m.metric) for m in f.measures}
    told = next(iter(dates)) if len(dates) == 1 else None
    return f if told is None else replace(f, date_hints=(told,))


def filter_verb_date(f: Frame, lex: Lexicon) -> Frame:
    """'order lines delivered late in 1996': a named filter said with a verb of one of its table's dates
    ("delivered", of the receipt date: vocabulary ``date_verbs``) dates the period by that date, as the verb said
    alone would ("items delivered in 1995")."""
    if not f.periods or f.date_hints or f.date_cols:
        return f
    told: set[tuple[str, str]] = set()
    said = [w.lower() for p in f.periods for w in p.text.split()[:1]]
    at = min((f.words.index(w) for w in said if w in f.words), default=-1)
    for c in f.conditions:
        named = lex.filters.get(c.filter_name) if c.kind == "filter" else None
        table = named.table.lower() if named is not None else ""
        for w in c.text.lower().split():     # (the verb before the period: "items ordered in 1996 arrived late")
            if w in _DATE_VERBS and stem(w) in f.words and f.words.index(stem(w)) < at:
                told |= {h for h in lex.date_hints.get(stem(w), ()) if h[0] == table}
        last = stem(c.text.lower().split()[-1]) if c.text else ""
        near = f.words[f.words.index(last):f.words.index(last) + 2] if last in f.words else []
        rows_noun = any(k.kind == "table" and k.table == table for w in near for k in lex.names.get((w,), ()))
        if named is not None and last in f.words and 0 < at - f.words.index(last) <= 2 and not rows_noun \
                and len(event := dates_set(named.sql, table, lex)) == 1:   # ("sold out events in": held)
            told.add((table, event.pop()))     # "events that sold out during 2025": the date the filter says happened
    return replace(f, date_hints=(told.pop(),)) if len(told) == 1 else f
