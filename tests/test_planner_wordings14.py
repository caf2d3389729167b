"""Rules from session 14 (issue 10), each on a small model of this test's own: a measure's name said with its
function words ("how many orders") whose last word starts a longer name ("order lines"); a verb of a date
("delivered", of the delivery date) dating the period, alone or inside a named filter's words; a value of a parent
table before the grouped rows ("for every european country"); words that ask for one figure or for measures side
by side; "ones" standing for the rows' noun after a named filter; a listed row's own column said after "with the";
two words of one text column's values searched at once; a table said after "and" in a list; a share "of them";
rows keyed inside a record (an invoice's lines) keeping the record's default filter; a value said of the rows
after it ("asian suppliers"); a follow-up saying an applied condition again; "and their" adding a measure.
The guards hold what must not change: the function words before their own measure, a named filter with no verb of
a date, a grouping of a value's own table.
"""

from __future__ import annotations

import datetime

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner import plan
from nl2sql.planner.turns import plan_turn
from tests.planner_cases import memory_model

SCHEMA = """
CREATE TABLE rgn (rgn_id INTEGER PRIMARY KEY, rgn_nm VARCHAR);
INSERT INTO rgn VALUES (1, 'EUROPE'), (2, 'ASIA');
CREATE TABLE ctry (ctry_id INTEGER PRIMARY KEY, ctry_nm VARCHAR, rgn_id INTEGER REFERENCES rgn(rgn_id));
INSERT INTO ctry VALUES (1, 'FRANCE', 1), (2, 'SPAIN', 1), (3, 'JAPAN', 2);
CREATE TABLE cust (cust_id INTEGER PRIMARY KEY, cust_nm VARCHAR, ctry_id INTEGER REFERENCES ctry(ctry_id),
    bal DOUBLE, kind VARCHAR, since_dt DATE);
INSERT INTO cust VALUES (1, 'Ann', 1, -5, 'SMALL RETAIL SHOP', '2023-05-01'),
    (2, 'Bob', 1, 10, 'LARGE RETAIL CHAIN', '2024-02-01'), (3, 'Cid', 2, 20, 'SMALL TRADE FIRM', '2024-03-01'),
    (4, 'Dee', 3, -7, 'LARGE TRADE FIRM', '2022-01-01'), (5, 'Eve', 3, 1, 'SMALL RETAIL SHOP', '2025-01-01');
CREATE TABLE ord (ord_id INTEGER PRIMARY KEY, cust_id INTEGER REFERENCES cust(cust_id), ord_dt DATE, stat VARCHAR,
    tot DOUBLE, prio VARCHAR);
INSERT INTO ord VALUES (1, 1, '2023-12-20', 'F', 100, 'HIGH'), (2, 1, '2024-03-01', 'F', 50, 'LOW'),
    (3, 2, '2024-05-01', 'O', 70, 'HIGH'), (4, 3, '2024-06-01', 'O', 30, 'LOW'), (5, 4, '2024-07-01', 'F', 20, 'LOW');
CREATE TABLE sup (sup_id INTEGER PRIMARY KEY, sup_nm VARCHAR, ctry_id INTEGER REFERENCES ctry(ctry_id));
INSERT INTO sup VALUES (1, 'Kobe Co', 3), (2, 'Lyon SA', 1);
CREATE TABLE line (line_id INTEGER PRIMARY KEY, ord_id INTEGER REFERENCES ord(ord_id), qty INTEGER, due_dt DATE,
    dlv_dt DATE, sup_id INTEGER REFERENCES sup(sup_id));
INSERT INTO line VALUES (1, 1, 5, '2023-12-28', '2024-01-03', 1), (2, 1, 3, '2023-12-28', '2023-12-27', 2),
    (3, 2, 4, '2024-03-10', '2024-03-12', 1), (4, 3, 1, '2024-05-10', '2024-05-09', 2),
    (5, 4, 2, '2024-06-10', '2024-06-20', 2), (6, 5, 9, '2024-07-10', '2024-07-11', 1),
    (7, 5, 1, '2024-12-30', '2025-01-04', 2);
CREATE TABLE inv (inv_id INTEGER PRIMARY KEY, inv_dt DATE, stat VARCHAR, paid_dt DATE, paid_amt DOUBLE);
INSERT INTO inv VALUES (1, '2024-02-01', 'OK', '2024-02-10', 15), (2, '2024-03-01', 'VOID', NULL, 0),
    (3, '2024-04-01', 'OK', NULL, 5);
CREATE TABLE subs (subs_id INTEGER PRIMARY KEY, cust_id INTEGER REFERENCES cust(cust_id), start_dt DATE, fee DOUBLE);
INSERT INTO subs VALUES (1, 1, '2024-02-01', 10), (2, 2, '2024-05-01', 20), (3, 3, '2025-01-10', 30);
CREATE TABLE inv_day (inv_id INTEGER REFERENCES inv(inv_id), day DATE, views INTEGER, PRIMARY KEY (inv_id, day));
INSERT INTO inv_day VALUES (1, '2024-02-02', 3), (2, '2024-03-02', 4);
CREATE TABLE inv_ln (inv_id INTEGER REFERENCES inv(inv_id), ln_no INTEGER, amt DOUBLE, PRIMARY KEY (inv_id, ln_no));
INSERT INTO inv_ln VALUES (1, 1, 10), (1, 2, 5), (2, 1, 100), (3, 1, 7);
"""

OVERLAY: dict[str, object] = {
    "tables": {
        "rgn": {"synonyms": ["region", "regions"], "columns": {"rgn_nm": {"synonyms": ["region name"]}}},
        "ctry": {"synonyms": ["country", "countries"], "columns": {"ctry_nm": {"synonyms": ["country name"]}}},
        "cust": {"synonyms": ["customer", "customers"],
                 "columns": {"cust_nm": {"synonyms": ["name"]}, "bal": {"synonyms": ["balance", "account balance"]},
                             "since_dt": {"synonyms": ["signup date"]}}},
        "ord": {"synonyms": ["order", "orders"], "default_date": "ord_dt",
                "columns": {"ord_dt": {"synonyms": ["order date", "signed date", "date"]}, "tot": {"synonyms": ["order total"]},
                            "stat": {"synonyms": ["order status"]}, "prio": {"synonyms": ["priority"]}}},
        "line": {"synonyms": ["order line", "order lines", "line items"],
                 "columns": {"qty": {"synonyms": ["quantity", "units", "quantity ordered"]}, "due_dt": {"synonyms": ["due date"]},
                             "dlv_dt": {"synonyms": ["delivery date"]}}},
        "sup": {"synonyms": ["supplier", "suppliers", "vendor", "vendors"],
                "columns": {"sup_nm": {"synonyms": ["supplier name"]}}},
        "inv": {"synonyms": ["invoice", "invoices"], "columns": {"paid_amt": {"synonyms": ["payments"]}}, "default_filter": "valid invoice", "default_date": "inv_dt"},
        "inv_ln": {"synonyms": ["invoice line", "invoice lines"]},
        "subs": {"synonyms": ["subscription", "subscriptions"], "columns": {"fee": {"synonyms": ["fee"]}}},
        "inv_day": {"synonyms": ["invoice views"], "columns": {"views": {"synonyms": ["views"]}}},
    },
    "metrics": [{"name": "number of orders", "synonyms": ["how many orders", "order count"], "table": "ord",
                 "sql": "COUNT(*)"},
                {"name": "bookings", "table": "ord", "sql": "SUM(tot)"},
                {"name": "units sold", "table": "line", "sql": "SUM(qty)"},
                {"name": "billed", "synonyms": ["billings"], "table": "inv_ln", "sql": "SUM(amt)"},
                {"name": "cash collected", "table": "inv", "sql": "SUM(paid_amt)"},
                {"name": "kg shipped", "table": "line", "sql": "SUM(qty)"}],
    "instructions": ["Payments are dated by inv.paid_dt.", "Shipments (kG shipped) are dated by line.dlv_dt."],
    "filters": [{"name": "late line", "synonyms": ["late", "delivered late"], "table": "line",
                 "sql": "dlv_dt > due_dt"},
                {"name": "open order", "synonyms": ["open orders", "open"], "table": "ord", "sql": "stat = 'O'"},
                {"name": "fulfilled order", "synonyms": ["fulfilled orders", "fulfilled"], "table": "ord",
                 "sql": "stat = 'F'"},
                {"name": "valid invoice", "table": "inv", "sql": "stat <> 'VOID'"},
                {"name": "void invoice", "synonyms": ["void invoices", "void"], "table": "inv", "sql": "stat = 'VOID'"},
                {"name": "settled invoice", "table": "inv", "sql": "paid_dt IS NOT NULL"},
                {"name": "current customer", "table": "cust", "sql": "bal >= 0"},
                {"name": "rush order", "synonyms": ["rush orders"], "table": "ord", "sql": "prio = 'HIGH'"},
                {"name": "returned line", "synonyms": ["sent back"], "table": "line", "sql": "qty >= 5"}],
}


@pytest.fixture(scope="module")
def shop() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    return memory_model(SCHEMA, OVERLAY)


def rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str) -> list[tuple[object, ...]]:
    c = plan(question, shop[1])
    assert c.sql is not None, (question, c.abstain_reason)
    return sorted(tuple(round(v, 4) if isinstance(v, float) else v for v in r) for r in shop[0].execute(c.sql).fetchall())


@pytest.mark.parametrize("question, expected", [
    ("how many order lines are there", [(7,)]),                 # 7 lines, not the 5 orders
    ("how many orders are there", [(5,)]),                      # guard: the measure's own name
])
def test_function_words_of_a_measure_before_a_longer_name(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                          question: str, expected: list[tuple[object, ...]]) -> None:
    assert rows(shop, question) == expected


@pytest.mark.parametrize("question, expected", [
    ("how many order lines were delivered in 2024", [(5,)]),            # by delivery date: lines 1, 3, 4, 5, 6
    ("how many order lines were delivered late in 2024", [(4,)]),       # late, delivered in 2024: 1, 3, 5, 6
    ("how many late order lines in 2024", [(4,)]),                      # guard: no verb, the order date: 3, 5, 6, 7
])
def test_a_verb_of_a_date_dates_the_period(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                           expected: list[tuple[object, ...]]) -> None:
    assert rows(shop, question) == expected


@pytest.mark.parametrize("question", ["number of customers for every european country",
                                      "customer count in each european country"])
def test_a_parent_value_before_the_grouped_rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel],
                                                question: str) -> None:
    assert rows(shop, question) == [("FRANCE", 2), ("SPAIN", 1)]


def test_guard_a_value_of_the_grouped_rows_own_table(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """Guard: a region's own name before "region" is not a filter of a parent (there is one region)."""
    assert rows(shop, "customer count by region") == [("ASIA", 2), ("EUROPE", 3)]


@pytest.mark.parametrize("question, expected", [
    ("total bookings on 2024 orders, just the one number pls", [(170.0,)]),
    ("bookings and order count for 2024, side by side", [(170.0, 4)]),
])
def test_one_figure_and_side_by_side(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                     expected: list[tuple[object, ...]]) -> None:
    assert rows(shop, question) == expected


def test_ones_stands_for_the_rows_noun(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    assert rows(shop, "average order total on open orders compared with fulfilled ones") == [
        ("F", 56.6667), ("O", 50.0)]


def test_a_listed_rows_column_after_with_the(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"a list of customers whose balance is below zero, with the balance next to each": which customer each
    balance is, as "with their balance" shows."""
    assert rows(shop, "a list of customers whose balance is below zero, with the balance next to each") == [
        ("Ann", -5.0), ("Dee", -7.0)]


def test_words_of_two_values_searched_in_one_column(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """No known kind holds both "retail" and "trade": both at once would keep no row, so the question is declined;
    one word alone is a filter."""
    c = plan("number of retail customers compared with trade customers", shop[1])
    assert c.sql is None and "retail" in c.unknown_words, c.sql
    assert rows(shop, "number of retail customers") == [(3,)]


def test_a_table_said_after_and_is_listed_not_the_owner(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"names and countries": the customers' names and their countries, not the countries' names."""
    assert rows(shop, "which customers have never ordered anything? names and countries") == [("Eve", "JAPAN")]


def test_a_share_of_them_takes_the_rows_said_before(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"for open orders in 2024, what fraction of them ...": open 2024 orders are the whole (2), one over 40."""
    assert rows(shop, "for open orders in 2024, what fraction of them had an order total above 40?") == [(0.5,)]


@pytest.mark.parametrize("question, expected", [
    ("billings in 2024", [(22.0,)]),                      # lines of the void invoice are not billed
    ("billings on void invoices in 2024", [(100.0,)]),    # guard: the question names the default's column
    ("total views in 2024", [(7,)]),                      # guard: a row keyed by its record and a day is no part
])
def test_rows_part_of_a_record_keep_its_default(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                                expected: list[tuple[object, ...]]) -> None:
    assert rows(shop, question) == expected


@pytest.mark.parametrize("question, expected", [
    ("units sold for our asian suppliers", [(18,)]),        # the suppliers' region: lines 1, 3, 6
    ("units sold for asian customers", [(10,)]),            # guard: the customers' region: lines 6, 7
])
def test_a_value_before_rows_is_said_of_them(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                             expected: list[tuple[object, ...]]) -> None:
    assert rows(shop, question) == expected


def test_a_follow_up_saying_a_condition_again_changes_nothing(
        shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """A follow-up whose condition is already applied (it comes back in another place) is declined, not the
    same answer again."""
    first = "bookings by country for open orders in 2024"
    sql = plan(first, shop[1]).sql
    assert sql is not None
    assert plan_turn("only open orders", shop[1], ((first, sql),)).sql is None


def test_and_their_adds_a_measure_of_the_same_rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    first = "how many customers with a negative balance in each country"
    sql = plan(first, shop[1]).sql
    assert sql is not None
    c = plan_turn("and their total balance", shop[1], ((first, sql),))
    assert c.sql is not None and sorted(shop[0].execute(c.sql).fetchall()) == [("FRANCE", 1, -5.0), ("JAPAN", 1, -7.0)]


def test_a_verb_of_a_date_with_nothing_reading_it_is_declined(
        shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"invoices that are paid" names the payment date; no period or filter reads it, so listing every invoice
    would ignore it: declined naming the filter that does."""
    c = plan("list the invoices that are paid", shop[1])
    assert c.sql is None and "settled invoice" in c.unknown_words, c.sql
    assert rows(shop, "list the settled invoices") == [(1,)]


def test_a_participle_of_the_owning_record_is_its_verb(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"order lines ordered in 2024": the lines are counted, dated by their order's date, not the orders."""
    assert rows(shop, "how many order lines ordered in 2024 were delivered late") == [(4,)]   # 3, 5, 6, 7
    assert rows(shop, "how many order lines ordered in 2024") == [(5,)]


def test_currently_names_the_filter_of_that_state(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"currently" with the customers named: the named filter "current customer"; where no filter of a named
    table starts with "current", the word adds nothing (the data records now)."""
    assert rows(shop, "how many customers does each country currently have") == [("FRANCE", 1), ("JAPAN", 1),
                                                                                ("SPAIN", 1)]
    assert rows(shop, "how many orders does each country currently have") == [("FRANCE", 3), ("JAPAN", 1), ("SPAIN", 1)]


def test_a_fillers_words_name_no_date(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"signed up" is a filler: its "sign" does not pick the orders' "signed date" over the customers' own."""
    assert rows(shop, "how many customers signed up in 2024") == [(2,)]


def test_two_values_said_of_the_same_rows_are_one_column(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"france vs japan customers": the customers' country both times (the second said of "customers", the
    default path anyway), each a row; said with "and", both at once, declined."""
    assert rows(shop, "bookings in 2024 from france vs japan customers") == [("FRANCE", 120.0), ("JAPAN", 20.0)]
    c = plan("bookings in 2024 from france customers and japan customers", shop[1])
    assert c.sql is None, c.sql


def test_ones_after_a_value_and_its_column(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"the LOW priority ones": a value, its column, then the rows' noun again (rush orders are HIGH)."""
    assert rows(shop, "bookings of rush orders compared with the LOW priority ones") == [("HIGH", 170.0),
                                                                                          ("LOW", 100.0)]


def test_a_counted_amount_with_its_event_adds_up_per_period(
        shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"quantity ordered per quarter": units said with their event add up, as "units shipped per mode" do."""
    assert [r[1] for r in rows(shop, "quantity ordered per quarter of 2024, by order date")] == [4, 3, 10]
    assert rows(shop, "quantity ordered per priority") == [("HIGH", 9), ("LOW", 16)]


def test_by_after_a_phrasal_verbs_participle_names_who(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"lines sent back by customers" names who did it, never a grouping by customer; with nothing else to read
    it by, the question is declined rather than grouped."""
    c = plan("what share of order lines were sent back by customers", shop[1])
    assert c.sql is None or "GROUP BY" not in c.sql, c.sql


def test_the_date_a_verb_names(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"by year, using the date the lines were delivered": the delivery date, not the orders' default date."""
    assert [r[1] for r in rows(shop, "units sold by year, using the date the lines were delivered")] == [3, 21, 1]


def test_and_when_shows_the_date_of_the_event(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"settled invoices and when": the date the filter requires set, beside the rows; "invoices that are paid
    and when": the verb's date, with the filter saying it happened."""
    assert rows(shop, "list the settled invoices and when") == [(1, datetime.date(2024, 2, 10))]
    assert rows(shop, "list the invoices that are paid and when") == [(1, datetime.date(2024, 2, 10))]


@pytest.mark.parametrize("question, first", [("bookings by country, biggest at the top", "FRANCE"),
                                             ("bookings by country, lowest at the top", "JAPAN")])
def test_at_the_top_says_the_direction(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                       first: str) -> None:
    c = plan(question, shop[1])
    assert c.sql is not None and shop[0].execute(c.sql).fetchall()[0][0] == first and "LIMIT" not in c.sql


@pytest.mark.parametrize("question, expected", [
    ("I shall need the number of orders in each quarter of 2024, in chronological order please", [1, 2, 1]),
    ("bookings for every year on record, from the earliest year to the most recent", [100.0, 170.0]),
    ("which country generated the most bookings over the whole history of the business", ["FRANCE"]),
    ("as of the latest data, how many open orders are there", [2]),
    ("wats the average balance of customers in france", [2.5]),
    ("bookings for the calendar year 2024", [170.0]),
])
def test_words_around_the_question(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                   expected: list[object]) -> None:
    """Politeness, the whole history, the data as it stands, a time order said in full, a typo of "what's"."""
    c = plan(question, shop[1])
    assert c.sql is not None, c.abstain_reason
    got = [r[-1] if len(r) > 1 and not isinstance(r[0], str) else r[0] for r in shop[0].execute(c.sql).fetchall()]
    assert [round(v, 4) if isinstance(v, float) else v for v in got] == expected


def test_which_of_those_ranks_by_one_measure_shown_alone(
        shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    first = "bookings and order count by country"
    sql = plan(first, shop[1]).sql
    assert sql is not None
    c = plan_turn("which of those countries has the highest bookings?", shop[1], ((first, sql),))
    assert c.sql is not None and shop[0].execute(c.sql).fetchall() == [("FRANCE", 220.0)]


def test_if_you_would_is_politeness(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    first = "bookings by country in 2024"
    sql = plan(first, shop[1]).sql
    assert sql is not None
    c = plan_turn("And for 2023, if you would.", shop[1], ((first, sql),))
    assert c.sql is not None and shop[0].execute(c.sql).fetchall() == [("FRANCE", 100.0)]


def test_another_value_put_beside_is_a_column(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"put LOW priority orders next to them" after HIGH ones per month: a count column each, both filtered."""
    first = "number of HIGH priority orders per month in 2024"
    sql = plan(first, shop[1]).sql
    assert sql is not None
    c = plan_turn("put LOW priority orders next to them", shop[1], ((first, sql),))
    assert c.sql is not None, c.abstain_reason
    got = [(m.month, a, b) for m, a, b in shop[0].execute(c.sql).fetchall()]
    assert got == [(3, 0, 1), (5, 1, 0), (6, 0, 1), (7, 0, 1)]


def test_every_row_again_after_a_top_one(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"the order count for every country instead" after the top country: every country, not the top one."""
    first = "which country has the most bookings in 2024"
    sql = plan(first, shop[1]).sql
    assert sql is not None
    c = plan_turn("show the order count for every country instead", shop[1], ((first, sql),))
    assert c.sql is not None and sorted(shop[0].execute(c.sql).fetchall()) == [("FRANCE", 2), ("JAPAN", 1),
                                                                               ("SPAIN", 1)]


def test_just_the_number_restates_the_count(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"Just the number": the count asked, not a column named "number" to group by."""
    assert rows(shop, "how many customers have a negative balance? just the number") == [(2,)]


def test_from_a_year_on_said_last_is_open(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"from 2024 on" at the end: 2024 and after, the yearly rows kept (also as a follow-up)."""
    assert rows(shop, "bookings by year from 2024 on") == [(2024, 170.0)]
    first = "bookings by year"
    sql = plan(first, shop[1]).sql
    assert sql is not None
    c = plan_turn("only from 2024 on", shop[1], ((first, sql),))
    assert c.sql is not None and shop[0].execute(c.sql).fetchall() == [(2024, 170.0)]


@pytest.mark.parametrize("question, expected", [
    ("cash collected in 2024", [(15.0,)]),    # "Payments", the column the metric adds up, are dated by paid_dt
    ("kg shipped in 2024", [(21,)]),          # "kG shipped" said in prose is the metric "kg shipped": dlv_dt
])
def test_an_instruction_dates_a_metric(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                       expected: list[tuple[object, ...]]) -> None:
    assert rows(shop, question) == expected


def test_which_of_the_counted_rows_lists_them(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"which of the FRANCE ones have a balance below 0?" after customers counted per country: those customers."""
    first = "how many customers does each country have"
    sql = plan(first, shop[1]).sql
    assert sql is not None
    c = plan_turn("which of the FRANCE ones have a balance below 0?", shop[1], ((first, sql),))
    assert c.sql is not None and shop[0].execute(c.sql).fetchall() == [("Ann",)]


def test_what_about_after_a_count_counts_again(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """Guard: "what about the fulfilled ones" after a count per group is the count again, not a list."""
    first = "how many open orders per priority"
    sql = plan(first, shop[1]).sql
    assert sql is not None
    c = plan_turn("what about fulfilled ones", shop[1], ((first, sql),))
    assert c.sql is not None and sorted(shop[0].execute(c.sql).fetchall()) == [("HIGH", 1), ("LOW", 2)]


def test_with_the_column_and_a_value_is_a_condition(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """Guard: "the customer with the name 'Ann'" names a condition; the name is not shown beside the rows."""
    c = plan("list the orders of the customer with the name 'Ann'", shop[1])
    assert c.sql is not None and sorted(shop[0].execute(c.sql).fetchall()) == [(1,), (2,)], c.sql


def test_and_how_many_adds_a_count_of_the_same_rows(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"and how many orders does each one have?" after an average per group: the count beside it."""
    first = "average order total by order status"
    sql = plan(first, shop[1]).sql
    assert sql is not None
    c = plan_turn("and how many orders does each one have?", shop[1], ((first, sql),))
    assert c.sql is not None, c.abstain_reason
    assert sorted((k, round(float(v), 4), n) for k, v, n in shop[0].execute(c.sql).fetchall()) == [
        ("F", 56.6667, 3), ("O", 50.0, 2)]


def test_a_value_included_too_widens_the_filter(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """Guard: "include LOW priority ones too" widens the filter (one count), never a column each."""
    first = "number of HIGH priority orders per month in 2024"
    sql = plan(first, shop[1]).sql
    assert sql is not None
    c = plan_turn("include LOW priority orders too", shop[1], ((first, sql),))
    assert c.sql is not None and [r[1] for r in shop[0].execute(c.sql).fetchall()] == [1, 1, 1, 1]


def test_a_verb_of_a_dates_first_word(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"subscriptions that started in 2024": start_dt, whose "start" the date comparison "starting" shares."""
    assert rows(shop, "average fee of subscriptions that started in 2024") == [(15.0,)]


def test_a_follow_ups_date_word_beside_a_column_name(shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    """"now by order status, for 2024 deliveries only": the delivery date; "order" of the column "order status"
    names no order date."""
    first = "units sold by order date year"
    sql = plan(first, shop[1]).sql
    assert sql is not None
    c = plan_turn("now by order status, for 2024 deliveries only", shop[1], ((first, sql),))
    assert c.sql is not None and sorted(shop[0].execute(c.sql).fetchall()) == [("F", 18), ("O", 3)], c.sql
