"""Abbreviated data-team models: code lists in comments ("WX weather, ATC air traffic control"), a metric
synonym that restates the metric with a grouping, a table dated by one of two parents as its description
says, and the "<table>_nm" column naming a table's rows. A small repair-shop model of this test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE shp (shp_id INTEGER PRIMARY KEY, shp_nm VARCHAR, city_nm VARCHAR, shp_stat VARCHAR);
CREATE TABLE prt (prt_id INTEGER PRIMARY KEY, prt_nm VARCHAR, intro_dt DATE);
CREATE TABLE job (job_id INTEGER PRIMARY KEY, shp_id INTEGER REFERENCES shp(shp_id), job_dt DATE);
CREATE TABLE job_ln (ln_id INTEGER PRIMARY KEY, job_id INTEGER REFERENCES job(job_id),
    prt_id INTEGER REFERENCES prt(prt_id), fault_cd VARCHAR, ln_amt DECIMAL(8,2));
COMMENT ON TABLE job_ln IS 'Job lines: one part fitted on a job. Dated by the job.';
COMMENT ON COLUMN job_ln.fault_cd IS 'Fault - ELC electrical, BRK brakes, ENG engine';
COMMENT ON COLUMN shp.shp_stat IS 'OPN operated, CLS closed';
INSERT INTO shp VALUES (1, 'Bolt Garage', 'Leeds', 'OPN'), (2, 'Axle Works', 'York', 'CLS');
INSERT INTO prt VALUES (1, 'Pad', DATE '2020-01-01'), (2, 'Coil', DATE '2024-02-01');
INSERT INTO job VALUES (1, 1, DATE '2023-05-01'), (2, 1, DATE '2024-03-01'), (3, 2, DATE '2024-04-01');
INSERT INTO job_ln VALUES (1, 1, 1, 'BRK', 100), (2, 2, 2, 'ELC', 40), (3, 2, 1, 'BRK', 60), (4, 3, 2, 'ENG', 25);
"""

OVERLAY = {
    "tables": {"job": {"synonyms": ["jobs"], "default_date": "job_dt"},
               "shp": {"synonyms": ["shops", "garages"]},
               "prt": {"synonyms": ["parts"], "default_date": "intro_dt"},
               "job_ln": {"synonyms": ["job lines"]}},
    "metrics": [{"name": "parts revenue", "synonyms": ["parts revenue by fault code"], "table": "job_ln",
                 "sql": "SUM(ln_amt)"},
                {"name": "number of jobs", "table": "job", "sql": "COUNT(*)"}],
}


@pytest.fixture(scope="module")
def shop() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def _rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    con, model = shop
    c = plan(question, model, columns="asked")
    assert c.sql, (question, c.abstain_reason)
    return sorted(con.execute(c.sql).fetchall(), key=str)


def test_code_list_label_is_a_value(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert _rows(shop, "parts revenue for brakes in 2024") == [(60,)]


def test_code_label_of_a_table_the_question_does_not_name_abstains(
        shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    c = plan("number of jobs operated in 2024", shop[1])
    assert c.sql is None and "operated" in (c.abstain_reason or "")


def test_metric_synonym_with_grouping_keeps_the_grouping(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert _rows(shop, "parts revenue by fault code in 2024") == [("BRK", 60), ("ELC", 40), ("ENG", 25)]


def test_table_dated_by_the_parent_its_description_names(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    # job lines have two dated parents (job, part); the description says "Dated by the job"
    assert _rows(shop, "parts revenue in 2023") == [(100,)]


def test_table_named_name_column_names_rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert _rows(shop, "number of jobs by shop in 2024") == [("Axle Works", 1), ("Bolt Garage", 1)]
