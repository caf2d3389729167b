"""Which rows a table's count means, when the model says so through a metric.

An overlay that defines "number of employees" (or "employee count") as a metric counting only some rows,
``SUM(CASE WHEN termination_date IS NULL THEN 1 ELSE 0 END)``, says that counting the table's rows means
counting those rows: "how many employees", "departments with more than 50 employees" and "number of
part-time employees" then count them too, exactly as an overlay ``default_filter`` would (and with its
exceptions: "ever", "all employees", a period on a date the condition reads). A declared
``default_filter`` always wins.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlglot
from sqlglot import exp

from catalog_semantics.model import Metric, NamedFilter
from catalog_semantics.text import words
from nl2sql.planner.words import word_list

_COUNT_LEADS = tuple(tuple(words(p)) for p in word_list("metric_phrasings", "count_leads"))
_COUNT_TAILS = tuple(tuple(words(p)) for p in word_list("metric_phrasings", "count_tails"))


def count_nouns(phrase: tuple[str, ...]) -> tuple[str, ...]:
    """The nouns a count is named after: "number of employees" and "employee count" -> the employees.

    >>> count_nouns(("number", "of", "employees")), count_nouns(("employee", "count")), count_nouns(("payroll",))
    (('employees',), ('employee',), ())
    """
    nouns: tuple[str, ...] = ()
    for lead in _COUNT_LEADS:
        if len(phrase) > len(lead) and phrase[:len(lead)] == lead:
            nouns = phrase[len(lead):]
    for tail in _COUNT_TAILS:
        if len(phrase) > len(tail) and phrase[-len(tail):] == tail:
            nouns = phrase[:-len(tail)]
    return nouns


def counted_condition(sql: str, dialect: str) -> str | None:
    """The condition of a count of some rows: ``SUM(CASE WHEN c THEN 1 ELSE 0 END)``,
    ``COUNT(CASE WHEN c THEN 1 END)`` or ``COUNT(*) FILTER (WHERE c)``; None for anything else.

    >>> counted_condition("SUM(CASE WHEN termination_date IS NULL THEN 1 ELSE 0 END)", "duckdb")
    'termination_date IS NULL'
    >>> counted_condition("COUNT(*)", "duckdb") is None, counted_condition("SUM(CASE WHEN a THEN x ELSE 0 END)", "duckdb")
    (True, None)
    """
    try:
        node = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return None
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.Count) and isinstance(node.this.this, exp.Star):
        where = node.expression
        return where.this.sql(dialect=dialect) if isinstance(where, exp.Where) else None
    if not isinstance(node, (exp.Sum, exp.Count)) or not isinstance(node.this, exp.Case):
        return None
    case = node.this
    ifs = case.args.get("ifs") or []
    default = case.args.get("default")
    if len(ifs) != 1 or not _is_literal(ifs[0].args.get("true"), "1"):
        return None
    if isinstance(node, exp.Sum) and not _is_literal(default, "0"):
        return None
    if isinstance(node, exp.Count) and default is not None and not isinstance(default, exp.Null):
        return None
    return str(ifs[0].this.sql(dialect=dialect))


def _is_literal(node: exp.Expression | None, value: str) -> bool:
    return isinstance(node, exp.Literal) and node.name == value


def implied_defaults(metrics: tuple[Metric, ...], names_table: Callable[[tuple[str, ...], str], bool],
                     filters: tuple[NamedFilter, ...], dialect: str) -> dict[str, NamedFilter]:
    """Per table, the rows its count means, from metrics named as the count of the table's rows.

    ``names_table(words, table)`` says whether the words name the table ("employees", "staff"). The
    condition is given the name of a named filter of the table with the same SQL, when there is one.
    """
    found: dict[str, NamedFilter] = {}
    for m in metrics:
        table = m.table.lower()
        if table in found or not any(names_table(count_nouns(tuple(words(p))), table) for p in (m.name, *m.synonyms)):
            continue
        cond = counted_condition(m.sql, dialect)
        if cond is None:
            continue
        same = [f for f in filters if f.table.lower() == table and _same_sql(f.sql, cond, dialect)]
        found[table] = same[0] if same else NamedFilter(name=f"default {table}", sql=cond, table=m.table)
    return found


def _same_sql(a: str, b: str, dialect: str) -> bool:
    try:
        return bool(sqlglot.parse_one(a, read=dialect) == sqlglot.parse_one(b, read=dialect))
    except sqlglot.errors.SqlglotError:
        return False
