"""Stub "g", queries that fail and the ways it spells a right one.

Failing: a column that does not exist (the table's name glued to it, or a plural), a table named in the plural,
a column left unqualified where two joined tables have it (SQLite: "ambiguous column name"), and another
dialect's syntax (SQL Server's TOP, PostgreSQL's ILIKE). Each returns the failing text, or None where it does
not apply. ``spellings`` gives the texts the model writes for one query: as written, re-rendered in upper
case, and laid out over several lines, so right answers do not all share one text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import sqlglot
from sqlglot import exp

from tests.imperfect_llm_g_spider import Record

Break = Callable[[str, Record, random.Random], str | None]


def _parse(sql: str) -> exp.Expr | None:
    try:
        return sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.SqlglotError:
        return None


def _known(record: Record, name: str) -> bool:
    return any(c.name.lower() == name.lower() for cols in record.tables.values() for c in cols)


def made_up_column(sql: str, record: Record, rng: random.Random) -> str | None:
    tree = _parse(sql)
    columns = list(tree.find_all(exp.Column)) if tree is not None else []
    if tree is None or not columns:
        return None
    column = rng.choice(columns)
    table = next((t.name for t in tree.find_all(exp.Table)), "item")
    name = rng.choice((f"{table.lower()}_{column.name.lower()}", f"{column.name}s", f"{column.name}_name"))
    if _known(record, name):
        return None
    column.set("this", exp.to_identifier(name))
    return tree.sql(dialect="sqlite")


def plural_table(sql: str, record: Record, rng: random.Random) -> str | None:
    tree = _parse(sql)
    table = next(iter(tree.find_all(exp.Table)), None) if tree is not None else None
    if tree is None or table is None:
        return None
    name = table.name[:-1] if table.name.endswith("s") else table.name + "s"
    if name.lower() in record.tables:
        return None
    table.set("this", exp.to_identifier(name))
    return tree.sql(dialect="sqlite")


def ambiguous_column(sql: str, record: Record, rng: random.Random) -> str | None:
    tree = _parse(sql)
    if tree is None or not tree.find(exp.Join):
        return None
    names = [t.name.lower() for t in tree.find_all(exp.Table)]
    shared = {c.name.lower() for t in names for c in record.columns_of(t)
              if sum(any(o.name.lower() == c.name.lower() for o in record.columns_of(u)) for u in names) > 1}
    found = [c for c in tree.find_all(exp.Column) if c.table and c.name.lower() in shared]
    if not found:
        return None
    rng.choice(found).set("table", None)
    return tree.sql(dialect="sqlite")


def other_dialect(sql: str, record: Record, rng: random.Random) -> str | None:
    limit = re.search(r"\s+LIMIT\s+(\d+)\s*;?\s*$", sql, re.IGNORECASE)
    if limit is not None and re.match(r"\s*SELECT\s", sql, re.IGNORECASE):
        head = re.sub(r"^\s*SELECT\s+(DISTINCT\s+)?", lambda m: f"SELECT {m.group(1) or ''}TOP {limit.group(1)} ",
                      sql[: limit.start()], count=1, flags=re.IGNORECASE)
        return head
    if re.search(r"\sLIKE\s", sql, re.IGNORECASE):
        return re.sub(r"\sLIKE\s", " ILIKE ", sql, count=1, flags=re.IGNORECASE)
    return None


BREAKS: tuple[Break, ...] = (made_up_column, plural_table, ambiguous_column, other_dialect)


def spellings(sql: str) -> list[str]:
    """How the model may write ``sql``: as given, one line in upper-case keywords, and pretty over lines."""
    tree = _parse(sql)
    if tree is None:
        return [sql]
    out = [sql, tree.sql(dialect="sqlite"), tree.sql(dialect="sqlite", pretty=True)]
    return list(dict.fromkeys(out))
