"""Rules from session 12's blind rounds (issue 10), each on a small model of this test's own: how many groups a
count of their rows keeps; states said in function words and code legends told in instructions; a column's own last
word; period words; two dates of a row compared; doubts that decline the top within each group, an unnamed amount
and two filters set against each other; shorthand, nationalities, "row count", time order asked; a year relative to
the one named and a follow-up's two-digit year; follow-ups that add a column, a value or a count; a metric dated by
an instruction. Four cases are guards that held before these rules and must keep holding."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner import plan
from tests.planner_cases import memory_model

SCHEMA = """
CREATE TABLE cust (cust_id INTEGER PRIMARY KEY, cust_nm VARCHAR, ctry VARCHAR, seg VARCHAR, bal DOUBLE,
    pack VARCHAR);
INSERT INTO cust VALUES (1, 'Ann', 'JAPAN', 'RETAIL', 10, 'SM CASE'), (2, 'Bob', 'FRANCE', 'RETAIL', -5, 'LG BOX'),
    (3, 'Cid', 'JAPAN', 'TRADE', 20, 'SM CASE'), (4, 'Dee', 'GERMANY', 'TRADE', 0, 'LG CASE'),
    (5, 'Eve', 'FRANCE', 'TRADE', 7, 'SM BOX');
CREATE TABLE ord (ord_id INTEGER PRIMARY KEY, cust_id INTEGER REFERENCES cust(cust_id), ord_dt DATE,
    stat VARCHAR, amt DOUBLE);
INSERT INTO ord VALUES (1, 1, '2023-01-05', 'OPEN', 100), (2, 1, '2023-03-01', 'DONE', 50),
    (3, 1, '2024-02-01', 'DONE', 70), (4, 2, '2023-05-01', 'DONE', 30), (5, 2, '2024-06-01', 'OPEN', 20),
    (6, 3, '2024-07-01', 'DONE', 500), (7, 3, '2024-08-01', 'DONE', 5), (8, 3, '2024-09-01', 'DONE', 5),
    (9, 4, '2024-10-01', 'OPEN', 40);
CREATE TABLE line (line_id INTEGER PRIMARY KEY, ord_id INTEGER REFERENCES ord(ord_id), qty INTEGER,
    ship_dt DATE, commit_dt DATE, recv_dt DATE, mode VARCHAR);
INSERT INTO line VALUES (1, 1, 5, '2023-01-10', '2023-01-08', '2023-01-12', 'AIR'),
    (2, 1, 3, '2023-01-10', '2023-01-20', '2023-01-15', 'RAIL'), (3, 2, 4, '2023-03-03', '2023-03-05', '2023-03-04', 'AIR'),
    (4, 3, 1, '2024-02-09', '2024-02-03', '2024-02-10', 'RAIL'), (5, 4, 2, '2023-05-02', '2023-05-09', '2023-05-06', 'AIR'),
    (6, 6, 9, '2024-07-02', '2024-07-01', '2024-07-05', 'RAIL'), (7, 6, 1, '2024-07-02', '2024-07-09', '2024-07-04', 'AIR'),
    (8, 7, 2, '2024-08-02', '2024-08-09', '2024-08-05', 'AIR');
"""

OVERLAY: dict[str, object] = {
    "tables": {
        "cust": {"synonyms": ["customer", "customers"],
                 "columns": {"cust_nm": {"synonyms": ["name"]}, "ctry": {"synonyms": ["country"]},
                             "seg": {"synonyms": ["segment"]}, "bal": {"synonyms": ["balance"]}}},
        "ord": {"synonyms": ["order", "orders"], "default_date": "ord_dt",
                "columns": {"ord_dt": {"synonyms": ["order date"]}, "stat": {"synonyms": ["status"]},
                            "amt": {"synonyms": ["order value", "total price"]}}},
        "line": {"synonyms": ["line item", "line items"],
                 "columns": {"qty": {"synonyms": ["quantity", "units"]}, "ship_dt": {"synonyms": ["ship date"]},
                             "commit_dt": {"synonyms": ["commit date"]},
                             "recv_dt": {"synonyms": ["receipt date", "date received"]}, "mode": {"synonyms": ["ship mode"]}}},
    },
    "metrics": [{"name": "sales", "synonyms": ["revenue"], "table": "ord", "sql": "SUM(amt)"},
                {"name": "number of orders", "table": "ord", "sql": "COUNT(*)"}],
}


@pytest.fixture(scope="module")
def shop() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    return memory_model(SCHEMA, OVERLAY)


def rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    c = plan(question, shop[1])
    assert c.sql is not None, (question, c.abstain_reason)
    return [tuple(str(v) if hasattr(v, "isoformat") else v for v in r) for r in shop[0].execute(c.sql).fetchall()]


@pytest.mark.parametrize("question, expected", [
    # the customers a count of their orders keeps, counted (not one count compared with 2)
    ("how many customers have placed more than 2 orders", [(2,)]),
    ("number of customers with at least 2 orders", [(3,)]),
    ("how many customers in japan placed at least 2 orders", [(2,)]),
    ("count of customers who placed over 2 orders in 2024", [(1,)]),
])
def test_groups_kept_by_a_count_of_their_rows_are_counted(
        shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, expected: list[tuple[object, ...]]) -> None:
    assert rows(shop, question) == expected


def test_fewer_than_is_not_counted_by_the_groups_a_having_keeps(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """A customer with no orders has fewer than 2 orders but no group of orders to be kept: not answered so."""
    c = plan("how many customers have fewer than 2 orders", shop[1])
    assert c.sql is None or shop[0].execute(c.sql).fetchall() == [(2,)], c.sql


JOBS = """
CREATE TABLE client (client_id INTEGER PRIMARY KEY, client_cd VARCHAR, client_nm VARCHAR, since_dt DATE);
INSERT INTO client VALUES (1, 'C1', 'Acme', '2023-05-01'), (2, 'C2', 'Bolt', '2024-03-01'),
    (3, 'C3', 'Acme', '2024-06-01');
CREATE TABLE job (job_id INTEGER PRIMARY KEY, client_id INTEGER REFERENCES client(client_id), job_nm VARCHAR,
    stat_cd VARCHAR, strt_dt DATE, cmpl_dt DATE, amt INTEGER, typ VARCHAR);
INSERT INTO job VALUES (1, 1, 'Barn', 'CMP', '2023-02-01', '2024-01-15', 100, 'NEW'),
    (2, 1, 'Shed', 'HLD', '2024-02-01', NULL, 40, 'ADD'), (3, 2, 'Deck', 'CMP', '2024-03-01', '2025-02-01', 70, 'ADD'),
    (4, 2, 'Dock', 'ACT', '2025-01-10', NULL, 90, 'NEW'), (5, 1, 'Wall', 'CMP', '2025-02-01', '2025-06-01', 20, 'REN');
CREATE TABLE chg (chg_id INTEGER PRIMARY KEY, job_id INTEGER REFERENCES job(job_id), rsn_cd VARCHAR,
    chg_amt INTEGER);
COMMENT ON COLUMN chg.rsn_cd IS 'Reason: OWN owner request, REG code or permit requirement.';
INSERT INTO chg VALUES (1, 1, 'OWN', 5), (2, 1, 'REG', 7), (3, 3, 'OWN', 2);
"""

JOBS_OVERLAY: dict[str, object] = {
    "instructions": ["Job status job.stat_cd is ACT in progress, CMP completed, HLD on hold, CXL cancelled.",
                     "Client names repeat; show client_cd with client_nm."],
    "tables": {
        "client": {"synonyms": ["clients"], "columns": {"client_nm": {"synonyms": ["name"]},
                                                        "since_dt": {"synonyms": ["client since"]}}},
        "job": {"synonyms": ["jobs", "projects"], "default_date": "strt_dt",
                "columns": {"strt_dt": {"synonyms": ["start date", "started"]},
                            "cmpl_dt": {"synonyms": ["completion date", "finished"]},
                            "stat_cd": {"values": ["ACT", "CMP", "HLD", "CXL"]},
                            "typ": {"synonyms": ["job type"], "values": ["NEW", "ADD", "REN"]},
                            "amt": {"synonyms": ["contract value"]}}},
        "chg": {"synonyms": ["change orders", "changes"], "columns": {"rsn_cd": {"synonyms": ["reason"]}}},
    },
    "metrics": [{"name": "contract value", "table": "job", "sql": "SUM(amt)"}],
    "filters": [{"name": "completed job", "synonyms": ["completed", "finished"], "table": "job",
                 "sql": "stat_cd = 'CMP'"}],
}


@pytest.fixture(scope="module")
def jobs() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    return memory_model(JOBS, JOBS_OVERLAY)


@pytest.mark.parametrize("question, expected", [
    # a code legend an instruction gives for the column ("HLD on hold"), as a description's would
    ("list the jobs that are on hold", [("Shed",)]),
    ("how many jobs are on hold", [(1,)]),
    # the last word of a column's own name said after its synonym ("reason code" of rsn_cd) is that name, not a
    # value whose label is the same word ("REG code or permit requirement")
    ("number of change orders by reason code", [("OWN", 2), ("REG", 1)]),
    # "started in 2024" is within 2024 ("starting" opens a period, "started" does not)
    ("contract value of jobs we started in 2024", [(110,)]),
    # "since" opens a period; it does not name the client-since date
    ("contract value since 2025", [(110,)]),
    # "finished" names a filter and the completion date: the period is of that date
    ("how many jobs did we finish in 2025", [(2,)]),
])
def test_words_of_states_dates_and_names(jobs: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                         expected: list[tuple[object, ...]]) -> None:
    assert sorted(rows(jobs, question), key=str) == sorted(expected, key=str)


@pytest.mark.parametrize("question, words", [("list the jobs that are on leave", "on leave"),
                                             ("how many jobs are at risk", "at risk")])
def test_a_state_the_model_does_not_name_is_declined(jobs: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                     question: str, words: str) -> None:
    c = plan(question, jobs[1])
    assert c.sql is None and words in [w.lower() for w in c.unknown_words], (c.sql, c.unknown_words)


@pytest.mark.parametrize("question, expected", [
    # a metric named before the comparison: its total per group, compared ("whose sales were above")
    ("customers whose sales were above 100", [("Ann", 220.0), ("Cid", 510.0)]),
    ("segments with sales above 1 thousand", []),
    # shorthand and nationalities spelled out where the model does not use the word itself
    ("sales by yr", [(2023, 180.0), (2024, 640.0)]),
    ("how many japanese customers", [(2,)]),
    # "row count" counts rows; "in the data" and "the company's" say nothing
    ("row count of orders per status", [("DONE", 6), ("OPEN", 3)]),
    ("the company's sales for every year in the data", [(2023, 180.0), (2024, 640.0)]),
])
def test_wordings(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                  expected: list[tuple[object, ...]]) -> None:
    assert sorted(rows(shop, question), key=str) == sorted(expected, key=str)


@pytest.mark.parametrize("question, first", [("sales by year, most recent first", (2024, 640.0)),
                                             ("sales by year, oldest first", (2023, 180.0))])
def test_periods_in_the_order_asked(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                    first: tuple[object, ...]) -> None:
    assert rows(shop, question)[0] == first


@pytest.mark.parametrize("question, words", [
    ("for my case write-up, how many customers", "case"),       # the speaker's own word is no stored value
    ("list the orders, most recent first", ""),                 # a list's dates in order: not yet, so declined
])
def test_declined(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, words: str) -> None:
    c = plan(question, shop[1])
    assert c.sql is None, c.sql
    assert not words or words in [w.lower() for w in c.unknown_words], c.unknown_words


def test_a_code_the_instructions_show_beside_a_repeating_name(jobs: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"show client_cd with client_nm": that code (not the surrogate key) beside the name, and grouped by."""
    c = plan("contract value by client", jobs[1], columns="helpful")
    assert c.sql is not None, c.abstain_reason
    assert sorted(jobs[0].execute(c.sql).fetchall()) == [("C1", "Acme", 160), ("C2", "Bolt", 160)]


def test_a_request_verb_first_is_no_stored_code(jobs: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'add the number of jobs' after a question: "add" asks for a measure, never the job type code ADD."""
    from nl2sql.planner.turns import plan_turn

    first = plan("contract value by year", jobs[1])
    assert first.sql is not None
    c = plan_turn("add the number of jobs", jobs[1], (("contract value by year", first.sql),))
    assert c.sql is not None and "'ADD'" not in c.sql, c.sql
    assert sorted(jobs[0].execute(c.sql).fetchall()) == [(2023, 100, 1), (2024, 110, 2), (2025, 110, 2)]


SITES = """
CREATE TABLE site (site_id INTEGER PRIMARY KEY, site_nm VARCHAR, note VARCHAR);
INSERT INTO site SELECT i, 'Lake Shore Medical Office Tower ' || i, CASE WHEN i % 2 = 0 THEN 'Revised plan per owner'
    ELSE 'Original plan kept' END FROM range(1, 81) t(i);
CREATE TABLE visit (visit_id INTEGER PRIMARY KEY, site_id INTEGER REFERENCES site(site_id), hrs INTEGER);
INSERT INTO visit SELECT i, 1 + i % 80, 2 FROM range(1, 201) t(i);
"""


def test_names_of_many_rows_and_prose() -> None:
    """A row's name among too many to sample names it whole, however long; a note's words are prose, no filter."""
    con, model = memory_model(SITES, {"tables": {"site": {"synonyms": ["sites"], "columns": {
        "site_nm": {"synonyms": ["site name"]}, "note": {"synonyms": ["note"]}}}, "visit": {"synonyms": ["visits"]}}})
    c = plan("how many visits did the Lake Shore Medical Office Tower 7 have", model)
    assert c.sql is not None and con.execute(c.sql).fetchall() == [(3,)], (c.sql, c.abstain_reason)
    assert plan("how many revised sites", model).sql is None


def test_two_dates_of_a_row_compared(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'shipped after their commit date': the date the verb names against the one named after "after", per row;
    never a grouping by the second date, and declined when no verb says which date is compared."""
    assert rows(shop, "count the line items that shipped after their commit date") == [(3,)]
    assert rows(shop, "how many line items were received before their commit date") == [(5,)]
    c = plan("line items with a quantity after the commit date", shop[1])
    assert c.sql is None, c.sql


def test_follow_ups_narrow_by_a_word_of_the_name_and_count_beside(shop: tuple[duckdb.DuckDBPyConnection,
                                                                             SemanticModel]) -> None:
    """'only customers with an in the name' narrows the breakdown by a word of the name (the name column said after
    it is that value's); 'count them too' shows how many rows each group holds beside its measure."""
    from nl2sql.planner.turns import plan_turn

    first = "average balance by segment"
    history = ((first, plan(first, shop[1]).sql),)
    second = plan_turn("only customers with ann in the name", shop[1], history)
    assert second.sql is not None, second.abstain_reason
    assert shop[0].execute(second.sql).fetchall() == [("RETAIL", 10.0)]
    third = plan_turn("count them too", shop[1], (*history, ("only customers with ann in the name", second.sql)))
    assert third.sql is not None, third.abstain_reason
    assert shop[0].execute(third.sql).fetchall() == [("RETAIL", 10.0, 1)]


def test_excluding_the_counted_rows_with_a_condition_negates_the_condition(
        shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert rows(shop, "number of customers per segment excluding customers with a balance below 0") == \
        [("TRADE", 3), ("RETAIL", 1)]


@pytest.mark.parametrize("question, expected", [
    # "average number of orders" of a metric that counts rows: orders per customer (of the customers with orders)
    ("average number of orders per customer", [(2.25,)]),
    # "earliest and latest" before one date column: both aggregates of it
    ("earliest and latest ship date for each ship mode", [("AIR", "2023-01-10", "2024-08-02"),
                                                          ("RAIL", "2023-01-10", "2024-07-02")]),
])
def test_aggregates_said_as_superlatives_and_counts(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                    question: str, expected: list[tuple[object, ...]]) -> None:
    assert sorted(rows(shop, question), key=str) == sorted(expected, key=str)


@pytest.mark.parametrize("question, expected", [
    ("sales by segment in 2024 compared to last year", [("RETAIL", 180.0, 90.0), ("TRADE", None, 550.0)]),
    ("sales in 2024 vs the previous year", [(2023, 180.0), (2024, 640.0)]),
])
def test_a_year_said_relative_to_the_year_named(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                                 expected: list[tuple[object, ...]]) -> None:
    assert sorted(rows(shop, question), key=str) == sorted(expected, key=str)


def test_a_relative_year_with_no_year_named_is_declined(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert plan("sales last year", shop[1]).sql is None


@pytest.mark.parametrize("question, words", [
    ("for each segment, the customer with the most sales", "for each"),      # the top within each group
    ("what did each segment bring in during 2024", "bring in"),            # an amount the question does not name
])
def test_shapes_one_ranking_or_a_list_would_answer_wrongly_are_declined(
        shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str, words: str) -> None:
    c = plan(question, shop[1])
    assert c.sql is None and words in [w.lower() for w in c.unknown_words], (c.sql, c.unknown_words)


@pytest.mark.parametrize("question, expected", [
    ("how many customers have a balance of 7 and up", [(3,)]),          # "and up": at least
    ("which segments have more than 1 different customers", [("RETAIL",), ("TRADE",)]),
])
def test_numbers_with_their_words(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                  expected: list[tuple[object, ...]]) -> None:
    assert sorted(rows(shop, question), key=str) == sorted(expected, key=str)


def test_a_two_digit_year_in_a_follow_up(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'and 24' after a question about 2023 is 2024, not the top 24."""
    from nl2sql.planner.turns import plan_turn

    first = "sales by status in 2023"
    c = plan_turn("and 24", shop[1], ((first, plan(first, shop[1]).sql),))
    assert c.sql is not None and sorted(shop[0].execute(c.sql).fetchall()) == [("DONE", 580.0), ("OPEN", 60.0)]


def test_what_are_their_columns_keeps_the_rows_named(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'which customers are in japan, and what are their balances': the customers named beside their balances."""
    assert sorted(rows(shop, "which customers are in japan, and what are their balances")) == \
        [("Ann", 10.0), ("Cid", 20.0)]


def test_the_whole_of_a_share_said_before_its_verb(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'what share of retail sales does japan account for': retail is the whole, japan the part."""
    assert rows(shop, "what share of retail sales does japan account for") == [(220.0 / 270.0,)]


def test_an_adjective_two_filters_share_goes_with_the_rows_named() -> None:
    """"active" of an active account and of an active subscription: "active subscriptions" the subscriptions'."""
    con, model = memory_model("""
        CREATE TABLE acct (acct_id INTEGER PRIMARY KEY, cls_dt DATE);
        INSERT INTO acct VALUES (1, NULL), (2, '2024-01-01');
        CREATE TABLE subn (subn_id INTEGER PRIMARY KEY, acct_id INTEGER REFERENCES acct(acct_id), end_dt DATE);
        INSERT INTO subn VALUES (1, 1, '2024-02-01'), (2, 2, NULL), (3, 1, NULL);""", {
        "tables": {"acct": {"synonyms": ["accounts"]}, "subn": {"synonyms": ["subscriptions", "subs"]}},
        "filters": [{"name": "open account", "synonyms": ["active account"], "table": "acct", "sql": "cls_dt IS NULL"},
                    {"name": "active subscription", "table": "subn", "sql": "end_dt IS NULL"}]})
    c = plan("how many active subs", model)
    assert c.sql is not None and con.execute(c.sql).fetchall() == [(2,)], (c.sql, c.abstain_reason)


def test_swap_in_a_year(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'swap in 2024 instead': the year replaced, as "what about 2024" does."""
    from nl2sql.planner.turns import plan_turn

    first = "sales by status in 2023"
    c = plan_turn("swap in 2024 instead", shop[1], ((first, plan(first, shop[1]).sql),))
    assert c.sql is not None and sorted(shop[0].execute(c.sql).fetchall()) == [("DONE", 580.0), ("OPEN", 60.0)]


def test_a_value_then_a_request_for_names_keeps_the_request(shop: tuple[duckdb.DuckDBPyConnection,
                                                                        SemanticModel]) -> None:
    """'only TRADE, list their names': the names are asked for, not the value's own column said again."""
    from nl2sql.planner.turns import plan_turn

    history: list[tuple[str, str | None]] = []
    for q in ("how many customers never placed an order?", "split that by segment", "only TRADE, list their names"):
        c = plan_turn(q, shop[1], tuple(history))
        assert c.sql is not None, (q, c.abstain_reason)
        history.append((q, c.sql))
    assert shop[0].execute(history[-1][1] or "").fetchall() == [("Eve",)]


def test_add_asks_for_a_column_unless_it_adds_rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'add total sales' after a breakdown is a column; 'add a new customer named Bob' changes data: declined."""
    from nl2sql.planner.turns import plan_turn

    first = "number of orders by status"
    c = plan_turn("add total sales", shop[1], ((first, plan(first, shop[1]).sql),))
    assert c.sql is not None and sorted(shop[0].execute(c.sql).fetchall()) == [("DONE", 6, 660.0), ("OPEN", 3, 160.0)]
    declined = plan("add a new customer named Bob", shop[1])
    assert declined.sql is None and "add" in declined.unknown_words
    assert rows(shop, "how many units do the line items add up to") == [(27,)]


def test_a_filter_with_a_subquery_keeps_the_subquery_columns_its_own() -> None:
    """'active members' defined as mbr_id IN (SELECT mbr_id FROM mshp WHERE end_dt IS NULL): the subquery's columns
    are the subquery's tables', never bound to the filter's own table (which has no end_dt)."""
    con, model = memory_model("""
        CREATE TABLE mbr (mbr_id INTEGER PRIMARY KEY, emp VARCHAR);
        INSERT INTO mbr VALUES (1, 'Acme'), (2, 'Acme'), (3, 'Bolt');
        CREATE TABLE mshp (mshp_id INTEGER PRIMARY KEY, mbr_id INTEGER REFERENCES mbr(mbr_id), end_dt DATE);
        INSERT INTO mshp VALUES (1, 1, NULL), (2, 2, '2024-01-01'), (3, 3, NULL);""", {
        "tables": {"mbr": {"synonyms": ["members"], "columns": {"emp": {"synonyms": ["employer"]}}},
                   "mshp": {"synonyms": ["memberships"]}},
        "filters": [{"name": "active member", "synonyms": ["active members"], "table": "mbr",
                     "sql": "mbr_id IN (SELECT mbr_id FROM mshp WHERE end_dt IS NULL)"}]})
    c = plan("how many active members does each employer have", model)
    assert c.sql is not None, c.abstain_reason
    assert sorted(con.execute(c.sql).fetchall()) == [("Acme", 1), ("Bolt", 1)]


def test_add_a_value_says_how(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """'add AIR' after RAIL's series: beside it or added up is not said, so declined; 'add AIR too' keeps both."""
    from nl2sql.planner.turns import plan_turn

    first = "quantity shipped by RAIL each year"
    history = ((first, plan(first, shop[1]).sql),)
    assert history[0][1] is not None
    assert plan_turn("add AIR", shop[1], history).sql is None
    kept = plan_turn("add AIR too", shop[1], history)
    assert kept.sql is not None and "'RAIL'" in kept.sql and "'AIR'" in kept.sql, kept.sql


def test_a_metric_dated_by_an_instruction() -> None:
    """"Billings are dated by the invoice date inv.inv_dt; collections by the payment date inv.paid_dt": cash
    collected in a period is by payment date, billings by invoice date (the table's default)."""
    con, model = memory_model("""
        CREATE TABLE inv (inv_id INTEGER PRIMARY KEY, inv_dt DATE, paid_dt DATE, inv_amt INTEGER, paid_amt INTEGER);
        INSERT INTO inv VALUES (1, '2024-12-20', '2025-01-10', 100, 90), (2, '2025-01-05', '2025-02-01', 50, 50),
            (3, '2025-01-20', NULL, 70, NULL);""", {
        "instructions": ["Billings are dated by the invoice date inv.inv_dt; collections (cash received) by the "
                         "payment date inv.paid_dt."],
        "tables": {"inv": {"synonyms": ["invoices"], "default_date": "inv_dt"}},
        "metrics": [{"name": "amount billed", "synonyms": ["billings"], "table": "inv", "sql": "SUM(inv_amt)"},
                    {"name": "cash collected", "synonyms": ["collections"], "table": "inv", "sql": "SUM(paid_amt)"}]})
    for question, expected in (("cash collected in January 2025", [(90,)]), ("amount billed in January 2025", [(120,)])):
        c = plan(question, model)
        assert c.sql is not None and con.execute(c.sql).fetchall() == expected, (question, c.sql, c.abstain_reason)
