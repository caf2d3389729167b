"""A named filter's phrase that ends in its table's noun ("which active agents ...") names the rows asked for, and
a name column written without vowels ("agnt_nm" for agent) names its table's rows. On a small agency warehouse
written here (agents selling contracts of several product lines), not the insurance model the shape was found on.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan

ROOT = Path(__file__).resolve().parent.parent

SCHEMA = """
CREATE TABLE agnt (agnt_id INTEGER PRIMARY KEY, agnt_nm VARCHAR, office_nm VARCHAR, agnt_stat VARCHAR);
CREATE TABLE cntr (cntr_no INTEGER PRIMARY KEY, agnt_id INTEGER REFERENCES agnt (agnt_id), line_cd VARCHAR,
                   prem DECIMAL(10,2));
INSERT INTO agnt VALUES (1, 'Ada', 'North', 'A'), (2, 'Ben', 'North', 'A'), (3, 'Cal', 'South', 'T'),
                        (4, 'Dee', 'South', 'A');
INSERT INTO cntr VALUES (1, 1, 'HOME', 100), (2, 1, 'AUTO', 50), (3, 2, 'AUTO', 70), (4, 3, 'AUTO', 20),
                        (5, 4, 'HOME', 30);
"""
OVERLAY = {
    "tables": {"agnt": {"synonyms": ["agents", "agent"]}, "cntr": {"synonyms": ["contracts", "contract"],
               "columns": {"line_cd": {"synonyms": ["product line"], "values": ["HOME", "AUTO"]}}}},
    "filters": [{"name": "active agent", "synonyms": ["active agents"], "table": "agnt", "sql": "agnt_stat = 'A'"}],
}


@pytest.fixture(scope="module")
def agency() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def test_the_rows_a_filter_names_are_listed(tmp_path: Path) -> None:
    """On the insurance model (built by its fixture): 'active brokers' is a named filter whose phrase ends in the
    brokers' noun, so the brokers are listed, by their vowel-less name column (brkr_nm), with NOT EXISTS; before,
    the policies were listed with prod_line <> 'CPRP'."""
    from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
    from nl2sql.wiring import build_model

    db = tmp_path / "insurance.duckdb"
    subprocess.run([sys.executable, str(ROOT / "fixtures/final_insurance/build.py"), str(db)], check=True,
                   capture_output=True)
    model = build_model(DuckDbWarehouse(str(db)), ROOT / "fixtures/final_insurance/overlay.yaml")   # as the CLI
    c = plan("Which active brokers have never sold a commercial property policy?", model)
    assert c.sql and "brokers.brkr_nm" in c.sql and "NOT EXISTS" in c.sql, (c.sql, c.abstain_reason)


def test_a_regression_guard_without_a_value(agency: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = agency
    c = plan("which active agents have never sold a contract", model)
    assert c.sql and "agnt.agnt_nm" in c.sql and "NOT EXISTS" in c.sql, (c.sql, c.abstain_reason)


def test_a_value_after_a_filter_lists_the_filtered_rows(agency: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = agency
    c = plan("which active agents sold a HOME contract", model)      # before: the contracts (cntr_no) were listed
    assert c.sql and sorted(con.execute(c.sql).fetchall()) == [("Ada",), ("Dee",)], (c.sql, c.abstain_reason)


def test_a_filter_phrase_after_other_words_is_not_made_a_list(
        agency: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = agency
    c = plan("how many active agents are there", model)
    assert c.sql and con.execute(c.sql).fetchall() == [(3,)], (c.sql, c.abstain_reason)
