"""Constructs allowed by list: every node of the tree must be a reviewed sqlglot type (guard/allow/nodes.yaml).

A read-only analytic query needs the select core, joins, set operations, the usual expressions and
functions. Anything else is refused with its name: what sqlglot keeps as an opaque command, dialect
clauses nobody reviewed, casts to catalog-lookup types (``regclass``), functions called through a catalog
or schema (``system.ai.python_exec()``, ``main.my_macro()``) or as methods, and hidden file columns.
A node type a newer sqlglot release adds is not on the list, so it is refused until reviewed.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING
from collections.abc import Iterator

import sqlglot
import yaml
from sqlglot import exp

from nl2sql.errors import Issue
from nl2sql.guard.allowlist import ALLOW_DIR, DIALECT_FILES

if TYPE_CHECKING:
    from nl2sql.guard.policy import GuardPolicy


@cache
def allowed_node_types() -> frozenset[type[exp.Expr]]:
    """The reviewed sqlglot classes (exact types, not subclasses: a subclass is a different construct)."""
    data = yaml.safe_load((ALLOW_DIR / "nodes.yaml").read_text(encoding="utf-8"))
    names = [*data["expressions"], *data["functions"], "Anonymous", "AnonymousAggFunc"]
    return frozenset(c for c in (getattr(exp, n, None) for n in names) if isinstance(c, type))


# Data types a cast may name. USERDEFINED is whatever sqlglot does not know (a domain, an enum, a table's row
# type, regclass in dialects that do not special-case it): refused, as are types only an engine's catalog
# can resolve, XML (parsed by the engine, entities and all) and Snowflake's FILE (a staged file).
REFUSED_TYPES = frozenset(t for t in (getattr(exp.DataType.Type, n, None) for n in
                                      ("USERDEFINED", "UNKNOWN", "OBJECT_IDENTIFIER", "XML", "FILE", "REF"))
                          if t is not None)


@cache
def builtin_types(dialect: str | None) -> tuple[exp.DataType, ...]:
    """Built-in types sqlglot reads as user-defined ones, reviewed per engine (review.yaml ``builtin_types``).

    >>> [t.sql("postgres") for t in builtin_types("postgres")][:1], builtin_types("duckdb")
    (['"char"'], ())
    """
    review = yaml.safe_load((ALLOW_DIR / "review.yaml").read_text(encoding="utf-8"))
    listed = (review.get("builtin_types") or {}).get(DIALECT_FILES.get((dialect or "").lower(), ""), ())
    casts = (sqlglot.parse_one(f"CAST(NULL AS {name})", read=dialect) for name in listed)   # as a cast parses it
    return tuple(c.to for c in casts if isinstance(c, exp.Cast))


def _refused_type(node: exp.DataType, policy: GuardPolicy) -> bool:
    """A cast target only the catalog can resolve, unless it is a reviewed built-in of every engine involved."""
    if node.this not in REFUSED_TYPES:
        return False
    bare = exp.DataType(this=node.this, kind=node.args.get("kind"))          # compare the name, not parameters
    dialects = {d for d in (policy.dialect, policy.output_dialect) if d}
    return not all(bare in builtin_types(d) for d in dialects)


# Columns an engine adds to every file-based table: Spark/Databricks ``_metadata`` (file paths, sizes),
# PostgreSQL ``tableoid`` (catalog object ids).
HIDDEN_COLUMNS = frozenset({"_metadata", "tableoid"})


# Parts of reviewed nodes that are not reviewed: time travel, stage patterns and file formats, index and
# optimizer hints, ClickHouse SETTINGS, CONNECT BY, MATCH_RECOGNIZE, locking, Hive SORT/CLUSTER/DISTRIBUTE BY,
# Oracle (+) joins. Some hold plain strings or flags, which no node-type check would see.
_QUERY_ARGS = frozenset({"into", "match", "connect", "prewhere", "distribute", "sort", "cluster", "locks", "settings",
                         "format", "options", "for_", "hint", "operation_modifiers"})
REFUSED_ARGS: dict[type[exp.Expr], frozenset[str]] = {
    exp.Table: frozenset({"hints", "system_time", "version", "format", "pattern", "when", "partition", "changes",
                          "indexed"}),
    exp.Select: _QUERY_ARGS, exp.Subquery: _QUERY_ARGS, exp.Union: _QUERY_ARGS, exp.Except: _QUERY_ARGS,
    exp.Intersect: _QUERY_ARGS,
    exp.Join: frozenset({"hint", "match_condition", "nearest", "directed", "global_"}),
    exp.Column: frozenset({"join_mark"}),
}

# Bare words some engines evaluate as functions of the session, not columns (PostgreSQL ``SELECT user``,
# Databricks ``SELECT current_catalog``), though sqlglot reads them as column names.
SESSION_WORDS = frozenset({"user", "current_user", "current_role", "session_user", "system_user", "current_catalog",
                           "current_schema", "current_database", "current_path", "current_metastore",
                           "current_recipient", "current_version", "current_timezone"})
# Where a real column of that name wins over the session word (sqlglot quotes it when rendering DuckDB).
COLUMN_FIRST_DIALECTS = frozenset({"sqlite", "duckdb"})

# An unquoted name starting with one of these is a parameter to SQLite (``$p``, ``:p``, ``@p``, ``?1``).
PARAMETER_MARKS = frozenset("$:@?")


def _readable(name: str) -> str:
    return "".join(f" {c}" if c.isupper() and i else c for i, c in enumerate(name)).strip().lower()


def _session_word(column: exp.Column, policy: GuardPolicy) -> bool:
    ident = column.this
    if column.table or not isinstance(ident, exp.Identifier) or ident.quoted:
        return False
    name = str(ident.this).lower()
    if name not in SESSION_WORDS:
        return False
    dialects = {d for d in (policy.dialect, policy.output_dialect) if d}
    known = {c.lower() for cols in (policy.schema or {}).values() for c in cols}
    return not (dialects <= COLUMN_FIRST_DIALECTS and name in known)


def allowed_constructs(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """Every node is a reviewed construct; each construct that is not is named once."""
    allowed = allowed_node_types()
    seen: set[str] = set()
    for node in tree.walk():
        reason = None
        refused_args = REFUSED_ARGS.get(type(node), ())
        extra = next((k for k in refused_args if node.args.get(k) not in (None, False, [], "")), None)
        if type(node) not in allowed:
            reason = type(node).__name__
            message = f"The query uses a construct that is not allowed in questions about data ({_readable(reason)})."
        elif extra:
            reason = f"{type(node).__name__}.{extra}"
            message = ("The query uses a clause that is not allowed in questions about data "
                       f"({_readable(type(node).__name__)} {extra.strip('_')}).")
        elif isinstance(node, exp.DataType) and _refused_type(node, policy):
            reason = node.sql(dialect=policy.dialect)[:60]
            message = f"Conversion to the type {reason} is not allowed."
        elif isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
            reason = node.sql(dialect=policy.dialect)[:80]
            message = ("Functions can only be called by their plain name, not through a catalog, a schema or a "
                       f"value ({reason}).")
        elif isinstance(node, exp.Identifier) and not node.quoted and str(node.this)[:1] in PARAMETER_MARKS:
            reason = str(node.this)[:60]
            message = f"Query parameters ({reason}) are not allowed: nothing would fill them in."
        elif isinstance(node, exp.Column) and _session_word(node, policy):
            reason = node.name.lower()
            message = f"'{node.name}' reads information about the session, which is not available."
        elif isinstance(node, exp.Column) and {node.name.lower(), node.table.lower()} & HIDDEN_COLUMNS:
            reason = node.sql(dialect=policy.dialect)[:80]
            message = f"The hidden column {reason} is not available."
        if reason and reason not in seen:
            seen.add(reason)
            yield Issue("construct_not_allowed", message, reason)
