"""The date of the event a status value names ("leases that expired in 2025": the expiry date, not the date the
leases started), and the words of a condition that name it rather than a date of another table."""

from __future__ import annotations

from catalog_semantics.text import stem, words
from nl2sql.planner.filter_values import filter_value
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.code_lists import code_list
from nl2sql.planner.lexicon_names import TableInfo
from nl2sql.planner.spec import ColRef, Condition
from nl2sql.planner.unread import NotUnderstood
from nl2sql.planner.words import word_list


def same_event(a: str, b: str) -> bool:
    """Two stems of one event word ("expire", "expir" of 'expired', "expiration", "expiry").

    >>> same_event("expire", "expiration"), same_event("terminat", "termination"), same_event("start", "status")
    (True, True, False)
    """
    if a == b:
        return True
    common = next((n for n, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return common >= 5 and common >= min(len(a), len(b)) - 1


def event_words(c: Condition, lex: Lexicon) -> tuple[ColRef, tuple[str, ...]] | None:
    """The status column a condition tests one value of, and the words said for it that name an event: those
    like a participle of the value's label in the column's comment ("EXP expired (ran its term)")."""
    tested = _tested_value(c, lex)
    if tested is None:
        return None
    col, value = tested
    info = lex.tables.get(col.table)
    column = info.table.column(col.column) if info is not None else None
    if column is None:
        return None
    labels = [label for code, label in code_list(column.comment, column.sample_values or (value,)) if code == value]
    events = [stem(w) for label in labels for w in words(label)
              if any(w.endswith(s) for s in word_list("participle_suffixes"))]
    said = tuple(w for w in words(c.text) if any(same_event(stem(w), e) for e in events))
    return (col, said) if said else None


def event_dates(col: ColRef, said: tuple[str, ...], lex: Lexicon) -> list[ColRef]:
    """The dates of the status column's table named by the event words ("expiration date" for 'expired')."""
    dates = lex.tables[col.table].dates
    out = []
    for d in dates:
        names = {k for k, hs in lex.date_names.items() if (col.table, d) in hs}
        names |= {k[0] for k, cs in lex.names.items() if len(k) == 1 and any(
            x.kind == "column" and x.table == col.table and x.column == d and x.strength >= 3 for x in cs)}
        if any(same_event(stem(w), n) for w in said for n in names):
            out.append(ColRef(col.table, d))
    return out


def condition_words(conditions: tuple[Condition, ...]) -> dict[str, set[str]]:
    """Stem -> the tables of the named filters whose words it is ("joining fees": the payments' filter). A stored
    value's word may name a date as well ("did we hire in 2023": change reason Hire, and the hire date)."""
    out: dict[str, set[str]] = {}
    for c in conditions:
        for w in words(c.text) if c.kind == "filter" else ():
            out.setdefault(stem(w), set()).add(c.table)
    return out


def _tested_value(c: Condition, lex: Lexicon) -> tuple[ColRef, str] | None:
    if c.negated:
        return None
    if c.kind == "in" and c.col is not None and len(c.values) == 1:
        return c.col, str(c.values[0])
    value = filter_value(Concept("filter", c.table, name=c.filter_name), lex) if c.kind == "filter" else None
    if value is None or value.column is None or value.value is None:
        return None
    return ColRef(value.table, value.column), str(value.value)


def status_event_date(conditions: tuple[Condition, ...], lex: Lexicon) -> ColRef | None:
    """The date of the event a tested status names, when its table has one date so named; a status named as an
    event of rows that last (a date ends them: ``end_date_words``), with none or several dates so named, is not
    dated by the rows' usual date ("leases terminated in 2025", of leases dated by their start): declined, naming
    it."""
    for c in conditions:
        found = event_words(c, lex)
        if found is None:
            continue
        dates = event_dates(*found, lex)
        info = lex.tables[found[0].table]
        if not dates and (len(info.dates) < 2 or not _lasting(info)):
            # "failed payments in 2025": rows of one date are dated by it, the event's own; "cancelled flights in
            # 2024": rows that are points in time (no date ends them) are dated by their usual date
            continue
        if len(dates) != 1:
            said = " ".join(found[1])
            raise NotUnderstood(f"I could not tell which date records when the rows were {said}.", found[1])
        return dates[0]
    return None


def _lasting(info: TableInfo) -> bool:
    """Whether the table's rows last: one of its dates is named as an end (vocabulary ``end_date_words``)."""
    ends = {stem(w) for w in word_list("end_date_words")}
    return any(stem(w) in ends for d in info.dates for w in info.column_words.get(d, ()))
