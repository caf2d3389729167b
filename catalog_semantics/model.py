"""The semantic model as frozen values: what the catalog says, plus what the overlay adds.

Names are kept as the catalog spells them; look-ups are case-insensitive because SQL identifiers
usually are and business users never type the right case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TableKind = Literal["table", "view", "metric_view"]   # metric_view: a Unity Catalog metric view


@dataclass(frozen=True)
class Column:
    name: str
    type: str                                   # the warehouse's own type name, upper-cased
    comment: str | None = None                  # from COMMENT ON / Unity Catalog / overlay description
    synonyms: tuple[str, ...] = ()              # business words for this column (overlay)
    sample_values: tuple[str, ...] = ()         # distinct values of a low-cardinality text column (capped)
    # Distinct values of a text column too varied to show (up to ~1,000: languages, countries): whole-catalog
    # linking matches question words against them; never rendered, never read by the planner.
    value_vocabulary: tuple[str, ...] = ()
    nullable: bool = True
    is_primary_key: bool = False
    tags: tuple[str, ...] = ()                  # Unity Catalog column tags, "name=value" or "name" (pii, unit, ...)
    format: str | None = None                   # how to show values (overlay): currency, percent, count, number,
                                                # year, quarter, month, day, text (nl2sql.present.formats)
    stored_type: str | None = None              # the warehouse's type when the overlay says another (``type:``):
                                                # the values are read through a CAST to ``type``
    # Whether two rows hold the same value (two customers called "John Smith"), as the catalog read saw it:
    # True when the rows it scanned repeat one, False when it scanned them all and none did, None not read.
    # A name that repeats cannot tell its rows apart, so the planner shows their key beside it.
    repeats: bool | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    comment: str | None = None
    synonyms: tuple[str, ...] = ()
    primary_key: tuple[str, ...] = ()
    schema: str | None = None                   # e.g. "main" in DuckDB, "tpch" in Unity Catalog
    catalog: str | None = None                  # e.g. "samples" in Unity Catalog
    kind: TableKind = "table"
    row_count: int | None = None
    # The rows a question about this table means unless it says otherwise (overlay ``default_filter``):
    # a named filter of the model, or a condition over this table named after it.
    default_filter: NamedFilter | None = None
    default_date: str | None = None             # the date a period ("in 2024") filters when it names none

    @property
    def qualified_name(self) -> str:
        return ".".join(p for p in (self.catalog, self.schema, self.name) if p)

    def column(self, name: str) -> Column | None:
        wanted = name.lower()
        return next((c for c in self.columns if c.name.lower() == wanted), None)


@dataclass(frozen=True)
class Relationship:
    """A many-to-one join: each row of ``from_table`` matches at most one row of ``to_table``."""

    from_table: str
    from_columns: tuple[str, ...]
    to_table: str
    to_columns: tuple[str, ...]
    source: str = "catalog"                     # "catalog" (declared key) or "overlay" (join path)


@dataclass(frozen=True)
class Metric:
    """A named business measure: an aggregate SQL expression over ``table`` (and tables it joins)."""

    name: str
    sql: str                                    # e.g. "SUM(l_extendedprice * (1 - l_discount))"
    table: str                                  # the grain the measure is computed at
    description: str | None = None
    synonyms: tuple[str, ...] = ()
    joins: tuple[str, ...] = ()                 # other tables the expression needs (joined by relationships)
    format: str | None = None                   # "currency", "percent", "count", "number" (nl2sql.present.formats)


@dataclass(frozen=True)
class NamedFilter:
    """A business condition with a name: 'late item' means ``l_receiptdate > l_commitdate``."""

    name: str
    sql: str                                    # a boolean SQL expression over ``table``
    table: str
    description: str | None = None
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class VerifiedQuery:
    """A question whose SQL a person has checked; answered directly and labelled trusted."""

    question: str
    sql: str
    alternates: tuple[str, ...] = ()            # other phrasings of the same question
    description: str | None = None


@dataclass(frozen=True)
class Catalog:
    """What the warehouse itself says: tables, columns, comments, keys, sample values."""

    tables: tuple[Table, ...]
    relationships: tuple[Relationship, ...] = ()
    dialect: str = "duckdb"

    def table(self, name: str) -> Table | None:
        return find_table(self.tables, name)


@dataclass(frozen=True)
class SemanticModel:
    """The catalog with the overlay merged on top; the single source of knowledge for every generator."""

    tables: tuple[Table, ...]
    relationships: tuple[Relationship, ...] = ()
    metrics: tuple[Metric, ...] = ()
    filters: tuple[NamedFilter, ...] = ()
    instructions: tuple[str, ...] = ()
    verified_queries: tuple[VerifiedQuery, ...] = ()
    dialect: str = "duckdb"
    name: str = "warehouse"
    description: str | None = None
    example_questions: tuple[str, ...] = ()
    # Which columns a deterministic answer shows: "asked" (only what the question names, as Spider-style
    # gold SQL expects) or "helpful" (also what a ranking is ranked by and what a list is filtered or sorted
    # on, as business users expect). A curated overlay chooses; a bare catalog answers minimally.
    answer_columns: str = "asked"

    def table(self, name: str) -> Table | None:
        return find_table(self.tables, name)

    def metric(self, name: str) -> Metric | None:
        wanted = name.lower()
        return next((m for m in self.metrics if m.name.lower() == wanted), None)

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)


def find_table(tables: tuple[Table, ...], name: str) -> Table | None:
    """Find a table by bare or qualified name, case-insensitively.

    >>> t = Table("orders", (), schema="tpch", catalog="samples")
    >>> find_table((t,), "SAMPLES.TPCH.Orders").name
    'orders'
    """
    wanted = name.lower()
    for t in tables:
        if wanted in (t.name.lower(), t.qualified_name.lower()):
            return t
    bare = wanted.rsplit(".", 1)[-1]
    return next((t for t in tables if t.name.lower() == bare), None)
