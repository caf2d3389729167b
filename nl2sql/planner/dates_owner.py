"""Whose date a period is when the question names rows that exist or not after their owner: "venues that had
no events in January 2025" dates the events, not the venues (whose own date says when they opened).

A pure function of the frame: the period said right after an existence ("no events in ...", "with orders in
...") belongs to that table when it has a date of its own (its overlay ``default_date``, else its only date).
"""

from __future__ import annotations

from nl2sql.planner.frame import Frame
from nl2sql.planner.joins import Ambiguous, JoinGraph
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import ColRef


def period_owner(frame: Frame, lex: Lexicon, graph: JoinGraph, base: str) -> ColRef | None:
    """The date of the one table named as existing (or not) just before every period, if it has one."""
    if not frame.periods or not frame.existence:
        return None
    first = min(min(p.span, default=-1) for p in frame.periods)
    owners = {t for t, _, pos in frame.existence if t != base and pos < first and _reached(graph, base, t)}
    dated = [(t, d) for t in sorted(owners) if (d := _own_date(lex, t)) is not None]
    return ColRef(*dated[0]) if len(dated) == 1 and len(owners) == 1 else None


def _reached(graph: JoinGraph, base: str, table: str) -> bool:
    try:
        return graph.path(base, table) is not None
    except Ambiguous:
        return False


def _own_date(lex: Lexicon, table: str) -> str | None:
    info = lex.tables[table]
    default = info.table.default_date
    if default is not None and default in info.dates:
        return default
    return info.dates[0] if len(info.dates) == 1 else None


def told_date(lex: Lexicon, graph: JoinGraph, base: str) -> ColRef | None:
    """The date the overlay's instructions give the base table's rows (``lexicon.told_dates``: "tickets ... are
    dated by ticket_order.order_date"), where the table declares none itself and the date's table is one its
    rows belong to (reached many-to-one)."""
    told = lex.told_dates.get(base)
    if told is None or lex.tables[base].table.default_date is not None:
        return None
    if told[0] != base:
        try:
            path = graph.path(base, told[0])
        except Ambiguous:
            return None
        if path is None or not all(e.up for e in path):
            return None
    return ColRef(*told)
