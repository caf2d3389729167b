"""Read whole catalogs (or several schemas) into the semantic model, in pages, within a time budget.

For a Unity Catalog of thousands of tables the per-schema reader's round trips do not scale. This reader sends
one statement per ``information_schema`` view for each catalog (``tables``, ``columns``, the key views,
``column_tags``, ``column_masks``, ``row_filters``) and consumes each result page by page
(``page_rows`` rows at a time through the connector's ``fetchmany``), so what is held is the compact model
being built, never a whole result set of driver rows. Where ``information_schema`` does not exist (a Hive
metastore, open-source Spark) the connector's metadata calls (``GetTables`` / ``GetColumns`` for the whole
catalog or each schema) are consumed the same way; keys are then not read (they would take one DESCRIBE per
table).

Time: the whole read has a budget (``time_budget_s``); every statement is given what is left of it as its
time limit, and the budget is checked after each page. Past it the read stops with ``CatalogBudgetExceeded``
(never a silently partial catalog); a cache keeps serving the previous version meanwhile.

Sample values are not read here: ``sample_tables`` reads them later for the tables a question shortlisted.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections import defaultdict
from dataclasses import replace
from typing import Any, Literal
from collections.abc import Callable

from catalog_semantics.adapters.unity_bulk_scope import BulkOptions as BulkOptions  # re-exported
from catalog_semantics.adapters.unity_bulk_scope import BulkScope as BulkScope  # re-exported
from catalog_semantics.adapters.unity_metric_views import (METRIC_VIEW, is_metric_view, mark_metric_view,
                                                           parse_definition)
from catalog_semantics.adapters.unity_reader import MASK_TAG, ReadOptions, _with_sample_values, view_definitions
from catalog_semantics.adapters.unity_source import CatalogBudgetExceeded as CatalogBudgetExceeded  # re-exported
from catalog_semantics.adapters.unity_source import Consume, MetadataSource, Row
from catalog_semantics.adapters.unity_source import PagedSource as PagedSource  # re-exported
from catalog_semantics.adapters.unity_sql import quote_ident, quote_str
from catalog_semantics.errors import CatalogError
from catalog_semantics.model import Catalog, Column, Relationship, Table, TableKind

Key = tuple[str, str]                                   # (schema, table), lower case


class _Clock:
    def __init__(self, budget_s: float, now: Callable[[], float] = time.monotonic) -> None:
        self._now, self.budget_s = now, budget_s
        self._deadline = now() + budget_s

    def left(self) -> float:
        left = self._deadline - self._now()
        if left <= 0:
            raise CatalogBudgetExceeded(
                f"Reading the catalog took longer than its budget of {self.budget_s:g} seconds.",
                hint="Narrow the scope (fewer catalogs or schemas) or raise NL2SQL_DATABRICKS_CATALOG_BUDGET_S.")
        return left


def read_versioned(source: PagedSource, scope: BulkScope, options: BulkOptions = BulkOptions()) -> tuple[str, Catalog]:
    """The version and the catalog, both within one time budget (what a cache stores)."""
    clock = _Clock(options.time_budget_s)
    return catalog_version(source, scope, options, clock), read_bulk(source, scope, options, clock)


def read_bulk(source: PagedSource, scope: BulkScope, options: BulkOptions = BulkOptions(),
              clock: _Clock | None = None) -> Catalog:
    """Tables, views, columns, comments, keys, tags and masks of ``scope``; no sample values."""
    clock = clock or _Clock(options.time_budget_s)
    tables: list[Table] = []
    relationships: list[Relationship] = []
    for catalog, schemas in scope.by_catalog().items():
        try:
            found, rels = _read_information_schema(source, catalog, schemas, options, clock)
        except CatalogBudgetExceeded:
            raise
        except CatalogError:
            found, rels = _read_metadata_calls(source, catalog, schemas, options, clock), []
        tables.extend(found)
        relationships.extend(rels)
    return Catalog(tables=tuple(tables), relationships=tuple(relationships), dialect="databricks")


def _where(schemas: tuple[str, ...] | None, column: str = "table_schema") -> str:
    if schemas is None:
        return f"{column} <> 'information_schema'"
    return f"{column} IN ({', '.join(quote_str(s.lower()) for s in schemas)})"


def _pages(source: PagedSource, sql: str, options: BulkOptions, clock: _Clock, consume: Consume) -> None:
    def checked(page: list[Row]) -> None:
        consume(page)
        clock.left()                                    # past the budget: stop after this page

    source.query_pages(sql, options.page_rows, checked, timeout_s=clock.left())


def _read_information_schema(source: PagedSource, catalog: str, schemas: tuple[str, ...] | None, options: BulkOptions,
                             clock: _Clock) -> tuple[list[Table], list[Relationship]]:
    info = f"{quote_ident(catalog)}.information_schema"
    objects: dict[Key, Row] = {}

    def keep_tables(page: list[Row]) -> None:
        for r in page:
            objects[(r["table_schema"].lower(), r["table_name"].lower())] = {
                "schema": r["table_schema"], "name": r["table_name"], "kind": r.get("table_type"),
                "comment": r.get("comment") or None}

    _pages(source, f"SELECT table_schema, table_name, table_type, comment FROM {info}.tables WHERE {_where(schemas)}",
           options, clock, keep_tables)
    tags = _optional_pairs(source, options, clock, f"SELECT schema_name, table_name, column_name, tag_name, tag_value "
                           f"FROM {info}.column_tags WHERE {_where(schemas, 'schema_name')}",
                           lambda r: f"{r['tag_name']}={r['tag_value']}" if r.get("tag_value") else str(r["tag_name"]))
    masks = _optional_pairs(source, options, clock, f"SELECT schema_name, table_name, column_name, mask_catalog, "
                            f"mask_schema, mask_name FROM {info}.column_masks WHERE {_where(schemas, 'schema_name')}",
                            lambda r: ".".join(str(r[k]) for k in ("mask_catalog", "mask_schema", "mask_name") if r.get(k)))
    filters = _optional_pairs(source, options, clock, f"SELECT schema_name, table_name, '' AS column_name, filter_catalog, "
                              f"filter_schema, filter_name FROM {info}.row_filters WHERE {_where(schemas, 'schema_name')}",
                              lambda r: ".".join(str(r[k]) for k in ("filter_catalog", "filter_schema", "filter_name")
                                                 if r.get(k)))
    primary, relationships = _keys(source, info, catalog, schemas, options, clock)
    columns: dict[Key, list[tuple[int, Column]]] = defaultdict(list)

    def keep_columns(page: list[Row]) -> None:
        for r in page:
            key = (r["table_schema"].lower(), r["table_name"].lower())
            col = (key[0], key[1], r["column_name"].lower())
            pk = r["column_name"].lower() in primary.get(key, ())
            mask = masks.get(col)
            columns[key].append((int(r.get("ordinal_position") or 0), Column(
                name=r["column_name"], type=sys.intern(str(r.get("full_data_type") or r.get("data_type") or "").upper()),
                comment=r.get("comment") or None, nullable=str(r.get("is_nullable", "YES")).upper() != "NO" and not pk,
                is_primary_key=pk, tags=(*tags.get(col, ()), *((MASK_TAG, f"mask={mask[0]}") if mask else ())))))

    _pages(source, "SELECT table_schema, table_name, column_name, ordinal_position, full_data_type, data_type, "
           f"is_nullable, comment FROM {info}.columns WHERE {_where(schemas)}", options, clock, keep_columns)
    tables = [Table(name=o["name"], columns=tuple(c for _, c in sorted(columns.get(key, ()), key=lambda p: p[0])),
                    comment=_filtered(o["comment"], filters.get((*key, ""))), schema=o["schema"], catalog=catalog,
                    kind=_kind(o["kind"]), primary_key=tuple(primary.get(key, ())))
              for key, o in sorted(objects.items())]
    by_schema: dict[str, list[str]] = defaultdict(list)
    for t in tables:
        if t.kind == METRIC_VIEW:
            by_schema[t.schema or ""].append(t.name)
    definitions = {(schema.lower(), name): text for schema, names in by_schema.items()
                   for name, text in view_definitions(source, info, schema, names).items()}
    tables = [mark_metric_view(t, parse_definition(definitions.get(((t.schema or "").lower(), t.name.lower()))))
              if t.kind == METRIC_VIEW else t for t in tables]
    return tables, relationships


def _kind(table_type: Any) -> TableKind:
    if is_metric_view(table_type):
        return METRIC_VIEW
    return "view" if table_type and "VIEW" in str(table_type).upper() else "table"


def _filtered(comment: str | None, row_filter: tuple[str, ...] | None) -> str | None:
    """The table comment, noting a row filter as the single-schema reader does.

    >>> _filtered("Orders.", ("main.gov.by_region",))
    'Orders. Rows are filtered per user (row filter main.gov.by_region).'
    """
    if not row_filter:
        return comment
    note = f"Rows are filtered per user (row filter {row_filter[0]})."
    return f"{comment.rstrip('.')}. {note}" if comment else note


def _optional_pairs(source: PagedSource, options: BulkOptions, clock: _Clock, sql: str,
                    value: Callable[[Row], str]) -> dict[tuple[str, str, str], tuple[str, ...]]:
    """(schema, table, column) -> values from a governance view; empty where the runtime has no such view."""
    found: dict[tuple[str, str, str], list[str]] = defaultdict(list)

    def keep(page: list[Row]) -> None:
        for r in page:
            found[(r["schema_name"].lower(), r["table_name"].lower(), r["column_name"].lower())].append(value(r))

    try:
        _pages(source, sql, options, clock, keep)
    except CatalogBudgetExceeded:
        raise
    except CatalogError:
        return {}
    return {k: tuple(v) for k, v in found.items()}


def _keys(source: PagedSource, info: str, catalog: str, schemas: tuple[str, ...] | None, options: BulkOptions,
          clock: _Clock) -> tuple[dict[Key, tuple[str, ...]], list[Relationship]]:
    """Primary keys (lower-cased names) and single-hop foreign keys, fully qualified, from two statements."""
    usage: dict[tuple[str, str], list[Row]] = defaultdict(list)      # (schema, constraint) -> key columns
    kinds: dict[tuple[str, str], str] = {}

    def keep_usage(page: list[Row]) -> None:
        for r in page:
            usage[(r["constraint_schema"].lower(), r["constraint_name"].lower())].append(r)

    def keep_kinds(page: list[Row]) -> None:
        for r in page:
            kinds[(r["constraint_schema"].lower(), r["constraint_name"].lower())] = r["constraint_type"]

    _pages(source, "SELECT constraint_schema, constraint_name, constraint_type FROM "
           f"{info}.table_constraints WHERE {_where(schemas)} AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')",
           options, clock, keep_kinds)
    if not kinds:
        return {}, []
    _pages(source, "SELECT constraint_schema, constraint_name, table_catalog, table_schema, table_name, column_name, "
           f"ordinal_position FROM {info}.key_column_usage WHERE {_where(schemas)}", options, clock, keep_usage)
    primary: dict[Key, tuple[str, ...]] = {}
    for key, kind in kinds.items():
        rows = sorted(usage.get(key, ()), key=lambda r: int(r["ordinal_position"]))
        if kind == "PRIMARY KEY" and rows:
            primary[(rows[0]["table_schema"].lower(), rows[0]["table_name"].lower())] = tuple(
                r["column_name"].lower() for r in rows)
    referential: list[Row] = []
    foreign = [k for k, kind in kinds.items() if kind == "FOREIGN KEY"]
    if foreign:
        _pages(source, "SELECT constraint_schema, constraint_name, unique_constraint_schema, unique_constraint_name "
               f"FROM {info}.referential_constraints WHERE {_where(schemas, 'constraint_schema')}", options, clock,
               referential.extend)
    relationships = []
    for r in referential:
        src = sorted(usage.get((r["constraint_schema"].lower(), r["constraint_name"].lower()), ()),
                     key=lambda x: int(x["ordinal_position"]))
        dst = sorted(usage.get((str(r["unique_constraint_schema"]).lower(), str(r["unique_constraint_name"]).lower()), ()),
                     key=lambda x: int(x["ordinal_position"]))
        if src and dst and len(src) == len(dst):
            relationships.append(Relationship(
                f"{catalog}.{src[0]['table_schema']}.{src[0]['table_name']}", tuple(x["column_name"] for x in src),
                f"{catalog}.{dst[0]['table_schema']}.{dst[0]['table_name']}", tuple(x["column_name"] for x in dst)))
    return primary, relationships


def _read_metadata_calls(source: PagedSource, catalog: str, schemas: tuple[str, ...] | None, options: BulkOptions,
                         clock: _Clock) -> list[Table]:
    """The connector's GetTables / GetColumns for the whole catalog (or each schema), consumed page by page."""
    objects: dict[Key, Row] = {}
    columns: dict[Key, list[tuple[int, Column]]] = defaultdict(list)

    def keep_tables(page: list[Row]) -> None:
        for r in page:
            if str(r.get("table_schem") or "").lower() == "information_schema":
                continue
            objects[(str(r["table_schem"]).lower(), r["table_name"].lower())] = {
                "schema": r["table_schem"], "name": r["table_name"], "kind": r.get("table_type"),
                "comment": r.get("remarks") or None}

    def keep_columns(page: list[Row]) -> None:
        for r in page:
            columns[(str(r["table_schem"]).lower(), r["table_name"].lower())].append((int(r.get("ordinal_position") or 0), Column(
                r["column_name"], sys.intern(str(r.get("type_name") or "").upper()), r.get("remarks") or None,
                nullable=r.get("nullable") in (None, 1, "1", True))))

    kinds: tuple[tuple[Literal["tables", "columns"], Consume], ...] = (("tables", keep_tables), ("columns", keep_columns))
    for schema in schemas or (None,):
        for kind, consume in kinds:
            def checked(page: list[Row], consume: Consume = consume) -> None:
                consume(page)
                clock.left()

            source.metadata_pages(kind, catalog, schema, options.page_rows, checked, timeout_s=clock.left())
    return [Table(name=o["name"], columns=tuple(c for _, c in sorted(columns.get(key, ()), key=lambda p: p[0])),
                  comment=o["comment"], schema=o["schema"], catalog=catalog, kind=_kind(o["kind"]))
            for key, o in sorted(objects.items())]


def catalog_version(source: PagedSource, scope: BulkScope, options: BulkOptions = BulkOptions(),
                    clock: _Clock | None = None) -> str:
    """A cheap fingerprint that changes when a table in scope is created, dropped or altered.

    Unity Catalog: the count and latest ``last_altered`` of ``information_schema.tables`` (one small statement per
    catalog). Without it: a hash of the GetTables listing (names, kinds, comments), which misses a column-only
    change; a cache then still re-reads fully when its maximum age passes.
    """
    clock = clock or _Clock(options.time_budget_s)
    parts = []
    for catalog, schemas in scope.by_catalog().items():
        try:
            [row] = source.query(f"SELECT COUNT(*) AS n, MAX(last_altered) AS changed FROM "
                                 f"{quote_ident(catalog)}.information_schema.tables WHERE {_where(schemas)}")
            parts.append(f"{catalog}:{row['n']}:{row['changed']}")
        except CatalogError:
            digest = hashlib.sha256()

            def feed(page: list[Row], digest: Any = digest) -> None:
                for r in page:
                    digest.update(repr((r.get("table_schem"), r.get("table_name"), r.get("table_type"),
                                        r.get("remarks"))).encode())

            for schema in schemas or (None,):
                source.metadata_pages("tables", catalog, schema, options.page_rows, feed, timeout_s=clock.left())
            parts.append(f"{catalog}:#{digest.hexdigest()[:16]}")
    return "|".join(parts)


def sample_tables(source: MetadataSource, catalog: Catalog, names: tuple[str, ...],
                  options: ReadOptions = ReadOptions()) -> Catalog:
    """The catalog with sample values (and value vocabularies, up to ``options.vocabulary_limit`` values a column)
    read for ``names`` only (bare or qualified; masked columns never read): one bounded query per table."""
    wanted = {n.lower() for n in names}
    return replace(catalog, tables=tuple(
        _with_sample_values(source, t, options, vocabulary=True) if wanted & {t.name.lower(), t.qualified_name.lower()}
        else t
        for t in catalog.tables))
