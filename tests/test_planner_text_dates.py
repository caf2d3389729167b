"""Dates and numbers stored as text (helper realworld10). ISO order, as the column's description says ('YYYY-MM-DD'), compares
and groups as a date (through a CAST where the dialect needs one); another order (MM/DD/YYYY) is no date. And a
verb right after its rows that names one of their dates ("trips landed in 2020": LAND_DT) is their event, not
the rows of a table the verb also names (LANDING). A number the description declares stored as text is read
through a CAST, unless blanks or formatting would make the CAST a guess. A period never lands on the year of a
table farther from the rows than one with dates. A small fishery of this test's own.
"""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import model_from_catalog
from nl2sql.planner import plan
from tests.planner_cases import assert_declined

SCHEMA = """
CREATE TABLE port (port_cd VARCHAR PRIMARY KEY, port_nm VARCHAR);
CREATE TABLE vessel (vsl_id INTEGER PRIMARY KEY, vsl_nm VARCHAR, blt_yr VARCHAR, loa_ft VARCHAR);
COMMENT ON COLUMN vessel.blt_yr IS 'Year the hull was built (text)';
COMMENT ON COLUMN vessel.loa_ft IS 'Length overall in feet, one decimal, stored as text.';
CREATE TABLE trip (trip_id INTEGER PRIMARY KEY, land_port VARCHAR REFERENCES port (port_cd), sail_dt VARCHAR,
                   land_dt VARCHAR, vsl_id INTEGER REFERENCES vessel (vsl_id));
COMMENT ON COLUMN trip.sail_dt IS 'Date the vessel left port, MM/DD/YYYY';
COMMENT ON COLUMN trip.land_dt IS 'Date the catch was landed, YYYY-MM-DD';
CREATE TABLE landing (trip_id INTEGER REFERENCES trip (trip_id), spp VARCHAR, lbs VARCHAR, dlr_val VARCHAR);
COMMENT ON COLUMN landing.lbs IS 'Landed weight in pounds, stored as text with one decimal.';
COMMENT ON COLUMN landing.dlr_val IS 'Value paid in US dollars, stored as text; blank when confidential.';
INSERT INTO port VALUES ('GLO', 'GLOUCESTER'), ('NBD', 'NEW BEDFORD');
INSERT INTO vessel VALUES (1, 'SEA WOLF', '1978', '45.5'), (2, 'CAPT JO', '2020', '9.5');
INSERT INTO trip VALUES (1, 'GLO', '12/30/2019', '2020-01-02', 1), (2, 'GLO', '03/01/2020', '2020-03-04', 2),
    (3, 'NBD', '06/01/2020', '2020-06-03', 2), (4, 'GLO', '05/01/2021', '2021-05-02', 1);
INSERT INTO landing VALUES (1, 'COD', '10.5', '20.00'), (1, 'HAKE', '5.0', ''), (2, 'COD', '7.0', '9.00'),
    (3, 'COD', '1.0', '3.00'), (4, 'COD', '2.0', '');
"""


@pytest.fixture(scope="module")
def fishery() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, model_from_catalog(read_duckdb_catalog(con))


@pytest.mark.parametrize(("question", "rows"), [
    ("How many trips landed in 2020?", [(3,)]),
    # it joined the landings (a verb naming their table), which counts a trip once per landing where DISTINCT
    # is dropped, as Spider's evaluator does
    ("How many trips landed in Gloucester in 2020?", [(2,)]),
])
def test_an_iso_text_date_is_a_date(fishery: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                    rows: list[tuple[object, ...]]) -> None:
    con, model = fishery
    c = plan(question, model)
    assert c.sql and "CAST(trip.land_dt AS DATE)" in c.sql and "landing" not in c.sql.lower(), c.sql
    assert con.execute(c.sql).fetchall() == rows


def test_a_text_date_in_another_order_is_no_date(fishery: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _con, model = fishery
    assert_declined(plan("How many trips sailed in 2020?", model), "sailed in 2020", "")


@pytest.mark.parametrize(("question", "rows"), [
    # alphabetically '9.5' is the longest and '1978' the newest
    ("Which vessel has the longest length overall?", [("SEA WOLF",)]),
    ("How many vessels have a blt yr below 2000?", [(1,)]),
    ("What is the total lbs of cod?", [(20.5,)]),
])
def test_a_declared_text_number_is_a_number(fishery: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                            rows: list[tuple[object, ...]]) -> None:
    con, model = fishery
    c = plan(question, model)
    assert c.sql and "CAST(" in c.sql, (question, c.sql, c.abstain_reason)
    assert con.execute(c.sql).fetchall() == rows


def test_a_text_number_with_blanks_stays_text(fishery: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _con, model = fishery
    # a CAST reads '' as 0 (SQLite) or fails (DuckDB): the blanks' meaning is the description's, not the engine's
    assert_declined(plan("What is the average dlr val?", model), "average dlr val", "")


def test_a_period_is_not_a_farther_tables_year(fishery: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _con, model = fishery
    # the trips' sail or land date, never the year their vessel was built (it was blt_yr = 2020)
    c = plan("How many trips did each vessel make in 2020?", model)
    assert c.sql is None or "blt_yr" not in c.sql, c.sql


def test_a_year_named_before_a_period_is_never_another_tables_date(
        fishery: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    _con, model = fishery
    # it listed the distinct built years of vessels with a trip landed before 2000
    c = plan("List vessels with blt yr before 2000", model)
    assert c.sql is None or "land_dt" not in c.sql, c.sql


def test_a_text_number_is_shown_as_stored(fishery: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    # compared and added up as a number, shown as the publisher wrote it (a gold lists the stored text)
    assert _rows(fishery, "List the vessels and their loa ft") == [("CAPT JO", "9.5"), ("SEA WOLF", "45.5")]


def _rows(fishery: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    con, model = fishery
    c = plan(question, model)
    assert c.sql, (question, c.abstain_reason)
    return sorted(con.execute(c.sql).fetchall(), key=str)
