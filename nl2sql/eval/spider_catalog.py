"""Spider's schemas as one warehouse: every ``tables.json`` database a schema of a single catalog.

``build_catalog_warehouse(spider, path)`` writes a DuckDB file with one schema per Spider database: the
rows copied in for the databases shipped with a SQLite file, empty tables for the rest. It is built into
``NL2SQL_DATA_DIR`` (or a temp dir) and never committed. ``catalog_model(spider, warehouse)`` is the
semantic model a whole-catalog question is linked against: tables, keys and joins from ``tables.json``,
sample values read from the warehouse. Table names are prefixed by their schema (``concert_singer__singer``)
because the render, planner and guard look tables up by bare name, and Spider reuses names across
databases (``singer``, ``people``); ``catalog_table_name`` makes that name from a gold table.

``copies > 1`` adds renamed copies (the 10x synthetic variant): each copy maps every identifier word
through its own fixed permutation of the catalog's vocabulary (among words of similar frequency, by default),
so the copies have the shape and word statistics of real schemas but say different things, and a question's
gold tables stay unambiguous.
"""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from catalog_semantics.model import Relationship, SemanticModel, Table
from catalog_semantics.spider import catalog_from_spider
from catalog_semantics.text import words

_DUCK_TYPES = {"TEXT": "VARCHAR", "NUMERIC": "DOUBLE", "DATETIME": "VARCHAR", "BOOLEAN": "BOOLEAN"}
SEPARATOR = "__"
Rename = Literal["banded", "uniform"]


def catalog_table_name(db_id: str, table: str) -> str:
    """The whole-catalog name of a Spider table.

    >>> catalog_table_name("concert_singer", "singer")
    'concert_singer__singer'
    """
    return f"{db_id}{SEPARATOR}{table}"


def spider_entries(spider: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads((spider / "tables.json").read_text(encoding="utf-8"))
    return entries


def build_catalog_warehouse(spider: Path, path: Path) -> Path:
    """The DuckDB warehouse (rebuilt when absent or older than ``tables.json``); returns ``path``."""
    import duckdb

    if path.exists() and path.stat().st_mtime >= (spider / "tables.json").stat().st_mtime:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for entry in spider_entries(spider):
            db_id = entry["db_id"]
            con.execute(f'CREATE SCHEMA "{db_id}"')
            sqlite_file = spider / "database" / db_id / f"{db_id}.sqlite"
            if sqlite_file.exists():
                _copy_sqlite(con, db_id, sqlite_file)
            else:
                for table in catalog_from_spider(entry).tables:
                    cols = ", ".join(f'"{c.name}" {_DUCK_TYPES.get(c.type, "VARCHAR")}' for c in table.columns)
                    con.execute(f'CREATE TABLE "{db_id}"."{table.name}" ({cols})')
    finally:
        con.close()
    tmp.replace(path)
    return path


def _copy_sqlite(con: Any, db_id: str, sqlite_file: Path) -> None:
    """Each table's rows as DuckDB columns: numbers when every value is one, text otherwise (Spider is untidy)."""
    import pyarrow as pa

    src = sqlite3.connect(f"file:{sqlite_file}?mode=ro", uri=True)
    src.text_factory = lambda b: b.decode("utf-8", errors="replace")
    try:
        names = [r[0] for r in src.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for name in names:
            cur = src.execute(f'SELECT * FROM "{name}"')
            header = [d[0] for d in cur.description]
            rows = cur.fetchall()
            arrays = {}
            for i, col in enumerate(header):
                values = [r[i] for r in rows]
                kinds = {type(v) for v in values if v is not None}
                if kinds and kinds <= {int}:
                    arrays[col] = pa.array(values, pa.int64())
                elif kinds and kinds <= {int, float}:
                    arrays[col] = pa.array([None if v is None else float(v) for v in values], pa.float64())
                else:
                    arrays[col] = pa.array([None if v is None else str(v) for v in values], pa.string())
            data = pa.table(arrays) if header else None  # noqa: F841  (read by DuckDB's replacement scan)
            con.execute(f'CREATE TABLE "{db_id}"."{name}" AS SELECT * FROM data')
    finally:
        src.close()


def catalog_model(spider: Path, warehouse: Path | None = None, *, copies: int = 1, seed: int = 16,
                  rename: Rename = "banded") -> SemanticModel:
    """Every Spider schema as one model (names prefixed by schema), sample values from ``warehouse``."""
    values = _warehouse_values(warehouse) if warehouse is not None else {}
    tables: list[Table] = []
    relationships: list[Relationship] = []
    for entry in spider_entries(spider):
        db_id = entry["db_id"]
        catalog = catalog_from_spider(entry)
        for t in catalog.tables:
            columns = tuple(replace(c, sample_values=values.get(key, ((), ()))[0],
                                    value_vocabulary=values.get(key, ((), ()))[1])
                            for c in t.columns for key in [(db_id.lower(), t.name.lower(), c.name.lower())])
            tables.append(replace(t, name=catalog_table_name(db_id, t.name), columns=columns, schema=db_id))
        relationships += [replace(r, from_table=catalog_table_name(db_id, r.from_table),
                                  to_table=catalog_table_name(db_id, r.to_table)) for r in catalog.relationships]
    model = SemanticModel(tuple(tables), tuple(relationships), dialect="duckdb", name="spider_catalog")
    return _with_copies(model, copies, seed, rename) if copies > 1 else model


def _warehouse_values(path: Path) -> dict[tuple[str, str, str], tuple[tuple[str, ...], tuple[str, ...]]]:
    """(schema, table, column) -> (sample values, value vocabulary), as the DuckDB reader reads them."""
    import duckdb

    from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog

    with duckdb.connect(str(path), read_only=True) as con:
        catalog = read_duckdb_catalog(con)
    return {((t.schema or "").lower(), t.name.lower(), c.name.lower()): (c.sample_values, c.value_vocabulary)
            for t in catalog.tables for c in t.columns if c.sample_values or c.value_vocabulary}


def _with_copies(model: SemanticModel, copies: int, seed: int, rename: Rename) -> SemanticModel:
    """The model plus ``copies - 1`` renamed copies (identifier words permuted per copy, values kept).

    ``banded``: a word trades places only with words about as frequent (bands of 50 by how many tables use it),
    so a copy keeps the shape of real schemas: common column words ('id', 'name') stay among common words and a
    table is still named by a rare one. ``uniform``: any word for any other ('number' can name a table).
    """
    frequency: dict[str, int] = {}
    for t in model.tables:
        for w in {w for n in (t.name.split(SEPARATOR, 1)[1], *(c.name for c in t.columns)) for w in words(n)}:
            frequency[w] = frequency.get(w, 0) + 1
    vocabulary = sorted(frequency, key=lambda w: (-frequency[w], w))
    band = 50 if rename == "banded" else len(vocabulary)
    tables = list(model.tables)
    relationships = list(model.relationships)
    for k in range(1, copies):
        rng = random.Random(seed * 1000 + k)
        mapping: dict[str, str] = {}
        for start in range(0, len(vocabulary), band):
            chunk = vocabulary[start:start + band]
            shuffled = chunk[:]
            rng.shuffle(shuffled)
            mapping.update(zip(chunk, shuffled))

        def swap(name: str) -> str:
            return "_".join(mapping.get(w, w) for w in words(name)) or name

        renamed: dict[str, str] = {}
        for t in model.tables:
            schema, bare = t.name.split(SEPARATOR, 1)
            new_schema = f"{swap(schema)}_{k}"
            new_name = catalog_table_name(new_schema, swap(bare))
            while new_name.lower() in renamed.values():
                new_name += "_x"
            renamed[t.name] = new_name
            col_names: dict[str, str] = {}
            cols = []
            for c in t.columns:
                cn = swap(c.name)
                while cn.lower() in col_names.values():
                    cn += "_x"
                col_names[c.name] = cn.lower()
                cols.append(replace(c, name=cn))
            tables.append(replace(t, name=new_name, schema=new_schema, columns=tuple(cols),
                                  primary_key=tuple(swap(p) for p in t.primary_key)))
        for r in model.relationships:
            relationships.append(Relationship(renamed[r.from_table], tuple(swap(c) for c in r.from_columns),
                                              renamed[r.to_table], tuple(swap(c) for c in r.to_columns)))
    return replace(model, tables=tuple(tables), relationships=tuple(relationships))
