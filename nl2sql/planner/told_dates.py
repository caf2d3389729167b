"""How the overlay's instructions say rows are dated: "Ticket sales (tickets sold, ticket revenue) and orders are
dated by the order date ticket_order.order_date", "Rentals (rnt) are dated by the pickup date pu_dt".

Data teams write this in prose (docs/overlay.md tells them instructions reach the LLM), often for a table that
cannot say it with ``default_date`` because the date lives on another table (a ticket dated by its order). Each
clause with a "dated by" phrase (vocabulary ``dated_by``) is read: the tables and metrics its subject names, and
the one date column its object names (qualified ``table.column``, or a column name only one table has). A table
given two different dates by two clauses keeps neither. Pure: the model and the lexicon's names in, a map out.
"""

from __future__ import annotations

import re

from catalog_semantics.model import SemanticModel
from catalog_semantics.text import stem, words
from nl2sql.planner.joins import Ambiguous, JoinGraph
from nl2sql.planner.lexicon_index import Lexicon
from nl2sql.planner.spec import ColRef
from nl2sql.planner.tokens import name_stem
from nl2sql.planner.words import phrases

_CLAUSES = re.compile(r";|\.(?=\s|$)")          # a sentence's period, not the dot of table.column
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?")
_OBJECT_END = re.compile(r",|\(|\bunless\b|\bexcept\b|\bbut\b|\bonly\b|\bwhen\b", re.IGNORECASE)


def told_dates(model: SemanticModel, lex: Lexicon) -> dict[str, tuple[str, str]]:
    """Table (lower case) -> (table, date column) as the instructions date its rows."""
    dates = {(t, c) for t, info in lex.tables.items() for c in info.dates}
    told: dict[str, set[tuple[str, str]]] = {}
    for text in model.instructions:
        for clause in _CLAUSES.split(text):
            found = _clause(clause, dates, lex)
            if found is not None:
                for table in found[0]:
                    told.setdefault(table, set()).add(found[1])
    return {t: next(iter(d)) for t, d in told.items() if len(d) == 1}


def told_metric_dates(model: SemanticModel, lex: Lexicon) -> dict[str, tuple[str, str]]:
    """Metric name -> (table, date column) of its own table, as an instruction dates what the metric measures:
    "Billings are dated by the invoice date inv.inv_dt; collections (cash received) by the payment date
    inv.paid_dt" (a clause after a "dated by" one may say only "by"). Two different dates for one metric: neither."""
    dates = {(t, c) for t, info in lex.tables.items() for c in info.dates}
    told: dict[str, set[tuple[str, str]]] = {}
    for text in model.instructions:
        for sentence in re.split(r"\.(?=\s|$)", text):
            dated = False
            for clause in sentence.split(";"):
                phrase = _dating_phrase(clause, ("by",) if dated else None)
                if phrase is None:
                    continue
                dated = True
                subject, rest = clause[:phrase[0]], clause[phrase[1]:]
                cut = _OBJECT_END.search(rest)
                for name in _metrics_named(subject, lex):
                    table = lex.metrics[name].table.lower()
                    date = _date_named(rest[:cut.start()] if cut else rest, dates, {table})
                    if date is not None and date[0] == table:
                        told.setdefault(name, set()).add(date)
    return {m: next(iter(d)) for m, d in told.items() if len(d) == 1}


def _dating_phrase(clause: str, also: tuple[str, ...] | None) -> tuple[int, int] | None:
    lowered = clause.lower()
    for phrase in (*sorted(phrases("dated_by"), key=len, reverse=True), *((also,) if also else ())):
        if (match := _find(lowered, phrase)) is not None:
            return match
    return None


def _metrics_named(subject: str, lex: Lexicon) -> set[str]:
    """The metrics whose name or synonym the subject says ("collections (cash received, payments)"), or a synonym
    of the one column the metric adds up ("Payments are dated by pd_dt" of SUM(amt_pd), amt_pd called payments)."""
    said = tuple(stem(w) for w in words(subject.lower()))     # prose: "kW" is one word, not a split identifier
    out: set[str] = set()
    for name, m in lex.metrics.items():
        for phrase in (name, *m.synonyms, *_summed_column_names(m.sql, m.table, lex)):
            ws = tuple(stem(w) for w in words(phrase.lower()))
            if ws and any(said[i:i + len(ws)] == ws for i in range(len(said) - len(ws) + 1)):
                out.add(name)
    return out


def _clause(clause: str, dates: set[tuple[str, str]], lex: Lexicon) -> tuple[set[str], tuple[str, str]] | None:
    lowered = clause.lower()
    for phrase in sorted(phrases("dated_by"), key=len, reverse=True):
        match = _find(lowered, phrase)
        if match is None:
            continue
        subject, rest = clause[:match[0]], clause[match[1]:]
        cut = _OBJECT_END.search(rest)
        tables = _tables_named(subject, lex)
        date = _date_named(rest[:cut.start()] if cut else rest, dates, tables)
        return (tables, date) if date is not None and tables else None
    return None


def _find(text: str, phrase: tuple[str, ...]) -> tuple[int, int] | None:
    """Where the words of ``phrase`` (stems) follow one another in ``text``: (start, end) characters."""
    spans = [(m.start(), m.end(), stem(m.group().lower())) for m in re.finditer(r"[a-z]+", text)]
    for i in range(len(spans) - len(phrase) + 1):
        if tuple(s for _, _, s in spans[i:i + len(phrase)]) == phrase:
            return spans[i][0], spans[i + len(phrase) - 1][1]
    return None


def _date_named(text: str, dates: set[tuple[str, str]], subject: set[str]) -> tuple[str, str] | None:
    """The first token that is a date column: ``table.column``, or a column name only one table has (or only one
    of the tables the subject names: "rentals (rnt) ... pu_dt" beside a booking's pu_dt)."""
    for token in _TOKEN.findall(text):
        if "." in token:
            table, column = token.lower().split(".", 1)
            hits = {d for d in dates if d[0] == table and d[1].lower() == column}
        else:
            hits = {d for d in dates if d[1].lower() == token.lower()}
            hits = {d for d in hits if d[0] in subject} if len(hits) > 1 else hits
        if len(hits) == 1:
            return next(iter(hits))
    return None


def _tables_named(subject: str, lex: Lexicon) -> set[str]:
    """Tables whose names, synonyms or metrics' names the subject says ("ticket sales", "rentals (rnt)")."""
    ws = [name_stem(w) for w in words(subject)]
    out: set[str] = set()
    i = 0
    while i < len(ws):             # longest phrase first: "rental revenue" is a metric, not rentals
        for n in range(min(4, len(ws) - i), 0, -1):
            found = lex.names.get(tuple(ws[i:i + n]), ())
            if found:
                out |= {c.table for c in found if c.kind in ("table", "metric") and c.strength >= 2}
                i += n
                break
        else:
            i += 1
    return out


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


def own_date(lex: Lexicon, graph: JoinGraph, table: str) -> tuple[str, str] | None:
    """The date a table's rows are dated by with no word for it: the overlay's ``default_date``, the one the
    instructions give, or its only date."""
    info = lex.tables[table]
    if info.table.default_date is not None:
        return table, info.table.default_date.lower()
    if (told := told_date(lex, graph, table)) is not None:
        return told.table, told.column.lower()
    return (table, info.dates[0].lower()) if len(info.dates) == 1 else None


def table_of_period(spans: list[tuple[int, ...]], entities: tuple[tuple[str, int, bool], ...], lex: Lexicon,
                    graph: JoinGraph) -> ColRef | None:
    """'late delivery rate per segment, orders from 1996': a period said right after a table's noun (or one word
    after it) dates that table's rows by their own date, rather than the date the measure's name picks ("delivery":
    the receipt date). Only then: where no name picks a date, the rows' usual date stands ("comedy shows in 2025"
    of tickets are dated as the model dates tickets)."""
    said = {t for span in spans if span for t, pos, _plural in entities if 1 <= min(span) - pos <= 2}
    dated = {d for t in said if t in lex.tables and (d := own_date(lex, graph, t)) is not None}
    return ColRef(*dated.pop()) if len(dated) == 1 else None


def _summed_column_names(sql: str, table: str, lex: Lexicon) -> tuple[str, ...]:
    """The synonyms of the column a metric adds up alone (``SUM(col)``), else ()."""
    import sqlglot
    from sqlglot import exp

    try:
        node = sqlglot.parse_one(sql, read=lex.dialect)
    except sqlglot.errors.SqlglotError:
        return ()
    info = lex.tables.get(table.lower())
    col = info.table.column(node.this.name) if isinstance(node, exp.Sum) and isinstance(node.this, exp.Column) \
        and info is not None else None
    return tuple(col.synonyms) if col is not None else ()
