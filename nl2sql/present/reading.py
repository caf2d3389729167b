"""Read what a result means from the SQL that produced it: each column's business name, role and unit,
the filters and the period (``conditions``), the ordering and the limit.

Only the syntax tree and the semantic model are read; an SQL shape this does not recognise (set
operations, ``*``) degrades to names and units inferred from the values, never to a guess about meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal
from collections.abc import Sequence

import sqlglot
from sqlglot import exp

from catalog_semantics.model import Column, Metric, SemanticModel, Table
from nl2sql.present.conditions import (
    OTHER,
    Condition,
    Period,
    display_text,
    period_phrase,
    read_conditions,
)
from nl2sql.present.formats import (
    NUMERIC_UNITS,
    TIME_UNITS,
    Unit,
    humanize,
    infer_unit,
    is_number,
    is_unit,
    plural,
)
from nl2sql.present.sqlterms import (
    aliases_of,
    business_name,
    grain,
    int_of,
    model_column,
    normal,
    normal_sql,
)

__all__ = ("ColumnInfo", "Condition", "Period", "ResultReading", "business_name", "display_text", "period_phrase",
           "read_result")
Role = Literal["measure", "time", "dimension"]


@dataclass(frozen=True)
class ColumnInfo:
    name: str                    # the result's column name
    label: str                   # business words: "revenue", "region", "order date"
    unit: Unit
    role: Role
    aggregate: str | None = None  # "sum", "avg", "count", ... when the column is an aggregate
    source: tuple[str, str] | None = None   # (table, column) of the model column it shows, if one


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
    aliases = aliases_of(select)
    scoped = replace(model, metrics=tuple(m for m in model.metrics if m.table in aliases.values()))
    infos = tuple(_column(name, proj, vals, scoped, aliases)
                  for name, proj, vals in zip(columns, select.selects, values))
    where = select.args.get("where")
    conditions, period = read_conditions(where.this if where else None, model, aliases, dialect)
    order_by, descending = _order(select, columns)
    limit = select.args.get("limit")
    limit_value = int_of(limit.expression) if isinstance(limit, exp.Limit) else None
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
    return word if word.endswith("s") else plural(word)


def _parse(sql: str | None, dialect: str) -> exp.Expr | None:
    if not sql:
        return None
    try:
        return sqlglot.parse_one(sql, read=dialect)
    except Exception:
        return None


def _column(name: str, proj: exp.Expr, values: list[Any], model: SemanticModel,
            aliases: dict[str, str]) -> ColumnInfo:
    expr = proj.this if isinstance(proj, exp.Alias) else proj
    aliased = isinstance(proj, exp.Alias) and not (isinstance(expr, exp.Column) and expr.name == name)
    agg = expr.find(exp.AggFunc)
    if agg is not None:
        metric = _metric(expr, name, model)
        kind = agg.key.lower()
        if metric is not None:
            declared = metric.format if is_unit(metric.format, NUMERIC_UNITS) else None
            unit = "count" if kind == "count" else declared
            return ColumnInfo(name, metric.name, unit or _measure_unit(expr, name, values, model, aliases),
                              "measure", kind)
        unit = "count" if kind == "count" else _measure_unit(expr, name, values, model, aliases)
        label = humanize(name)
        if kind == "count" and not any(w in label for w in ("number", "count", "how many")):
            label = f"number of {label}"
        return ColumnInfo(name, label, unit, "measure", kind)
    time_grain = grain(expr)
    col = expr.find(exp.Column)
    part = _date_part(expr)
    if part is not None:
        return ColumnInfo(name, humanize(name) if aliased else part.split("_")[0], part, "dimension")
    found = model_column(col, model, aliases) if col is not None else None
    source = (found[0].name, found[1].name) if found else None
    if time_grain:
        label = humanize(name) if aliased else time_grain
        return ColumnInfo(name, label, time_grain, "time", source=source)
    label = humanize(name) if aliased or not found else business_name(found[1])
    declared = found[1].format if found and is_unit(found[1].format) else None
    unit = declared or infer_unit(found[1].name if found else name, found[1].comment if found else None, values)
    if unit in TIME_UNITS:
        return ColumnInfo(name, label, unit, "time", source=source)
    numeric = unit in NUMERIC_UNITS and not (found and _is_key(found[0], found[1], model))
    role: Role = "measure" if numeric and isinstance(expr, (exp.Column, exp.Binary)) and unit != "number" \
        or numeric and not isinstance(expr, exp.Column) else "dimension"
    return ColumnInfo(name, label, unit, role, source=source)


def _is_key(table: Table, column: Column, model: SemanticModel) -> bool:
    if column.is_primary_key or column.name in table.primary_key:
        return True
    return any(column.name in (r.from_columns if r.from_table == table.name else ())
               for r in model.relationships) or column.name.lower().endswith(("key", "id"))


def _measure_unit(expr: exp.Expr, name: str, values: list[Any], model: SemanticModel,
                  aliases: dict[str, str]) -> Unit:
    """SUM/AVG/MIN/MAX of a column keep its unit; a ratio of 0/1 cases is a share."""
    if expr.find(exp.Case) is not None and all(is_number(v) and 0 <= float(v) <= 1 for v in values if v is not None):
        return "percent"
    for col in expr.find_all(exp.Column):
        found = model_column(col, model, aliases)
        if found and is_unit(found[1].format, NUMERIC_UNITS):
            return found[1].format
        if found:
            unit = infer_unit(found[1].name, found[1].comment, values)
            if unit in NUMERIC_UNITS and unit != "number":
                return unit
    unit = infer_unit(name, None, values)
    return unit if unit in NUMERIC_UNITS else "number"


def _metric(expr: exp.Expr, name: str, model: SemanticModel) -> Metric | None:
    wanted = humanize(name)
    shape = normal(expr)
    for metric in model.metrics:
        if wanted == metric.name.lower() or wanted in (s.lower() for s in metric.synonyms):
            return metric
        if normal_sql(metric.sql) == shape:
            return metric
    return None


def _date_part(expr: exp.Expr) -> Unit | None:
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
