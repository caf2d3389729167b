"""The ports the Unity Catalog readers read through: ``MetadataSource`` (statements and the connector's
metadata calls) and ``PagedSource`` (the same, page by page, each statement under a time limit).

Implemented over the connector by ``nl2sql.adapters.databricks_metadata`` and over recorded result shapes in
the unit tests; the readers (``unity_reader``, ``unity_describe``, ``unity_bulk``) never import a driver.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol
from collections.abc import Callable

from catalog_semantics.errors import CatalogError

Row = dict[str, Any]
Consume = Callable[[list[Row]], None]


class MetadataSource(Protocol):
    """Read-only access to a Databricks (or Spark) SQL endpoint. Every method raises ``CatalogError``."""

    def query(self, sql: str) -> list[Row]:
        """Rows of one read-only statement, as dicts with lower-cased keys."""

    def list_tables(self, catalog: str | None, schema: str) -> list[Row]:
        """The connector's ``cursor.tables()`` rows (``table_name``, ``table_type``, ``remarks``)."""

    def list_columns(self, catalog: str | None, schema: str, table: str) -> list[Row]:
        """The connector's ``cursor.columns()`` rows (``column_name``, ``type_name``, ``remarks``, ...)."""


class CatalogBudgetExceeded(CatalogError):
    """The catalog read did not finish within its time budget."""


class PagedSource(MetadataSource, Protocol):
    """A ``MetadataSource`` that can also hand a result over in pages, each statement under a time limit."""

    def query_pages(self, sql: str, page_rows: int, consume: Consume, *, timeout_s: float) -> None:
        """Call ``consume`` with each page (at most ``page_rows`` dicts with lower-cased keys) of one statement."""

    def metadata_pages(self, kind: Literal["tables", "columns"], catalog: str, schema: str | None, page_rows: int,
                       consume: Consume, *, timeout_s: float) -> None:
        """The same for the connector's ``tables()`` / ``columns()`` call (``schema`` None: every schema)."""
