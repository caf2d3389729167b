"""Follow-ups that keep what the conversation is about, and questions that lean on an answer that is not there: a
value said after a grouping through one role ("just EAST" after parcels by carrier city: the carrier's region,
not the customer's), a date named beside a metric whose name names another ("late delivery rate by year of
shipment": the ship date) and kept by the next turn, "now split it by" (adds the grouping), "their" with nothing
before it to own it, and a period on a link with states ("customers who booked green items in 2025": the
bookings of 2025, whatever their state). A list asked for with a named filter on a number shows that number ("list customers in debt"), and "how many of
them are there per city?" counts the listed rows per city; a count of rows with a past event nothing reads ("how
many items have been sold?") is declined. A small parcel model of this test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.generators import generate_offline

SCHEMA = """
CREATE TABLE region (region_id INTEGER PRIMARY KEY, region_name VARCHAR);
CREATE TABLE city (city_id INTEGER PRIMARY KEY, city_name VARCHAR, region_id INTEGER REFERENCES region(region_id));
CREATE TABLE customer (customer_id INTEGER PRIMARY KEY, customer_name VARCHAR, balance DECIMAL(10,2), city_id INTEGER REFERENCES city(city_id));
CREATE TABLE carrier (carrier_id INTEGER PRIMARY KEY, carrier_name VARCHAR, city_id INTEGER REFERENCES city(city_id));
CREATE TABLE item (item_id INTEGER PRIMARY KEY, item_name VARCHAR);
CREATE TABLE booking (booking_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(customer_id), booked_on DATE, status VARCHAR);
CREATE TABLE route (route_id INTEGER PRIMARY KEY, route_code VARCHAR, carrier_id INTEGER REFERENCES carrier(carrier_id));
CREATE TABLE parcel (parcel_id INTEGER PRIMARY KEY, booking_id INTEGER REFERENCES booking(booking_id),
    customer_id INTEGER REFERENCES customer(customer_id), route_id INTEGER REFERENCES route(route_id), item_id INTEGER REFERENCES item(item_id),
    shipped_on DATE, delivered_on DATE, due_on DATE);
INSERT INTO region VALUES (1, 'EAST'), (2, 'WEST');
INSERT INTO city VALUES (1, 'Ada', 1), (2, 'Bly', 2);
INSERT INTO customer VALUES (1, 'Cy', 10, 1), (2, 'Di', -5, 2), (3, 'Ed', 7, 2);
INSERT INTO carrier VALUES (1, 'Fast', 2), (2, 'Slow', 1);
INSERT INTO item VALUES (1, 'green box'), (2, 'red box'), (3, 'green tube');
INSERT INTO booking VALUES (1, 1, DATE '2024-12-20', 'DONE'), (2, 2, DATE '2025-01-20', 'OPEN'), (3, 3, DATE '2025-04-20', 'DONE');
INSERT INTO route VALUES (1, 'R1', 1), (2, 'R2', 2);
INSERT INTO parcel VALUES (1, 1, 1, 1, 1, DATE '2024-12-30', DATE '2025-01-05', DATE '2025-01-02'),
 (2, 2, 2, 2, 2, DATE '2025-02-01', DATE '2025-02-03', DATE '2025-02-04'),
 (3, 3, 3, 2, 3, DATE '2025-05-01', DATE '2025-05-09', DATE '2025-05-03'),
 (4, 2, 2, 1, 3, DATE '2025-02-02', DATE '2025-02-03', DATE '2025-02-04');
"""
OVERLAY = {
 "tables": {"region": {"synonyms": ["regions"], "columns": {"region_name": {"values": ["EAST", "WEST"]}}},
            "city": {"synonyms": ["cities"]}, "customer": {"synonyms": ["customers"]},
            "carrier": {"synonyms": ["carriers"]}, "item": {"synonyms": ["items"], "columns": {"item_name": {"values": ["green box", "red box", "green tube"]}}},
            "booking": {"synonyms": ["bookings"], "columns": {"status": {"values": ["OPEN", "DONE"]}}},
            "parcel": {"synonyms": ["parcels", "shipments"], "columns": {
                "shipped_on": {"synonyms": ["ship date"]}, "delivered_on": {"synonyms": ["delivery date"]},
                "due_on": {"synonyms": ["due date"]}}}},
 "filters": [{"name": "open booking", "synonyms": ["open"], "table": "booking", "sql": "status = 'OPEN'"},
             {"name": "done booking", "synonyms": ["done"], "table": "booking", "sql": "status = 'DONE'"},
             {"name": "in debt", "table": "customer", "sql": "balance < 0"},
             {"name": "late parcel", "synonyms": ["late"], "table": "parcel", "sql": "delivered_on > due_on"}],
 "metrics": [{"name": "late delivery rate", "table": "parcel", "sql": "AVG(CASE WHEN delivered_on > due_on THEN 1.0 ELSE 0.0 END)"}],
}

Shop = tuple[duckdb.DuckDBPyConnection, SemanticModel]


@pytest.fixture(scope="module")
def shop() -> Shop:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def turns(shop: Shop, *questions: str) -> list[str | None]:
    """Each turn's SQL, asked with the earlier turns as history."""
    history: list[tuple[str, str | None]] = []
    for q in questions:
        history.append((q, generate_offline(q, shop[1], tuple(history)).sql))
    return [sql for _q, sql in history]


def test_a_value_after_a_grouping_through_a_role_takes_that_role(shop: Shop) -> None:
    alone = turns(shop, "number of parcels in EAST")[0] or ""
    assert "JOIN main.customer" in alone           # said alone: the shorter path, the customer's region
    sql = turns(shop, "number of parcels by carrier city", "just EAST")[1] or ""
    assert "JOIN main.carrier" in sql and "JOIN main.customer" not in sql
    assert shop[0].execute(sql).fetchall() == [("Ada", 2)]


def test_a_date_named_beside_a_metric_whose_name_names_another(shop: Shop) -> None:
    first, second = turns(shop, "late delivery rate by year of shipment", "ok, just show it by quarter for 2025")
    assert first is not None and "YEAR(parcel.shipped_on)" in first and "delivered_on) AS" not in first
    assert second is not None and "DATE_TRUNC('QUARTER', parcel.shipped_on)" in second
    assert "parcel.shipped_on >= CAST('2025-01-01' AS DATE)" in second and "YEAR(" not in second
    # the metric's own word still dates it when nothing else is said
    assert "YEAR(parcel.delivered_on)" in (turns(shop, "late delivery rate by year")[0] or "")


def test_a_count_instead_of_a_rate_dated_by_its_name_is_declined(shop: Shop) -> None:
    # "late delivery rate in 2025" is dated by its name's word (delivered); counting late parcels per carrier
    # instead would keep a date only the rate's name gave: declined. A period on the date said stays.
    rated, counted = turns(shop, "late delivery rate by carrier in 2025", "how many late parcels was that per carrier?")
    assert rated is not None and "parcel.delivered_on >= CAST('2025-01-01' AS DATE)" in rated and counted is None
    said = turns(shop, "late delivery rate by carrier for parcels shipped in 2025",
                 "how many late parcels was that per carrier?")[1] or ""
    assert "COUNT(*)" in said and "parcel.shipped_on >= CAST('2025-01-01' AS DATE)" in said
    assert "delivered_on > parcel.due_on" in said and "AVG(" not in said


def test_split_it_by_adds_the_grouping(shop: Shop) -> None:
    first = "late delivery rate by year of shipment"
    split = turns(shop, first, "now split it by carrier")[1] or ""
    assert "YEAR(parcel.shipped_on)" in split and "carrier.carrier_name" in split
    regrouped = turns(shop, first, "now by carrier")[1] or ""
    assert "YEAR(" not in regrouped and "carrier.carrier_name" in regrouped


def test_their_with_nothing_to_own_it_leans_on_an_earlier_answer(shop: Shop) -> None:
    assert turns(shop, "what's their average balance?") == [None]
    assert turns(shop, "number of parcels by carrier", "parcels by colour mood", "what's their average balance?")[2] \
        is None
    assert turns(shop, "list customers with their balance")[0] is not None


LINKS = """
CREATE TABLE client (client_id INTEGER PRIMARY KEY, client_name VARCHAR);
CREATE TABLE item (item_id INTEGER PRIMARY KEY, item_name VARCHAR);
CREATE TABLE booking (booking_id INTEGER PRIMARY KEY, client_id INTEGER REFERENCES client(client_id), booked_on DATE,
    status VARCHAR);
CREATE TABLE booking_line (line_id INTEGER PRIMARY KEY, booking_id INTEGER REFERENCES booking(booking_id),
    item_id INTEGER REFERENCES item(item_id), qty INTEGER);
INSERT INTO client VALUES (1, 'Cy'), (2, 'Di'), (3, 'Ed');
INSERT INTO item VALUES (1, 'green box'), (2, 'red box'), (3, 'green tube');
INSERT INTO booking VALUES (1, 1, DATE '2024-12-20', 'DONE'), (2, 2, DATE '2025-01-20', 'OPEN'),
    (3, 3, DATE '2025-04-20', 'DONE');
INSERT INTO booking_line VALUES (1, 1, 1, 1), (2, 2, 3, 1), (3, 3, 3, 2), (4, 2, 2, 1);
"""
LINKS_OVERLAY = {
    "tables": {"client": {"synonyms": ["clients"]}, "item": {"synonyms": ["items"]},
               "booking": {"synonyms": ["bookings"], "columns": {"status": {"values": ["OPEN", "DONE"]}}}},
    "filters": [{"name": "open booking", "synonyms": ["open"], "table": "booking", "sql": "status = 'OPEN'"},
                {"name": "done booking", "synonyms": ["done"], "table": "booking", "sql": "status = 'DONE'"}],
}


def test_a_period_on_a_link_with_states_says_which_links() -> None:
    con = duckdb.connect()
    con.execute(LINKS)
    links = (con, apply_overlay(read_duckdb_catalog(con), parse_overlay(LINKS_OVERLAY)))
    sql = turns(links, "how many clients booked green items in 2025")[0]
    assert sql is not None and con.execute(sql).fetchall() == [(2,)]
    assert turns(links, "how many clients booked green items") == [None]     # open or done bookings?


def test_a_list_shows_the_number_its_named_filter_compares(shop: Shop) -> None:
    listed = turns(shop, "list customers in debt")[0] or ""
    assert "customer.balance" in listed and shop[0].execute(listed).fetchall() == [("Di", -5)]
    assert "customer.balance FROM" not in (turns(shop, "customers in debt")[0] or "")   # not asked as a list


def test_how_many_of_them_per_group_after_a_list(shop: Shop) -> None:
    sql = turns(shop, "list customers in debt", "how many of them are there per city?")[1]
    assert sql is not None and "COUNT(*)" in sql and "GROUP BY city" in sql
    assert shop[0].execute(sql).fetchall() == [("Bly", 1)]


def test_a_count_with_an_event_nothing_reads_is_declined() -> None:
    con = duckdb.connect()
    con.execute(LINKS)
    links = (con, apply_overlay(read_duckdb_catalog(con), parse_overlay(LINKS_OVERLAY)))
    assert turns(links, "how many different items have ever been sold?") == [None]
    assert turns(links, "how many items do we sell?")[0] is not None       # what the business offers
    assert turns(links, "how many items were booked in 2025?")[0] is not None     # a period reads the event



def test_each_of_them_is_the_rows_of_the_previous_answer(demo_model: SemanticModel) -> None:
    first = "top 5 customers by revenue in 1995"
    history = ((first, generate_offline(first, demo_model).sql),)
    each = generate_offline("how many orders did each of them place that year?", demo_model, history).sql
    assert each is not None and "IN (SELECT" in each
    assert generate_offline("how many orders did they place that year?", demo_model, history).sql == each
