"""The guard: only one read-only query over allowed tables ever reaches a warehouse.

``check`` parses the SQL with sqlglot, runs every rule of ``GUARD_RULES`` over the syntax tree, collects
every issue, and either raises ``GuardRejected`` with all of them or returns ``CheckedSql``: the tree,
capped to ``max_rows``, rendered in the warehouse's dialect without comments. It fails closed: input it
cannot parse, a rule that crashes, or output that does not re-parse to one query are refusals.
Nothing here looks at the SQL text itself; the rules work on the tree (docs/security.md).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING
from collections.abc import Iterable, Sequence

import sqlglot
from sqlglot import exp

from nl2sql.errors import GuardRejected, Issue
from nl2sql.guard.policy import CheckedSql, GuardPolicy
from nl2sql.guard.allowlist import allowed_functions
from nl2sql.guard.constructs import allowed_constructs
from nl2sql.guard.columns import UNVERIFIED, sqlite_quoted_strings, unknown_columns
from nl2sql.guard.name_args import engine_resolved_names
from nl2sql.guard.limit import apply_limit, current_limit, unwrap
from nl2sql.guard.names import real_tables, table_name
from nl2sql.guard.parse_bounds import MAX_JOINS_WITHOUT_CONDITION, too_many_unconditioned_joins
from nl2sql.guard.quoting import mark_double_quoted
from nl2sql.guard.render import render
from nl2sql.guard.resources import resource_bounds
from nl2sql.guard.rules import (
    GuardRule,
    allowed_tables,
    forbidden_functions,
    lookalike_identifiers,
    no_command,
    no_variable_substitution,
    query_root,
    read_only,
    series_size,
)
from nl2sql.guard.scope import schema_qualified_names

if TYPE_CHECKING:
    from catalog_semantics.model import SemanticModel

__all__ = ["CheckedSql", "GuardPolicy", "GuardRejected", "GuardRule", "GUARD_RULES", "Issue", "check",
           "policy_for_model"]


GUARD_RULES: tuple[GuardRule, ...] = (
    no_command,
    query_root,
    read_only,
    allowed_constructs,
    allowed_tables,
    forbidden_functions,
    allowed_functions,
    engine_resolved_names,
    series_size,
    resource_bounds,
    lookalike_identifiers,
    no_variable_substitution,
    unknown_columns,
    schema_qualified_names,        # nl2sql/guard/scope.py: Databricks scopes of several schemas
)

WARNING_CODES = frozenset({UNVERIFIED})


def check(sql: str, policy: GuardPolicy, rules: Sequence[GuardRule] = GUARD_RULES) -> CheckedSql:
    """Return the query as it may run, or raise ``GuardRejected`` carrying every issue found.

    >>> p = GuardPolicy(allowed_tables=frozenset({"orders"}), max_rows=10)
    >>> check("select o_id from ORDERS", p).sql
    'SELECT o_id FROM ORDERS LIMIT 10'
    """
    statements, issues = _parse(sql, policy)
    for tree in statements:
        issues += _run_rules(tree, policy, rules)
    errors = _unique(i for i in issues if i.code not in WARNING_CODES)
    if errors or not statements:
        raise GuardRejected(errors or (Issue("empty_query", "There is no query to run."),), sql=sql)
    tree = statements[0]
    tables = tuple(sorted({str(table_name(t, policy.dialect)) for t in real_tables(tree, policy.dialect)}))
    had_limit = current_limit(unwrap(tree))[0]
    capped, limit = apply_limit(tree, policy.max_rows)
    out_dialect = policy.output_dialect or policy.dialect
    added = limit if limit is not None and not had_limit and capped is tree else None
    rendered = render(capped, out_dialect, sql, read_dialect=policy.dialect, original=tree,
                      added_limit=None if had_limit else added)
    return CheckedSql(sql=rendered, dialect=out_dialect, tables=tables, limit=limit,
                      warnings=_unique(i for i in issues if i.code in WARNING_CODES))


def _parse(sql: str, policy: GuardPolicy) -> tuple[list[exp.Expr], list[Issue]]:
    if not isinstance(sql, str) or not sql.strip():
        return [], [Issue("empty_query", "There is no query to run.")]
    if len(sql) > policy.max_sql_chars:
        return [], [Issue("too_complex", f"The query is longer than {policy.max_sql_chars:,} characters.")]
    if too_many_unconditioned_joins(sql, policy.dialect):
        return [], [Issue("too_complex", f"The query chains more than {MAX_JOINS_WITHOUT_CONDITION} joins without an "
                          "ON or USING condition; give each join its condition.")]
    try:
        parsed = sqlglot.parse(sql, read=policy.dialect)
    except RecursionError:
        return [], [Issue("too_complex", "The query is nested too deeply to check.")]
    except Exception as e:
        first = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
        return [], [Issue("parse_error", "The query could not be read as SQL.", first)]
    statements: list[exp.Expr] = []
    for tree in (t for t in parsed if t is not None):
        statements.extend(tree.expressions if isinstance(tree, exp.Block) else [tree])
    issues: list[Issue] = []
    if len(statements) > 1:
        issues.append(Issue("multiple_statements", "Only one query can be run at a time.", str(len(statements))))
    for tree in statements:
        issues += _size(tree, policy)
    if issues and any(i.code == "too_complex" for i in issues):
        return [], issues                                      # do not walk a huge tree with every rule
    marked = [mark_double_quoted(t, sql, policy.dialect) for t in statements]      # "x" vs [x] in SQLite
    return [sqlite_quoted_strings(t, policy) for t in marked], issues


def _size(tree: exp.Expr, policy: GuardPolicy) -> list[Issue]:
    """Node count and depth, iteratively (a recursive walk would fail on the trees this is meant to stop)."""
    count, deepest, stack = 0, 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count, deepest = count + 1, max(deepest, depth)
        if count > policy.max_nodes:
            return [Issue("too_complex", f"The query is too large to check (over {policy.max_nodes:,} parts).")]
        if deepest > policy.max_depth:
            return [Issue("too_complex", f"The query is nested too deeply (over {policy.max_depth} levels).")]
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    return []


def _run_rules(tree: exp.Expr, policy: GuardPolicy, rules: Sequence[GuardRule]) -> list[Issue]:
    issues: list[Issue] = []
    for rule in rules:
        try:
            issues.extend(rule(tree, policy))
        except Exception as e:
            name = getattr(rule, "__name__", "rule")
            issues.append(Issue("guard_error", "The query could not be checked, so it was not run.",
                                f"{name}: {type(e).__name__}"))
    return issues


def _unique(issues: Iterable[Issue]) -> tuple[Issue, ...]:
    """One issue per (code, detail): a DROP seen by two rules is one reason."""
    return tuple({(i.code, i.detail): i for i in reversed(list(issues))}.values())[::-1]


def policy_for_model(model: SemanticModel, *, max_rows: int | None = 1000, allowed: Iterable[str] | None = None,
                     dialect: str | None = None, functions: Iterable[str] = ()) -> GuardPolicy:
    """The policy for a semantic model: its tables (or the subset ``allowed`` for a principal) and columns.

    ``functions`` are user-defined functions a data team vouches for (by bare name); every other function
    must be on the engine's reviewed allowlist (nl2sql/guard/allow/).

    Each table is allowed by its bare and its qualified name; a schema or catalog shared by every table
    becomes the default, so ``main.orders`` and ``orders`` both resolve in DuckDB.
    """
    wanted = None if allowed is None else {a.lower() for a in allowed}
    tables = [t for t in model.tables if wanted is None
              or t.name.lower() in wanted or t.qualified_name.lower() in wanted]
    bare_counts = Counter(t.name.lower() for t in model.tables)     # a bare name two schemas share is ambiguous
    names = frozenset(n.lower() for t in tables
                      for n in ((t.qualified_name,) if bare_counts[t.name.lower()] > 1 else (t.name, t.qualified_name)))
    schema = {t.qualified_name.lower(): {c.name: c.type for c in t.columns} for t in tables}
    schemas = {t.schema for t in model.tables}
    catalogs = {t.catalog for t in model.tables}
    return GuardPolicy(
        dialect=dialect or model.dialect,
        allowed_tables=names,
        schema=schema,
        max_rows=max_rows,
        default_schema=next(iter(schemas)) if len(schemas) == 1 else None,
        default_catalog=next(iter(catalogs)) if len(catalogs) == 1 else None,
        allowed_functions=frozenset(f.lower() for f in functions),
    )
