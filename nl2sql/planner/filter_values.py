"""A named filter that only tests one stored value ("urgent": ``o_orderpriority = '1-URGENT'``), read as that
value where the question lists it beside other values of its column ("urgent and high priority orders": either
priority, as "AUTOMOBILE and MACHINERY customers" is either segment), never as two tests one row cannot pass."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import sqlglot
from sqlglot import exp

from nl2sql.planner.edits import Edit, ValueEdit
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.matching import Item
from nl2sql.planner.spec import ColRef, Condition
from nl2sql.planner.vocabulary import Cue
from nl2sql.planner.words import word_list


def as_value(item: Item, lex: Lexicon) -> Item | None:
    """The item as the value its one named filter tests, or None when it names no such filter."""
    filters = [c for c in item.concepts if c.kind == "filter"]
    if item.kind != "concept" or len(filters) != 1:
        return None
    value = filter_value(filters[0], lex)
    return None if value is None else replace(item, concepts=(value,))


def filters_as_values(edit: Edit, lex: Lexicon) -> Edit:
    """A follow-up's named filters listed with values of the column they test ("just urgent and high"): those
    values too, so the column keeps either (the edit's values of one column are one list)."""
    columns = {(c.table, c.column) for v in edit.values for c in v.concepts if c.kind == "value"}
    moved = [(f, value) for f in edit.filters if (value := filter_value(f, lex)) is not None
             and (value.table, value.column) in columns]
    if not moved:
        return edit
    return dataclasses.replace(edit, filters=tuple(f for f in edit.filters if f not in {m[0] for m in moved}),
                               values=edit.values + tuple(ValueEdit((v,), False, f.name) for f, v in moved))


def filter_value(concept: Concept, lex: Lexicon) -> Concept | None:
    """The value a named filter tests when it is one equality on a column of its table (``col = 'A'``)."""
    if concept.kind != "filter" or concept.name not in lex.filters:
        return None
    f = lex.filters[concept.name]
    try:
        node = sqlglot.parse_one(f.sql, read=lex.dialect)
    except sqlglot.errors.SqlglotError:
        return None
    if not (isinstance(node, exp.EQ) and isinstance(node.this, exp.Column) and isinstance(node.expression, exp.Literal)
            and node.expression.is_string):
        return None
    table = f.table.lower()
    info = lex.tables.get(table)
    column = next((c.name for c in info.table.columns if c.name.lower() == node.this.name.lower()), None) if info else None
    return None if column is None else Concept("value", table, column, value=node.expression.this)


def condition_as_value(c: Condition, lex: Lexicon) -> Condition:
    """A named filter that is one equality ("urgent orders": o_orderpriority = '1-URGENT') as that value of its
    column, so it can be compared with another value of it; any other condition as it is."""
    value = filter_value(Concept("filter", c.table, name=c.filter_name), lex) if c.kind == "filter" else None
    if value is None or c.negated or value.column is None:
        return c
    return Condition("in", value.table, ColRef(value.table, value.column), "in", (value.value,), text=c.text)


def beside_values(items: list[Item], j: int, lex: Lexicon) -> Item | None:
    """The filter at j as a value, when a value of the same column is listed right before or after it with
    "and" / "or" ("urgent and high", "high or urgent")."""
    value = as_value(items[j], lex)
    if value is None:
        return None
    column = (value.concepts[0].table, value.concepts[0].column)
    for conj, other in ((j + 1, j + 2), (j - 1, j - 2)):
        if not (0 <= other < len(items) and 0 <= conj < len(items) and items[conj].has("and", "or")):
            continue
        named = as_value(items[other], lex) or items[other]         # two filters of one column ("urgent or high")
        if any((c.table, c.column) == column for c in named.concepts if c.kind == "value"):
            return value
    return None


def idiom_opener(items: list[Item]) -> list[Item]:
    """'make it top 5': a follow-up that opens with an idiom of the vocabulary (``followup.idiom_openers``) says
    nothing about the data, even where the model names something with its first word ("make" a manufacturer)."""
    said = tuple(it.text.lower() for it in items)
    for p in sorted(word_list("followup", "idiom_openers"), key=len, reverse=True):
        n = len(p.split())
        if said[:n] == tuple(p.split()):
            return [replace(it, kind="cue", concepts=(), cues=(Cue("stop"),)) for it in items[:n]] + items[n:]
    return items


def flag_column(sql: str) -> str:
    """'is_active' for a filter that is a bare boolean column (``users.is_active``), else ''."""
    last = sql.strip().split(".")[-1]
    return last.lower() if last.replace("_", "").isalnum() and " " not in sql.strip() else ""


def tested_values(sql: str, dialect: str) -> tuple[tuple[str, str], ...]:
    """(('status', 'churned'),) for a filter `accounts.status = 'churned'`; each value of `status IN ('OPEN', 'REOP')`.

    >>> tested_values("clm_stat IN ('OPEN', 'REOP')", "duckdb"), tested_values("a > 1", "duckdb")
    ((('clm_stat', 'open'), ('clm_stat', 'reop')), ())
    """
    try:
        node = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return ()
    values = [node.expression] if isinstance(node, exp.EQ) else node.expressions if isinstance(node, exp.In) else []
    if not values or not isinstance(node.this, exp.Column) or not all(isinstance(v, exp.Literal) for v in values):
        return ()
    return tuple((node.this.name.lower(), v.name.lower()) for v in values)


def filter_columns(sql: str, lex: Lexicon) -> list[str]:
    """The columns of the filter's table a named filter reads, as the catalog spells them."""
    try:
        tree = sqlglot.parse_one(sql, read=lex.dialect)
    except sqlglot.errors.ParseError:
        return []
    return list(dict.fromkeys(c.name for c in tree.find_all(exp.Column) if c.name))


def said_as_named(item: Item, lex: Lexicon) -> Item:
    """'discounts' names the metric "discount given" (a synonym: "discounts") and, by its stem, the filter
    "discounted item": of a metric and a filter the phrase names, the one that has it as written is meant."""
    named = [c for c in item.concepts if c.kind in ("metric", "filter")]
    if item.kind != "concept" or len({c.kind for c in named}) < 2:
        return item
    text = item.text.lower()

    def names(c: Concept) -> set[str]:
        found = lex.metrics.get(c.name) if c.kind == "metric" else lex.filters.get(c.name)
        return {n.lower() for n in (found.name, *found.synonyms)} if found is not None else set()

    exact = [c for c in named if text in names(c)]
    if len({c.kind for c in exact}) != 1:
        return item
    return replace(item, concepts=tuple(c for c in item.concepts if c not in named or c in exact))


def same_column_tests(conditions: tuple[Condition, ...], concept: Concept, lex: Lexicon) -> tuple[Condition, ...]:
    """The positive tests of one stored value on the column a named filter tests one other value of ("open
    orders", then "only fulfilled ones"): no row passes both, so the new filter stands in their place, as a
    value of that column does; none when the filter is not one value of a column."""
    value = filter_value(concept, lex)
    if value is None:
        return ()
    column = (value.table, (value.column or "").lower())

    def on_column(c: Condition) -> bool:
        if c.negated or c.filter_name == concept.name:
            return False
        if c.kind == "filter":
            other = filter_value(Concept("filter", c.table, name=c.filter_name), lex)
            return other is not None and (other.table, (other.column or "").lower()) == column
        return c.kind == "in" and c.col is not None and (c.col.table, c.col.column.lower()) == column
    return tuple(c for c in conditions if on_column(c))
