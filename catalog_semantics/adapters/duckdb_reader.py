"""Read a DuckDB database's catalog: tables, views, columns, comments, keys, row counts, sample values.

Only read-only statements run (DuckDB's ``duckdb_*()`` metadata functions and SELECTs). Sampling is
bounded so that reading stays fast on large tables: distinct counts and values are taken over at most
``scan_rows`` rows of each table (on a bigger table a rare category may be missed; the overlay can
list values explicitly). Views are read like tables but are not counted.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from catalog_semantics.errors import CatalogError
from catalog_semantics.model import Catalog, Column, Relationship, Table, TableKind
from catalog_semantics.text import clean_sample_values, is_text_type

if TYPE_CHECKING:
    import duckdb

_SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")
_SCAN_ROWS = 200_000


def read_duckdb_catalog(
    con: "duckdb.DuckDBPyConnection",
    *,
    schema: str | None = None,
    value_limit: int = 50,
    max_distinct: int = 60,
    scan_rows: int = _SCAN_ROWS,
    vocabulary_limit: int = 1_000,
) -> Catalog:
    """The catalog of the connection's current database (one schema if ``schema`` is given).

    Text columns of at most ``max_distinct`` values get ``sample_values``; those of up to ``vocabulary_limit``
    (0: none) get ``value_vocabulary``, the values whole-catalog linking matches but nothing shows."""
    import duckdb

    try:
        return _read(con, schema, value_limit, max_distinct, scan_rows, vocabulary_limit)
    except duckdb.Error as e:
        raise CatalogError(
            "The DuckDB catalog could not be read.", hint=f"Check the database file opens in DuckDB ({type(e).__name__})."
        ) from e


def _read(con: "duckdb.DuckDBPyConnection", schema: str | None, value_limit: int, max_distinct: int,
          scan_rows: int, vocabulary_limit: int) -> Catalog:
    where = "database_name = current_database() AND NOT internal AND schema_name NOT IN (?, ?)"
    params: list[object] = list(_SYSTEM_SCHEMAS)
    if schema is not None:
        where += " AND lower(schema_name) = lower(?)"
        params.append(schema)
    objects = con.execute(
        f"SELECT schema_name, table_name, comment, 'table' FROM duckdb_tables() WHERE {where} "
        f"UNION ALL SELECT schema_name, view_name, comment, 'view' FROM duckdb_views() WHERE {where} "
        "ORDER BY 1, 2",
        params + params,
    ).fetchall()
    columns: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for row in con.execute(
        "SELECT schema_name, table_name, column_name, data_type, comment, is_nullable FROM duckdb_columns() "
        f"WHERE {where} ORDER BY schema_name, table_name, column_index",
        params,
    ).fetchall():
        columns[(row[0], row[1])].append(row[2:])
    keys = con.execute(
        "SELECT schema_name, table_name, constraint_type, constraint_column_names, referenced_table, "
        f"referenced_column_names FROM duckdb_constraints() WHERE {where.replace('AND NOT internal ', '')} "
        "AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY') ORDER BY schema_name, table_name, constraint_index",
        params,
    ).fetchall()
    primary: dict[tuple[str, str], tuple[str, ...]] = {}
    relationships: list[Relationship] = []
    for sch, name, kind, cols, ref_table, ref_cols in keys:
        if kind == "PRIMARY KEY":
            primary[(sch, name)] = tuple(cols)
        elif ref_table:
            relationships.append(Relationship(name, tuple(cols), ref_table, tuple(ref_cols)))
    tables = tuple(
        t for sch, name, comment, kind in objects
        if (t := _table(con, sch, name, comment, kind, columns[(sch, name)], primary.get((sch, name), ()),
                        value_limit, (max_distinct, vocabulary_limit), scan_rows)) is not None
    )
    return Catalog(tables=tables, relationships=tuple(relationships), dialect="duckdb")


def _table(con: "duckdb.DuckDBPyConnection", sch: str, name: str, comment: str | None, kind: TableKind,
           raw_columns: list[tuple[Any, ...]], pk: tuple[str, ...], value_limit: int, distinct: tuple[int, int],
           scan_rows: int) -> Table | None:
    """One table or view; None for a view that no longer binds (its base table was dropped): unusable."""
    import duckdb

    source = f"{_quote(sch)}.{_quote(name)}"
    text_columns = [c[0] for c in raw_columns if is_text_type(c[1])]
    try:
        row_count = _one_row(con.execute(f"SELECT count(*) FROM {source}").fetchone())[0] if kind == "table" else None
        if kind == "view":
            con.execute(f"SELECT * FROM {source} LIMIT 0").fetchall()
    except duckdb.Error:
        return None
    try:
        values, vocabulary = _sample_values(con, source, text_columns, value_limit, distinct, scan_rows) \
            if text_columns else ({}, {})
        repeats = _repeats(con, source, text_columns, scan_rows) if text_columns else {}
    except duckdb.Error:                         # e.g. a view whose query fails on some rows: no hints, still listed
        values, vocabulary, repeats = {}, {}, {}
    pk_lower = {p.lower() for p in pk}
    cols = tuple(
        Column(
            name=col,
            type=_type_name(dtype),
            comment=ccomment or None,
            sample_values=values.get(col, ()),
            value_vocabulary=vocabulary.get(col, ()),
            nullable=bool(nullable) and col.lower() not in pk_lower,
            is_primary_key=col.lower() in pk_lower,
            repeats=repeats.get(col),
        )
        for col, dtype, ccomment, nullable in raw_columns
    )
    return Table(name=name, columns=cols, comment=comment or None, primary_key=pk, schema=sch, kind=kind,
                 row_count=row_count)


Values = dict[str, tuple[str, ...]]


def _sample_values(con: "duckdb.DuckDBPyConnection", source: str, text_columns: list[str], value_limit: int,
                   distinct: tuple[int, int], scan_rows: int) -> tuple[Values, Values]:
    """Distinct values of each low-cardinality text column (samples), and of each column of up to the vocabulary
    limit's distinct values (vocabulary), in two scans of a bounded slice of the table."""
    max_distinct, vocabulary_limit = distinct
    most = max(max_distinct, vocabulary_limit)
    scan = f"(SELECT * FROM {source} LIMIT {int(scan_rows)})"
    # HyperLogLog estimates are cheap and within a few percent: they pick the candidates, the lists decide.
    counts = _one_row(con.execute(
        "SELECT " + ", ".join(f"approx_count_distinct({_quote(c)})" for c in text_columns) + f" FROM {scan}"
    ).fetchone())
    wanted = [c for c, n in zip(text_columns, counts) if 0 < n <= most * 1.25 + 2]
    if not wanted:
        return {}, {}
    # One pass: each candidate column's distinct values as a list, cast so ENUMs come back as text.
    lists = _one_row(con.execute(
        "SELECT " + ", ".join(f"list(DISTINCT CAST({_quote(c)} AS VARCHAR))" for c in wanted) + f" FROM {scan}"
    ).fetchone())
    samples = {c: clean_sample_values(v, value_limit) for c, v in zip(wanted, lists) if v and len(v) <= max_distinct}
    vocabulary = {c: clean_sample_values(v, vocabulary_limit) for c, v in zip(wanted, lists)
                  if v and max_distinct < len(v) <= vocabulary_limit}
    return samples, vocabulary


def _repeats(con: "duckdb.DuckDBPyConnection", source: str, text_columns: list[str],
             scan_rows: int) -> dict[str, bool | None]:
    """Whether each text column holds a value twice (exact counts, over the same bounded slice): a repeat seen
    is certain; none seen says the values are unique only when the slice was the whole table (else None)."""
    scan = f"(SELECT * FROM {source} LIMIT {int(scan_rows)})"
    row = _one_row(con.execute(
        "SELECT count(*), " + ", ".join(f"count({_quote(c)}) - count(DISTINCT {_quote(c)})" for c in text_columns)
        + f" FROM {scan}").fetchone())
    whole = row[0] < scan_rows
    return {c: True if extra else (False if whole else None) for c, extra in zip(text_columns, row[1:])}


def _type_name(data_type: str) -> str:
    """Upper-cased type; an ENUM's member list is dropped (its members become sample values)."""
    return "ENUM" if data_type.upper().startswith("ENUM(") else data_type.upper()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _one_row(row: tuple[Any, ...] | None) -> tuple[Any, ...]:
    """The row of an aggregate without GROUP BY: DuckDB always returns exactly one.

    >>> _one_row((3,))
    (3,)
    """
    if row is None:
        raise CatalogError("DuckDB returned no row for an aggregate query")
    return row
