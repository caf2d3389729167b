"""Limit a semantic model to what one principal may read.

Everything downstream (linking, prompt context, the offline planner, verified queries, the guard's
allowlist) sees only the scoped model, so a question about hidden tables cannot even name them.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import sqlglot
from sqlglot import exp

from catalog_semantics.errors import ConfigError
from catalog_semantics.model import SemanticModel, Table, VerifiedQuery


@dataclass(frozen=True)
class Principal:
    """Who is asking, and which tables they may read (None = all).

    Each entry names tables at any granularity, with ``*`` and ``?`` wildcards in any part: a table
    (``orders``, ``tpch.orders``, ``samples.tpch.orders``), a schema (``sales.*``, ``samples.tpch.*``) or a
    catalog (``samples.*.*``, or ``samples.*`` when no schema of that name exists). See ``allows``.
    """

    name: str
    allowed_tables: frozenset[str] | None = None

    @classmethod
    def of(cls, name: str, tables: Iterable[str] | None = None) -> Principal:
        return cls(name, None if tables is None else frozenset(t.lower() for t in tables))


def _tables_in(sql: str, dialect: str) -> set[str] | None:
    """Lower-case bare table names a SQL text reads (CTE names excluded); None when it does not parse."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.ParseError:
        return None
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    return {t.name.lower() for t in tree.find_all(exp.Table) if t.name.lower() not in ctes}


def allows(patterns: Iterable[str], table: Table) -> bool:
    """Whether an allowlist entry names ``table``; case-insensitive, ``*`` and ``?`` match within one part.

    An entry matches the last parts of the table's qualified name (``tpch.orders`` matches
    ``samples.tpch.orders``); an entry ending in ``.*`` also matches everything below the parts before it
    (``samples.*`` holds every table of the catalog or schema ``samples``).

    >>> t = Table("orders", (), schema="tpch", catalog="samples")
    >>> [allows([p], t) for p in ("orders", "tpch.orders", "samples.tpch.orders", "sales.*", "tpch.*",
    ...                           "samples.*", "samples.*.*", "*.ord*", "other.tpch.orders", "order")]
    [True, True, True, False, True, True, True, True, False, False]
    """
    parts = [p.lower() for p in (table.catalog, table.schema, table.name) if p]
    for pattern in patterns:
        wanted = [w.strip() for w in pattern.lower().split(".")]
        if _suffix_match(wanted, parts):
            return True
        if len(wanted) > 1 and wanted[-1] == "*":               # "sales.*": anything below "sales"
            head = wanted[:-1]
            if any(_parts_match(head, parts[i:i + len(head)]) for i in range(len(parts) - len(head))):
                return True
    return False


def _suffix_match(wanted: list[str], parts: list[str]) -> bool:
    return len(wanted) <= len(parts) and _parts_match(wanted, parts[len(parts) - len(wanted):])


def _parts_match(wanted: list[str], parts: list[str]) -> bool:
    return len(wanted) == len(parts) and all(fnmatch.fnmatchcase(p, w) for w, p in zip(wanted, parts))


def scope_model(model: SemanticModel, principal: Principal | None) -> SemanticModel:
    """The part of ``model`` that ``principal`` may read; metrics and queries touching more are dropped."""
    if principal is None or principal.allowed_tables is None:
        return model
    patterns = tuple(sorted(principal.allowed_tables))
    tables = tuple(t for t in model.tables if allows(patterns, t))
    names = {t.name.lower() for t in tables}

    def visible(sql: str, *extra: str) -> bool:
        used = _tables_in(sql, model.dialect)
        return used is not None and used <= names and all(e.lower() in names for e in extra)

    hidden = {t.name.lower() for t in model.tables if t.name.lower() not in names}
    hidden |= {c.name.lower() for t in model.tables if t.name.lower() in hidden for c in t.columns}

    def mentions_hidden(text: str) -> bool:
        return bool(hidden & set(re.findall(r"[a-z_][a-z0-9_]*", text.lower())))

    return replace(
        model,
        tables=tables,
        instructions=tuple(i for i in model.instructions if not mentions_hidden(i)),
        relationships=tuple(
            r for r in model.relationships if r.from_table.lower() in names and r.to_table.lower() in names
        ),
        metrics=tuple(m for m in model.metrics if m.table.lower() in names and all(j.lower() in names for j in m.joins)),
        filters=tuple(f for f in model.filters if f.table.lower() in names),
        verified_queries=tuple(q for q in model.verified_queries if visible(q.sql)),
    )


def parse_scope(text: str | None) -> tuple[str, ...] | None:
    """A scope as written in NL2SQL_SCOPE, ``--scope`` or the app: comma-separated entries; None when empty.

    >>> parse_scope(" sales.*, samples.tpch.orders ,"), parse_scope("  ")
    (('sales.*', 'samples.tpch.orders'), None)
    """
    entries = tuple(e.strip() for e in (text or "").split(",") if e.strip())
    return entries or None


def within(model: SemanticModel, scope: Sequence[str] | None) -> SemanticModel:
    """The part of ``model`` questions are asked across: catalogs, schemas or tables, as ``allows`` reads them.

    A scope narrows what the assistant looks at (linking, prompts, verified queries, the guard's allowlist),
    as an allowlist does; a principal's allowlist then narrows it further. A scope that names no table is a
    setting mistake, reported with the schemas there are, rather than an assistant that knows nothing.
    """
    if not scope:
        return model
    scoped = scope_model(model, Principal.of("scope", scope))
    if not scoped.tables:
        schemas = sorted({".".join(p for p in (t.catalog, t.schema) if p) for t in model.tables} - {""})
        shown = ", ".join(f"{s}.*" for s in schemas[:8]) + (", ..." if len(schemas) > 8 else "")
        raise ConfigError(
            f"The scope {', '.join(scope)} names no table of the warehouse.",
            hint="Set NL2SQL_SCOPE (or --scope) to catalogs, schemas or tables, comma-separated"
                 + (f", e.g. {shown}." if shown else ", e.g. sales.* or sales.orders."),
        )
    return scoped


_SCHEMA_CHOICE = re.compile(r"\s*\(schema\s+([\w.$-]+)\)\s*([?.!]?)\s*$", re.IGNORECASE)


def split_schema_choice(question: str) -> tuple[str, str | None]:
    """A question as a schema choice asks it again ("... (schema hr)?"): the question and the schema chosen.

    >>> split_schema_choice("How many employees (schema prod.hr)?"), split_schema_choice("How many employees?")
    (('How many employees?', 'prod.hr'), ('How many employees?', None))
    """
    match = _SCHEMA_CHOICE.search(question)
    if match is None:
        return question, None
    return question[:match.start()] + match.group(2), match.group(1)


def visible_queries(queries: Iterable[VerifiedQuery], model: SemanticModel) -> tuple[VerifiedQuery, ...]:
    """The verified queries (e.g. promoted from feedback) that read only tables of the (scoped) model."""
    names = {t.name.lower() for t in model.tables}
    visible = []
    for query in queries:
        used = _tables_in(query.sql, model.dialect)
        if used is not None and used <= names:
            visible.append(query)
    return tuple(visible)
