"""Guard rule for Databricks scopes of several schemas: every table must name its schema.

Databricks (and Spark) resolve a bare table name against the session's current schema. When the semantic model
spans several schemas (``scope=main.sales,main.hr`` or a whole catalog), the allowlist holds tables of each,
and a bare ``orders`` that the allowlist accepts because *some* schema of the scope has it would run against
whatever ``orders`` the session's schema holds: another table, perhaps one outside the scope, answering with
no error. So with such a scope, a bare name is refused with a sentence saying to qualify it (the prompt context
and the offline planner already write qualified names). Qualifying silently is not done: picking the schema
for the user is the guess this rule exists to prevent when two schemas share the name.

Kept in its own module (registered in ``GUARD_RULES``) so the guard's other rules stay as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from collections.abc import Iterator

from sqlglot import exp

from nl2sql.errors import Issue
from nl2sql.guard.names import real_tables

if TYPE_CHECKING:
    from nl2sql.guard.policy import GuardPolicy

SESSION_RESOLVING_DIALECTS = frozenset({"databricks", "spark"})


def scope_schemas(allowed: frozenset[str] | None) -> frozenset[str]:
    """The catalog.schema parts of the qualified allowlist entries.

    >>> sorted(scope_schemas(frozenset({"orders", "main.sales.orders", "main.hr.staff"})))
    ['main.hr', 'main.sales']
    """
    return frozenset(e.rsplit(".", 1)[0] for e in allowed or () if "." in e)


def schema_qualified_names(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """On Databricks, with a scope of several schemas and no default one, every table names its schema."""
    if policy.dialect not in SESSION_RESOLVING_DIALECTS or policy.default_schema is not None:
        return
    if len(scope_schemas(policy.allowed_tables)) < 2:
        return
    for table in real_tables(tree, policy.dialect):
        if not table.args.get("db"):
            name = table.name
            yield Issue("unqualified_table",
                        f"The table {name} must be named with its schema (for example sales.{name}): these tables "
                        "come from several schemas, and a bare name would be looked up in the session's schema.",
                        name)
