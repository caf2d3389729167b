"""The catalog without information_schema: a Hive metastore or open-source Spark behind the connector.

Tables and views come from the connector's metadata call (``cursor.tables()``), columns from
``cursor.columns()``, and ``DESCRIBE TABLE EXTENDED`` adds what those lack: the table comment where the
metadata call leaves it out, whether it is a view, and the ``# Constraints`` section that Databricks prints
for declared primary and foreign keys. Where a metadata call fails, ``SHOW TABLES`` and the DESCRIBE rows
stand in for it, so the reader degrades rather than stops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from catalog_semantics.adapters.unity_metric_views import METRIC_VIEW, is_metric_view, mark_metric_view, parse_definition
from catalog_semantics.adapters.unity_source import MetadataSource
from catalog_semantics.adapters.unity_sql import qualified
from catalog_semantics.errors import CatalogError
from catalog_semantics.model import Column, Relationship, Table, TableKind

Row = dict[str, Any]
_IDENT = r"`(?:[^`]|``)+`|[A-Za-z0-9_]+"
_PK = re.compile(r"PRIMARY\s+KEY\s*\((?P<cols>[^)]*)\)", re.IGNORECASE)
_FK = re.compile(
    rf"FOREIGN\s+KEY\s*\((?P<cols>[^)]*)\)\s*REFERENCES\s+(?P<table>(?:(?:{_IDENT})\.)*(?:{_IDENT}))\s*\((?P<refs>[^)]*)\)",
    re.IGNORECASE)


@dataclass(frozen=True)
class ScopeTables:
    """The resolved catalog.schema and, when not empty, the only tables wanted (lower case)."""

    catalog: str
    schema: str
    only: frozenset[str] = frozenset()

    def includes(self, name: str) -> bool:
        return not self.only or name.lower() in self.only


@dataclass(frozen=True)
class Described:
    """What ``DESCRIBE TABLE EXTENDED`` says about one table."""

    columns: tuple[tuple[str, str, str | None], ...]       # (name, type, comment)
    comment: str | None = None
    kind: TableKind = "table"
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = ()  # (cols, table parts, refs)
    view_text: str | None = None                            # a metric view's YAML


def read_without_information_schema(source: "MetadataSource", wanted: ScopeTables) -> tuple[list[Table], list[Relationship]]:
    tables: list[Table] = []
    relationships: list[Relationship] = []
    for name, kind, remarks in _list_tables(source, wanted):
        described = parse_describe(source.query(
            f"DESCRIBE TABLE EXTENDED {qualified((wanted.catalog, wanted.schema, name))}"))
        columns = _columns(source, wanted, name, described)
        pk_lower = {p.lower() for p in described.primary_key}
        columns = tuple(Column(c.name, c.type, c.comment, nullable=c.nullable and c.name.lower() not in pk_lower,
                               is_primary_key=c.name.lower() in pk_lower) for c in columns)
        table = Table(name=name, columns=columns, comment=remarks or described.comment,
                      primary_key=described.primary_key, schema=wanted.schema, catalog=wanted.catalog,
                      kind=described.kind if described.kind == METRIC_VIEW or "VIEW" not in (kind or "").upper()
                      else "view")
        tables.append(mark_metric_view(table, parse_definition(described.view_text))
                      if table.kind == METRIC_VIEW else table)
        for cols, target, refs in described.foreign_keys:
            same_place = len(target) < 3 or [p.lower() for p in target[:-1]] == [wanted.catalog.lower(), wanted.schema.lower()]
            relationships.append(Relationship(name, cols, target[-1] if same_place else ".".join(target), refs))
    return tables, relationships


def _list_tables(source: "MetadataSource", wanted: ScopeTables) -> list[tuple[str, str | None, str | None]]:
    """(name, type, comment) of each table and view in scope, ordered by name."""
    try:
        rows = source.list_tables(wanted.catalog, wanted.schema)
        found = [(r["table_name"], r.get("table_type"), r.get("remarks") or None) for r in rows
                 if str(r.get("table_schem") or wanted.schema).lower() == wanted.schema.lower()]
    except CatalogError:
        rows = source.query(f"SHOW TABLES IN {qualified((wanted.catalog, wanted.schema))}")
        found = [(r["tablename"], None, None) for r in rows if not r.get("istemporary")]
    return sorted((f for f in found if wanted.includes(f[0])), key=lambda f: f[0].lower())


def _columns(source: "MetadataSource", wanted: ScopeTables, table: str, described: Described) -> tuple[Column, ...]:
    try:
        rows = source.list_columns(wanted.catalog, wanted.schema, table)
    except CatalogError:
        rows = []
    if not rows:
        return tuple(Column(n, t.upper(), c or None) for n, t, c in described.columns)
    rows = sorted(rows, key=lambda r: int(r.get("ordinal_position") or 0))
    return tuple(Column(r["column_name"], str(r.get("type_name") or "").upper(), r.get("remarks") or None,
                        nullable=r.get("nullable") in (None, 1, "1", True))
                 for r in rows)


def parse_describe(rows: list[Row]) -> Described:
    """Parse ``DESCRIBE TABLE EXTENDED`` rows (``col_name``, ``data_type``, ``comment``) into their sections."""
    columns: list[tuple[str, str, str | None]] = []
    details: dict[str, str] = {}
    pk: tuple[str, ...] = ()
    fks: list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = []
    section = "columns"
    for row in rows:
        name, value = (row.get("col_name") or "").strip(), (row.get("data_type") or "").strip()
        if name.startswith("#"):
            title = name.lstrip("# ").lower()
            section = "constraints" if "constraint" in title else "details" if "detailed" in title else "other"
            continue
        if not name and not value:
            if section == "columns":
                section = "other"
            continue
        if section == "columns":
            columns.append((name, value, row.get("comment") or None))
        elif section == "details":
            details[name.lower()] = value
        elif section == "constraints":
            if m := _PK.search(value):
                pk = _names(m["cols"])
            elif m := _FK.search(value):
                fks.append((_names(m["cols"]), _names(m["table"], sep="."), _names(m["refs"])))
    table_type = details.get("type", "")
    kind: TableKind = METRIC_VIEW if is_metric_view(table_type) else "view" if "VIEW" in table_type.upper() else "table"
    return Described(tuple(columns), details.get("comment") or None, kind, pk, tuple(fks), details.get("view text"))


def _names(text: str, sep: str = ",") -> tuple[str, ...]:
    """Split ``\\`a\\`, b`` or ``\\`cat\\`.\\`sch\\`.t`` into unquoted names (a backtick inside is doubled)."""
    parts = re.findall(rf"{_IDENT}", text) if sep == "." else [p for p in text.split(sep) if p.strip()]
    out = []
    for p in parts:
        p = p.strip()
        out.append(p[1:-1].replace("``", "`") if p.startswith("`") and p.endswith("`") else p)
    return tuple(out)
