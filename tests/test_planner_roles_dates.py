"""Models whose overlay a user wrote from the docs: a rental's pickup and return branch (the role the overlay
names after the table is the default, the other one's words decline), dating a ticket by its order as the
instructions say, a period said after "no events", a year column never taken from a far table, a comment word
of another table's date, a change asked over a range of years, and rows never shown by a bare surrogate key.
A small ticketing-and-rental model of this test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan
from nl2sql.planner.lexicon import lexicon_for

SCHEMA = """
CREATE TABLE venue (venue_id INTEGER PRIMARY KEY, venue_name VARCHAR, opened_date DATE, closed_date DATE);
COMMENT ON COLUMN venue.closed_date IS 'Date the venue stopped hosting events; NULL while open.';
CREATE TABLE event (event_id INTEGER PRIMARY KEY, venue_id INTEGER REFERENCES venue(venue_id),
    event_name VARCHAR, event_date DATE);
CREATE TABLE customer (customer_id INTEGER PRIMARY KEY, customer_name VARCHAR, birth_year INTEGER);
CREATE TABLE ticket_order (order_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(customer_id),
    order_date DATE);
CREATE TABLE ticket (ticket_id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES ticket_order(order_id),
    event_id INTEGER REFERENCES event(event_id), ticket_price DECIMAL(8,2));
CREATE TABLE brn (brn_id INTEGER PRIMARY KEY, brn_nm VARCHAR);
CREATE TABLE rnt (rnt_id INTEGER PRIMARY KEY, pu_brn_id INTEGER REFERENCES brn(brn_id),
    rtn_brn_id INTEGER REFERENCES brn(brn_id), pu_dt DATE);
CREATE TABLE veh (veh_id INTEGER PRIMARY KEY, mk_nm VARCHAR, mdl_nm VARCHAR);
CREATE TABLE svc (svc_id INTEGER PRIMARY KEY, veh_id INTEGER REFERENCES veh(veh_id), svc_dt DATE);
INSERT INTO venue VALUES (1, 'Magnolia Room', DATE '2024-09-01', NULL), (2, 'Old Mill', DATE '2020-01-01', NULL);
INSERT INTO event VALUES (1, 1, 'Jazz', DATE '2025-01-10'), (2, 2, 'Folk', DATE '2025-03-01');
INSERT INTO customer VALUES (1, 'Ann', 2024), (2, 'Bob', 1980);
INSERT INTO ticket_order VALUES (1, 1, DATE '2024-12-20'), (2, 2, DATE '2025-02-01');
INSERT INTO ticket VALUES (1, 1, 1, 50), (2, 2, 2, 30);
INSERT INTO brn VALUES (1, 'Airport'), (2, 'Downtown');
INSERT INTO rnt VALUES (1, 1, 2, DATE '2025-01-01'), (2, 2, 2, DATE '2025-02-01');
INSERT INTO veh VALUES (1, 'Ford', 'Focus'), (2, 'Kia', 'Rio');
INSERT INTO svc VALUES (1, 1, DATE '2025-01-05');
"""

OVERLAY = {
    "instructions": ["Ticket sales (ticket revenue) are dated by the order date ticket_order.order_date; use the "
                     "event date only when the question is about events held."],
    "tables": {"venue": {"synonyms": ["venues"], "default_date": "opened_date"},
               "event": {"synonyms": ["events", "gigs"], "default_date": "event_date"},
               "ticket": {"synonyms": ["tickets"]},
               "ticket_order": {"synonyms": ["orders"], "default_date": "order_date"},
               "brn": {"synonyms": ["branch", "branches"]},
               "rnt": {"synonyms": ["rentals"], "default_date": "pu_dt",
                       "columns": {"pu_brn_id": {"synonyms": ["pickup branch", "branch"]},
                                   "rtn_brn_id": {"synonyms": ["return branch", "drop-off location"]}}},
               "veh": {"synonyms": ["vehicles"]}},
    "metrics": [{"name": "ticket revenue", "synonyms": ["revenue"], "table": "ticket", "sql": "SUM(ticket_price)"}],
}


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def sql_of(question: str, model: SemanticModel) -> str:
    return plan(question, model).sql or ""


def test_the_role_the_overlay_names_after_the_table_is_the_default(model: SemanticModel) -> None:
    assert "rnt.pu_brn_id = brn.brn_id" in sql_of("rentals by branch", model)


@pytest.mark.parametrize("question", ["rentals by return branch", "rentals returned to Downtown",
                                      "number of rentals by drop-off location"])
def test_the_other_role_is_declined_not_read_as_the_default(model: SemanticModel, question: str) -> None:
    assert plan(question, model).sql is None


def test_instructions_date_a_table_by_its_parent(model: SemanticModel) -> None:
    assert lexicon_for(model).told_dates["ticket"] == ("ticket_order", "order_date")
    sql = sql_of("ticket revenue in 2025", model)
    assert "ticket_order.order_date >= " in sql and "birth_year" not in sql


def test_a_year_column_is_never_taken_past_the_nearest_dated_table(model: SemanticModel) -> None:
    without = apply_overlay(read_duckdb_catalog(_con()), parse_overlay({**OVERLAY, "instructions": []}))
    assert "birth_year" not in sql_of("ticket revenue in 2024", without)


def test_a_period_after_no_events_dates_the_events(model: SemanticModel) -> None:
    sql = sql_of("which venues had no events in January 2025", model)
    assert "NOT EXISTS" in sql and "event_2.event_date >= " in sql and "opened_date" not in sql


def test_another_tables_date_comment_word_does_not_move_a_declared_date(model: SemanticModel) -> None:
    sql = sql_of("how many gigs did the Magnolia Room host in 2025", model)
    assert "event.event_date >= " in sql and "closed_date" not in sql


def test_a_date_named_by_the_verb_wins_over_a_comment_word(model: SemanticModel) -> None:
    assert "venue.opened_date >= " in sql_of("venues opened in 2024", model)


def test_a_change_over_a_range_of_years_is_one_row_a_year(model: SemanticModel) -> None:
    sql = sql_of("did ticket revenue go up from 2024 to 2025?", model)
    assert "GROUP BY YEAR(" in sql


@pytest.mark.parametrize("question", ["did ticket revenue go up in 2025?",
                                      "by what percent did ticket revenue change from 2024 to 2025?"])
def test_a_change_without_two_periods_or_as_a_percentage_is_declined(model: SemanticModel, question: str) -> None:
    assert plan(question, model).sql is None


def test_rows_shown_only_by_a_surrogate_key_are_declined(model: SemanticModel) -> None:
    assert plan("which vehicles have never been serviced?", model).sql is None
    assert "veh.veh_id" in sql_of("list the vehicle ids that were never serviced", model)


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con


def test_an_abbreviated_tables_own_name_column_names_its_rows() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE cust (cust_id INTEGER PRIMARY KEY, cust_nm VARCHAR, corp_nm VARCHAR)")
    lex = lexicon_for(apply_overlay(read_duckdb_catalog(con), parse_overlay({})))
    assert lex.tables["cust"].labels == ("cust_nm",)         # cust_nm, not corp_nm, nor the key


def test_lines_without_declared_keys_take_their_headers_date() -> None:
    """Lakehouse tables rarely declare keys: an order's lines are still dated by the order (the overlay's joins)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE ord (ord_id INTEGER, ord_date DATE); CREATE TABLE line (ord_id INTEGER, ship_date DATE,"
                " receipt_date DATE, price DECIMAL(9,2))")
    overlay = {"relationships": [{"from": "line", "from_columns": ["ord_id"], "to": "ord", "to_columns": ["ord_id"]}],
               "tables": {"ord": {"synonyms": ["orders"]}, "line": {"synonyms": ["lines"]}},
               "metrics": [{"name": "sales", "table": "line", "sql": "SUM(price)"}]}
    model = apply_overlay(read_duckdb_catalog(con), parse_overlay(overlay))
    assert "ord.ord_date >= " in (plan("sales in 1995", model).sql or "")
