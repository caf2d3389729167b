"""Read any SQLAlchemy database's catalog (SQLite, PostgreSQL, ...) through ``sqlalchemy.inspect``.

Real-world schemas are untidy (Spider's SQLite files have foreign keys to missing columns, tables
named with spaces, mixed-case names, columns without a declared type), so each piece is read on its
own: a table whose keys cannot be read still gets its columns, a foreign key that names something
absent is dropped, and a column that cannot be sampled simply has no value hints.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from catalog_semantics.errors import CatalogError
from catalog_semantics.model import Catalog, Column, Relationship, Table, TableKind
from catalog_semantics.text import clean_sample_values, is_text_type

if TYPE_CHECKING:
    import sqlalchemy

_DIALECTS = {"postgresql": "postgres", "mssql": "tsql", "sqlite": "sqlite", "mysql": "mysql", "oracle": "oracle"}
_SCAN_ROWS = 200_000


def read_sqlalchemy_catalog(
    engine_or_connection: "sqlalchemy.engine.Engine | sqlalchemy.engine.Connection",
    *,
    schema: str | None = None,
    value_limit: int = 50,
    max_distinct: int = 60,
    scan_rows: int = _SCAN_ROWS,
) -> Catalog:
    """The catalog of one schema (the default one if ``schema`` is None); read-only statements only."""
    import sqlalchemy as sa

    try:
        if isinstance(engine_or_connection, sa.engine.Connection):
            return _read(engine_or_connection, schema, value_limit, max_distinct, scan_rows)
        with engine_or_connection.connect() as conn:
            return _read(conn, schema, value_limit, max_distinct, scan_rows)
    except sa.exc.SQLAlchemyError as e:
        raise CatalogError(
            "The database catalog could not be read.", hint=f"Check the connection URL and permissions ({type(e).__name__})."
        ) from e


def sqlglot_dialect(sqlalchemy_dialect_name: str) -> str:
    """sqlglot's name for an SQLAlchemy dialect.

    >>> sqlglot_dialect("postgresql"), sqlglot_dialect("sqlite")
    ('postgres', 'sqlite')
    """
    return _DIALECTS.get(sqlalchemy_dialect_name, sqlalchemy_dialect_name)


def _read(conn: "sqlalchemy.engine.Connection", schema: str | None, value_limit: int, max_distinct: int,
          scan_rows: int) -> Catalog:
    import sqlalchemy as sa

    inspector = sa.inspect(conn)
    names: list[tuple[str, TableKind]] = [(n, "table") for n in sorted(inspector.get_table_names(schema=schema))]
    names += [(n, "view") for n in sorted(_safe(conn, lambda: inspector.get_view_names(schema=schema), []))]
    tables: list[Table] = []
    foreign_keys: list[tuple[str, dict[str, Any]]] = []
    for name, kind in names:
        raw_columns = _safe(conn, lambda: inspector.get_columns(name, schema=schema), [])
        if not raw_columns or (kind == "view" and not _binds(conn, name, schema)):
            continue
        pk = tuple(_safe(conn, lambda: inspector.get_pk_constraint(name, schema=schema), {}).get("constrained_columns") or ())
        comment = _safe(conn, lambda: inspector.get_table_comment(name, schema=schema), {}).get("text")
        foreign_keys += [(name, fk) for fk in _safe(conn, lambda: inspector.get_foreign_keys(name, schema=schema), [])]
        tables.append(_table(conn, name, kind, schema, raw_columns, pk, comment, value_limit, max_distinct,
                             scan_rows))
    return Catalog(tables=tuple(tables), relationships=_relationships(tables, foreign_keys),
                   dialect=sqlglot_dialect(conn.dialect.name))


def _table(conn: "sqlalchemy.engine.Connection", name: str, kind: TableKind, schema: str | None,
           raw_columns: list[dict[str, Any]], pk: tuple[str, ...], comment: str | None, value_limit: int,
           max_distinct: int, scan_rows: int) -> Table:
    import sqlalchemy as sa

    source = sa.table(name, *(sa.column(c["name"]) for c in raw_columns), schema=schema)
    row_count = _safe(conn, lambda: conn.execute(sa.select(sa.func.count()).select_from(source)).scalar(), None)
    pk_lower = {p.lower() for p in pk}
    repeats = _repeats(conn, source, [c["name"] for c in raw_columns if is_text_type(_type_name(c.get("type")))],
                       scan_rows)
    columns = []
    for c in raw_columns:
        type_name = _type_name(c.get("type"))
        values: tuple[str, ...] = ()
        # SQLite columns declared without a type (NULL) may hold text: sample them, keep only strings.
        if is_text_type(type_name) or type_name in ("", "NULL"):
            values = _sample(conn, source, c["name"], value_limit, max_distinct, scan_rows)[0]
        columns.append(Column(
            name=c["name"], type=type_name, comment=c.get("comment") or None, sample_values=values,
            nullable=bool(c.get("nullable", True)) and c["name"].lower() not in pk_lower,
            is_primary_key=c["name"].lower() in pk_lower, repeats=repeats.get(c["name"]),
        ))
    return Table(name=name, columns=tuple(columns), comment=comment or None, primary_key=pk, schema=schema,
                 kind=kind, row_count=row_count if kind == "table" else None)


def _sample(conn: "sqlalchemy.engine.Connection", source: "sqlalchemy.TableClause", column: str, value_limit: int,
            max_distinct: int, scan_rows: int, vocabulary_limit: int = 0) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Distinct values of a column (over a bounded slice): its samples if it has at most ``max_distinct`` of
    them, else its value vocabulary if it has at most ``vocabulary_limit``, else neither."""
    import sqlalchemy as sa

    most = max(max_distinct, vocabulary_limit)
    scan = sa.select(source.c[column]).limit(scan_rows).subquery()
    query = sa.select(scan.c[column]).where(scan.c[column].is_not(None)).distinct().limit(most + 1)
    rows = _safe(conn, lambda: conn.execute(query).fetchall(), [])
    if not rows or len(rows) > most or not all(isinstance(r[0], str) for r in rows):
        return (), ()
    if len(rows) <= max_distinct:
        return clean_sample_values((r[0] for r in rows), value_limit), ()
    return (), clean_sample_values((r[0] for r in rows), most)


def _repeats(conn: "sqlalchemy.engine.Connection", source: "sqlalchemy.TableClause", text_columns: list[str],
             scan_rows: int) -> dict[str, bool | None]:
    """Whether each text column holds a value twice, by exact counts over a bounded slice (as the DuckDB reader
    reads them): a repeat seen is certain; none seen means unique only when the slice was the whole table."""
    import sqlalchemy as sa

    if not text_columns:
        return {}
    scan = sa.select(*(source.c[c] for c in text_columns)).limit(scan_rows).subquery()
    counts = [sa.func.count(scan.c[c]) - sa.func.count(sa.distinct(scan.c[c])) for c in text_columns]
    row = _safe(conn, lambda: conn.execute(sa.select(sa.func.count(), *counts).select_from(scan)).first(), None)
    if row is None:
        return {}
    whole = row[0] < scan_rows
    return {c: True if extra else (False if whole else None) for c, extra in zip(text_columns, row[1:])}


def sample_sqlalchemy_tables(engine_or_connection: "sqlalchemy.engine.Engine | sqlalchemy.engine.Connection",
                             catalog: Catalog, names: tuple[str, ...], *, value_limit: int = 50,
                             max_distinct: int = 60, vocabulary_limit: int = 1_000,
                             scan_rows: int = _SCAN_ROWS) -> Catalog:
    """The catalog with the values of ``names`` (a question's shortlist; bare or qualified) read again, with
    value vocabularies: text columns of more than ``max_distinct`` and at most ``vocabulary_limit`` distinct
    values keep them, as the DuckDB reader does. One bounded query per text column; other tables untouched."""
    import sqlalchemy as sa

    wanted = {n.lower() for n in names}

    def sampled(conn: "sqlalchemy.engine.Connection", table: Table) -> Table:
        if not wanted & {table.name.lower(), table.qualified_name.lower()}:
            return table
        source = sa.table(table.name, *(sa.column(c.name) for c in table.columns), schema=table.schema)
        columns = []
        for c in table.columns:
            if is_text_type(c.type) or c.type in ("", "NULL"):
                values, vocabulary = _sample(conn, source, c.name, value_limit, max_distinct, scan_rows,
                                             vocabulary_limit)
                c = replace(c, sample_values=values, value_vocabulary=vocabulary)
            columns.append(c)
        return replace(table, columns=tuple(columns))

    try:
        if isinstance(engine_or_connection, sa.engine.Connection):
            return replace(catalog, tables=tuple(sampled(engine_or_connection, t) for t in catalog.tables))
        with engine_or_connection.connect() as conn:
            return replace(catalog, tables=tuple(sampled(conn, t) for t in catalog.tables))
    except sa.exc.SQLAlchemyError as e:
        raise CatalogError("Sample values could not be read.",
                           hint=f"Check the connection and permissions ({type(e).__name__}).") from e


def _binds(conn: "sqlalchemy.engine.Connection", name: str, schema: str | None) -> bool:
    """Whether a view still runs (SQLite keeps views whose tables were dropped; they are unusable)."""
    import sqlalchemy as sa

    probe: sa.Select[Any] = sa.select(sa.literal_column("*")).select_from(sa.table(name, schema=schema)).limit(0)
    return bool(_safe(conn, lambda: conn.execute(probe).fetchall() is not None, False))


def _relationships(tables: list[Table], foreign_keys: list[tuple[str, dict[str, Any]]]) -> tuple[Relationship, ...]:
    """Foreign keys resolved case-insensitively; one naming an absent table or column is dropped."""
    by_name = {t.name.lower(): t for t in tables}
    out: list[Relationship] = []
    for from_name, fk in foreign_keys:
        target = by_name.get(str(fk.get("referred_table") or "").lower())
        source = by_name.get(from_name.lower())
        if target is None or source is None:
            continue
        from_cols = [source.column(c) for c in fk.get("constrained_columns") or ()]
        # "REFERENCES t" without columns means t's primary key.
        to_cols = [target.column(c) for c in (fk.get("referred_columns") or target.primary_key)]
        if not from_cols or len(from_cols) != len(to_cols) or None in from_cols or None in to_cols:
            continue
        rel = Relationship(source.name, tuple(c.name for c in from_cols if c), target.name,
                           tuple(c.name for c in to_cols if c))
        if rel not in out:
            out.append(rel)
    return tuple(out)


def _type_name(sa_type: object) -> str:
    try:
        return str(sa_type).upper() if sa_type is not None else ""
    except Exception:  # some dialect types cannot compile without a dialect; the class name is enough
        return type(sa_type).__name__.upper()


def _safe(conn: "sqlalchemy.engine.Connection", read: Any, default: Any) -> Any:
    """Run one catalog read; an odd object (bad key, unreadable view) yields ``default`` instead of failing all.

    After a failed statement PostgreSQL refuses the rest of the transaction, so it is rolled back
    (harmless: nothing here writes).
    """
    import sqlalchemy as sa

    try:
        return read()
    except sa.exc.SQLAlchemyError:
        conn.rollback()
        return default
    except (NotImplementedError, KeyError, ValueError, TypeError):
        return default
