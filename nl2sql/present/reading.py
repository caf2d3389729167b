"""Read what a result means from the SQL that produced it: each column's business name, role and unit,
the filters and the period, the ordering and the limit.

Only the syntax tree and the semantic model are read; an SQL shape this does not recognise (set
operations, ``*``) degrades to names and units inferred from the values, never to a guess about meaning.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, replace
from typing import Any, Literal, Sequence

import sqlglot
from sqlglot import exp

from catalog_semantics.model import Column, SemanticModel, Table
from nl2sql.present.formats import (
    NUMERIC_UNITS,
    TIME_UNITS,
    UNITS,
    Unit,
    humanize,
    infer_unit,
    is_number,
)

Role = Literal["measure", "time", "dimension"]
OTHER = "another condition"          # a condition without plain words; the SQL is in "How this was answered"
_GRAINS = {"year": "year", "yyyy": "year", "quarter": "quarter", "month": "month", "mm": "month",
           "week": "week", "day": "day", "dd": "day"}


@dataclass(frozen=True)
class ColumnInfo:
    name: str                    # the result's column name
    label: str                   # business words: "revenue", "region", "order date"
    unit: Unit
    role: Role
    aggregate: str | None = None  # "sum", "avg", "count", ... when the column is an aggregate
    source: tuple[str, str] | None = None   # (table, column) of the model column it shows, if one


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


@dataclass(frozen=True)
class ResultReading:
    columns: tuple[ColumnInfo, ...]
    conditions: tuple[Condition, ...] = ()
    period: Period | None = None
    order_by: str | None = None   # result column the rows are sorted by (first key)
    descending: bool = False
    limit: int | None = None
    tables: tuple[str, ...] = ()
    subject: str | None = None    # what one row is, in words, when the rows are a list ("customers")

    @property
    def qualifier(self) -> str:
        """" in 1996 for region Asia": the period and the filters, ready to follow a measure's name."""
        parts = [f" {self.period.phrase}"] if self.period else []
        parts += [f" {c.phrase}" for c in self.conditions if c.phrase and c.phrase != OTHER]
        others = sum(1 for c in self.conditions if c.phrase == OTHER)
        if others:
            # In words: the only figures in a sentence are the result's own.
            count = ("two", "three", "four", "five", "six")[others - 2] if 2 <= others <= 6 else "several"
            parts.append(f" with {'another condition' if others == 1 else f'{count} more conditions'} "
                         "(see How this was answered)")
        return ",".join(parts) if len(parts) > 2 else "".join(parts)

    def of_role(self, role: Role) -> tuple[ColumnInfo, ...]:
        return tuple(c for c in self.columns if c.role == role)


def read_result(
    sql: str | None, dialect: str, model: SemanticModel | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> ResultReading:
    """What each column of a result is, and which rows were asked for."""
    values = [[row[i] for row in rows] for i in range(len(columns))]
    tree = _parse(sql, dialect)
    select = tree if isinstance(tree, exp.Select) else None
    if select is None or model is None or len(select.selects) != len(columns):
        return ResultReading(tuple(_from_values(n, v) for n, v in zip(columns, values)))
    aliases = _aliases(select)
    scoped = replace(model, metrics=tuple(m for m in model.metrics if m.table in aliases.values()))
    infos = tuple(_column(name, proj, vals, scoped, aliases)
                  for name, proj, vals in zip(columns, select.selects, values))
    where = select.args.get("where")
    conditions, period = _conditions(where.this if where else None, model, aliases, dialect)
    order_by, descending = _order(select, columns)
    limit = select.args.get("limit")
    limit_value = _int(limit.expression) if isinstance(limit, exp.Limit) else None
    return ResultReading(infos, conditions, period, order_by, descending, limit_value,
                         tuple(dict.fromkeys(aliases.values())), _subject(select, model))


def _subject(select: exp.Select, model: SemanticModel) -> str | None:
    """The FROM table in words, plural: customer → "customers", lineitem (synonym "line item") → "line items"."""
    source = select.args.get("from") or select.args.get("from_")
    table = source.this if source is not None else None
    if not isinstance(table, exp.Table) or select.args.get("group"):
        return None
    found = model.table(table.name)
    if found is None:
        return None
    word = found.synonyms[0] if found.synonyms else humanize(found.name)
    from nl2sql.present.sentence import plural

    return word if word.endswith("s") else plural(word)


def _parse(sql: str | None, dialect: str) -> exp.Expression | None:
    if not sql:
        return None
    try:
        return sqlglot.parse_one(sql, read=dialect)
    except Exception:
        return None


def _aliases(select: exp.Select) -> dict[str, str]:
    """alias or name → table name, for the tables this SELECT reads directly."""
    out: dict[str, str] = {}
    for table in select.find_all(exp.Table):
        if table.find_ancestor(exp.Select) is select:
            out[table.alias_or_name.lower()] = table.name
    return out


def _model_column(col: exp.Column, model: SemanticModel, aliases: dict[str, str]) -> tuple[Table, Column] | None:
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


def _column(name: str, proj: exp.Expression, values: list[Any], model: SemanticModel,
            aliases: dict[str, str]) -> ColumnInfo:
    expr = proj.this if isinstance(proj, exp.Alias) else proj
    aliased = isinstance(proj, exp.Alias) and not (isinstance(expr, exp.Column) and expr.name == name)
    agg = expr.find(exp.AggFunc)
    if agg is not None:
        metric = _metric(expr, name, model)
        kind = agg.key.lower()
        if metric is not None:
            unit = metric.format if metric.format in NUMERIC_UNITS else None
            unit = "count" if kind == "count" else unit
            return ColumnInfo(name, metric.name, unit or _measure_unit(expr, name, values, model, aliases),
                              "measure", kind)
        unit = "count" if kind == "count" else _measure_unit(expr, name, values, model, aliases)
        label = humanize(name)
        if kind == "count" and not any(w in label for w in ("number", "count", "how many")):
            label = f"number of {label}"
        return ColumnInfo(name, label, unit, "measure", kind)
    grain = _grain(expr)
    col = expr.find(exp.Column)
    part = _date_part(expr)
    if part is not None:
        return ColumnInfo(name, humanize(name) if aliased else part.split("_")[0], part, "dimension")
    found = _model_column(col, model, aliases) if col is not None else None
    source = (found[0].name, found[1].name) if found else None
    if grain:
        label = humanize(name) if aliased else grain
        return ColumnInfo(name, label, grain, "time", source=source)  # type: ignore[arg-type]
    label = humanize(name) if aliased or not found else business_name(found[1])
    declared = found[1].format if found and found[1].format in UNITS else None
    unit = declared or infer_unit(found[1].name if found else name, found[1].comment if found else None, values)
    if unit in TIME_UNITS:
        return ColumnInfo(name, label, unit, "time", source=source)   # type: ignore[arg-type]
    numeric = unit in NUMERIC_UNITS and not (found and _is_key(found[0], found[1], model))
    role: Role = "measure" if numeric and isinstance(expr, (exp.Column, exp.Binary)) and unit != "number" \
        or numeric and not isinstance(expr, exp.Column) else "dimension"
    return ColumnInfo(name, label, unit, role, source=source)  # type: ignore[arg-type]


def _is_key(table: Table, column: Column, model: SemanticModel) -> bool:
    if column.is_primary_key or column.name in table.primary_key:
        return True
    return any(column.name in (r.from_columns if r.from_table == table.name else ())
               for r in model.relationships) or column.name.lower().endswith(("key", "id"))


def _measure_unit(expr: exp.Expression, name: str, values: list[Any], model: SemanticModel,
                  aliases: dict[str, str]) -> Unit:
    """SUM/AVG/MIN/MAX of a column keep its unit; a ratio of 0/1 cases is a share."""
    if expr.find(exp.Case) is not None and all(is_number(v) and 0 <= float(v) <= 1 for v in values if v is not None):
        return "percent"
    for col in expr.find_all(exp.Column):
        found = _model_column(col, model, aliases)
        if found and found[1].format in NUMERIC_UNITS:
            return found[1].format  # type: ignore[return-value]
        if found:
            unit = infer_unit(found[1].name, found[1].comment, values)
            if unit in NUMERIC_UNITS and unit != "number":
                return unit
    unit = infer_unit(name, None, values)
    return unit if unit in NUMERIC_UNITS else "number"


@functools.lru_cache(maxsize=1024)
def _normal_sql(sql: str) -> str | None:
    """The normal form of a metric's or named filter's SQL (parsed once per text)."""
    try:
        return _normal(sqlglot.parse_one(sql))
    except Exception:
        return None


def _normal(expr: exp.Expression) -> str:
    bare = expr.copy().transform(lambda n: exp.column(n.name) if isinstance(n, exp.Column) else n)
    return bare.sql().lower().replace(" ", "")


def _metric(expr: exp.Expression, name: str, model: SemanticModel) -> Any:
    wanted = humanize(name)
    shape = _normal(expr)
    for metric in model.metrics:
        if wanted == metric.name.lower() or wanted in (s.lower() for s in metric.synonyms):
            return metric
        if _normal_sql(metric.sql) == shape:
            return metric
    return None


def _grain(expr: exp.Expression) -> Unit | None:
    """DATE_TRUNC('month', d) → month; YEAR(d) / EXTRACT(YEAR FROM d) → year; else None."""
    if isinstance(expr, (exp.DateTrunc, exp.TimestampTrunc)):
        unit = expr.args.get("unit")
        return _GRAINS.get(str(unit.name if isinstance(unit, exp.Expression) else unit).lower().strip("'"))  # type: ignore[return-value]
    if isinstance(expr, exp.Year):
        return "year"
    if isinstance(expr, exp.Extract) and expr.this.name.lower() == "year":
        return "year"
    if isinstance(expr, exp.Anonymous) and expr.name.lower() == "date_trunc" and expr.expressions:
        return _GRAINS.get(expr.expressions[0].name.lower())  # type: ignore[return-value]
    return None


def _date_part(expr: exp.Expression) -> Unit | None:
    """QUARTER(d) / MONTH(d) / EXTRACT(QUARTER|MONTH FROM d): a part of the year, shown as Q1 or Jan."""
    if isinstance(expr, exp.Quarter):
        return "quarter_of_year"
    if isinstance(expr, exp.Month):
        return "month_of_year"
    if isinstance(expr, exp.Extract) and expr.this.name.lower() in ("quarter", "month"):
        return "quarter_of_year" if expr.this.name.lower() == "quarter" else "month_of_year"
    return None


def _from_values(name: str, values: list[Any]) -> ColumnInfo:
    unit = infer_unit(name, None, values)
    if unit in TIME_UNITS:
        return ColumnInfo(name, humanize(name), unit, "time")
    key = name.lower().endswith(("id", "key", "code"))
    role: Role = "measure" if unit in NUMERIC_UNITS and not key else "dimension"
    return ColumnInfo(name, humanize(name), unit, role)


def _order(select: exp.Select, columns: Sequence[str]) -> tuple[str | None, bool]:
    order = select.args.get("order")
    if not order or not order.expressions:
        return None, False
    first = order.expressions[0]
    key = first.this
    names = {c.lower(): c for c in columns}
    for proj, column in zip(select.selects, columns):
        if key.sql().lower() in (column.lower(), proj.sql().lower(), getattr(proj, "this", proj).sql().lower()):
            return column, bool(first.args.get("desc"))
    return names.get(key.name.lower()) if isinstance(key, exp.Column) else None, bool(first.args.get("desc"))


def _int(node: exp.Expression | None) -> int | None:
    try:
        return int(node.name) if node is not None else None
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------ filters
def _conjuncts(node: exp.Expression | None) -> list[exp.Expression]:
    if node is None:
        return []
    node = node.unnest() if isinstance(node, exp.Paren) else node
    if isinstance(node, exp.And):
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _date(node: exp.Expression) -> dt.date | None:
    node = node.this if isinstance(node, exp.Cast) else node
    if isinstance(node, exp.Literal) and node.is_string:
        try:
            return dt.date.fromisoformat(node.name[:10])
        except ValueError:
            return None
    return None


def _conditions(where: exp.Expression | None, model: SemanticModel, aliases: dict[str, str],
                dialect: str) -> tuple[tuple[Condition, ...], Period | None]:
    start: dt.date | None = None
    end: dt.date | None = None
    date_source: tuple[str, str] | None = None
    date_sql: list[str] = []
    out: list[Condition] = []
    for node in _conjuncts(where):
        col = node.this if isinstance(node, (exp.GTE, exp.GT, exp.LT, exp.LTE, exp.EQ)) else None
        found = _model_column(col, model, aliases) if isinstance(col, exp.Column) else None
        bound = _date(node.expression) if isinstance(node, (exp.GTE, exp.GT, exp.LT, exp.LTE)) else None
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


def _year_equals(node: exp.Expression, model: SemanticModel, aliases: dict[str, str]) -> tuple[int, tuple[str, str]] | None:
    if not isinstance(node, exp.EQ) or not isinstance(node.expression, exp.Literal):
        return None
    if _grain(node.this) != "year":
        return None
    col = node.this.find(exp.Column)
    found = _model_column(col, model, aliases) if col is not None else None
    year = _int(node.expression)
    return (year, (found[0].name, found[1].name)) if found and year else None


def _phrase(node: exp.Expression, model: SemanticModel, aliases: dict[str, str]) -> str:
    """Words for one condition: a named filter by its name, ``col = 'X'`` as "for region X"."""
    shape = _normal(node)
    for named in model.filters:
        if _normal_sql(named.sql) == shape:
            return f"for {named.name}"
    col = node.args.get("this")
    found = _model_column(col, model, aliases) if isinstance(col, exp.Column) else None
    label = business_name(found[1]) if found else None
    if label and isinstance(node, exp.EQ) and isinstance(node.expression, exp.Literal):
        return f"for {label} {display_text(node.expression.name)}"
    if label and isinstance(node, exp.In) and all(isinstance(e, exp.Literal) for e in node.expressions):
        return f"for {label} " + " or ".join(display_text(e.name) for e in node.expressions)
    if label and isinstance(node, exp.NEQ) and isinstance(node.expression, exp.Literal):
        return f"for {label} other than {display_text(node.expression.name)}"
    if label and isinstance(node, exp.Like) and isinstance(node.expression, exp.Literal):
        return f"for {label} containing “{node.expression.name.strip('%')}”"
    words = {exp.GT: "above", exp.GTE: "of at least", exp.LT: "below", exp.LTE: "of at most"}
    if label and type(node) in words and isinstance(node.expression, (exp.Literal, exp.Neg)):
        return f"with {label} {words[type(node)]} {_literal(node.expression, found[1])}"
    if label and isinstance(node, exp.Between):
        return f"with {label} between {_literal(node.args['low'], found[1])} and {_literal(node.args['high'], found[1])}"
    if label and isinstance(node, exp.EQ) and _date(node.expression) is not None:
        return f"on {_date(node.expression)}"
    return OTHER


def _literal(node: exp.Expression, column: Column) -> str:
    """A bound as the user would write it: a fraction column's 0.08 as 8%, dates as ISO text."""
    day = _date(node)
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
