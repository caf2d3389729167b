"""Read a Databricks catalog.schema into the semantic model: Unity Catalog first, a Hive metastore as fallback.

Unity Catalog path: ``<catalog>.information_schema`` (``tables``, ``columns``, ``table_constraints``,
``key_column_usage``, ``referential_constraints``, ``column_tags``) gives tables, views, types, comments,
keys and tags in a handful of queries. Where that schema does not exist (a Hive metastore, open-source
Spark), the connector's metadata calls (``cursor.tables()`` / ``cursor.columns()``) and ``DESCRIBE TABLE
EXTENDED`` give the same facts, less the tags (see ``unity_describe``). Either way, low-cardinality text
columns get their values from one bounded ``SELECT DISTINCT … LIMIT`` query per table.

The reader talks to a ``MetadataSource`` (implemented over the connector by the Databricks warehouse
adapter, and over recorded result shapes in the unit tests), so it never imports the driver itself.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from collections.abc import Sequence

from catalog_semantics.adapters.unity_describe import ScopeTables, read_without_information_schema
from catalog_semantics.adapters.unity_source import MetadataSource as MetadataSource  # re-exported: the readers' port
from catalog_semantics.adapters.unity_source import Row
from catalog_semantics.adapters.unity_metric_views import METRIC_VIEW, is_metric_view, mark_metric_view, parse_definition
from catalog_semantics.adapters.unity_sql import quote_ident, quote_str, sample_values_sql
from catalog_semantics.errors import CatalogError
from catalog_semantics.model import Catalog, Column, Relationship, Table, TableKind
from catalog_semantics.text import clean_sample_values, is_text_type

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class UnityScope:
    """What to read: one catalog.schema, all of its tables and views or only ``tables``."""

    catalog: str | None = None                  # None = the session's current catalog
    schema: str | None = None                   # None = the session's current schema
    tables: tuple[str, ...] = ()                # explicit list (bare names); empty = every table and view


@dataclass(frozen=True)
class ReadOptions:
    sample_values: bool = True                  # read values of low-cardinality text columns
    value_limit: int = 50                       # values kept per column
    max_distinct: int = 60                      # more distinct values than this = not a category
    scan_rows: int = 100_000                    # rows of each table the DISTINCT query looks at
    vocabulary_limit: int = 1_000               # lazy reads (``sample_tables``): a column of more than
                                                # ``max_distinct`` and at most this many values keeps them as its
                                                # ``value_vocabulary`` (matched by whole-catalog linking, never shown)


MASK_TAG = "masked column"        # a column with a Unity Catalog column mask: shown as such, values never sampled


def read_unity_catalog(source: MetadataSource, scope: UnityScope = UnityScope(),
                       options: ReadOptions = ReadOptions()) -> Catalog:
    """The catalog of ``scope``: information_schema where it exists, metadata calls and DESCRIBE where not."""
    catalog, schema = resolve_scope(source, scope)
    wanted = ScopeTables(catalog, schema, frozenset(t.lower() for t in scope.tables))
    try:
        tables, relationships = _read_information_schema(source, wanted)
        log.debug("read %s.%s through information_schema", catalog, schema)
    except CatalogError as e:
        log.info("no information_schema for %s (%s); using metadata calls and DESCRIBE", catalog, e.message)
        tables, relationships = read_without_information_schema(source, wanted)
    if scope.tables:
        found = {t.name.lower() for t in tables}
        missing = [t for t in scope.tables if t.lower() not in found]
        if missing:
            raise CatalogError(f"These tables are not in {catalog}.{schema}: {', '.join(missing)}.",
                               hint="Check the names, or that this user may read them.")
    if options.sample_values:
        tables = [_with_sample_values(source, t, options) for t in tables]
    return Catalog(tables=tuple(tables), relationships=tuple(relationships), dialect="databricks")


def resolve_scope(source: MetadataSource, scope: UnityScope) -> tuple[str, str]:
    """Fill an unset catalog or schema with the session's current ones."""
    if scope.catalog and scope.schema:
        return scope.catalog, scope.schema
    row = source.query("SELECT current_catalog() AS c, current_schema() AS s")[0]
    return scope.catalog or str(row["c"]), scope.schema or str(row["s"])


def _read_information_schema(source: MetadataSource, wanted: ScopeTables) -> tuple[list[Table], list[Relationship]]:
    info = f"{quote_ident(wanted.catalog)}.information_schema"
    where = f"table_schema = {quote_str(wanted.schema.lower())}"
    objects = source.query(
        f"SELECT table_name, table_type, comment FROM {info}.tables WHERE {where} ORDER BY table_name")
    objects = [o for o in objects if wanted.includes(o["table_name"])]
    columns: dict[str, list[Row]] = defaultdict(list)
    for row in source.query(
            "SELECT table_name, column_name, ordinal_position, full_data_type, data_type, is_nullable, comment "
            f"FROM {info}.columns WHERE {where} ORDER BY table_name, ordinal_position"):
        columns[row["table_name"].lower()].append(row)
    primary, relationships = _keys(source, info, wanted)
    tags = _column_tags(source, info, wanted)
    for key, mask in _column_masks(source, info, wanted).items():
        tags[key] = (*tags.get(key, ()), MASK_TAG, f"mask={mask}")
    filters = _row_filters(source, info, wanted)
    tables = []
    for obj in objects:
        name = obj["table_name"]
        pk = primary.get(name.lower(), ())
        cols = tuple(_column(c, pk, tags.get((name.lower(), c["column_name"].lower()), ()))
                     for c in columns[name.lower()])
        comment = obj.get("comment") or None
        if name.lower() in filters:
            note = f"Rows are filtered per user (row filter {filters[name.lower()]})."
            comment = f"{comment.rstrip('.')}. {note}" if comment else note
        tables.append(Table(name=name, columns=cols, comment=comment, primary_key=pk,
                            schema=wanted.schema, catalog=wanted.catalog, kind=_kind(obj.get("table_type"))))
    metric_views = [t.name for t in tables if t.kind == METRIC_VIEW]
    if metric_views:
        definitions = view_definitions(source, info, wanted.schema, metric_views)
        tables = [mark_metric_view(t, parse_definition(definitions.get(t.name.lower())))
                  if t.kind == METRIC_VIEW else t for t in tables]
    return tables, relationships


def view_definitions(source: MetadataSource, info: str, schema: str, names: Sequence[str]) -> dict[str, str]:
    """``information_schema.views.view_definition`` of the named views (a metric view's is its YAML)."""
    try:
        rows = source.query(f"SELECT table_name, view_definition FROM {info}.views WHERE table_schema = "
                            f"{quote_str(schema.lower())} AND table_name IN ({', '.join(quote_str(n) for n in names)})")
    except CatalogError:
        return {}
    return {str(r["table_name"]).lower(): str(r.get("view_definition") or "") for r in rows}


def _column(row: Row, pk: Sequence[str], tags: tuple[str, ...]) -> Column:
    is_pk = row["column_name"].lower() in {p.lower() for p in pk}
    return Column(name=row["column_name"], type=str(row.get("full_data_type") or row.get("data_type") or "").upper(),
                  comment=row.get("comment") or None,
                  nullable=str(row.get("is_nullable", "YES")).upper() != "NO" and not is_pk,
                  is_primary_key=is_pk, tags=tags)


def _kind(table_type: str | None) -> TableKind:
    if is_metric_view(table_type):
        return METRIC_VIEW
    return "view" if table_type and "VIEW" in table_type.upper() else "table"


def _keys(source: MetadataSource, info: str, wanted: ScopeTables) -> tuple[dict[str, tuple[str, ...]], list[Relationship]]:
    """Primary keys by table, and foreign keys as many-to-one relationships."""
    schema_literal = quote_str(wanted.schema.lower())
    constraints = source.query(
        "SELECT constraint_catalog, constraint_schema, constraint_name, table_name, constraint_type "
        f"FROM {info}.table_constraints WHERE table_schema = {schema_literal} "
        "AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')")
    usage: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for row in source.query(
            "SELECT constraint_catalog, constraint_schema, constraint_name, table_catalog, table_schema, table_name, "
            "column_name, ordinal_position, position_in_unique_constraint "
            f"FROM {info}.key_column_usage WHERE table_schema = {schema_literal} ORDER BY ordinal_position"):
        usage[_constraint_key(row)].append(row)
    primary: dict[str, tuple[str, ...]] = {}
    for c in constraints:
        if c["constraint_type"] == "PRIMARY KEY" and wanted.includes(c["table_name"]):
            primary[c["table_name"].lower()] = tuple(r["column_name"] for r in usage[_constraint_key(c)])
    foreign = [c for c in constraints if c["constraint_type"] == "FOREIGN KEY" and wanted.includes(c["table_name"])]
    if not foreign:
        return primary, []
    referential = {_constraint_key(r): r for r in source.query(
        "SELECT constraint_catalog, constraint_schema, constraint_name, unique_constraint_catalog, "
        f"unique_constraint_schema, unique_constraint_name FROM {info}.referential_constraints "
        f"WHERE constraint_schema = {schema_literal}")}
    relationships = []
    for fk in foreign:
        ref = referential.get(_constraint_key(fk))
        if ref is None:
            continue
        target_key = (str(ref["unique_constraint_catalog"]).lower(), str(ref["unique_constraint_schema"]).lower(),
                      str(ref["unique_constraint_name"]).lower())
        target = usage.get(target_key) or _usage_elsewhere(source, target_key)
        from_rows = usage[_constraint_key(fk)]
        if not target or not from_rows:
            continue
        by_position = {int(r["ordinal_position"]): r for r in target}
        to_rows = [by_position.get(int(r.get("position_in_unique_constraint") or r["ordinal_position"])) for r in from_rows]
        matched = [r for r in to_rows if r is not None]
        if len(matched) < len(to_rows):
            continue
        to = matched[0]
        same_place = (str(to["table_catalog"]).lower(), str(to["table_schema"]).lower()) == (
            wanted.catalog.lower(), wanted.schema.lower())
        to_table = to["table_name"] if same_place else f"{to['table_catalog']}.{to['table_schema']}.{to['table_name']}"
        relationships.append(Relationship(fk["table_name"], tuple(r["column_name"] for r in from_rows), to_table,
                                          tuple(r["column_name"] for r in matched)))
    return primary, relationships


def _constraint_key(row: Row) -> tuple[str, str, str]:
    return (str(row["constraint_catalog"]).lower(), str(row["constraint_schema"]).lower(),
            str(row["constraint_name"]).lower())


def _usage_elsewhere(source: MetadataSource, key: tuple[str, str, str]) -> list[Row]:
    """Key columns of a constraint in another schema (a foreign key that leaves the scope)."""
    catalog, schema, name = key
    try:
        return source.query(
            "SELECT constraint_catalog, constraint_schema, constraint_name, table_catalog, table_schema, table_name, "
            f"column_name, ordinal_position FROM {quote_ident(catalog)}.information_schema.key_column_usage "
            f"WHERE constraint_schema = {quote_str(schema)} AND constraint_name = {quote_str(name)} "
            "ORDER BY ordinal_position")
    except CatalogError:
        return []


def _column_tags(source: MetadataSource, info: str, wanted: ScopeTables) -> dict[tuple[str, str], tuple[str, ...]]:
    """``name=value`` tags per (table, column); empty where the workspace has no tag views."""
    try:
        rows = source.query(
            f"SELECT table_name, column_name, tag_name, tag_value FROM {info}.column_tags "
            f"WHERE schema_name = {quote_str(wanted.schema.lower())} ORDER BY table_name, column_name, tag_name")
    except CatalogError:
        return {}
    tags: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in rows:
        tags[(r["table_name"].lower(), r["column_name"].lower())].append(
            f"{r['tag_name']}={r['tag_value']}" if r.get("tag_value") else str(r["tag_name"]))
    return {k: tuple(v) for k, v in tags.items()}


def _governance(source: MetadataSource, sql: str) -> list[Row]:
    """Rows of a row-filter or column-mask view; none where the workspace has no such view (older runtimes)."""
    try:
        return source.query(sql)
    except CatalogError:
        return []


def _column_masks(source: MetadataSource, info: str, wanted: ScopeTables) -> dict[tuple[str, str], str]:
    """The mask function of each masked (table, column): such columns are shown as masked and never sampled."""
    rows = _governance(source, f"SELECT table_name, column_name, mask_catalog, mask_schema, mask_name "
                               f"FROM {info}.column_masks WHERE schema_name = {quote_str(wanted.schema.lower())}")
    return {(r["table_name"].lower(), r["column_name"].lower()):
            ".".join(str(r[k]) for k in ("mask_catalog", "mask_schema", "mask_name") if r.get(k)) for r in rows}


def _row_filters(source: MetadataSource, info: str, wanted: ScopeTables) -> dict[str, str]:
    """The row filter function of each filtered table."""
    rows = _governance(source, f"SELECT table_name, filter_catalog, filter_schema, filter_name "
                               f"FROM {info}.row_filters WHERE schema_name = {quote_str(wanted.schema.lower())}")
    return {r["table_name"].lower(): ".".join(str(r[k]) for k in ("filter_catalog", "filter_schema", "filter_name")
                                              if r.get(k)) for r in rows}


def _with_sample_values(source: MetadataSource, table: Table, options: ReadOptions, vocabulary: bool = False) -> Table:
    """Values of the table's low-cardinality text columns, from one bounded query; masked columns are never read.

    With ``vocabulary`` (the lazy read of a shortlisted table, ``unity_bulk.sample_tables``) the same query takes
    up to ``options.vocabulary_limit`` values per column, and a column with more than ``max_distinct`` of them
    keeps them as its ``value_vocabulary``, as the DuckDB reader does. Not for metric views: their columns are
    read through MEASURE and GROUP BY, not scanned.
    """
    if table.kind == METRIC_VIEW:
        return table
    text_columns = [c.name for c in table.columns if is_text_type(c.type) and not c.sample_values
                    and not c.value_vocabulary and MASK_TAG not in c.tags]
    if not text_columns:
        return table
    most = max(options.max_distinct, options.vocabulary_limit) if vocabulary else options.max_distinct
    sql = sample_values_sql(table.qualified_name.split("."), text_columns, options.scan_rows, most + 1)
    try:
        rows = source.query(sql)
    except CatalogError as e:  # a view over a broken source must not stop the catalog from loading
        log.warning("sample values of %s not read: %s", table.qualified_name, e.message)
        return table
    found: dict[int, list[object]] = defaultdict(list)
    for r in rows:
        found[int(r["i"])].append(r["v"])
    values = {text_columns[i]: clean_sample_values(v, options.value_limit)
              for i, v in found.items() if 0 < len(v) <= options.max_distinct}
    words = {text_columns[i]: clean_sample_values(v, most)
             for i, v in found.items() if options.max_distinct < len(v) <= most}
    return replace(table, columns=tuple(
        replace(c, sample_values=values.get(c.name, c.sample_values), value_vocabulary=words.get(c.name, c.value_vocabulary))
        for c in table.columns))
