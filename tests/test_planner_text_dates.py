"""Dates stored as text (helper realworld10): ISO order, as the column's description says ('YYYY-MM-DD'), compares
and groups as a date (through a CAST where the dialect needs one); another order (MM/DD/YYYY) is no date. And a
verb right after its rows that names one of their dates ("trips landed in 2020": LAND_DT) is their event, not
the rows of a table the verb also names (LANDING). A small fishery of this test's own.
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
CREATE TABLE trip (trip_id INTEGER PRIMARY KEY, land_port VARCHAR REFERENCES port (port_cd), sail_dt VARCHAR,
                   land_dt VARCHAR);
COMMENT ON COLUMN trip.sail_dt IS 'Date the vessel left port, MM/DD/YYYY';
COMMENT ON COLUMN trip.land_dt IS 'Date the catch was landed, YYYY-MM-DD';
CREATE TABLE landing (trip_id INTEGER REFERENCES trip (trip_id), spp VARCHAR, lbs DOUBLE);
INSERT INTO port VALUES ('GLO', 'GLOUCESTER'), ('NBD', 'NEW BEDFORD');
INSERT INTO trip VALUES (1, 'GLO', '12/30/2019', '2020-01-02'), (2, 'GLO', '03/01/2020', '2020-03-04'),
    (3, 'NBD', '06/01/2020', '2020-06-03'), (4, 'GLO', '05/01/2021', '2021-05-02');
INSERT INTO landing VALUES (1, 'COD', 10), (1, 'HAKE', 5), (2, 'COD', 7), (3, 'COD', 1), (4, 'COD', 2);
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
