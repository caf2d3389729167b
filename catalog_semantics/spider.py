"""A Catalog from Spider's ``tables.json`` entry: for benchmark databases shipped without data (wta_1).

Spider describes each database with parallel lists (see the benchmark's MANIFEST): table names, columns as
``[table_index, name]`` pairs (index -1 is ``*``), coarse column types, primary keys and foreign keys as
column indices. There are no comments and no values; reading the SQLite file, when there is one, gives more.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from catalog_semantics.errors import CatalogError
from catalog_semantics.model import Catalog, Column, Relationship, Table

_TYPES = {"text": "TEXT", "number": "NUMERIC", "time": "DATETIME", "boolean": "BOOLEAN", "others": "TEXT"}


def catalog_from_spider(entry: dict[str, Any]) -> Catalog:
    """One ``tables.json`` entry as a Catalog (SQLite dialect), without SQLite's own ``sqlite_*`` tables.

    >>> cat = catalog_from_spider({"db_id": "x", "table_names_original": ["A", "B"],
    ...     "column_names_original": [[-1, "*"], [0, "id"], [1, "a_id"]], "column_types": ["text", "number", "number"],
    ...     "primary_keys": [1], "foreign_keys": [[2, 1]]})
    >>> [t.name for t in cat.tables], cat.table("A").primary_key, cat.relationships[0].to_table
    (['A', 'B'], ('id',), 'A')
    """
    try:
        names: list[str] = entry["table_names_original"]
        columns: list[tuple[int, str]] = [(int(i), str(n)) for i, n in entry["column_names_original"]]
        types: list[str] = entry["column_types"]
        pk_indices = _flatten(entry.get("primary_keys", []))
        fks = [(int(a), int(b)) for a, b in entry.get("foreign_keys", [])]
    except (KeyError, TypeError, ValueError) as e:
        raise CatalogError(f"The Spider schema entry {entry.get('db_id', '?')!r} is malformed ({e}).") from e
    pk_cols = {i for i in pk_indices if 0 <= i < len(columns)}
    tables = []
    internal = {i for i, n in enumerate(names) if n.lower().startswith("sqlite_")}   # e.g. sqlite_sequence
    for t_index, t_name in enumerate(names):
        if t_index in internal:
            continue
        cols = tuple(
            Column(name=c_name, type=_TYPES.get(types[i], "TEXT"), is_primary_key=i in pk_cols, nullable=i not in pk_cols)
            for i, (owner, c_name) in enumerate(columns) if owner == t_index
        )
        pk = tuple(c.name for c in cols if c.is_primary_key)
        tables.append(Table(name=t_name, columns=cols, primary_key=pk))
    relationships = []
    for a, b in fks:
        if not (0 <= a < len(columns) and 0 <= b < len(columns)) or min(columns[a][0], columns[b][0]) < 0:
            continue
        if {columns[a][0], columns[b][0]} & internal:
            continue
        rel = Relationship(names[columns[a][0]], (columns[a][1],), names[columns[b][0]], (columns[b][1],))
        if rel not in relationships:
            relationships.append(rel)
    return Catalog(tables=tuple(tables), relationships=tuple(relationships), dialect="sqlite")


def load_spider_catalogs(tables_json: str | Path) -> dict[str, Catalog]:
    """Every database of a Spider ``tables.json``, by ``db_id``."""
    try:
        entries = json.loads(Path(tables_json).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CatalogError(f"The Spider schema file {tables_json} could not be read ({e}).") from e
    return {e["db_id"]: catalog_from_spider(e) for e in entries}


def _flatten(values: list[Any]) -> list[int]:
    """Spider's primary_keys hold column indices, or lists of them for composite keys in later releases."""
    out: list[int] = []
    for v in values:
        out += [int(x) for x in v] if isinstance(v, list) else [int(v)]
    return out
