"""The catalog readers' ``MetadataSource`` / ``PagedSource`` over a Databricks warehouse's pooled connections.

Statements and the connector's metadata calls (``cursor.tables()`` / ``cursor.columns()``) run through the
warehouse's ``_with_cursor`` (pool, time limit, reconnect once); results come back whole (``query``) or page by
page through ``fetchmany`` (``query_pages`` / ``metadata_pages``, for whole catalogs). Driver errors become
``CatalogError``; a statement cancelled at its time limit becomes ``CatalogBudgetExceeded``.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, TypeVar
from collections.abc import Callable

from catalog_semantics.adapters.unity_source import CatalogBudgetExceeded
from catalog_semantics.errors import CatalogError
from nl2sql.errors import ExecutionFailed, QueryTimeout

T = TypeVar("T")


class CursorRunner(Protocol):
    """The warehouse's ``_with_cursor``: ``work(cursor)`` on a pooled connection under a time limit, driver
    errors as ``ExecutionFailed`` / ``QueryTimeout``. (A callable, not the warehouse, so this module does not
    depend back on the adapter that uses it.)"""

    def __call__(self, work: Callable[[Any], T], *, timeout_s: float | None) -> T: ...


class ConnectorMetadata:
    """The reader's ``MetadataSource`` over the warehouse's connection; driver errors become ``CatalogError``."""

    def __init__(self, with_cursor: CursorRunner, timeout_s: float = 120.0) -> None:
        self._with_cursor = with_cursor
        self._timeout_s = timeout_s

    def query(self, sql: str) -> list[dict[str, Any]]:
        if "${" in sql:                                     # a catalog name that Spark would substitute
            raise CatalogError("A catalog name contains ${, which the warehouse would substitute; it was not read.")
        return self._rows(lambda cursor: cursor.execute(sql))

    def list_tables(self, catalog: str | None, schema: str) -> list[dict[str, Any]]:
        return self._rows(lambda cursor: cursor.tables(catalog_name=catalog, schema_name=schema))

    def list_columns(self, catalog: str | None, schema: str, table: str) -> list[dict[str, Any]]:
        return self._rows(lambda cursor: cursor.columns(catalog_name=catalog, schema_name=schema, table_name=table))

    def query_pages(self, sql: str, page_rows: int, consume: Callable[[list[dict[str, Any]]], None], *,
                    timeout_s: float) -> None:
        if "${" in sql:
            raise CatalogError("A catalog name contains ${, which the warehouse would substitute; it was not read.")
        self._pages(lambda cursor: cursor.execute(sql), page_rows, consume, timeout_s)

    def metadata_pages(self, kind: Literal["tables", "columns"], catalog: str, schema: str | None, page_rows: int,
                       consume: Callable[[list[dict[str, Any]]], None], *, timeout_s: float) -> None:
        if kind == "tables":
            self._pages(lambda cursor: cursor.tables(catalog_name=catalog, schema_name=schema), page_rows, consume, timeout_s)
        else:
            self._pages(lambda cursor: cursor.columns(catalog_name=catalog, schema_name=schema), page_rows, consume,
                        timeout_s)

    def _pages(self, call: Callable[[Any], Any], page_rows: int, consume: Callable[[list[dict[str, Any]]], None],
               timeout_s: float) -> None:
        """The result handed over ``page_rows`` at a time (``fetchmany``): driver rows never pile up."""
        def work(cursor: Any) -> None:
            call(cursor)
            if not cursor.description:
                return
            names = [d[0].lower() for d in cursor.description]
            while page := cursor.fetchmany(page_rows):
                consume([dict(zip(names, row)) for row in page])

        try:
            self._with_cursor(work, timeout_s=timeout_s)
        except QueryTimeout:
            raise CatalogBudgetExceeded(f"Reading the catalog took longer than its budget ({timeout_s:g} s left).",
                                        hint="Narrow the scope or raise NL2SQL_DATABRICKS_CATALOG_BUDGET_S.") from None
        except ExecutionFailed as e:
            raise CatalogError("The Databricks catalog could not be read.", hint=e.message) from None

    def _rows(self, call: Callable[[Any], Any]) -> list[dict[str, Any]]:
        def work(cursor: Any) -> list[dict[str, Any]]:
            call(cursor)
            if not cursor.description:                      # DDL and USE return no result set
                return []
            names = [d[0].lower() for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

        try:
            return self._with_cursor(work, timeout_s=self._timeout_s)
        except ExecutionFailed as e:
            raise CatalogError("The Databricks catalog could not be read.", hint=e.message) from None
