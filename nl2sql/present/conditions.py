"""The WHERE clause of a result's SQL in words: the period ("in 1996", "in Q2 1996") and each other
condition ("for region Asia", "with discount of at least 8.0%"), each kept with its SQL so the
empty-result note can re-run the query without it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlglot import exp

from catalog_semantics.model import Column, SemanticModel
from nl2sql.present.formats import NUMERIC_UNITS, infer_unit
from nl2sql.present.sqlterms import (
    business_name,
    grain,
    int_of,
    model_column,
    normal,
    normal_sql,
)

OTHER = "another condition"          # a condition without plain words; the SQL is in "How this was answered"


@dataclass(frozen=True)
class Condition:
    """One conjunct of WHERE, with the words that say it and the SQL to re-run without it."""

    phrase: str
    sql: str


@dataclass(frozen=True)
class Period:
    start: dt.date | None         # inclusive
    end: dt.date | None           # exclusive
    source: tuple[str, str]       # (table, column) of the date filtered on

    @property
    def phrase(self) -> str:
        return period_phrase(self.start, self.end)


def _conjuncts(node: exp.Expr | None) -> list[exp.Expr]:
    if node is None:
        return []
    node = node.unnest() if isinstance(node, exp.Paren) else node
    if isinstance(node, exp.And):
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def literal_date(node: exp.Expr) -> dt.date | None:
    node = node.this if isinstance(node, exp.Cast) else node
    if isinstance(node, exp.Literal) and node.is_string:
        try:
            return dt.date.fromisoformat(node.name[:10])
        except ValueError:
            return None
    return None


def read_conditions(where: exp.Expr | None, model: SemanticModel, aliases: dict[str, str],
                dialect: str) -> tuple[tuple[Condition, ...], Period | None]:
    start: dt.date | None = None
    end: dt.date | None = None
    date_source: tuple[str, str] | None = None
    date_sql: list[str] = []
    out: list[Condition] = []
    for node in _conjuncts(where):
        col = node.this if isinstance(node, (exp.GTE, exp.GT, exp.LT, exp.LTE, exp.EQ)) else None
        found = model_column(col, model, aliases) if isinstance(col, exp.Column) else None
        bound = literal_date(node.expression) if isinstance(node, (exp.GTE, exp.GT, exp.LT, exp.LTE)) else None
        if found and bound is not None and (date_source in (None, (found[0].name, found[1].name))):
            date_source = (found[0].name, found[1].name)
            date_sql.append(node.sql(dialect=dialect))
            if isinstance(node, (exp.GTE, exp.GT)):
                start = bound if isinstance(node, exp.GTE) else bound + dt.timedelta(days=1)
            else:
                end = bound if isinstance(node, exp.LT) else bound + dt.timedelta(days=1)
            continue
        year = _year_equals(node, model, aliases)
        if year is not None and date_source is None:
            date_source = year[1]
            start, end = dt.date(year[0], 1, 1), dt.date(year[0] + 1, 1, 1)
            date_sql.append(node.sql(dialect=dialect))
            continue
        out.append(Condition(_phrase(node, model, aliases), node.sql(dialect=dialect)))
    period = Period(start, end, date_source) if date_source else None
    if period is not None:
        out.insert(0, Condition("", " AND ".join(date_sql)))   # the period, said separately
    return tuple(out), period


def _year_equals(node: exp.Expr, model: SemanticModel, aliases: dict[str, str]) -> tuple[int, tuple[str, str]] | None:
    if not isinstance(node, exp.EQ) or not isinstance(node.expression, exp.Literal):
        return None
    if grain(node.this) != "year":
        return None
    col = node.this.find(exp.Column)
    found = model_column(col, model, aliases) if col is not None else None
    year = int_of(node.expression)
    return (year, (found[0].name, found[1].name)) if found and year else None


_BOUND_WORDS: dict[type[exp.Expr], str] = {exp.GT: "above", exp.GTE: "of at least", exp.LT: "below",
                                           exp.LTE: "of at most"}


def _phrase(node: exp.Expr, model: SemanticModel, aliases: dict[str, str]) -> str:
    """Words for one condition: a named filter by its name, ``col = 'X'`` as "for region X"."""
    shape = normal(node)
    for named in model.filters:
        if normal_sql(named.sql) == shape:
            return f"for {named.name}"
    col = node.args.get("this")
    found = model_column(col, model, aliases) if isinstance(col, exp.Column) else None
    label = business_name(found[1]) if found else None
    if label and isinstance(node, exp.EQ) and isinstance(node.expression, exp.Literal):
        return f"for {label} {display_text(node.expression.name)}"
    if label and isinstance(node, exp.In) and all(isinstance(e, exp.Literal) for e in node.expressions):
        return f"for {label} " + " or ".join(display_text(e.name) for e in node.expressions)
    if label and isinstance(node, exp.NEQ) and isinstance(node.expression, exp.Literal):
        return f"for {label} other than {display_text(node.expression.name)}"
    if label and isinstance(node, exp.Like) and isinstance(node.expression, exp.Literal):
        return f"for {label} containing “{node.expression.name.strip('%')}”"
    word = _BOUND_WORDS.get(type(node))
    if found and label and word and isinstance(node.expression, (exp.Literal, exp.Neg)):
        return f"with {label} {word} {_literal(node.expression, found[1])}"
    if found and label and isinstance(node, exp.Between):
        return f"with {label} between {_literal(node.args['low'], found[1])} and {_literal(node.args['high'], found[1])}"
    if label and isinstance(node, exp.EQ) and literal_date(node.expression) is not None:
        return f"on {literal_date(node.expression)}"
    return OTHER


def _literal(node: exp.Expr, column: Column) -> str:
    """A bound as the user would write it: a fraction column's 0.08 as 8%, dates as ISO text."""
    day = literal_date(node)
    if day is not None:
        return day.isoformat()
    try:
        value = float(node.sql())
    except ValueError:
        return node.sql()
    from nl2sql.present.formats import format_value

    unit = column.format or infer_unit(column.name, column.comment, [value])
    return format_value(value, unit if unit in NUMERIC_UNITS else "number")


def display_text(value: str) -> str:
    """Upper-case codes of three letters or more read as names: MIDDLE EAST → Middle East.

    >>> display_text("MIDDLE EAST"), display_text("R"), display_text("1-URGENT"), display_text("Customer#01")
    ('Middle East', 'R', '1-URGENT', 'Customer#01')
    """
    if len(value) >= 3 and value.isupper() and all(ch.isalpha() or ch == " " for ch in value):
        return value.title()
    return value


def period_phrase(start: dt.date | None, end: dt.date | None) -> str:
    """Words for a date range [start, end).

    >>> period_phrase(dt.date(1996, 1, 1), dt.date(1997, 1, 1)), period_phrase(dt.date(1996, 3, 1), dt.date(1996, 4, 1))
    ('in 1996', 'in Mar 1996')
    >>> period_phrase(dt.date(1994, 1, 1), dt.date(1997, 1, 1)), period_phrase(dt.date(1996, 4, 1), dt.date(1996, 7, 1))
    ('from 1994 to 1996', 'in Q2 1996')
    >>> period_phrase(dt.date(1995, 3, 15), None)
    'since 1995-03-15'
    """
    from nl2sql.present.formats import format_value

    if start and end:
        if start.month == start.day == 1 and end.month == end.day == 1:
            years = end.year - start.year
            return f"in {start.year}" if years == 1 else f"from {start.year} to {end.year - 1}"
        if start.day == 1 and end.day == 1:
            months = (end.year - start.year) * 12 + end.month - start.month
            if months == 1:
                return f"in {format_value(start, 'month')}"
            if months == 3 and start.month % 3 == 1:
                return f"in {format_value(start, 'quarter')}"
            return f"from {format_value(start, 'month')} to {format_value(end - dt.timedelta(days=1), 'month')}"
        return f"from {start.isoformat()} to {(end - dt.timedelta(days=1)).isoformat()}"
    if start:
        return f"since {start.isoformat()}"
    if end:
        return f"before {end.isoformat()}"
    return ""
