"""The whole-catalog reader on recorded information_schema rows (the Spark test covers the metadata-call path).

``PagedWorkspace`` is the recorded workspace of test_unity_reader (the reader's SQL really runs, in DuckDB, over
recorded rows) handing each result over in pages of the requested size, as the connector's ``fetchmany`` does.
"""

from __future__ import annotations

import threading
from typing import Any
from collections.abc import Callable

import pytest

from catalog_semantics.adapters.unity_bulk import (BulkOptions, BulkScope, CatalogBudgetExceeded, catalog_version,
                                                   read_bulk, sample_tables)
from catalog_semantics.adapters.unity_cache import VersionedCache
from catalog_semantics.errors import CatalogError
from catalog_semantics.model import Relationship
from tests.test_unity_reader import RecordedWorkspace


class PagedWorkspace(RecordedWorkspace):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages: list[int] = []

    def query_pages(self, sql: str, page_rows: int, consume: Callable[[list[dict[str, Any]]], None], *,
                    timeout_s: float) -> None:
        assert timeout_s > 0
        rows = self.query(sql)
        for start in range(0, len(rows), page_rows):
            self.pages.append(len(rows[start:start + page_rows]))
            consume(rows[start:start + page_rows])

    def metadata_pages(self, kind: str, catalog: str, schema: str | None, page_rows: int,
                       consume: Callable[[list[dict[str, Any]]], None], *, timeout_s: float) -> None:
        raise CatalogError("not recorded")


def test_a_whole_catalog_is_read_in_pages_with_keys_tags_masks_and_filters() -> None:
    ws = PagedWorkspace("unity_main_sales.json")
    catalog = read_bulk(ws, BulkScope.parse("main"), BulkOptions(page_rows=4))
    assert [t.qualified_name for t in catalog.tables] == [
        f"main.sales.{n}" for n in ("customer", "customer_orders", "daily_kpis", "lineitem", "nation", "orders", "region")]
    assert max(ws.pages) == 4 and sum(ws.pages) > 26                  # 26 columns alone took several pages
    customer = catalog.table("main.sales.customer")
    assert customer.comment == "One row per customer of the wholesaler."
    assert customer.column("c_acctbal").type == "DECIMAL(18,2)"
    assert customer.column("c_phone").tags == ("pii=phone", "masked column", "mask=main.governance.mask_phone")
    assert catalog.table("main.sales.customer_orders").kind == "view"
    assert catalog.table("main.sales.lineitem").primary_key == ("l_orderkey", "l_linenumber")
    assert catalog.table("main.sales.orders").column("o_orderkey").is_primary_key
    assert "row filter main.governance.orders_by_region" in catalog.table("main.sales.orders").comment
    assert Relationship("main.sales.orders", ("o_custkey",), "main.sales.customer", ("c_custkey",)) in catalog.relationships
    assert Relationship("main.sales.orders", ("o_clerk_id",), "main.hr.employees", ("emp_id",)) in catalog.relationships
    assert all(c.sample_values == () for t in catalog.tables for c in t.columns)    # values come later, lazily
    assert not any("SELECT DISTINCT" in s for s in ws.statements)


def test_a_schema_list_filters_every_view_and_names_are_quoted() -> None:
    ws = PagedWorkspace("unity_main_sales.json")
    assert read_bulk(ws, BulkScope.parse("main.hr"), BulkOptions(page_rows=100)).tables == ()
    assert len(read_bulk(ws, BulkScope.parse("main.sales, main.hr")).tables) == 7
    assert read_bulk(ws, BulkScope(schemas=(("main", "x' OR '1'='1"),))).tables == ()   # a literal, matching nothing
    assert "'x\\' or \\'1\\'=\\'1'" in ws.statements[-1]


def test_the_budget_stops_the_read_with_a_clear_error() -> None:
    with pytest.raises(CatalogBudgetExceeded) as caught:
        read_bulk(PagedWorkspace("unity_main_sales.json"), BulkScope.parse("main"),
                  BulkOptions(time_budget_s=1e-9, page_rows=2))
    assert "NL2SQL_DATABRICKS_CATALOG_BUDGET_S" in (caught.value.hint or "")


def test_version_from_last_altered_and_lazy_sample_values_for_a_shortlist() -> None:
    ws = PagedWorkspace("unity_main_sales.json")
    assert catalog_version(ws, BulkScope.parse("main")).startswith("main:7:")
    catalog = read_bulk(ws, BulkScope.parse("main"))
    sampled = sample_tables(ws, catalog, ("region", "main.sales.customer"))
    assert sampled.table("region").column("r_name").sample_values == ("AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST")
    assert sampled.table("orders").column("o_orderstatus").sample_values == ()     # not shortlisted: not read
    assert sampled.table("customer").column("c_phone").sample_values == ()        # masked: never read
    distinct = [s for s in ws.statements if "SELECT DISTINCT" in s]
    assert len(distinct) == 2 and not any("c_phone" in s for s in distinct)


def test_versioned_cache_serves_the_old_value_while_refreshing_in_the_background() -> None:
    now = [0.0]
    version = ["v1"]
    reads: list[str] = []
    gate = threading.Event()

    def read() -> tuple[str, str]:
        if reads:
            gate.wait(10)                          # the background read is in progress until the test lets it go
        reads.append(version[0])
        return version[0], f"catalog@{version[0]}"

    cache: VersionedCache[str] = VersionedCache(read, lambda: version[0], ttl_s=60, clock=lambda: now[0])
    assert cache.get() == "catalog@v1" and cache.version == "v1"
    now[0] = 61
    assert cache.get() == "catalog@v1" and cache.refreshed.wait(10)   # same version: checked, not read again
    assert reads == ["v1"]
    version[0] = "v2"
    now[0] = 130
    assert cache.get() == "catalog@v1"                                # stale but served at once
    assert cache.get() == "catalog@v1"                                # one refresh at a time
    gate.set()
    assert cache.refreshed.wait(10)
    assert cache.get() == "catalog@v2" and reads == ["v1", "v2"] and cache.version == "v2"
