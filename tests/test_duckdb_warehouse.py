"""The DuckDB warehouse on a real database file: results, row cap, errors, time limit, threads, catalog."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
from nl2sql.errors import ConfigError, ExecutionFailed, QueryTimeout
from nl2sql.guard import CheckedSql, GuardPolicy, check
from nl2sql.ports import Warehouse

SETUP = (
    "CREATE TABLE customer (c_custkey BIGINT PRIMARY KEY, c_name VARCHAR, c_segment VARCHAR)",
    "COMMENT ON TABLE customer IS 'People and companies who order'",
    "INSERT INTO customer SELECT i, 'Customer#' || i, CASE WHEN i % 2 = 0 THEN 'BUILDING' ELSE 'MACHINERY' END "
    "FROM range(1, 101) t(i)",
    "CREATE TABLE orders (o_orderkey BIGINT PRIMARY KEY, o_custkey BIGINT REFERENCES customer (c_custkey), "
    "o_total DECIMAL(12, 2), o_date DATE)",
    "INSERT INTO orders SELECT i, 1 + i % 100, i * 1.5, DATE '2024-01-01' + CAST(i % 365 AS INTEGER) "
    "FROM range(1, 5001) t(i)",
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> DuckDbWarehouse:
    wh = DuckDbWarehouse.create(tmp_path_factory.mktemp("duck") / "shop.duckdb", SETUP)
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def policy() -> GuardPolicy:
    return GuardPolicy(dialect="duckdb", allowed_tables=frozenset({"customer", "orders"}), max_rows=100)


def test_is_a_warehouse(warehouse: DuckDbWarehouse) -> None:
    port: Warehouse = warehouse
    assert port.dialect == "duckdb" and port.name == "shop"


def test_guarded_query_runs(warehouse: DuckDbWarehouse, policy: GuardPolicy) -> None:
    checked = check("SELECT c_segment, COUNT(*) AS n FROM customer GROUP BY 1 ORDER BY 1", policy)
    result = warehouse.run(checked, max_rows=100, timeout_s=10)
    assert result.columns == ("c_segment", "n")
    assert result.rows == (("BUILDING", 50), ("MACHINERY", 50))
    assert not result.truncated and result.elapsed_ms > 0
    assert list(result.to_pandas()["n"]) == [50, 50]


def test_row_cap_reports_truncation(warehouse: DuckDbWarehouse) -> None:
    checked = CheckedSql(sql="SELECT o_orderkey FROM orders ORDER BY 1", dialect="duckdb")
    capped = warehouse.run(checked, max_rows=10, timeout_s=10)
    assert len(capped.rows) == 10 and capped.truncated and capped.rows[0] == (1,)
    exact = warehouse.run(CheckedSql(sql="SELECT 1 AS one", dialect="duckdb"), max_rows=1, timeout_s=10)
    assert exact.rows == ((1,),) and not exact.truncated
    everything = warehouse.run(checked, max_rows=None, timeout_s=10)
    assert len(everything.rows) == 5000 and not everything.truncated


def test_errors_are_clean_and_do_not_suggest_other_names(warehouse: DuckDbWarehouse) -> None:
    with pytest.raises(ExecutionFailed) as info:
        warehouse.run(CheckedSql(sql="SELECT * FROM custome", dialect="duckdb"), max_rows=5, timeout_s=10)
    assert not isinstance(info.value, QueryTimeout)
    assert "custome" in (info.value.hint or "") and "Did you mean" not in str(info.value)
    assert "Traceback" not in str(info.value)


def test_expensive_allowed_query_is_interrupted_by_the_time_limit(warehouse: DuckDbWarehouse,
                                                                    policy: GuardPolicy) -> None:
    # Each series is under the guard's generated-row limit; their cross product is 10^14 rows.
    checked = check("SELECT COUNT(*) FROM range(10000000) a, range(10000000) b WHERE a.range + b.range = -1",
                    policy)
    start = time.monotonic()
    with pytest.raises(QueryTimeout) as info:
        warehouse.run(checked, max_rows=10, timeout_s=0.5)
    assert time.monotonic() - start < 60               # interrupted near 0.5 s; uninterrupted, 10^14 rows take days
    assert "0.5 seconds" in str(info.value)
    # the warehouse still answers afterwards
    assert warehouse.run(CheckedSql(sql="SELECT 2", dialect="duckdb"), max_rows=1, timeout_s=5).rows == ((2,),)


def test_many_threads_query_at_once(warehouse: DuckDbWarehouse) -> None:
    results: dict[int, object] = {}
    errors: list[BaseException] = []

    def ask(i: int) -> None:
        try:
            sql = f"SELECT COUNT(*) FROM orders WHERE o_custkey = {i}"
            results[i] = warehouse.run(CheckedSql(sql=sql, dialect="duckdb"), max_rows=1, timeout_s=20).rows[0][0]
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(1, 25)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == {i: 50 for i in range(1, 25)}


def test_timeouts_in_one_thread_do_not_disturb_others(warehouse: DuckDbWarehouse) -> None:
    """Fast queries run on the same warehouse for the whole life of a query that is stopped at its time limit.

    No race: the slow query cannot finish on its own (10^14 rows), so it always ends by its timeout, and the
    fast queries keep running from the moment its thread has started until that thread is done, so the
    interrupt lands while they run, however loaded the machine is.
    """
    slow = CheckedSql(sql="SELECT COUNT(*) FROM range(10000000) a, range(10000000) b WHERE a.range = -b.range - 1",
                      dialect="duckdb")
    outcome: list[str] = []
    started = threading.Event()

    def run_slow() -> None:
        started.set()
        try:
            warehouse.run(slow, max_rows=1, timeout_s=0.3)
        except QueryTimeout:
            outcome.append("timeout")

    t = threading.Thread(target=run_slow)
    t.start()
    assert started.wait(60)
    count = CheckedSql(sql="SELECT COUNT(*) FROM customer", dialect="duckdb")
    fast = []
    while t.is_alive():                                 # through the interrupt
        fast.append(warehouse.run(count, max_rows=1, timeout_s=60).rows)
    t.join()
    fast += [warehouse.run(count, max_rows=1, timeout_s=60).rows for _ in range(3)]    # and after it
    assert outcome == ["timeout"] and all(r == ((100,),) for r in fast)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        DuckDbWarehouse(tmp_path / "nope.duckdb")


def test_read_catalog_delegates_to_the_reader(warehouse: DuckDbWarehouse) -> None:
    pytest.importorskip("catalog_semantics.adapters.duckdb_reader")
    catalog = warehouse.read_catalog()
    names = {t.name for t in catalog.tables}
    assert names == {"customer", "orders"}
    customer = catalog.table("customer")
    assert customer is not None and customer.column("c_segment") is not None
    assert customer.comment == "People and companies who order"
