"""Unknown columns: qualify the query against the policy's schema; refuse only what surely does not exist.

sqlglot's ``qualify`` with a ``MappingSchema`` resolves every column to its table. When it succeeds,
every column exists. When it cannot (a construct it does not model, a table without a known schema),
that is not proof of a mistake, so a second, conservative pass refuses only a column whose name appears
in no table, CTE or alias anywhere in the query; anything else becomes a warning. The cost of a false
refusal (a right answer not shown) is higher than the cost of a warehouse error message.

SQLite reads a double-quoted name that matches no column as a string literal (Spider's gold SQL relies
on it: ``WHERE name = "John"``); ``sqlite_quoted_strings`` makes that explicit in the tree first. Only a
name the caller wrote in double quotes (``nl2sql/guard/quoting.py``): ``[x]`` and ```x``` stay names, and an
unknown one is refused here like any misspelt column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from collections.abc import Iterator, Mapping

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from nl2sql.errors import Issue
from nl2sql.guard.names import cte_key, normalise_identifier
from nl2sql.guard.quoting import is_double_quoted, mark_double_quoted

if TYPE_CHECKING:
    from nl2sql.guard.policy import GuardPolicy

UNVERIFIED = "columns_unverified"                          # a warning code, never a refusal


def bare_schema(schema: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Table -> columns keyed by the bare lower-case table name (columns of same-named tables merged)."""
    out: dict[str, dict[str, str]] = {}
    for table, columns in schema.items():
        key = table.rsplit(".", 1)[-1].lower()
        out.setdefault(key, {}).update({c.lower(): str(t or "TEXT") for c, t in columns.items()})
    return out


def _known_names(tree: exp.Expr, schema: dict[str, dict[str, str]], dialect: str) -> set[str] | None:
    """Every name a column reference could resolve to; None when a source's columns are unknown."""
    names: set[str] = set()
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Identifier):
            key = normalise_identifier(table.this, dialect).lower()
            if key in schema:
                names.update(schema[key])
                continue
            if not any(key == cte_key(c, dialect).lower() for c in tree.find_all(exp.CTE)):
                return None
        else:
            return None                                        # table function: its columns are unknown
    for node in tree.find_all(exp.Alias, exp.TableAlias, exp.CTE, exp.Lambda, exp.Unnest, exp.UnpivotColumns):
        for ident in node.find_all(exp.Identifier):
            names.add(normalise_identifier(ident, dialect).lower())
    return names


def _sources(tree: exp.Expr) -> set[str]:
    """Names a qualifier may use for a source: table names and aliases."""
    names = {t.name.lower() for t in tree.find_all(exp.Table)}
    return names | {t.alias_or_name.lower() for t in tree.find_all(exp.Table, exp.Subquery, exp.Unnest)}


# Where a double-quoted unknown name is read as the value it spells: compared with something that is not a
# constant (``name = "John"``, ``city IN ("A", "B")``, ``title LIKE "%x%"``), the only places Spider's gold
# SQL uses it (255 =, 12 !=, 3 LIKE).
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Like, exp.ILike, exp.Glob)


def _compared_value(column: exp.Column, names_a_string: set[int]) -> bool:
    """Whether ``column`` is a value compared with a non-constant expression (``name = "John"``)."""
    parent = column.parent
    if isinstance(parent, _COMPARISONS):
        other = parent.expression if column is parent.this else parent.this
    elif isinstance(parent, (exp.In, exp.Between)) and column is not parent.this:
        other = parent.this                                    # a listed value or a bound
    else:
        return False
    return not isinstance(other, exp.Literal) and id(other) not in names_a_string


def sqlite_quoted_strings(tree: exp.Expr, policy: GuardPolicy, sql: str | None = None) -> exp.Expr:
    """In SQLite, turn ``"text"`` that names no column, alias or table into the string literal it is, where
    it is compared with a non-constant (``WHERE name = "John"``). Anywhere else (``SELECT "revenue"``,
    ``WHERE "country" = 'FR'``) SQLite's fallback would answer a constant where the caller surely meant a
    column, a silent wrong answer: the name stays a column, and ``unknown_columns`` refuses it.

    ``sql`` is the text ``tree`` was parsed from, to tell ``"x"`` from ``[x]`` and ```x``` (when not given,
    the tree's identifiers must already carry ``mark_double_quoted``'s mark).
    """
    if policy.dialect != "sqlite" or not policy.schema:
        return tree
    if sql is not None:
        mark_double_quoted(tree, sql, policy.dialect)
    known = _known_names(tree, bare_schema(policy.schema), policy.dialect)
    if known is None:
        return tree
    unknown = [c for c in tree.find_all(exp.Column)
               if not c.table and is_double_quoted(c.this) and str(c.this.this).lower() not in known]
    ids = {id(c) for c in unknown}
    for column in unknown:
        if _compared_value(column, ids):
            column.replace(exp.Literal.string(str(column.this.this)))
    return tree


def unknown_columns(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """Every column exists in a table of the query (checked only when ``policy.schema`` is given)."""
    if not policy.schema:
        return
    schema = bare_schema(policy.schema)
    probe = tree.copy()
    for table in probe.find_all(exp.Table):                   # compare on bare names, as ``bare_schema`` keys
        table.set("catalog", None)
        table.set("db", None)
    mapping: dict[str, object] = dict(schema)                # MappingSchema's parameter type (dict is invariant)
    try:
        qualify(probe, schema=MappingSchema(mapping, dialect=policy.dialect, normalize=True),
                dialect=policy.dialect, validate_qualify_columns=True, quote_identifiers=False)
        return
    except (SqlglotError, KeyError, ValueError, TypeError, AttributeError, RecursionError, AssertionError):
        pass                                                   # not proof of a mistake: check conservatively
    known = _known_names(tree, schema, policy.dialect)
    if known is None:
        yield Issue(UNVERIFIED, "Some column names could not be checked before running the query.")
        return
    # ``a.b.c`` may be a struct field (DuckDB, Spark): judge only bare names and ``source.column``.
    missing = sorted({c.name for c in tree.find_all(exp.Column)
                      if isinstance(c.this, exp.Identifier) and not c.args.get("db")
                      and c.name.lower() not in known and c.table.lower() not in known - _sources(tree)})
    for name in missing:
        yield Issue("unknown_column", f"There is no column called '{name}' in the tables this query reads.", name)
    if not missing:
        yield Issue(UNVERIFIED, "Some column names could not be checked before running the query.")
