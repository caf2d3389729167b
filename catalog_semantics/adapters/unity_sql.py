"""Databricks SQL text the catalog readers send: quoted names and literals, the bounded sample-values query.

Every name that reaches SQL text goes through ``quote_ident`` (backticks, doubled inside) and every value
through ``quote_str`` (single quotes; backslashes and quotes escaped, as Databricks string literals read
backslash escapes), so a table called ``a`b`` or a schema called ``x' OR '1`` stays a name.
"""

from __future__ import annotations

from collections.abc import Sequence


def quote_ident(name: str) -> str:
    """Backtick-quote a name.

    >>> quote_ident("a`b")
    '`a``b`'
    """
    return "`" + name.replace("`", "``") + "`"


def quote_str(value: str) -> str:
    r"""Single-quote a value.

    >>> print(quote_str("it's a \\ test"))
    'it\'s a \\ test'
    """
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def qualified(parts: Sequence[str]) -> str:
    """Dotted, quoted name.

    >>> qualified(["samples", "tpch", "orders"])
    '`samples`.`tpch`.`orders`'
    """
    return ".".join(quote_ident(p) for p in parts if p)


def sample_values_sql(table: Sequence[str], columns: Sequence[str], scan_rows: int, per_column: int) -> str:
    """One query: up to ``per_column`` distinct values of each column, over the first ``scan_rows`` rows.

    Rows are ``(i, v)``: the column's position in ``columns`` and one value as text. Both limits bound the
    work on a table of any size; a column that returns ``per_column`` values is not a category.
    """
    source = qualified(table)
    branches = [
        f"SELECT {i} AS i, v FROM (SELECT DISTINCT CAST({quote_ident(c)} AS STRING) AS v "
        f"FROM (SELECT {quote_ident(c)} FROM {source} LIMIT {int(scan_rows)}) AS s{i} "
        f"WHERE {quote_ident(c)} IS NOT NULL LIMIT {int(per_column)}) AS d{i}"
        for i, c in enumerate(columns)
    ]
    return " UNION ALL ".join(branches)
