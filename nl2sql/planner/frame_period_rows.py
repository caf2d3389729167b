"""A table's noun said right before the period, after what is asked: "which shipping method moved the most units
on orders placed in 1997", "suppliers with more than 65 late line items on orders placed in 1995". The noun only
says whose date the period is (the orders' own date); it is neither a grouping nor rows to list. Only for rows
the measured ones belong to (an order of each line item): a table below them ("meters with shipments in 2024") is
rows that must exist. Run on the reader's frame (``read_spec``), before the frame rules, with the join graph."""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.frame import Frame
from nl2sql.planner.joins import JoinGraph, up_from
from nl2sql.planner.lexicon import Lexicon


def period_of_named_rows(f: Frame, lex: Lexicon, graph: JoinGraph) -> Frame:
    """The frame with such a noun as the period's date hint (the table's declared date, else its only one), its
    entity dropped; unchanged when nothing is asked before the noun, or the period's date is said otherwise."""
    if f.date_hints or f.date_cols or len(f.periods) != 1 or not f.periods[0].span:
        return f
    start = min(f.periods[0].span)
    said = max((e for e in f.entities if 1 <= start - e[1] <= 2), key=lambda e: e[1], default=None)  # the nearest
    if said is None or said[0] not in lex.tables:
        return f
    table, pos, _plural = said
    asked = any(0 <= p < pos for _, p in f.projections) or any(e[1] < pos for e in f.entities) \
        or bool(f.measures or f.extremes)
    measured = {m.table for m in f.measures} | {t[1].table for _, t, _ in f.extremes if t[0] == "column"}
    if not measured or not all(up_from(graph, m, table) for m in measured) or any(_dated_elsewhere(lex, m, table)
                                                                                  for m in measured):
        return f
    info = lex.tables[table]
    default = info.table.default_date
    date = default if default in info.dates else (info.dates[0] if len(info.dates) == 1 else None)
    if not asked or date is None:
        return f
    return replace(f, entities=tuple(e for e in f.entities if e != said), date_hints=((table, date),))


def _dated_elsewhere(lex: Lexicon, measured: str, noun: str) -> bool:
    """Whether the measured rows have a date of their own, declared or told, on a table other than the noun's: "ticket
    price for comedy shows in 2025" keeps the tickets' order date (the model dates ticket sales so)."""
    info = lex.tables.get(measured)
    own = lex.told_dates.get(measured) or ((measured, info.table.default_date) if info and info.table.default_date
                                           else None)
    return own is not None and own[0] != noun
