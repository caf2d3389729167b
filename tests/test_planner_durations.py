"""Days between two dates of the rows: "average number of days between the booking date and the ship date",
"how many days on average from shipment to delivery" (``Measure.since``, compiled as a day difference), with the
aggregate said, on the rows both dates belong to; without an aggregate, or with a period whose date the words
do not name, it is declined. A small parcel model of this test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.generators import generate_offline
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE booking (booking_id INTEGER PRIMARY KEY, booked_on DATE, channel VARCHAR);
CREATE TABLE parcel (parcel_id INTEGER PRIMARY KEY, booking_id INTEGER REFERENCES booking(booking_id),
    shipped_on DATE, delivered_on DATE, carrier VARCHAR);
INSERT INTO booking VALUES (1, DATE '2024-12-30', 'WEB'), (2, DATE '2025-01-10', 'SHOP');
INSERT INTO parcel VALUES (1, 1, DATE '2025-01-01', DATE '2025-01-05', 'FAST'),
    (2, 1, DATE '2025-01-03', DATE '2025-01-04', 'SLOW'), (3, 2, DATE '2025-01-12', DATE '2025-01-20', 'SLOW');
"""

OVERLAY = {
    "tables": {"booking": {"synonyms": ["bookings"], "columns": {"booked_on": {"synonyms": ["booking date"]},
                                                                "channel": {"values": ["WEB", "SHOP"]}}},
               "parcel": {"synonyms": ["parcels", "shipments"], "columns": {
                   "shipped_on": {"synonyms": ["ship date"]}, "delivered_on": {"synonyms": ["delivery date"]},
                   "carrier": {"values": ["FAST", "SLOW"]}}}},
}


@pytest.fixture(scope="module")
def shop() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return con, apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    c = plan(question, shop[1])
    assert c.sql is not None, c.abstain_reason
    return sorted(shop[0].execute(c.sql).fetchall(), key=str)


@pytest.mark.parametrize("question, expected", [
    ("average number of days between ship date and delivery date by carrier", [("FAST", 4.0), ("SLOW", 4.5)]),
    ("how many days on average from shipment to delivery", [(round(13 / 3, 6),)]),
    ("avg days between the booking date and the ship date per channel", [("SHOP", 2.0), ("WEB", 3.0)]),
    ("maximum days between ship date and delivery date", [(8,)]),
])
def test_days_between_two_dates(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                expected: list[tuple[object, ...]]) -> None:
    got = [tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows(shop, question)]
    assert got == expected


def test_without_an_aggregate_or_a_dated_period_it_is_declined(shop: tuple[duckdb.DuckDBPyConnection,
                                                                            SemanticModel]) -> None:
    assert plan("number of days between ship date and delivery date", shop[1]).sql is None
    assert plan("average days between ship date and delivery date in 2025", shop[1]).sql is None  # which date?
    said = plan("average days between ship date and delivery date for shipments in 2025", shop[1]).sql or ""
    assert "parcel.shipped_on >= CAST('2025-01-01' AS DATE)" in said


def test_a_followup_changes_its_aggregate(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    first = "average days between ship date and delivery date by carrier"
    sql = generate_offline("max instead", shop[1], ((first, plan(first, shop[1]).sql),)).sql
    assert sql is not None and sorted(shop[0].execute(sql).fetchall()) == [("FAST", 4), ("SLOW", 8)]
