"""Shared readings of SQL terms against the semantic model: which model column a column reference is,
a column's business name, the normal form of an expression, a date grain, an integer literal."""

from __future__ import annotations

import functools

import sqlglot
from sqlglot import exp

from catalog_semantics.model import Column, SemanticModel, Table
from nl2sql.present.formats import Unit, humanize

GRAINS: dict[str, Unit] = {"year": "year", "yyyy": "year", "quarter": "quarter", "month": "month", "mm": "month",
           "week": "week", "day": "day", "dd": "day"}


def aliases_of(select: exp.Select) -> dict[str, str]:
    """alias or name → table name, for the tables this SELECT reads directly."""
    out: dict[str, str] = {}
    for table in select.find_all(exp.Table):
        if table.find_ancestor(exp.Select) is select:
            out[table.alias_or_name.lower()] = table.name
    return out


def model_column(col: exp.Column, model: SemanticModel, aliases: dict[str, str]) -> tuple[Table, Column] | None:
    names = [aliases.get(col.table.lower(), col.table)] if col.table else list(aliases.values())
    for name in names:
        table = model.table(name)
        found = table.column(col.name) if table else None
        if table and found:
            return table, found
    return None


def business_name(column: Column) -> str:
    """The overlay's first synonym, else the column's name in words."""
    return column.synonyms[0] if column.synonyms else humanize(column.name)


@functools.lru_cache(maxsize=1024)
def normal_sql(sql: str) -> str | None:
    """The normal form of a metric's or named filter's SQL (parsed once per text)."""
    try:
        return normal(sqlglot.parse_one(sql))
    except Exception:
        return None


def normal(expr: exp.Expr) -> str:
    bare = expr.copy().transform(lambda n: exp.column(n.name) if isinstance(n, exp.Column) else n)
    return bare.sql().lower().replace(" ", "")


def grain(expr: exp.Expr) -> Unit | None:
    """DATE_TRUNC('month', d) → month; YEAR(d) / EXTRACT(YEAR FROM d) → year; else None."""
    if isinstance(expr, (exp.DateTrunc, exp.TimestampTrunc)):
        unit = expr.args.get("unit")
        return GRAINS.get(str(unit.name if isinstance(unit, exp.Expr) else unit).lower().strip("'"))
    if isinstance(expr, exp.Year):
        return "year"
    if isinstance(expr, exp.Extract) and expr.this.name.lower() == "year":
        return "year"
    if isinstance(expr, exp.Anonymous) and expr.name.lower() == "date_trunc" and expr.expressions:
        return GRAINS.get(expr.expressions[0].name.lower())
    return None


def int_of(node: exp.Expr | None) -> int | None:
    try:
        return int(node.name) if node is not None else None
    except (TypeError, ValueError):
        return None
