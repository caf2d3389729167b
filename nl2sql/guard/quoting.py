"""SQLite's quoted names, kept as the engine reads them: only a double-quoted name can become a string.

SQLite accepts three quotings of a name, ``"x"``, ``[x]`` and ```x```, and reads a *double-quoted* name
that resolves to no column as a string literal (a legacy fallback Spider's gold SQL relies on:
``WHERE name = "John"``); a bracketed or backticked name that resolves to nothing is an error. sqlglot's
tree keeps only ``quoted=True`` and its SQLite generator writes every quoted name in double quotes, so
``SELECT [nosuch] FROM t`` came out as ``SELECT "nosuch" FROM t`` and answered the constant 'nosuch'.

The quote character exists only in the source text, so it is read once, at the position the parser
records for each identifier token (``meta['start']``, the opening quote), and kept as a mark on the node.
Rendering for SQLite then writes marked names in double quotes (SQLite decides, as it would have for the
caller's text) and every other quoted name in backticks, which SQLite never reads as a string.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.generators.sqlite import SQLiteGenerator

DOUBLE_QUOTED = "nl2sql_double_quoted"          # meta key: the caller wrote this SQLite name as "name"


def mark_double_quoted(tree: exp.Expr, sql: str, dialect: str | None) -> exp.Expr:
    """Mark the identifiers a SQLite query wrote in double quotes (the ones SQLite may read as strings).

    >>> import sqlglot
    >>> tree = mark_double_quoted(sqlglot.parse_one('SELECT "a", [b], `c` FROM t', read="sqlite"),
    ...                           'SELECT "a", [b], `c` FROM t', "sqlite")
    >>> [i.name for i in tree.find_all(exp.Identifier) if i.meta.get(DOUBLE_QUOTED)]
    ['a']
    """
    if (dialect or "").lower() != "sqlite":
        return tree
    for ident in tree.find_all(exp.Identifier):
        start = ident.meta.get("start")
        if ident.quoted and isinstance(start, int) and sql[start:start + 1] == '"':
            ident.meta[DOUBLE_QUOTED] = True
    return tree


def is_double_quoted(ident: exp.Expr) -> bool:
    return isinstance(ident, exp.Identifier) and bool(ident.meta.get(DOUBLE_QUOTED))


class _SQLiteGenerator(SQLiteGenerator):
    """SQLite's generator, quoting names in backticks unless the caller double-quoted them."""

    def identifier_sql(self, expression: exp.Identifier) -> str:
        quote = '"' if is_double_quoted(expression) else "`"
        self._identifier_start = self._identifier_end = quote
        self._escaped_identifier_end = quote * 2
        result: str = super().identifier_sql(expression)
        return result


def render_sqlite(tree: exp.Expr, **options: Any) -> str:
    """The tree as SQLite text where no quoted name can turn into a string the caller did not write.

    >>> import sqlglot
    >>> render_sqlite(sqlglot.parse_one("SELECT [first name], [x] FROM t", read="sqlite"))
    'SELECT `first name`, `x` FROM t'
    """
    generator = _SQLiteGenerator(dialect=Dialect.get_or_raise("sqlite"), **options)
    text: str = generator.generate(tree, copy=True)
    return text
