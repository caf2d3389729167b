"""A table's default filter (overlay ``default_filter``): the rows a question about that table means
unless it says otherwise ("how many employees" = active employees).

Decided once per question, on the spec: the default applies to the base table when the question
neither names a condition the default would conflict with, nor asks for every row ("all employees",
"ever", "including former": vocabulary.yaml ``default_filter``), nor asks about a past period while
the default is a current state (a condition on a date column, such as ``termination_date IS NULL``).
The compiler adds the condition; the checks' notes say so.
"""

from __future__ import annotations

from dataclasses import replace

import sqlglot
from sqlglot import exp

from catalog_semantics.model import NamedFilter
from catalog_semantics.question import QuestionWords
from nl2sql.planner.filter_values import filter_columns
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.lexicon_names import TableInfo
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import Condition, QuerySpec
from nl2sql.planner.tokens import question_words
from nl2sql.planner.words import phrases, word_list


def default_filter(lex: Lexicon, table: str) -> NamedFilter | None:
    """The default filter of a table of the lexicon: the overlay's, else the one a metric named as the
    table's count implies (``counting.py``)."""
    info = lex.tables.get(table)
    declared = info.table.default_filter if info is not None else None
    return declared or lex.implied_defaults.get(table)


def with_default_filter(spec: QuerySpec, question: str | QuestionWords, lex: Lexicon) -> QuerySpec:
    """The spec with its base table's default filter marked as applied, unless the question overrides it.

    A spec that already has it, or has no such table, comes back unchanged.
    """
    f = default_filter(lex, spec.base)
    if f is None or spec.base in spec.default_filters:
        return spec
    stems = question_words(question).stems
    if asks_all_rows(stems, spec.base, lex) or _conflicts(spec, f, lex):
        return spec
    return replace(spec, default_filters=(*spec.default_filters, spec.base))


def edited_default(previous: QuerySpec, spec: QuerySpec, question: str | QuestionWords, lex: Lexicon) -> QuerySpec:
    """A follow-up's frame: the default filter kept from the previous turn unless the follow-up now names a
    conflicting condition or asks for every row; decided afresh when the follow-up changes the table."""
    if spec.base != previous.base:
        return with_default_filter(replace(spec, default_filters=()), question, lex)
    f = default_filter(lex, spec.base)
    if f is None or spec.base not in spec.default_filters:
        return spec                      # the earlier turn overrode it ("ever"): a follow-up keeps that
    stems = question_words(question).stems
    if asks_all_rows(stems, spec.base, lex) or _conflicts(spec, f, lex):
        return replace(spec, default_filters=tuple(t for t in spec.default_filters if t != spec.base))
    return spec


def default_note(table: str, lex: Lexicon) -> str:
    """The sentence an answer carries when a default filter was applied."""
    f = default_filter(lex, table)
    info = lex.tables[table]
    noun = " ".join(info.words) or table
    if f is None:
        return ""
    what = f"'{f.name}'" if not f.name.startswith("default ") else f.sql
    return f"only {noun} rows that are {what} (the table's default filter; ask about all {noun} to include every row)"


def _conditions(spec: QuerySpec) -> list[Condition]:
    found = list(spec.conditions)
    for m in spec.measures:
        found.extend(m.share_of)
    return found


def _conflicts(spec: QuerySpec, f: NamedFilter, lex: Lexicon) -> bool:
    """The question names a condition the default would contradict or repeat: a named filter or a condition on
    a column the default reads, a grouping by such a column, or a period when the default reads a date. A named filter on another column
    ("premium cabins" beside "not refunded") narrows the default rows, as a value there does."""
    dates = {d.lower() for d in lex.tables[spec.base].dates}
    read = _with_event_siblings(columns_of(f.sql, lex.dialect), dates, lex.tables[spec.base])
    if any(d.col.table == spec.base and d.col.column.lower() in read for d in spec.dims):
        return True              # "resignations per year" of termination: the default would empty or fix the groups
    for c in _conditions(spec):
        if read & dates and _is_period(c, lex):
            return True          # "rated 5 in 2024": a past period, whichever table it dates
        if c.table == spec.base and c.kind == "range" and _a_state(f):
            return True          # "students admitted in 2024": an event of theirs, not only the still active
        if c.table != spec.base:
            continue
        if c.kind == "filter" and filter_reads(c, read, lex):
            return True
        col = c.col.column.lower() if c.col else ""
        if col in read or (c.kind in ("range", "month") and read & dates):
            return True
    return False


def _with_event_siblings(read: set[str], dates: set[str], info: TableInfo) -> set[str]:
    """The columns a default reads, with those that record the same event as a date it reads: a default of
    a current state (``termination_date IS NULL``) empties any question about ``termination_reason``, which is
    only set once that date is ("how many resignations"). Siblings share the date's first word, not the
    table's own ("lse_" of every lease column)."""
    heads = {ws[0] for c, ws in info.column_words.items() if c.lower() in read & dates and ws}
    heads -= set(info.words)
    return read | {c.lower() for c, ws in info.column_words.items()
                   if ws[:1] and ws[0] in heads and len(ws[0]) >= 3 and c not in info.dates and c not in info.keys}


def filter_reads(c: Condition, read: set[str], lex: Lexicon) -> bool:
    """Whether a named filter reads a column the default reads (one whose columns cannot be told: yes)."""
    f = lex.filters.get(c.filter_name)
    own = columns_of(f.sql, lex.dialect) if f is not None else set()
    return not own or not read or bool(own & read)


def _a_state(f: NamedFilter) -> bool:
    """A default named as a current state ("active student", "open branch": vocabulary ``states``)."""
    said = f" {f.name.lower()} "
    return any(f" {w} " in said for w in word_list("default_filter", "states"))


def _is_period(c: Condition, lex: Lexicon) -> bool:
    """A condition that names a period: a date range, a month, or a number compared on a year column."""
    if c.kind in ("range", "month"):
        return True
    if c.kind != "compare" or c.col is None or c.col.table not in lex.tables:
        return False
    return lex.tables[c.col.table].column_words.get(c.col.column, ())[-1:] == ("year",)


def asks_all_rows(stems: tuple[str, ...], table: str, lex: Lexicon) -> bool:
    """'ever', 'including former' anywhere, or 'all' / 'every' right before the table's name."""
    if any(_contains(stems, p) for p in phrases("default_filter", "widen")):
        return True
    names = [k for k, concepts in lex.names.items()
             if any(c.kind == "table" and c.table == table for c in concepts)]
    return any(_contains(stems, (*lead, *name)) for lead in phrases("default_filter", "all_of") for name in names)


def _contains(stems: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether ``phrase`` occurs in ``stems`` as consecutive words.

    >>> _contains(("how", "many", "employ", "ever"), ("ever",)), _contains(("a", "b"), ("b", "a"))
    (True, False)
    """
    n = len(phrase)
    return n > 0 and any(stems[i:i + n] == phrase for i in range(len(stems) - n + 1))


def columns_of(sql: str, dialect: str) -> set[str]:
    """The column names a condition reads, lower-cased.

    >>> sorted(columns_of("termination_date IS NULL AND status = 'A'", "duckdb"))
    ['status', 'termination_date']
    """
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.ParseError:
        return set()
    return {c.name.lower() for c in tree.find_all(exp.Column) if c.name}


def no_event_left_out(spec: QuerySpec, date_hints: tuple[tuple[str, str], ...], dated: bool, lex: Lexicon) -> None:
    """'which clients have we lost': a verb that names a date of the rows (``churn_dt``), with no period or time
    grouping to date (``dated``), says the event happened; the rows' default filter ("churn_dt IS NULL": the active
    clients) leaves those very rows out. Declined, naming the filter, rather than listing the rows it keeps."""
    f = default_filter(lex, spec.base)
    if dated or f is None or spec.base not in spec.default_filters:
        return
    said = {c.lower() for t, c in date_hints if t == spec.base}
    if said & {c.lower() for c in filter_columns(f.sql, lex)}:
        raise NotUnderstood(f"The question names rows that the default filter '{f.name}' leaves out; name them "
                            f"(a named filter) or ask about all of them.", tuple(sorted(said)))


def no_event_unread(spec: QuerySpec, date_hints: tuple[tuple[str, str], ...], dated: bool, lex: Lexicon) -> None:
    """'customers whose accounts are closed': a verb naming a date of the rows (``cls_dt``) with no period says the
    event happened, which a named filter of the table tests (``closed account``: ``cls_dt IS NOT NULL``); when
    nothing of the answer reads that date or a filter on it, every row would be listed. Declined, naming the filter."""
    if dated:
        return
    read = {c.col.column.lower() for c in spec.conditions if c.col is not None} | {
        col for c in spec.conditions if c.kind == "filter" and c.filter_name in lex.filters
        for col in filter_columns(lex.filters[c.filter_name].sql, lex)} | {
        p.column.lower() for p in (*spec.projections, *spec.helpers)}
    for table, column in date_hints:
        testing = [f for f in lex.filters.values() if f.table.lower() == table
                   and column.lower() in filter_columns(f.sql, lex)]
        if table == spec.base and testing and column.lower() not in read:
            raise NotUnderstood(f"The question names when something happened to these rows but nothing reads it; "
                                f"name the rows (such as “{testing[0].name}”) or a period.", (testing[0].name,))
