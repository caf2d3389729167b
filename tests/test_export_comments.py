"""``nl2sql semantics export-comments``: overlay descriptions rendered as COMMENT statements, never executed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from catalog_semantics.errors import OverlayError
from catalog_semantics.export_comments import CommentTarget, export_comment_statements
from catalog_semantics.model import Catalog, Column, Table
from catalog_semantics.overlay import parse_overlay
from nl2sql.cli import main

OVERLAY = {
    "tables": {
        "orders": {
            "description": "One row per order. Use o_orderdate for \"when\"; it's the order's date.",
            "columns": {
                "o_orderdate": {"description": "Date the order was placed"},
                "o_orderstatus": {"description": "F = fulfilled, O = open, P = partly shipped", "synonyms": ["status"]},
                "o_comment": {"synonyms": ["note"]},
            },
        },
        "open_orders": {"description": "Orders still open", "columns": {"o_orderkey": {"description": "Order key"}}},
    }
}
CATALOG = Catalog(tables=(
    Table("orders", (Column("o_orderkey", "BIGINT"), Column("o_orderdate", "DATE", comment="Date the order was placed"),
                     Column("o_orderstatus", "STRING", comment="status", tags=("domain=sales",)), Column("o_comment", "STRING")),
          schema="tpch", catalog="samples", comment="Orders"),
    Table("open_orders", (Column("o_orderkey", "BIGINT"),), schema="tpch", catalog="samples", kind="view"),
), dialect="databricks")


def test_databricks_statements_for_every_description() -> None:
    statements = export_comment_statements(parse_overlay(OVERLAY), None, CommentTarget(catalog="samples", schema="tpch"))
    assert statements == (
        "COMMENT ON TABLE `samples`.`tpch`.`orders` IS 'One row per order. Use o_orderdate for \"when\"; it\\'s the order\\'s date.'",
        "ALTER TABLE `samples`.`tpch`.`orders` ALTER COLUMN `o_orderdate` COMMENT 'Date the order was placed'",
        "ALTER TABLE `samples`.`tpch`.`orders` ALTER COLUMN `o_orderstatus` COMMENT 'F = fulfilled, O = open, P = partly shipped'",
        "COMMENT ON TABLE `samples`.`tpch`.`open_orders` IS 'Orders still open'",
        "ALTER TABLE `samples`.`tpch`.`open_orders` ALTER COLUMN `o_orderkey` COMMENT 'Order key'",
    )
    for s in statements:                                        # each is exactly one statement, text kept whole
        [tree] = sqlglot.parse(s, read="databricks")
        assert isinstance(tree, (exp.Comment, exp.Alter))


def test_with_the_catalog_only_differences_and_views_use_comment_on_column() -> None:
    statements = export_comment_statements(parse_overlay(OVERLAY), CATALOG)
    assert statements == (
        "COMMENT ON TABLE `samples`.`tpch`.`orders` IS 'One row per order. Use o_orderdate for \"when\"; it\\'s the order\\'s date.'",
        "ALTER TABLE `samples`.`tpch`.`orders` ALTER COLUMN `o_orderstatus` COMMENT 'F = fulfilled, O = open, P = partly shipped'",
        "COMMENT ON TABLE `samples`.`tpch`.`open_orders` IS 'Orders still open'",
        "COMMENT ON COLUMN `samples`.`tpch`.`open_orders`.`o_orderkey` IS 'Order key'",
    )
    in_sync = {"tables": {"orders": {"description": "Orders", "columns": {"o_orderdate": {"description": "Date the order was placed"}}}}}
    assert export_comment_statements(parse_overlay(in_sync), CATALOG) == ()


def test_names_the_catalog_lacks_are_errors() -> None:
    with pytest.raises(OverlayError, match="customers"):
        export_comment_statements(parse_overlay({"tables": {"customers": {"description": "x"}}}), CATALOG)
    with pytest.raises(OverlayError, match="o_nope"):
        export_comment_statements(parse_overlay({"tables": {"orders": {"columns": {"o_nope": {"description": "x"}}}}}), CATALOG)


def test_hostile_text_stays_inside_the_literal() -> None:
    text = "x' ; DROP TABLE orders; --\\' \n next line"
    [statement] = export_comment_statements(parse_overlay({"tables": {"orders": {"description": text}}}))
    [tree] = sqlglot.parse(statement, read="databricks")
    assert isinstance(tree, exp.Comment) and tree.expression.this == text


def test_duckdb_statements_run_and_set_the_comments(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE orders (o_orderkey BIGINT, o_orderdate DATE, o_orderstatus VARCHAR, o_comment VARCHAR)")
    con.execute("CREATE VIEW open_orders AS SELECT o_orderkey FROM orders WHERE o_orderstatus = 'O'")
    for statement in export_comment_statements(parse_overlay(OVERLAY), None, CommentTarget(dialect="duckdb")):
        con.execute(statement)
    assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'orders'").fetchone()[0].startswith(
        "One row per order. Use o_orderdate for \"when\"; it's")
    assert con.execute("SELECT comment FROM duckdb_columns() WHERE column_name = 'o_orderstatus'").fetchone()[0] == (
        "F = fulfilled, O = open, P = partly shipped")


def test_cli_prints_a_reviewable_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(yaml.safe_dump(OVERLAY))
    assert main(["semantics", "export-comments", "--overlay", str(overlay), "--catalog", "main", "--schema", "sales"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("-- Descriptions from") and "not execute" in out
    assert "ALTER TABLE `main`.`sales`.`orders` ALTER COLUMN `o_orderdate` COMMENT 'Date the order was placed';" in out
    assert out.count(";\n") == 5
    # against a real DuckDB catalog: names checked, unchanged descriptions left out
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE orders (o_orderkey BIGINT, o_orderdate DATE, o_orderstatus VARCHAR, o_comment VARCHAR)")
    con.execute("COMMENT ON COLUMN orders.o_orderdate IS 'Date the order was placed'")
    con.execute("CREATE VIEW open_orders AS SELECT o_orderkey FROM orders")
    con.close()
    assert main(["semantics", "export-comments", "--db", str(db), "--overlay", str(overlay), "--dialect", "duckdb"]) == 0
    out = capsys.readouterr().out
    assert '"o_orderdate" IS' not in out and 'COMMENT ON COLUMN "main"."orders"."o_orderstatus" IS' in out
    assert main(["semantics", "export-comments", "--overlay", str(tmp_path / "missing.yaml")]) != 0
    assert main(["semantics", "export-comments", "--catalog", "x"]) != 0
