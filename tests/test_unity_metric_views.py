"""Unity Catalog metric views on recorded metadata (fixtures/databricks/unity_main_metric_view.json).

Open-source Spark has no metric views, so what a workspace would return is recorded (shapes from the Databricks
documentation: table type METRIC_VIEW, the YAML in ``information_schema.views.view_definition`` and in DESCRIBE's
``View Text``). Tested: recognition on every read path, the measures marked and explained in the prompt context,
and the offline planner's SQL reading each measure through ``MEASURE()`` grouped by dimensions.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from catalog_semantics.adapters.unity_bulk import BulkScope, read_bulk
from catalog_semantics.adapters.unity_describe import parse_describe
from catalog_semantics.adapters.unity_metric_views import METRIC_VIEW, parse_definition, with_metric_views
from catalog_semantics.adapters.unity_reader import UnityScope, read_unity_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.render import render_context
from nl2sql.generators import generate_offline
from tests.test_unity_bulk import PagedWorkspace
from tests.test_unity_reader import RecordedWorkspace

FIXTURE = "unity_main_metric_view.json"
MEASURES = ("count_orders", "total_revenue", "Revenue per Customer")


def model_of(catalog) -> SemanticModel:
    return with_metric_views(SemanticModel(tables=catalog.tables, relationships=catalog.relationships,
                                           dialect="databricks"))


def test_information_schema_marks_the_metric_view_and_its_measures() -> None:
    ws = RecordedWorkspace(FIXTURE)
    catalog = read_unity_catalog(ws, UnityScope("main", "kpis"))
    view = catalog.table("region_sales_metrics")
    assert view.kind == METRIC_VIEW and catalog.table("orders").kind == "table"
    assert tuple(c.name for c in view.columns if "measure" in c.tags) == MEASURES
    assert view.column("status").tags == () and view.column("order_month").tags == ()
    assert view.column("total_revenue").comment == "Sum of the order totals"              # from the YAML
    assert "SUM(o_totalprice) / COUNT(DISTINCT o_custkey)" in view.column("Revenue per Customer").comment
    assert "MEASURE(" in view.comment
    sampled = [s for s in ws.statements if "SELECT DISTINCT" in s]
    assert sampled and not any("region_sales_metrics" in s for s in sampled)        # a metric view is not scanned


def test_the_bulk_reader_and_describe_recognise_it_too() -> None:
    bulk = read_bulk(PagedWorkspace(FIXTURE), BulkScope.parse("main"))
    view = bulk.table("main.kpis.region_sales_metrics")
    assert view.kind == METRIC_VIEW and tuple(c.name for c in view.columns if "measure" in c.tags) == MEASURES
    described = parse_describe(RecordedWorkspace(FIXTURE).recorded["describe"]["region_sales_metrics"])
    assert described.kind == METRIC_VIEW
    assert [m.name for m in parse_definition(described.view_text).measures] == list(MEASURES)
    assert parse_definition("SELECT 1") is None and parse_definition("version: 1\nsource: x") is None


def test_prompt_context_shows_measures_and_how_to_read_them() -> None:
    context = render_context(model_of(read_unity_catalog(RecordedWorkspace(FIXTURE), UnityScope("main", "kpis"))))
    assert re.search(r"total_revenue DECIMAL\(28,2\), +--.*tags: measure", context)
    assert re.search(r"status STRING,?\n", context)                                 # a dimension: no tag
    assert "total_revenue = MEASURE(total_revenue)" in context
    assert "Revenue per Customer = MEASURE(`Revenue per Customer`)" in context      # backticks for Databricks
    assert "never SUM/AVG a measure" in context


def test_offline_sql_reads_measures_through_measure_grouped_by_dimensions() -> None:
    model = model_of(read_unity_catalog(RecordedWorkspace(FIXTURE), UnityScope("main", "kpis")))
    for question, measure, dimension in (("total revenue by status", "total_revenue", "status"),
                                         ("revenue per customer by status", "Revenue per Customer", "status"),
                                         ("total revenue", "total_revenue", None)):
        candidate = generate_offline(question, model, ())
        assert candidate.sql, (question, candidate.abstain_reason)
        tree = sqlglot.parse_one(candidate.sql, read="databricks")
        calls = [f for f in tree.find_all(exp.Anonymous) if f.name.upper() == "MEASURE"]
        assert [c.expressions[0].name for c in calls] == [measure], candidate.sql
        assert not list(tree.find_all(exp.Sum, exp.Avg, exp.Count)), candidate.sql   # never re-aggregated
        assert {t.name for t in tree.find_all(exp.Table)} == {"region_sales_metrics"}
        group = tree.args.get("group")
        assert ([c.name for c in group.expressions] if group else []) == ([dimension] if dimension else []), candidate.sql


def test_the_guard_lets_measure_through_on_databricks_and_the_sql_keeps_it() -> None:
    from nl2sql.guard import check, policy_for_model

    model = model_of(read_unity_catalog(RecordedWorkspace(FIXTURE), UnityScope("main", "kpis")))
    candidate = generate_offline("total revenue by status", model, ())
    assert candidate.sql
    checked = check(candidate.sql, policy_for_model(model, max_rows=100, dialect="databricks"))
    assert "MEASURE(" in checked.sql.upper()
