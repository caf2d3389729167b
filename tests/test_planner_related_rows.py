"""Rows related to the ones asked about, on a small plant model of this test's own (not any fixture's): a filter
before a measure whose names overlap ("unplanned downtime hours"), a measure's name ending in a participle before
"by" ("units produced by machine": a grouping, not the agent), a negated table that is also a metric ("had no
downtime") and the period of a related-rows test ("no stops in March 2025": the stops' date)."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE mach (mach_id INTEGER PRIMARY KEY, mach_nm VARCHAR, instl_dt DATE);
CREATE TABLE stop (stop_id INTEGER PRIMARY KEY, mach_id INTEGER REFERENCES mach(mach_id), start_dt DATE,
    mins INTEGER, planned BOOLEAN);
CREATE TABLE run (run_id INTEGER PRIMARY KEY, mach_id INTEGER REFERENCES mach(mach_id), run_dt DATE, qty INTEGER);
INSERT INTO mach VALUES (1, 'Press', DATE '2025-03-10'), (2, 'Lathe', DATE '2020-01-01'), (3, 'Robot', DATE '2021-01-01');
INSERT INTO stop VALUES (1, 1, DATE '2025-03-02', 120, FALSE), (2, 1, DATE '2025-04-02', 60, TRUE),
  (3, 2, DATE '2025-05-01', 30, FALSE), (4, 3, DATE '2025-03-20', 240, TRUE), (5, 2, DATE '2025-06-01', 30, FALSE);
INSERT INTO run VALUES (1, 1, DATE '2025-01-01', 100), (2, 2, DATE '2025-01-02', 50), (3, 1, DATE '2025-02-01', 10);
"""

OVERLAY = {
    "tables": {
        "mach": {"synonyms": ["machine", "machines"], "default_date": "instl_dt",
                 "columns": {"mach_nm": {"synonyms": ["machine name", "machine"]},
                             "instl_dt": {"synonyms": ["installed"]}}},
        "stop": {"synonyms": ["downtime", "stops", "stoppage", "stoppages"], "default_date": "start_dt"},
        "run": {"synonyms": ["runs", "production run"], "default_date": "run_dt"},
    },
    "metrics": [
        {"name": "downtime hours", "synonyms": ["downtime", "hours down"], "table": "stop", "sql": "SUM(mins) / 60.0"},
        {"name": "units produced", "synonyms": ["output"], "table": "run", "sql": "SUM(qty)"},
    ],
    "filters": [
        {"name": "unplanned downtime", "synonyms": ["unplanned", "unplanned stops"], "table": "stop",
         "sql": "planned = FALSE"},
    ],
}


@pytest.fixture(scope="module")
def plant() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def _rows(plant: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    con, model = plant
    c = plan(question, model)
    assert c.sql, (question, c.abstain_reason)
    return con.execute(c.sql).fetchall()


def test_a_filter_before_an_overlapping_measure_name(plant: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert _rows(plant, "top 2 machines by unplanned downtime hours") == [("Press", 2.0), ("Lathe", 1.0)]


def test_a_share_of_a_metric_said_as_the_tables_noun_is_declined(
        plant: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    # "downtime" is the stops' noun and the downtime hours: a share of the hours, not of the stops (not computed)
    assert plan("what percentage of 2025 downtime was unplanned", plant[1]).sql is None


def test_a_participle_ending_a_measures_name_then_by_groups(plant: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert sorted(_rows(plant, "units produced by machine")) == [("Lathe", 50), ("Press", 110)]


@pytest.mark.parametrize("question", ["Which machines had no downtime in March 2025?",
                                      "Which machines had no stoppages in March 2025?"])
def test_no_related_rows_in_a_period_dates_those_rows(plant: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                       question: str) -> None:
    # the stops' start date, not the machines' installation date (Press was installed in March 2025)
    assert sorted(_rows(plant, question)) == [("Lathe",)]


def test_a_date_verb_still_dates_the_asked_rows(plant: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    c = plan("Which machines installed in March 2025 had no stoppages?", plant[1])
    assert c.sql is None or "instl_dt" in c.sql, c.sql


def test_a_verb_of_an_event_names_its_date() -> None:
    """'staff who left in 2024': vocabulary date_verbs ("left" of termination) names termination_date."""
    con = duckdb.connect()
    con.execute("CREATE TABLE staff (staff_id INTEGER PRIMARY KEY, staff_nm VARCHAR, hire_date DATE, "
                "termination_date DATE); INSERT INTO staff VALUES (1, 'A', DATE '2020-01-01', DATE '2024-05-01'), "
                "(2, 'B', DATE '2024-02-01', NULL), (3, 'C', DATE '2019-01-01', DATE '2023-01-01')")
    model = apply_overlay(read_duckdb_catalog(con), parse_overlay({}))
    c = plan("how many staff left in 2024", model)
    assert c.sql and con.execute(c.sql).fetchall() == [(1,)], (c.sql, c.abstain_reason)
    c = plan("staff who left by year", model)
    assert c.sql and sorted(con.execute(c.sql).fetchall()) == [(2023, 1), (2024, 1)], (c.sql, c.abstain_reason)


STAFF = ("CREATE TABLE staff (staff_id INTEGER PRIMARY KEY, staff_nm VARCHAR, active_flg BOOLEAN, birth_date DATE); "
         "INSERT INTO staff VALUES (1, 'A', TRUE, DATE '1980-01-01'), (2, 'B', FALSE, DATE '1995-01-01'), "
         "(3, 'C', TRUE, DATE '1999-01-01')")


@pytest.mark.parametrize("filters", [[], [{"name": "current staff", "table": "staff", "sql": "active_flg"}]])
@pytest.mark.parametrize(("question", "rows"), [
    ("list the staff who are active", [("A",), ("C",)]),       # a flag named *_flg: the state, not the column
    ("list the staff who are no longer active", [("B",)]),
    ("how many staff were born before 1990", [(1,)]),          # vocabulary date_verbs: "born" of birth_date
])
def test_a_flag_column_is_a_state_and_born_names_the_birth_date(filters: list[dict[str, str]], question: str,
                                                                rows: list[tuple[object, ...]]) -> None:
    con = duckdb.connect()
    con.execute(STAFF)
    model = apply_overlay(read_duckdb_catalog(con), parse_overlay({"filters": filters}))
    c = plan(question, model)
    assert c.sql and sorted(con.execute(c.sql).fetchall()) == rows, (c.sql, c.abstain_reason)


COVER = """
CREATE TABLE product (product_id INTEGER PRIMARY KEY, product_nm VARCHAR);
CREATE TABLE holder (holder_id INTEGER PRIMARY KEY, holder_nm VARCHAR);
CREATE TABLE pol (pol_id INTEGER PRIMARY KEY, holder_id INTEGER REFERENCES holder(holder_id),
    product_id INTEGER REFERENCES product(product_id), stat VARCHAR);
CREATE TABLE clm (clm_id INTEGER PRIMARY KEY, pol_id INTEGER REFERENCES pol(pol_id), loss_dt DATE);
INSERT INTO product VALUES (1, 'Gold'), (2, 'Basic');
INSERT INTO holder VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy');
INSERT INTO pol VALUES (1, 1, 1, 'A'), (2, 2, 2, 'L'), (3, 3, 2, 'A');
INSERT INTO clm VALUES (1, 1, DATE '2024-03-01'), (2, 2, DATE '2023-03-01');
"""
COVER_OVERLAY = {
    "tables": {"holder": {"synonyms": ["holders"]}, "clm": {"synonyms": ["claim", "claims"]},
               "product": {"columns": {"product_nm": {"synonyms": ["product"]}}}},
    "filters": [{"name": "active policy", "table": "pol", "sql": "stat = 'A'"},
                {"name": "lapsed policy", "table": "pol", "sql": "stat = 'L'"}],
}


@pytest.mark.parametrize(("question", "rows"), [
    ("how many holders have never made a claim", [(1,)]),      # a claim of any of their policies, whatever its state
    ("how many different holders had a claim in 2024", [(1,)]),
])
def test_rows_below_a_link_with_states(question: str, rows: list[tuple[object, ...]]) -> None:
    con = duckdb.connect()
    con.execute(COVER)
    model = apply_overlay(read_duckdb_catalog(con), parse_overlay(COVER_OVERLAY))
    c = plan(question, model)
    assert c.sql and con.execute(c.sql).fetchall() == rows, (c.sql, c.abstain_reason)
    # a parent reached through the link ("holders with a Gold product") still asks whether the policy is current
    assert plan("how many holders with a Gold product", model).sql is None


def test_a_named_filter_over_a_list_of_values_wins_over_one_of_them() -> None:
    """'how many claims are still open': the filter `stat IN ('OPEN', 'REOP')` named "open", not the value 'OPEN'."""
    con = duckdb.connect()
    con.execute("CREATE TABLE claim (claim_id INTEGER PRIMARY KEY, stat VARCHAR); "
                "INSERT INTO claim VALUES (1, 'OPEN'), (2, 'REOP'), (3, 'CLSD')")
    overlay = {"tables": {"claim": {"synonyms": ["claims"], "columns": {"stat": {"values": ["OPEN", "REOP", "CLSD"]}}}},
               "filters": [{"name": "open claim", "synonyms": ["open"], "table": "claim",
                            "sql": "stat IN ('OPEN', 'REOP')"}]}
    model = apply_overlay(read_duckdb_catalog(con), parse_overlay(overlay))
    c = plan("how many claims are still open", model)
    assert c.sql and con.execute(c.sql).fetchall() == [(2,)], (c.sql, c.abstain_reason)


def test_a_value_before_its_tables_noun_is_no_date() -> None:
    """'the open work orders': 'open' is a status value of work orders and a word of their date wo_open_dt; right
    before the rows' noun it is the value (a date is no adjective)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE maint_wo (wo_no INTEGER PRIMARY KEY, wo_stat VARCHAR, wo_open_dt DATE); "
                "INSERT INTO maint_wo VALUES (1, 'OPEN', DATE '2024-01-01'), (2, 'CLSD', DATE '2024-02-01')")
    overlay = {"tables": {"maint_wo": {"synonyms": ["work orders", "work order"],
                                       "columns": {"wo_stat": {"values": ["OPEN", "CLSD"]},
                                                   "wo_open_dt": {"synonyms": ["open date", "opened"]}}}}}
    model = apply_overlay(read_duckdb_catalog(con), parse_overlay(overlay))
    c = plan("how many open work orders", model)
    assert c.sql and con.execute(c.sql).fetchall() == [(1,)], (c.sql, c.abstain_reason)
