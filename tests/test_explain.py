"""Plain-language explanations derived from the SQL's syntax tree, checked on a set of queries."""

from __future__ import annotations

import json

import pytest
import sqlglot
from sqlglot import exp

from catalog_semantics.model import Column, Metric, NamedFilter, SemanticModel, Table
from nl2sql.explain import SqlUsage, explain_sql, sql_usage

MODEL = SemanticModel(
    tables=(
        Table("lineitem", (Column("l_orderkey", "INTEGER"), Column("l_extendedprice", "DECIMAL", comment="Gross price"),
                           Column("l_discount", "DECIMAL"), Column("l_receiptdate", "DATE"),
                           Column("l_commitdate", "DATE")), comment="Order lines"),
        Table("orders", (Column("o_orderkey", "INTEGER"), Column("o_orderdate", "DATE", comment="Order date")),
              comment="Orders"),
    ),
    metrics=(Metric("revenue", "SUM(l_extendedprice * (1 - l_discount))", "lineitem",
                    description="Net revenue after discount."),),
    filters=(NamedFilter("late item", "l_receiptdate > l_commitdate", "lineitem"),),
)

CASES: list[tuple[str, str, str]] = [
    ("metric by group, joins, date filter, order and limit",
     """SELECT r.r_name AS region, SUM(l.l_extendedprice * (1 - l.l_discount)) AS revenue
        FROM lineitem AS l JOIN orders AS o ON l.l_orderkey = o.o_orderkey
        JOIN customer AS c ON o.o_custkey = c.c_custkey JOIN nation AS n ON c.c_nationkey = n.n_nationkey
        JOIN region AS r ON n.n_regionkey = r.r_regionkey
        WHERE o.o_orderdate >= DATE '1996-01-01' AND o.o_orderdate < DATE '1997-01-01'
        GROUP BY r.r_name ORDER BY revenue DESC LIMIT 5""",
     "Computes the “revenue” metric (net revenue after discount) for each region (r_name).\n"
     "Reads lineitem, joined with orders on l_orderkey = o_orderkey, joined with customer on o_custkey = c_custkey,"
     " joined with nation on c_nationkey = n_nationkey, joined with region on n_regionkey = r_regionkey.\n"
     "Keeps only rows where o_orderdate is on or after 1996-01-01 and o_orderdate is before 1997-01-01.\n"
     "Sorted by revenue, from highest to lowest.\n"
     "Shows at most 5 rows."),
    ("metric under another alias, named filter",
     "SELECT SUM(l_extendedprice*(1-l_discount)) AS late_sales FROM lineitem WHERE l_receiptdate > l_commitdate",
     "Computes the “revenue” metric (net revenue after discount) (as “late_sales”).\n"
     "Reads lineitem.\n"
     "Keeps only rows where the “late item” condition holds (`l_receiptdate > l_commitdate`)."),
    ("plain listing",
     "SELECT c_name, c_acctbal FROM customer WHERE c_mktsegment = 'BUILDING' ORDER BY c_name LIMIT 10",
     "Lists c_name and c_acctbal.\nReads customer.\nKeeps only rows where c_mktsegment is 'BUILDING'.\n"
     "Sorted by c_name, in ascending order.\nShows at most 10 rows."),
    ("count, distinct count, having, ordinal group",
     "SELECT o_orderpriority, COUNT(*) AS orders, COUNT(DISTINCT o_custkey) FROM orders GROUP BY 1 "
     "HAVING COUNT(*) > 100 ORDER BY 2 DESC",
     "Computes the number of rows (as “orders”) and the number of distinct o_custkey for each o_orderpriority.\n"
     "Reads orders.\nKeeps only groups where the number of rows is greater than 100.\n"
     "Sorted by the number of rows, from highest to lowest."),
    ("in list, between, like, null checks, or",
     "SELECT p_name FROM part WHERE p_size IN (1, 5) AND p_retailprice BETWEEN 900 AND 1000 "
     "AND p_type LIKE '%BRASS' AND NOT p_name ILIKE 'x%' AND (p_comment IS NULL OR p_brand IS NOT NULL)",
     "Lists p_name.\nReads part.\n"
     "Keeps only rows where p_size is one of 1, 5 and p_retailprice is between 900 and 1000 and p_type matches "
     "the pattern '%BRASS' and p_name does not match the pattern 'x%' (ignoring case) and "
     "(p_comment is empty or p_brand is not empty)."),
    ("year of a date, left join, distinct",
     "SELECT DISTINCT EXTRACT(year FROM o.o_orderdate) AS yr FROM orders o LEFT JOIN customer c "
     "ON o.o_custkey = c.c_custkey",
     "Lists the distinct values of the year of o_orderdate (as “yr”).\n"
     "Reads orders, plus customer where it matches on o_custkey = c_custkey (keeping rows without a match)."),
    ("self join keeps aliases",
     "SELECT a.n_name, b.n_name FROM nation a JOIN nation b ON a.n_regionkey = b.n_regionkey",
     "Lists a.n_name and b.n_name.\nReads nation (as “a”), joined with nation (as “b”) on "
     "a.n_regionkey = b.n_regionkey."),
    ("union all",
     "SELECT n_name FROM nation UNION ALL SELECT r_name FROM region",
     "Combines the rows of 2 queries (keeping duplicates):\nQuery 1: Lists n_name. Reads nation.\n"
     "Query 2: Lists r_name. Reads region."),
    ("cte and subquery",
     "WITH big AS (SELECT o_custkey FROM orders WHERE o_totalprice > 1000) "
     "SELECT COUNT(*) FROM customer WHERE c_custkey IN (SELECT o_custkey FROM big)",
     "First, a step named “big”: Lists o_custkey. Reads orders. Keeps only rows where o_totalprice is greater "
     "than 1000.\nComputes the number of rows.\nReads customer.\n"
     "Keeps only rows where c_custkey is one of the values of a sub-query (Lists o_custkey. Reads big.)."),
    ("window functions are quoted, not guessed",
     "SELECT c_name, RANK() OVER (ORDER BY c_acctbal DESC) AS r FROM customer",
     "Lists c_name and `RANK() OVER (ORDER BY c_acctbal DESC)` (as “r”).\nReads customer."),
    ("group by a select alias, not exists",
     "SELECT DATE_TRUNC('MONTH', o_orderdate) AS month, COUNT(*) AS n FROM orders o "
     "WHERE NOT EXISTS (SELECT 1 FROM lineitem l WHERE l.l_orderkey = o.o_orderkey) GROUP BY month ORDER BY month",
     "Computes the number of rows (as “n”) for each month (month of o_orderdate).\nReads orders.\n"
     "Keeps only rows where there is no row of lineitem where l_orderkey is o_orderkey.\n"
     "Sorted by month, in ascending order."),
    ("a metric's SQL over another table is not that metric",
     "SELECT SUM(l_extendedprice * (1 - l_discount)) FROM other_items",
     "Computes the total of l_extendedprice × (1 − l_discount).\nReads other_items."),
    ("not a query", "DELETE FROM orders", "This is not a single query, so it cannot be explained."),
    ("two statements", "SELECT 1; SELECT 2", "This is not a single query, so it cannot be explained."),
    ("unparseable", "SELECT FROM WHERE (", "This SQL could not be read, so it cannot be explained."),
]


@pytest.mark.parametrize("sql,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_explanations(sql: str, expected: str) -> None:
    assert explain_sql(sql, model=MODEL) == expected


def test_without_a_model_metrics_are_spelled_out() -> None:
    text = explain_sql("SELECT SUM(l_extendedprice * (1 - l_discount)) AS revenue FROM lineitem")
    assert text.splitlines()[0] == "Computes the total of l_extendedprice × (1 − l_discount) (as “revenue”)."


def test_is_deterministic() -> None:
    sql = CASES[0][1]
    assert len({explain_sql(sql, model=MODEL) for _ in range(5)}) == 1


def test_other_dialects() -> None:
    text = explain_sql("SELECT `name` FROM `samples`.`tpch`.`customer` LIMIT 3", dialect="databricks")
    assert text == "Lists name.\nReads customer.\nShows at most 3 rows."


def test_every_spider_gold_query_is_explained_naming_its_tables(spider) -> None:
    for item in json.loads((spider / "dev.json").read_text()):
        sql = item["query"]
        text = explain_sql(sql, dialect="sqlite")
        assert "cannot be explained" not in text, sql
        tree = sqlglot.parse_one(sql, read="sqlite")
        for table in tree.find_all(exp.Table):
            assert table.name.lower() in text.lower(), (sql, text)
        limit = tree.args.get("limit")
        if limit is not None:
            assert f"at most {limit.expression.this} rows" in text, (sql, text)


def test_sql_usage_names_tables_columns_metrics_and_filters_with_comments() -> None:
    usage = sql_usage(
        "WITH recent AS (SELECT o_orderkey FROM orders WHERE o_orderdate >= DATE '1998-01-01') "
        "SELECT SUM(l.l_extendedprice * (1 - l.l_discount)) AS revenue FROM lineitem l "
        "JOIN recent r ON l.l_orderkey = r.o_orderkey WHERE l.l_receiptdate > l.l_commitdate",
        model=MODEL,
    )
    assert usage.tables == (("lineitem", "Order lines"), ("orders", "Orders"))
    assert ("orders", "o_orderdate", "Order date") in usage.columns
    assert ("lineitem", "l_extendedprice", "Gross price") in usage.columns
    assert usage.metrics == (("revenue", "Net revenue after discount."),)
    assert usage.filters == (("late item", None),)


def test_sql_usage_without_a_model_or_with_bad_sql_is_empty() -> None:
    assert sql_usage("SELECT 1 FROM orders") == SqlUsage()
    assert sql_usage("SELECT FROM (", model=MODEL) == SqlUsage()
