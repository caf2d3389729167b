"""Every matched word reaches the frame: a phrase the reader matched to the model (a table, column, value,
metric or named filter), a number or a date must show in the assembled ``QuerySpec``, or the answer would
look confident while ignoring part of the question ("returned lines" with no return-flag condition, "billed
and allowed amounts" with one measure, a year read and never applied).

What counts as reflected follows how the reader claims items, so that words used as context by design
pass: a table is reflected when the query reads it at all (the counted rows, a joined table, a table the
join path goes through: "customer region"); a column when any part of the frame uses it, or a metric's or
named filter's SQL does (a date column naming which date a period applies to is the range's column); a
value when its column is tested or grouped on; a number when it is a limit, a compared value (or its
percentage as a fraction), a HAVING bound, a key looked up, or a year inside a date range; a date when
a range is applied. Anything else is declined naming the words.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, fields, replace
from functools import cache
from datetime import date, timedelta
from typing import Any

import sqlglot
from sqlglot import exp

from catalog_semantics.text import stem, words
from nl2sql.planner.tokens import name_stem, singular
from nl2sql.planner.vocabulary import exact_phrases
from nl2sql.planner.words import phrases, word_list
from nl2sql.planner.joins import Ambiguous, JoinGraph
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.intent_echo import echoes_measure, words_before
from nl2sql.planner.matching import Item
from nl2sql.planner.spec import ColRef, Condition, QuerySpec, is_average
from nl2sql.planner.unread import NotUnderstood


_AMOUNT_AGGREGATES = frozenset({"sum", "avg", "median"})   # agg cues that ask for an amount, not a row count
_FILLERS = frozenset({"list", "stop"})     # cue kinds a model name may also be (matching._WEAK_CUES)


@dataclass(frozen=True)
class Uses:
    """What a frame reads: tables, columns (and column names used inside metric or filter SQL), columns
    tested or grouped on, metric and filter names, numbers, and the date ranges applied."""

    tables: frozenset[str]
    columns: frozenset[tuple[str, str]]
    sql_columns: frozenset[str]
    tested: frozenset[tuple[str, str]]
    grouped: frozenset[tuple[str, str]]
    keys: frozenset[tuple[str, str]]
    texts: frozenset[str]
    names: frozenset[str]
    numbers: frozenset[float]
    ranges: tuple[tuple[date | None, date | None], ...]
    named: tuple[frozenset[str], ...] = ()        # the stems of each used column's words
    counted: frozenset[str] = frozenset()         # tables whose rows a measure counts


def _conditions(spec: QuerySpec) -> tuple[Condition, ...]:
    return spec.conditions + tuple(c for m in spec.measures for c in m.share_of)


def _refs(spec: QuerySpec) -> tuple[ColRef, ...]:
    refs = [c.col for c in _conditions(spec) if c.col is not None]
    refs += [v for c in _conditions(spec) for v in c.values if isinstance(v, ColRef)]   # "after their commit date"
    refs += [m.col for m in spec.measures if m.col is not None] + [o.col for o in spec.order if o.col is not None]
    refs += [m.since for m in spec.measures if m.since is not None]      # "days between order date and ..."
    refs += [d.col for d in spec.dims] + [k for d in spec.dims for k in d.keys]
    return tuple(refs) + spec.projections + spec.helpers


@cache
def _sql_parts(sql: str, dialect: str) -> tuple[frozenset[str], frozenset[str]]:
    """The column names and table names a metric's or filter's SQL reads."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return frozenset(), frozenset()
    return (frozenset(c.name.lower() for c in tree.find_all(exp.Column)),
            frozenset(c.table.lower() for c in tree.find_all(exp.Column) if c.table))


def _numbers(spec: QuerySpec) -> set[float]:
    found: set[float] = {float(spec.limit)} if spec.limit is not None else set()
    found |= {float(v) for h in spec.having for v in h.values}
    for c in _conditions(spec):
        for v in c.values:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                found |= {float(v), round(float(v) * 100, 6)}    # "above 5%" compares 0.05
            elif isinstance(v, str):     # 'Clerk#000000007' shows the digits said after the column's name too
                found |= {float(t) for t in (v, *re.findall(r"\d+$", v)) if re.fullmatch(r"-?\d+(\.\d+)?", t)}
    return found


def frame_uses(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> Uses:
    """What the frame reads, the other side of a set operation included ("categories not used by any purchase")."""
    own = _own_uses(spec, lex, graph)
    if spec.setop is None:
        return own
    other = frame_uses(spec.setop.other, lex, graph)
    return Uses(*(a + b if isinstance(a, tuple) else a | b
                  for a, b in zip(_fields_of(own), _fields_of(other), strict=True)))


def _fields_of(uses: Uses) -> tuple[Any, ...]:
    """The fields of ``uses`` in order, not copied (``dataclasses.astuple`` would deep-copy them)."""
    return tuple(getattr(uses, f.name) for f in fields(uses))


def _own_uses(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> Uses:
    refs = _refs(spec)
    conds = _conditions(spec)
    tables = {spec.base, *spec.default_filters} | {r.table for r in refs} | {r.via for r in refs if r.via}
    tables |= {c.table for c in conds} | {c.via for c in conds if c.via}
    tables |= {m.table for m in spec.measures} | {p.table for p in spec.projections}
    tables |= {m.metric for m in spec.measures if m.metric in lex.tables}   # "line items per order"
    tables |= {p for m in spec.measures if m.fn == "count_distinct" and m.col is not None   # its rows, by key
               if (p := graph.parent_of(m.col.table, m.col.column)) is not None}
    names = {m.metric for m in spec.measures if m.metric} | {c.filter_name for c in conds if c.filter_name}
    names |= {lex.implied_defaults[t].name for t in spec.default_filters if t in lex.implied_defaults}
    sql_columns: set[str] = set()
    for name in names:
        found = lex.metrics.get(name) or lex.filters.get(name)
        if found is not None:
            cols, owners = _sql_parts(found.sql, lex.dialect)
            sql_columns |= cols
            tables |= owners
    for t in list(tables):        # a table the joins go through: "customer region", "orders of suppliers"
        try:
            path = graph.path(spec.base, t)
        except Ambiguous:
            continue
        tables |= {e.dst for e in path or ()}
    tested = {(c.col.table, c.col.column.lower()) for c in conds if c.col is not None}
    grouped = {(d.col.table, d.col.column.lower()) for d in spec.dims}
    # a key column is used by the join it makes ("supplier country": s_nationkey, to the supplier's nation)
    keys = {(e.src, c.lower()) for t in tables for e in graph.edges.get(t, ()) if e.dst in tables and e.src in tables
            for c in e.src_cols}
    texts = {str(v).lower() for c in conds for v in c.values} | {c.text.lower() for c in conds}
    ranges = tuple((s if isinstance(s, date) else None, e if isinstance(e, date) else None)
                   for c in conds if c.kind == "range" for s, e in [c.values[:2]])
    named = tuple(frozenset(stem(w) for w in lex.tables[r.table].column_words.get(r.column, ()))
                  for r in refs if r.table in lex.tables)
    return Uses(frozenset(tables), frozenset((r.table, r.column.lower()) for r in refs), frozenset(sql_columns),
                frozenset(tested), frozenset(grouped), frozenset(keys), frozenset(texts), frozenset(names),
                frozenset(_numbers(spec)), ranges, named,
                frozenset(m.table for m in spec.measures if m.kind in ("rows", "rows_per") or m.fn in ("count", "count_distinct")))


def _concept_used(c: Concept, uses: Uses, lex: Lexicon) -> bool:
    column = (c.column or "").lower()
    if c.kind == "table":
        return c.table in uses.tables
    if c.kind == "column":
        return (c.table, column) in uses.columns | uses.keys or column in uses.sql_columns
    if c.kind in ("value", "valueword"):    # its own value tested, or its column grouped on ("each separately")
        said = (c.table, column) in uses.tested and str(c.value).lower() in uses.texts
        return said or (c.table, column) in uses.grouped or column in uses.sql_columns
    if c.kind == "filter" and c.name not in uses.names and c.name in lex.filters:
        # a named filter read as a test of its own column ("with a discount between 5% and 7%")
        columns, _ = _sql_parts(lex.filters[c.name].sql, lex.dialect)
        return bool(columns) and all((c.table, n) in uses.tested for n in columns)
    if c.kind == "metric" and c.name not in uses.names and c.name in lex.metrics and c.table in uses.counted:
        # "their order count" read as a count of the orders: the metric that counts them, said another way
        return _is_count(lex.metrics[c.name].sql, lex.dialect)
    return c.name in uses.names       # metric, filter


@cache
def _is_count(sql: str, dialect: str) -> bool:
    try:
        return isinstance(sqlglot.parse_one(sql, read=dialect), exp.Count)
    except sqlglot.errors.SqlglotError:
        return False


def _in_range(year: int, uses: Uses) -> bool:
    """Whether a range applied starts or ends at the year, or spans it ("after 1997" starts in 1998)."""
    return any((s is None or s.year <= year + 1) and (e is None or year <= e.year) for s, e in uses.ranges)


def _day_of_range(n: float, uses: Uses) -> bool:
    """'between 1 March and 15 April': a day of the month that starts or ends a range applied."""
    return n == int(n) and 1 <= n <= 31 and any(
        (s is not None and s.day == n) or (e is not None and (e - timedelta(days=1)).day == n) for s, e in uses.ranges)


def reflected(it: Item, uses: Uses, lex: Lexicon) -> bool:
    """Whether one matched item shows in the frame (items that are not matched phrases always do)."""
    if it.text.lower() in uses.texts:       # a condition says it came from these words
        return True
    if it.kind in ("concept", "literal") and it.concepts:
        # "ordered by id" with the documents' id grouped: the words may name a column the frame uses
        said = {stem(w) for w in words(it.text.lower())}
        return any(_concept_used(c, uses, lex) for c in it.concepts) or any(said <= n for n in uses.named) \
            or _date_shown(said, uses, lex)
    if it.kind == "literal":
        return it.text.lower().strip("'\"") in uses.texts or it.text.lower() in uses.texts
    if it.kind == "number" and it.number is not None:
        n = it.number
        is_year = n == int(n) and 1900 <= n <= 2100
        # a year compared as a number may be shifted by one ("after 2013": year >= 2014)
        near = {n - 1, n + 1} & uses.numbers
        return n in uses.numbers or (is_year and (_in_range(int(n), uses) or bool(near))) or _day_of_range(n, uses)
    if it.kind == "date":
        return bool(uses.ranges)
    if it.kind == "cue" and it.has("month"):          # "in December" (any year) or "December 1996"
        return bool(uses.ranges) or float(it.arg("month")) in uses.numbers
    if it.kind == "cue" and it.has("numword") and it.arg("numword") != "1":   # "one" is also a pronoun
        return float(it.arg("numword")) in uses.numbers
    return True


def _date_shown(said: set[str], uses: Uses, lex: Lexicon) -> bool:
    """'… and when they opened': one word naming a date column (``Lexicon.date_names``) the answer shows (not
    one it only tests: "clubs opened in 2024" still needs what else the word names)."""
    return len(said) == 1 and any(h in uses.columns and h not in uses.tested
                                  for h in lex.date_names.get(next(iter(said)), ()))


@cache
def _filler_phrases() -> frozenset[tuple[str, ...]]:
    return frozenset(p for kind in sorted(_FILLERS) for p in exact_phrases(kind))


def _as_content(items: list[Item], n: int, lex: Lexicon) -> Item:
    """'returned lines by ship mode': a word read as a filler (a list or stop cue) only through its stem
    ("returned" for "return") that names the model ("returned": the return flag, the 'returned item'
    filter) is a content word; the filler as written ("Return the names of ...") is the request itself."""
    it = items[n]
    said = tuple(words(it.text.lower()))
    if it.kind != "cue" or it.concepts or not all(c.kind in _FILLERS for c in it.cues) \
            or said in _filler_phrases():
        return it
    key = tuple(name_stem(w) for w in said)
    concepts = tuple(lex.names.get(key, ())) + tuple(lex.values.get(tuple(singular(w) for w in said), ()))
    return replace(it, kind="concept", concepts=concepts) if concepts else it


def _names_the_column_before(items: list[Item], n: int, uses: Uses, lex: Lexicon) -> bool:
    """'government form name': a table's name column right after another used column of that table says
    the column's values are what is named, not a second column."""
    prev = items[n - 1] if n else None
    if prev is None or prev.end != items[n].start or prev.kind != "concept":
        return False
    labels = {(c.table, c.column) for c in items[n].concepts
              if c.kind == "column" and c.table in lex.tables and c.column in lex.tables[c.table].labels}
    return bool(labels) and any(c.kind == "column" and _concept_used(c, uses, lex) and (c.table, c.column) not in labels
                                and any(t == c.table for t, _ in labels) for c in prev.concepts)


def _taken_on(items: list[Item], n: int, uses: Uses) -> bool:
    """'tax charged on sales': a metric said after "on" right after the measure used names what it is taken on."""
    return n >= 2 and items[n - 1].text.lower() in word_list("measured_on") \
        and any(c.kind == "metric" for c in items[n].concepts) \
        and any(c.kind == "metric" and c.name in uses.names for c in items[n - 2].concepts)


def check_reflected(items: list[Item], spec: QuerySpec, lex: Lexicon, graph: JoinGraph,
                    previous: QuerySpec | None = None) -> None:
    """Raise ``NotUnderstood`` naming the matched words the frame does not use. A follow-up's words may
    instead name what they change in the ``previous`` frame ("GERMANY instead of FRANCE")."""
    uses = frame_uses(spec, lex, graph)
    before = frame_uses(previous, lex, graph) if previous is not None else None
    if previous is not None:   # "same but 2024 only": the follow-up's own function words say how it edits
        edits = phrases("followup", "leading") | phrases("followup", "anywhere") | phrases("followup", "fillers")
        items = [it for it in items if tuple(stem(w) for w in words(it.text.lower())) not in edits]
    items = [_as_content(items, n, lex) for n in range(len(items))]
    dropped = tuple(dict.fromkeys(it.text for n, it in enumerate(items) if not reflected(it, uses, lex)
                                  and (before is None or not reflected(it, before, lex))
                                  and not echoes_measure(it, words_before(items, it), bool(spec.measures))
                                  and not _names_the_column_before(items, n, uses, lex)
                                  and not _taken_on(items, n, uses)))
    if previous is None and not spec.measures and not spec.having \
            and not any(c.values and is_average(c.values[0]) for c in spec.conditions):
        # "products with less than 5000 units in stock in total": an amount added up or averaged was asked for,
        # yet the answer lists rows (each row's own amount): the word that asked is named
        dropped += tuple(it.text for it in items if it.kind == "cue" and not it.concepts and it.has("agg")
                         and it.arg("agg") in _AMOUNT_AGGREGATES and it.text not in dropped)
    if dropped:
        said = ", ".join(f"‘{w}’" for w in dropped)
        raise NotUnderstood(f"I read {said} but could not use it in the answer.", dropped)
