"""Names the engine resolves from the query's own text, checked against the review (guard/allow/review.yaml).

A function allowlist judges a call by its name; some allowed calls take another name as an argument and
the engine looks that name up in its catalog: DuckDB's ``from_json(j, '"my_enum"')`` binds a user-defined
enum named inside a JSON string (and ``enum_range`` of it lists the values), ``list_aggregate(l, 'name')``
calls whichever aggregate a string names, PostgreSQL's ``to_tsvector('cfg', text)`` finds a text search
configuration by name. The same holds for clauses: PostgreSQL finds a ``TABLESAMPLE``
method as a handler function, and Databricks reads ``session.v`` as a session variable when no table in the
query is called ``session``. Each such argument or clause must name something the review allows, written
as a literal; a name computed at run time cannot be checked, so it is refused.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator

import yaml
from sqlglot import exp
from sqlglot.errors import SqlglotError

from nl2sql.errors import Issue
from nl2sql.guard.allowlist import ALLOW_DIR, DIALECT_FILES, function_allowlist
from nl2sql.guard.constructs import REFUSED_TYPES
from nl2sql.guard.functions import fold, function_names, is_forbidden

if TYPE_CHECKING:
    from nl2sql.guard.policy import GuardPolicy


@cache
def _review() -> dict[str, Any]:
    review: dict[str, Any] = yaml.safe_load((ALLOW_DIR / "review.yaml").read_text(encoding="utf-8"))
    return review


def _section(key: str, dialect: str | None) -> Any:
    return (_review().get(key) or {}).get(DIALECT_FILES.get((dialect or "").lower(), ""), {})


def _arguments(node: exp.Func) -> list[exp.Expr]:
    """The call's arguments in order, for anonymous and typed sqlglot functions alike."""
    if isinstance(node, exp.Anonymous):
        return list(node.expressions)
    args: list[exp.Expr] = []
    for key in node.arg_types:
        value = node.args.get(key)
        args.extend(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, exp.Expression))
    return args


def _argument(node: exp.Func, index: int) -> exp.Expr | None:
    args = _arguments(node)
    return args[index] if index < len(args) else None


def builtin_type(name: str, dialect: str) -> bool:
    """Whether a type name is one the engine knows without its catalog (no user-defined types).

    >>> builtin_type("STRUCT(a INTEGER, b VARCHAR[])", "duckdb"), builtin_type("my_enum", "duckdb")
    (True, False)
    """
    try:
        built = exp.DataType.build(name, dialect=dialect)
    except (SqlglotError, ValueError, TypeError):
        return False
    return all(t.this not in REFUSED_TYPES for t in built.find_all(exp.DataType))


def _type_names(structure: Any) -> Iterator[str]:
    """Every type name in a JSON structure (``'{"a": ["INTEGER"]}'``); keys are field names, not types."""
    if isinstance(structure, str):
        yield structure
    elif isinstance(structure, dict):
        for value in structure.values():
            yield from _type_names(value)
    elif isinstance(structure, list):
        for value in structure:
            yield from _type_names(value)
    else:
        yield repr(structure)                                  # numbers, null: not a type the guard can read


def text_search_config(text: str, dialect: str) -> bool:
    """Whether a string names one of the engine's built-in text search configurations (review.yaml), as the
    engine reads a regconfig: an unquoted name, case-folded, optionally in ``pg_catalog``.

    >>> text_search_config("English", "postgres"), text_search_config("pg_catalog.simple", "postgres")
    (True, True)
    >>> text_search_config("public.english", "postgres"), text_search_config('"English"', "postgres")
    (False, False)
    """
    name = text.strip().lower()
    name = name.removeprefix("pg_catalog.")
    return name in frozenset(_section("text_search_configs", dialect))


def _name_ok(node: exp.Func, rule: dict[str, Any], dialect: str) -> bool:
    kind = rule["kind"]
    if len(_arguments(node)) < rule.get("arguments", 0):
        return True                                            # the overload without that argument
    arg = _argument(node, rule["argument"])
    if not (isinstance(arg, exp.Literal) and arg.is_string):
        # For a configuration, only a string literal is read as a name: any other value (a text column, an
        # expression) has a type of its own and is never looked up by name; casts to regconfig are refused.
        return bool(kind == "text_search_config")
    if kind == "text_search_config":
        return text_search_config(str(arg.this), dialect)
    text = str(arg.this)
    if kind == "function":
        name = fold(text)
        return not is_forbidden(name) and function_allowlist(dialect).allows(name, table_position=False)
    try:
        structure = json.loads(text)
    except ValueError:
        return False
    return all(builtin_type(n, dialect) for n in _type_names(structure))


def _sources(tree: exp.Expr) -> set[str]:
    return {fold(t.alias_or_name) for t in tree.find_all(exp.Table, exp.Subquery, exp.Unnest, exp.CTE)} | {
        fold(t.name) for t in tree.find_all(exp.Table)}


def engine_resolved_names(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """Name arguments, sampling methods and session namespaces are what the review allows."""
    dialect = policy.dialect
    arguments = _section("name_arguments", dialect)
    for node in tree.find_all(exp.Func):
        for name in sorted(function_names(node) & set(arguments)):
            rule = arguments[name]
            if not _name_ok(node, rule, dialect):
                what = {"type_structure": "a built-in type", "function": "an allowed function",
                        "text_search_config": "a built-in text search configuration"}.get(rule["kind"], "a name")
                yield Issue("construct_not_allowed", f"{name}() must name {what} as a literal string; other names "
                            "are looked up in the database's catalog.", name)
    methods = frozenset(_section("sample_methods", dialect))
    for sample in tree.find_all(exp.TableSample):
        method = sample.args.get("method")
        if method is not None and fold(method.name) not in methods:
            yield Issue("construct_not_allowed", f"The sampling method {method.name} is not available; use "
                        + (" or ".join(sorted(methods)) or "a percentage") + ".", f"TABLESAMPLE {method.name}")
    namespaces = frozenset(_section("session_namespaces", dialect))
    if namespaces:
        sources = _sources(tree)
        for column in tree.find_all(exp.Column):
            qualifier = ".".join(fold(p.name) for p in column.parts[:-1])
            if qualifier and qualifier in namespaces and qualifier.split(".")[0] not in sources:
                yield Issue("construct_not_allowed", f"{column.sql(dialect=dialect)} reads a session variable, "
                            "which is not available.", column.sql(dialect=dialect)[:80])
