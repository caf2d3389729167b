"""The values of a question's shortlisted tables, read lazily: link, read those tables' values, link again.

A big catalog is read without sample values (a Unity Catalog scope of thousands of tables: ``unity_bulk``), so a
question that names a value ("orders from Brazil", "the population of Milolo") has nothing to link through. This
step reads the distinct values of the text columns that have none, in the tables ``link`` shortlisted only (the
linked tables, then the rest of their small schemas, at most ``MAX_TABLES``), and links again with them (``link(...,
sampled=)``, on the same index). Nothing else of the catalog is read.

- Bounded: at most ``per_column`` distinct values a column (for linking a column with more keeps none, as the
  readers do: names and codes say nothing a value match could use; the LLM's value index of a big catalog keeps
  the first ``per_column``: ``nl2sql.llm.question_values``), over at most ``SCAN_ROWS`` rows, one query per table (up
  to ``COLUMNS_PER_QUERY`` columns); all reads of one step within ``budget_s``, each statement given what is left.
- Scoped: only tables of the assistant's model (its scope and principal's tables), through the assistant's guard
  policy like every other query; masked columns (Unity Catalog column masks) and metric views are never read.
- Cached per table and catalog version, in memory and on disk (``NL2SQL_DATA_DIR/lazy_values/<key>.json``): the
  key hashes the warehouse (a file's size and modification time; a bulk-read Databricks catalog's version), the
  table's name, columns and types, and the bounds; a file older than a day is read again.
- Never a reason to fail a question: a table whose read fails or runs out of time keeps no values (and is not
  tried again for ``RETRY_AFTER_S``); the question is linked as before, with a note in the log and the trace.
- Values stay on this machine for linking. A prompt shows them only where it shows a catalog's sample values: the
  linked values (and, on a big catalog, the value index's hits: ``read_tables``) in the LLM's hints, with
  NL2SQL_SEND_DATA_TO_LLM on; off, none reaches a prompt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlglot import exp

from catalog_semantics.adapters.unity_reader import MASK_TAG
from catalog_semantics.linking import LinkedSchema
from catalog_semantics.model import SemanticModel, Table
from catalog_semantics.text import clean_sample_values, is_text_type
from nl2sql import tracing
from nl2sql.errors import Nl2SqlError
from nl2sql.guard import GuardPolicy, check
from nl2sql.llm.extract import sqlglot_dialect
from nl2sql.llm.followup import link_conversation
from nl2sql.llm.value_index import Columns, load_cached, store
from nl2sql.ports import Warehouse
from nl2sql.settings import Settings

log = logging.getLogger(__name__)

SCAN_ROWS = 200_000             # rows of a table the DISTINCT looks at (as the catalog readers)
COLUMNS_PER_QUERY = 16          # text columns read by one statement (a UNION ALL branch each)
MAX_DISTINCT = 60               # a column of at most this many values gets them as sample values, as the readers do
VALUE_LIMIT = 50                # sample values kept per column (the readers' ``value_limit``)
MAX_TABLES = 24                 # tables read for one question at most: the linked ones first, then their schemas'
WHOLE_SCHEMA_UP_TO = 20         # a linked table's schema of at most this many tables is read whole
RETRY_AFTER_S = 600.0           # a table whose read failed is not tried again for this long (in this process)
_KEPT_IN_MEMORY = 256           # tables' values held in memory (the disk cache holds the rest)
_FORMAT = 2                     # 2: a column of more than ``per_column`` values keeps what was read (1: none)

History = Sequence[tuple[str, str | None]]
Names = tuple[str, ...]


@dataclass(frozen=True)
class ValueRead:
    """What the step did for one question: the linked schema it hands on, and what it read, for the trace."""

    linked: LinkedSchema
    read: tuple[str, ...] = ()              # tables whose values came from the warehouse
    cached: tuple[str, ...] = ()            # tables whose values came from the cache
    note: str | None = None                 # why some tables' values were not read (none: all were)


@dataclass(frozen=True)
class TableReads:
    """Tables' values as read or cached (``LazyValues.read_tables``), with the same account as ``ValueRead``."""

    values: tuple[tuple[Table, Columns], ...]
    read: Names
    cached: Names
    note: str | None


def needs_values(table: Table) -> tuple[str, ...]:
    """The columns of ``table`` whose values a lazy read would add: text, not masked, holding none yet.

    >>> from catalog_semantics.model import Column
    >>> columns = (Column("a", "VARCHAR"), Column("b", "INT"), Column("c", "TEXT", sample_values=("x",)))
    >>> needs_values(Table("t", columns))
    ('a',)
    """
    if table.kind == "metric_view":                   # read through MEASURE and GROUP BY, never scanned
        return ()
    return tuple(c.name for c in table.columns if is_text_type(c.type) and not c.sample_values
                 and not c.value_vocabulary and MASK_TAG not in c.tags)


def shortlist(model: SemanticModel, linked: LinkedSchema) -> list[Table]:
    """The tables whose values may link the question: the linked ones, best first, then the other tables of their
    schemas of at most ``WHOLE_SCHEMA_UP_TO`` tables (a value often sits in a table the names did not reach: 'Haiti'
    in the addresses of a students schema; a bigger schema's other tables are as likely as any). Tables of the model
    only: its principal's and scope's."""
    order = {t.name: i for i, t in enumerate(linked.tables)}
    by_name = {t.name: t for t in model.tables if t.name in order}
    schemas = list(dict.fromkeys(_schema(by_name[n]) for n in order if n in by_name))
    sizes = Counter(_schema(t) for t in model.tables if _schema(t) in schemas)
    rank = {s: i for i, s in enumerate(s for s in schemas if sizes[s] <= WHOLE_SCHEMA_UP_TO)}
    mates = sorted((t for t in model.tables if t.name not in order and _schema(t) in rank),
                   key=lambda t: rank[_schema(t)])
    return [*sorted(by_name.values(), key=lambda t: order[t.name]), *mates]


def _schema(table: Table) -> tuple[str | None, str | None]:
    return table.catalog, table.schema


def table_values_sql(table: Table, columns: Sequence[str], dialect: str, per_column: int) -> str:
    """One query: rows ``(i, v)``, up to ``per_column + 1`` distinct values of each column (``i``: its position),
    over the first ``SCAN_ROWS`` rows of the table.

    >>> from catalog_semantics.model import Column
    >>> t = Table("towns", (Column("name", "VARCHAR"),), schema="geo")
    >>> table_values_sql(t, ["name"], "duckdb", 9)
    'SELECT 0 AS i, v FROM (SELECT DISTINCT CAST("name" AS TEXT) AS v FROM (SELECT "name" FROM "geo"."towns" LIMIT 200000) AS s0 WHERE NOT "name" IS NULL LIMIT 10) AS d0'
    """
    source = exp.table_(table.name, db=table.schema, catalog=table.catalog, quoted=True)
    query: exp.Query | None = None
    for i, name in enumerate(columns):
        column = exp.column(name, quoted=True)
        scan = exp.select(column.copy()).from_(source.copy()).limit(SCAN_ROWS).subquery(f"s{i}")
        distinct = (exp.select(exp.cast(column.copy(), "TEXT").as_("v")).distinct().from_(scan)
                    .where(exp.Not(this=exp.Is(this=column.copy(), expression=exp.Null()))).limit(per_column + 1))
        branch = exp.select(exp.Literal.number(i).as_("i"), exp.column("v")).from_(distinct.subquery(f"d{i}"))
        query = branch if query is None else exp.union(query, branch, distinct=False)
    return query.sql(dialect=sqlglot_dialect(dialect)) if query is not None else ""


def with_values(table: Table, columns: Columns, per_column: int) -> Table:
    """``table`` with the values read for its columns: a few as sample values, more as its value vocabulary."""
    read = {column.lower(): values for _, column, values in columns}
    cols = []
    for c in table.columns:
        values = read.get(c.name.lower(), [])
        if values and len(values) <= min(MAX_DISTINCT, per_column):
            c = replace(c, sample_values=clean_sample_values(values, VALUE_LIMIT))
        elif values and len(values) <= per_column:          # more: names and codes, nothing a value match uses
            c = replace(c, value_vocabulary=clean_sample_values(values, per_column))
        cols.append(c)
    return replace(table, columns=tuple(cols))


def table_key(warehouse: Warehouse, table: Table, per_column: int) -> str:
    """A hash of what a table's values depend on (module doc); names only, never a secret."""
    path = getattr(warehouse, "path", None)
    stat = os.stat(path) if path is not None and os.path.isfile(path) else None
    source = [warehouse.dialect, warehouse.name, str(path or ""), stat.st_size if stat else 0,
              stat.st_mtime_ns if stat else 0, getattr(warehouse, "catalog_version", None)]
    shape = [table.catalog, table.schema, table.name, [[c.name, c.type] for c in table.columns]]
    bounds = [per_column, SCAN_ROWS, _FORMAT]
    return hashlib.sha256(json.dumps([source, shape, bounds], default=str).encode()).hexdigest()[:32]


# Shared by every assistant of the process (principals, scopes): a table's values are the same whoever asks, and
# each assistant reads only tables its own model holds. Keyed by (cache directory, table key).
_MEMORY: dict[tuple[str, str], Columns] = {}
_FAILED: dict[tuple[str, str], float] = {}        # when a table's read failed
_LOCK = threading.Lock()


class LazyValues:
    """Reads and caches shortlisted tables' values for one assistant (its warehouse, guard policy and settings)."""

    def __init__(self, warehouse: Warehouse, policy: GuardPolicy, settings: Settings) -> None:
        self.warehouse, self.policy = warehouse, policy
        self.per_column, self.budget_s = settings.lazy_values_per_column, settings.lazy_values_budget_s
        self.cache_dir = settings.resolved_data_dir() / "lazy_values"

    def relink(self, model: SemanticModel, question: str, history: History, linked: LinkedSchema) -> ValueRead:
        """``linked`` linked again with the values of its tables that the model lacks (read or from the cache)."""
        if self.per_column <= 0:
            return ValueRead(linked)
        wanted = [t for t in shortlist(model, linked) if needs_values(t)][:MAX_TABLES]
        if not wanted:
            return ValueRead(linked)
        try:
            sampled, read, cached, note = self.values_of(wanted)
        except Exception:                     # a bug of ours must not cost the answer: link without the values
            log.exception("lazy values: reading the shortlist's values failed")
            sampled, read, cached, note = (), (), (), "values not read (internal error; see the log)"
        if note:
            log.info("lazy values: %s", note)
            tracing.note("nl2sql.values.note", note)
        tracing.note("nl2sql.values.read", ", ".join(read))
        tracing.note("nl2sql.values.cached", ", ".join(cached))
        if not sampled:                       # nothing new to link through: the first link stands
            return ValueRead(linked, read, cached, note)
        return ValueRead(link_conversation(model, question, history, sampled=sampled), read, cached, note)

    def values_of(self, tables: Sequence[Table]) -> tuple[tuple[Table, ...], Names, Names, str | None]:
        """The tables that gained values (from memory, disk or the warehouse, within the budget), the names of those
        read and of those cached, and a note naming the tables left without values, if any."""
        reads = self.read_tables(tables)
        sampled = []
        for table, columns in reads.values:
            filled = with_values(table, columns, self.per_column)
            if filled.columns != table.columns:
                sampled.append(filled)
        return tuple(sampled), reads.read, reads.cached, reads.note

    def read_tables(self, tables: Sequence[Table]) -> TableReads:
        """Each table's text columns' values as read (``needs_values``; from memory, disk or the warehouse, all
        within the budget), up to ``per_column + 1`` a column: the caller decides what a column of more keeps."""
        deadline = time.monotonic() + self.budget_s
        values: list[tuple[Table, Columns]] = []
        read: list[str] = []
        cached: list[str] = []
        missed: list[str] = []
        for table in tables:
            key = (str(self.cache_dir), table_key(self.warehouse, table, self.per_column))
            columns = self._cached(key)
            if columns is not None:
                cached.append(table.name)
            elif time.time() - _FAILED.get(key, 0.0) < RETRY_AFTER_S:
                missed.append(f"{table.name} (failed recently)")
                continue
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    missed.append(f"{table.name} (no time left)")
                    continue
                try:
                    columns = self._read(table, left)
                except Nl2SqlError as e:
                    _FAILED[key] = time.time()
                    missed.append(f"{table.name} ({getattr(e, 'code', type(e).__name__)})")
                    continue
                self._keep(key, columns)
                read.append(table.name)
            values.append((table, columns))
        note = f"values not read for {', '.join(missed)} (budget {self.budget_s:g} s)" if missed else None
        return TableReads(tuple(values), tuple(read), tuple(cached), note)

    def _read(self, table: Table, timeout_s: float) -> Columns:
        """The table's values, one guarded statement per ``COLUMNS_PER_QUERY`` columns, up to ``per_column + 1`` a
        column (more than ``per_column``: linking keeps none, the LLM's value index the first ``per_column``)."""
        wanted = needs_values(table)
        found: dict[int, list[str]] = {}
        deadline = time.monotonic() + timeout_s
        for start in range(0, len(wanted), COLUMNS_PER_QUERY):
            chunk = wanted[start:start + COLUMNS_PER_QUERY]
            rows = (self.per_column + 1) * len(chunk)
            checked = check(table_values_sql(table, chunk, self.warehouse.dialect, self.per_column),
                            replace(self.policy, max_rows=rows))
            left = max(deadline - time.monotonic(), 0.001)
            for i, value in self.warehouse.run(checked, max_rows=rows, timeout_s=left).rows:
                if isinstance(value, str):
                    found.setdefault(start + int(i), []).append(value)
        return [(table.qualified_name, name, found.get(i, [])) for i, name in enumerate(wanted)]

    def _cached(self, key: tuple[str, str]) -> Columns | None:
        columns = _MEMORY.get(key)
        if columns is None:
            columns = load_cached(self.cache_dir / f"{key[1]}.json")
            if columns is not None:
                self._keep(key, columns, to_disk=False)
        return columns

    def _keep(self, key: tuple[str, str], columns: Columns, *, to_disk: bool = True) -> None:
        with _LOCK:
            if len(_MEMORY) >= _KEPT_IN_MEMORY:
                _MEMORY.pop(next(iter(_MEMORY)))                # the oldest; a dict keeps insertion order
            _MEMORY[key] = columns
        if to_disk:
            store(self.cache_dir / f"{key[1]}.json", columns)
