"""The YAML overlay (docs/overlay.md): parsed into frozen values, then merged on top of a catalog.

Strict on purpose: an unknown key (a typo like ``synonym:``), a wrong type, or a table, column or
SQL expression naming something the catalog lacks is an ``OverlayError`` that names the file and
the key, because a silently ignored overlay line is a wrong answer later. ``apply_overlay`` only
replaces (descriptions, values) and appends (synonyms, relationships, metrics, ...); it never invents.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify

from catalog_semantics.errors import OverlayError
from catalog_semantics.model import (
    Catalog, Metric, NamedFilter, Relationship, SemanticModel, Table, VerifiedQuery, find_table,
)


@dataclass(frozen=True)
class ColumnOverlay:
    name: str
    description: str | None = None
    synonyms: tuple[str, ...] = ()
    values: tuple[str, ...] | None = None       # None: keep the values read from the data


@dataclass(frozen=True)
class TableOverlay:
    name: str
    description: str | None = None
    synonyms: tuple[str, ...] = ()
    columns: tuple[ColumnOverlay, ...] = ()


@dataclass(frozen=True)
class Overlay:
    """One overlay file as values; names are as written (checked against the catalog when applied)."""

    source: str = "<overlay>"                   # the file it came from, for error messages
    name: str | None = None
    description: str | None = None
    instructions: tuple[str, ...] = ()
    example_questions: tuple[str, ...] = ()
    tables: tuple[TableOverlay, ...] = ()
    relationships: tuple[Relationship, ...] = ()
    metrics: tuple[Metric, ...] = ()
    filters: tuple[NamedFilter, ...] = ()
    verified_queries: tuple[VerifiedQuery, ...] = ()


_TOP_KEYS = {"name", "description", "instructions", "example_questions", "tables", "relationships", "metrics",
             "filters", "verified_queries"}


def load_overlay(path: str | Path) -> Overlay:
    """Read and check one overlay file; ``OverlayError`` names the file and the offending key."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise OverlayError(f"The overlay file {source} could not be read ({e.strerror}).") from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise OverlayError(f"The overlay file {source} is not valid YAML{where}.",
                           hint="Check the indentation and quoting near that line.") from e
    return parse_overlay(data if data is not None else {}, source=source)


def parse_overlay(data: object, *, source: str = "<overlay>") -> Overlay:
    """Check an already-loaded YAML document and turn it into an ``Overlay``."""
    r = _Reader(source)
    top = r.mapping(data, "", _TOP_KEYS)
    return Overlay(
        source=source,
        name=r.text(top.get("name"), "name"),
        description=r.text(top.get("description"), "description"),
        instructions=r.texts(top.get("instructions"), "instructions"),
        example_questions=r.texts(top.get("example_questions"), "example_questions"),
        tables=tuple(r.table(name, body, f"tables.{name}")
                     for name, body in r.mapping(top.get("tables") or {}, "tables", None).items()),
        relationships=tuple(r.relationship(x, f"relationships[{i}]")
                            for i, x in enumerate(r.items(top.get("relationships"), "relationships"))),
        metrics=tuple(r.metric(x, f"metrics[{i}]") for i, x in enumerate(r.items(top.get("metrics"), "metrics"))),
        filters=tuple(r.filter(x, f"filters[{i}]") for i, x in enumerate(r.items(top.get("filters"), "filters"))),
        verified_queries=tuple(r.verified(x, f"verified_queries[{i}]")
                               for i, x in enumerate(r.items(top.get("verified_queries"), "verified_queries"))),
    )


class _Reader:
    """Typed access to the YAML tree; every failure names the file and the dotted key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> OverlayError:
        where = f" at '{key}'" if key else ""
        return OverlayError(f"The overlay file {self.source} is invalid{where}: {problem}.",
                            hint="See docs/overlay.md for the expected keys.")

    def mapping(self, value: object, key: str, allowed: set[str] | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "expected a mapping of keys to values")
        for k in value:
            if not isinstance(k, str):
                raise self.fail(key, f"key {k!r} must be a name")
            if allowed is not None and k not in allowed:
                raise self.fail(f"{key}.{k}".lstrip("."), f"unknown key (expected one of {', '.join(sorted(allowed))})")
        return value

    def items(self, value: object, key: str) -> list[object]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, "expected a list")
        return value

    def text(self, value: object, key: str, *, required: bool = False) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(key, "a value is required")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(key, "expected a text value")
        return str(value).strip()

    def texts(self, value: object, key: str) -> tuple[str, ...]:
        """A list of strings; a single string counts as a list of one (a common YAML slip)."""
        if value is None:
            return ()
        values = [value] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else value
        if not isinstance(values, list):
            raise self.fail(key, "expected a list of text values")
        return tuple(t for i, v in enumerate(values) if (t := self.text(v, f"{key}[{i}]")) is not None)

    def table(self, name: str, body: object, key: str) -> TableOverlay:
        t = self.mapping(body or {}, key, {"description", "synonyms", "columns"})
        columns = self.mapping(t.get("columns") or {}, f"{key}.columns", None)
        return TableOverlay(
            name=name,
            description=self.text(t.get("description"), f"{key}.description"),
            synonyms=self.texts(t.get("synonyms"), f"{key}.synonyms"),
            columns=tuple(self.column(c, body, f"{key}.columns.{c}") for c, body in columns.items()),
        )

    def column(self, name: str, body: object, key: str) -> ColumnOverlay:
        c = self.mapping(body or {}, key, {"description", "synonyms", "values"})
        return ColumnOverlay(
            name=name,
            description=self.text(c.get("description"), f"{key}.description"),
            synonyms=self.texts(c.get("synonyms"), f"{key}.synonyms"),
            values=self.texts(c.get("values"), f"{key}.values") if "values" in c else None,
        )

    def relationship(self, value: object, key: str) -> Relationship:
        r = self.mapping(value, key, {"from", "from_columns", "to", "to_columns"})
        rel = Relationship(
            from_table=self.text(r.get("from"), f"{key}.from", required=True) or "",
            from_columns=self.texts(r.get("from_columns"), f"{key}.from_columns"),
            to_table=self.text(r.get("to"), f"{key}.to", required=True) or "",
            to_columns=self.texts(r.get("to_columns"), f"{key}.to_columns"),
            source="overlay",
        )
        if not rel.from_columns or len(rel.from_columns) != len(rel.to_columns):
            raise self.fail(key, "from_columns and to_columns must be non-empty lists of the same length")
        return rel

    def metric(self, value: object, key: str) -> Metric:
        m = self.mapping(value, key, {"name", "sql", "table", "description", "synonyms", "joins", "format"})
        return Metric(
            name=self.text(m.get("name"), f"{key}.name", required=True) or "",
            sql=self.text(m.get("sql"), f"{key}.sql", required=True) or "",
            table=self.text(m.get("table"), f"{key}.table", required=True) or "",
            description=self.text(m.get("description"), f"{key}.description"),
            synonyms=self.texts(m.get("synonyms"), f"{key}.synonyms"),
            joins=self.texts(m.get("joins"), f"{key}.joins"),
            format=self.text(m.get("format"), f"{key}.format"),
        )

    def filter(self, value: object, key: str) -> NamedFilter:
        f = self.mapping(value, key, {"name", "sql", "table", "description", "synonyms"})
        return NamedFilter(
            name=self.text(f.get("name"), f"{key}.name", required=True) or "",
            sql=self.text(f.get("sql"), f"{key}.sql", required=True) or "",
            table=self.text(f.get("table"), f"{key}.table", required=True) or "",
            description=self.text(f.get("description"), f"{key}.description"),
            synonyms=self.texts(f.get("synonyms"), f"{key}.synonyms"),
        )

    def verified(self, value: object, key: str) -> VerifiedQuery:
        q = self.mapping(value, key, {"question", "sql", "alternates", "description"})
        return VerifiedQuery(
            question=self.text(q.get("question"), f"{key}.question", required=True) or "",
            sql=self.text(q.get("sql"), f"{key}.sql", required=True) or "",
            alternates=self.texts(q.get("alternates"), f"{key}.alternates"),
            description=self.text(q.get("description"), f"{key}.description"),
        )


# ----------------------------------------------------------------------------------------------- merge

def model_from_catalog(catalog: Catalog) -> SemanticModel:
    """The semantic model of a catalog alone (no overlay)."""
    return apply_overlay(catalog, None)


def apply_overlay(catalog: Catalog, overlay: Overlay | None) -> SemanticModel:
    """Merge ``overlay`` on top of ``catalog``; every name it uses must exist, every SQL must parse."""
    ov = overlay or Overlay()
    fail = _Reader(ov.source).fail
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
        )
    return replace(table, columns=tuple(columns), comment=t_ov.description or table.comment,
                   synonyms=_union(table.synonyms, t_ov.synonyms))


def _union(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    seen = {s.lower() for s in old}
    return old + tuple(s for s in dict.fromkeys(new) if s.lower() not in seen)


def _same_join(a: Relationship, b: Relationship) -> bool:
    key = lambda r: (r.from_table.lower(), tuple(c.lower() for c in r.from_columns),  # noqa: E731
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

    def parse(self, sql: str, key: str) -> exp.Expression:
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
        schema = {t.name: {c.name: "TEXT" for c in t.columns} for t in self.tables}
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
