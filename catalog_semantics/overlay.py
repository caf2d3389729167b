"""The YAML overlay (docs/overlay.md): parsed into frozen values, then merged on top of a catalog.

Strict on purpose: an unknown key (a typo like ``synonym:``), a wrong type, or a table, column or
SQL expression naming something the catalog lacks is an ``OverlayError`` that names the file and
the key, because a silently ignored overlay line is a wrong answer later. ``apply_overlay`` only
replaces (descriptions, values) and appends (synonyms, relationships, metrics, ...); it never invents.

The YAML is checked and turned into values by ``overlay_parse`` (``parse_overlay``, ``Overlay``, both
importable from here); this module reads the file and merges the values onto the catalog.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify

from catalog_semantics.errors import OverlayError
from catalog_semantics.model import Catalog, Metric, NamedFilter, Relationship, SemanticModel, Table, find_table
from catalog_semantics.overlay_parse import ColumnOverlay, Overlay, TableOverlay, overlay_error, parse_overlay

# libyaml's parser when PyYAML was built with it (the wheels are): the same safe constructors, several times
# faster than the pure-Python parser on an overlay of a few hundred lines, read at every assistant start.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = ["ColumnOverlay", "Overlay", "TableOverlay", "apply_overlay", "load_overlay", "model_from_catalog",
           "parse_overlay"]


def load_overlay(path: str | Path) -> Overlay:
    """Read and check one overlay file; ``OverlayError`` names the file and the offending key."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise OverlayError(f"The overlay file {source} could not be read ({e.strerror}).") from e
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)          # a safe loader (see _YAML_LOADER)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise OverlayError(f"The overlay file {source} is not valid YAML{where}.",
                           hint="Check the indentation and quoting near that line.") from e
    return parse_overlay(data if data is not None else {}, source=source)


def model_from_catalog(catalog: Catalog) -> SemanticModel:
    """The semantic model of a catalog alone (no overlay)."""
    return apply_overlay(catalog, None)


def apply_overlay(catalog: Catalog, overlay: Overlay | None) -> SemanticModel:
    """Merge ``overlay`` on top of ``catalog``; every name it uses must exist, every SQL must parse."""
    ov = overlay or Overlay()
    fail = functools.partial(overlay_error, ov.source)
    tables = list(catalog.tables)
    for t_ov in ov.tables:
        table = find_table(tuple(tables), t_ov.name)
        if table is None:
            raise fail(f"tables.{t_ov.name}", f"the warehouse has no table named '{t_ov.name}'")
        tables[tables.index(table)] = _merge_table(table, t_ov, fail)
    merged = tuple(tables)
    check = _SqlChecker(merged, catalog.dialect, fail)
    relationships = list(catalog.relationships)
    for i, rel in enumerate(ov.relationships):
        canonical = check.relationship(rel, f"relationships[{i}]")
        if not any(_same_join(canonical, r) for r in relationships):
            relationships.append(canonical)
    metrics = tuple(check.metric(m, f"metrics[{i}]") for i, m in enumerate(ov.metrics))
    filters = tuple(check.filter(f, f"filters[{i}]") for i, f in enumerate(ov.filters))
    merged = tuple(_with_defaults(t, ov, filters, check) for t in merged)
    for kind, named in (("metrics", metrics), ("filters", filters)):
        seen = [n.name.lower() for n in named]
        if dup := next((n for n in seen if seen.count(n) > 1), None):
            raise fail(kind, f"the name '{dup}' is used twice")
    for i, q in enumerate(ov.verified_queries):
        check.query(q.sql, f"verified_queries[{i}].sql")
    return SemanticModel(
        tables=merged, relationships=tuple(relationships), metrics=metrics, filters=filters,
        instructions=ov.instructions, verified_queries=ov.verified_queries, dialect=catalog.dialect,
        name=ov.name or "warehouse", description=ov.description, example_questions=ov.example_questions,
        # A business model (an overlay was written) shows the measure behind a ranking or filter, as business
        # users expect; a bare catalog answers only what was asked (Spider's convention).
        answer_columns=ov.answer_columns or ("helpful" if overlay is not None else "asked"),
    )


def _merge_table(table: Table, t_ov: TableOverlay, fail: Any) -> Table:
    columns = list(table.columns)
    for c_ov in t_ov.columns:
        column = table.column(c_ov.name)
        if column is None:
            raise fail(f"tables.{t_ov.name}.columns.{c_ov.name}",
                       f"the table '{table.name}' has no column named '{c_ov.name}'")
        columns[columns.index(column)] = replace(
            column,
            comment=c_ov.description or column.comment,
            synonyms=_union(column.synonyms, c_ov.synonyms),
            sample_values=c_ov.values if c_ov.values is not None else column.sample_values,
            format=c_ov.format or column.format,
            type=c_ov.type or column.type,
            stored_type=column.type if c_ov.type and c_ov.type != column.type else column.stored_type,
        )
    return replace(table, columns=tuple(columns), comment=t_ov.description or table.comment,
                   synonyms=_union(table.synonyms, t_ov.synonyms))


def _with_defaults(table: Table, ov: Overlay, filters: tuple[NamedFilter, ...], check: _SqlChecker) -> Table:
    """The table's ``default_filter`` (a named filter of the same table, or SQL over it) and ``default_date``."""
    t_ov = next((t for t in ov.tables if find_table((table,), t.name) is not None), None)
    if t_ov is None or (t_ov.default_filter is None and t_ov.default_date is None):
        return table
    key = f"tables.{t_ov.name}"
    default = None
    if t_ov.default_filter is not None:
        wanted = t_ov.default_filter.lower()
        default = next((f for f in filters if f.name.lower() == wanted), None)
        if default is not None and default.table.lower() != table.name.lower():
            raise check.fail(f"{key}.default_filter",
                             f"the filter '{default.name}' is over {default.table}, not {table.name}")
        if default is None:
            try:
                check.expression(t_ov.default_filter, (table.name,), f"{key}.default_filter")
            except OverlayError as e:
                known = ", ".join(f.name for f in filters) or "none"
                raise check.fail(f"{key}.default_filter", f"'{t_ov.default_filter}' is neither a named filter "
                                 f"(known: {known}) nor a SQL condition over {table.name}") from e
            default = NamedFilter(f"default {table.name}", t_ov.default_filter, table.name)
    date = None
    if t_ov.default_date is not None:
        date = check.columns(table, (t_ov.default_date,), f"{key}.default_date")[0]
    return replace(table, default_filter=default, default_date=date)


def _union(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    seen = {s.lower() for s in old}
    return old + tuple(s for s in dict.fromkeys(new) if s.lower() not in seen)


def _same_join(a: Relationship, b: Relationship) -> bool:
    key: Callable[[Relationship], tuple[str, tuple[str, ...], str, tuple[str, ...]]] = lambda r: (
        r.from_table.lower(), tuple(c.lower() for c in r.from_columns),
        r.to_table.lower(), tuple(c.lower() for c in r.to_columns))
    return key(a) == key(b)


class _SqlChecker:
    """Checks overlay names and SQL against the merged tables; returns values in the catalog's spelling."""

    def __init__(self, tables: tuple[Table, ...], dialect: str, fail: Any) -> None:
        self.tables, self.dialect, self.fail = tables, dialect, fail

    def table(self, name: str, key: str) -> Table:
        table = find_table(self.tables, name)
        if table is None:
            raise self.fail(key, f"the warehouse has no table named '{name}'")
        return table

    def columns(self, table: Table, names: tuple[str, ...], key: str) -> tuple[str, ...]:
        found = tuple(table.column(n) for n in names)
        if missing := next((n for n, c in zip(names, found) if c is None), None):
            raise self.fail(key, f"the table '{table.name}' has no column named '{missing}'")
        return tuple(c.name for c in found if c)

    def relationship(self, rel: Relationship, key: str) -> Relationship:
        src, dst = self.table(rel.from_table, f"{key}.from"), self.table(rel.to_table, f"{key}.to")
        return Relationship(src.name, self.columns(src, rel.from_columns, f"{key}.from_columns"),
                            dst.name, self.columns(dst, rel.to_columns, f"{key}.to_columns"), source="overlay")

    def metric(self, m: Metric, key: str) -> Metric:
        table = self.table(m.table, f"{key}.table")
        joins = tuple(self.table(j, f"{key}.joins").name for j in m.joins)
        self.expression(m.sql, (table.name, *joins), f"{key}.sql")
        return replace(m, table=table.name, joins=joins)

    def filter(self, f: NamedFilter, key: str) -> NamedFilter:
        table = self.table(f.table, f"{key}.table")
        self.expression(f.sql, (table.name,), f"{key}.sql")
        return replace(f, table=table.name)

    def parse(self, sql: str, key: str) -> exp.Expr:
        try:
            tree = sqlglot.parse_one(sql, read=self.dialect)
        except sqlglot.errors.SqlglotError as e:
            raise self.fail(key, f"the SQL does not parse ({str(e).splitlines()[0][:120]})") from e
        if tree is None:
            raise self.fail(key, "the SQL is empty")
        return tree

    def expression(self, sql: str, scope: tuple[str, ...], key: str) -> None:
        """Columns of a metric or filter expression must exist in its table, its joins or a subquery's tables."""
        tree = self.parse(sql, key)
        aliases = {a.name.lower() for a in tree.find_all(exp.TableAlias)}
        in_scope = [self.table(n, key) for n in scope]
        in_scope += [self.table(t.name, key) for t in tree.find_all(exp.Table) if t.name]
        for col in tree.find_all(exp.Column):
            if not col.name or isinstance(col.this, exp.Star):
                continue
            qualifier = col.table.lower()
            if qualifier and qualifier in aliases:
                continue
            owners = [t for t in in_scope if not qualifier or t.name.lower() == qualifier]
            if qualifier and not owners:
                raise self.fail(key, f"'{col.table}' is not one of the tables {', '.join(scope)}")
            if not any(t.column(col.name) for t in owners):
                raise self.fail(key, f"no column '{col.name}' in {', '.join(sorted({t.name for t in owners}))}")

    def query(self, sql: str, key: str) -> None:
        """A verified query must name only known tables and, where sqlglot can tell, known columns."""
        tree = self.parse(sql, key)
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        for t in tree.find_all(exp.Table):
            if t.name and t.name.lower() not in ctes:
                self.table(t.name, key)
        schema: dict[str, object] = {t.name: {c.name: "TEXT" for c in t.columns} for t in self.tables}
        bare = tree.copy()
        for t in bare.find_all(exp.Table):                       # the schema mapping is one level deep
            t.set("db", None)
            t.set("catalog", None)
        try:
            qualify(bare, schema=schema, dialect=self.dialect, validate_qualify_columns=True)
        except sqlglot.errors.OptimizeError as e:
            raise self.fail(key, f"the SQL does not fit the warehouse ({str(e).splitlines()[0][:160]})") from e
        except Exception:  # sqlglot cannot analyse every construct; the guard checks again before running
            return
