"""General words read as data (issue 10, session 9): an event verb that a date's synonyms use ("granted in 2024"),
"new" rows dated by their own date, signs ("negative"), a count threshold on a named filter's rows ("2 or more
active credits"), ordering words ("fewest first"), a value before the column it qualifies after "for each", a value
said as the thing counted ("number of mortgages by status"), two years compared ("compare with"), "distinct" rows
counted by key, and a measure restated ("with the amounts"); on a small credit-union model of this test's own."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
from catalog_semantics.model import SemanticModel
from catalog_semantics.overlay import apply_overlay, parse_overlay
from nl2sql.planner import plan

SCHEMA = """
CREATE TABLE office (office_id INTEGER PRIMARY KEY, office_nm VARCHAR, region_cd VARCHAR);
CREATE TABLE product (prod_cd VARCHAR PRIMARY KEY, prod_nm VARCHAR);
CREATE TABLE member (member_id INTEGER PRIMARY KEY, member_nm VARCHAR, office_id INTEGER REFERENCES office(office_id),
    join_dt DATE, bal INTEGER);
CREATE TABLE credit (credit_id INTEGER PRIMARY KEY, member_id INTEGER REFERENCES member(member_id),
    prod_cd VARCHAR REFERENCES product(prod_cd), issue_dt DATE, amt INTEGER, stat_cd VARCHAR);
CREATE TABLE claim (claim_id INTEGER PRIMARY KEY, member_id INTEGER REFERENCES member(member_id), filed_dt DATE,
    closed_dt DATE);
INSERT INTO office VALUES (1, 'Harbour', 'N'), (2, 'Hillside', 'S');
INSERT INTO product VALUES ('HM', 'Home Mortgage'), ('BM', 'Boat Mortgage'), ('CL', 'Car Loan');
INSERT INTO member VALUES (1, 'Ann', 1, '2023-03-01', -50), (2, 'Bob', 1, '2024-02-01', 200),
    (3, 'Cem', 2, '2024-06-01', 0);
INSERT INTO credit VALUES (1, 1, 'HM', '2023-05-01', 1000, 'A'), (2, 1, 'CL', '2024-01-10', 300, 'A'),
    (3, 2, 'BM', '2024-03-01', 500, 'C'), (4, 3, 'HM', '2024-07-01', 800, 'A'), (5, 1, 'BM', '2024-08-01', 100, 'A');
INSERT INTO claim VALUES (1, 1, '2023-02-01', '2023-03-01'), (2, 2, '2024-04-01', NULL);
"""

OVERLAY = {
    "tables": {
        "office": {"synonyms": ["offices"]},
        "product": {"synonyms": ["products"]},
        "member": {"synonyms": ["members"], "default_date": "join_dt",
                   "columns": {"join_dt": {"synonyms": ["date enrolled", "enrolled on"]},
                               "bal": {"synonyms": ["balance"]}}},
        "credit": {"synonyms": ["credits"], "default_date": "issue_dt",
                   "columns": {"issue_dt": {"synonyms": ["granted on", "date granted"]},
                               "amt": {"synonyms": ["credit amount"]},
                               "stat_cd": {"description": "A active, C closed.", "synonyms": ["credit status"]}}},
        "claim": {"synonyms": ["claims", "claim"], "default_date": "filed_dt",
                  "columns": {"filed_dt": {"synonyms": ["lodged on"]}, "closed_dt": {"synonyms": ["closed on"]}}},
    },
    "metrics": [{"name": "credit volume", "synonyms": ["amount advanced"], "table": "credit", "sql": "SUM(amt)"}],
    "filters": [{"name": "active credit", "synonyms": ["active credits"], "table": "credit", "sql": "stat_cd = 'A'"}],
}


@pytest.fixture(scope="module")
def union() -> SemanticModel:
    con = duckdb.connect()
    con.execute(SCHEMA)
    return apply_overlay(read_duckdb_catalog(con), parse_overlay(OVERLAY))


def _sql(question: str, model: SemanticModel) -> str:
    c = plan(question, model)
    assert c.sql is not None, c.abstain_reason
    return c.sql


@pytest.mark.parametrize("question, date", [("how many credits were granted in 2024", "issue_dt"),
                                            ("number of claims lodged in 2023", "filed_dt"),
                                            ("members enrolled in 2024 by office", "join_dt")])
def test_a_participle_of_a_dates_synonym_dates_the_rows(union: SemanticModel, question: str, date: str) -> None:
    sql = _sql(question, union)
    assert f"{date} >= CAST('20" in sql, sql


@pytest.mark.parametrize("question, date", [("new members per office in 2024", "member.join_dt"),
                                            ("how many new credits in 2023", "credit.issue_dt")])
def test_new_rows_with_a_period_are_dated_by_their_own_date(union: SemanticModel, question: str, date: str) -> None:
    sql = _sql(question, union)
    assert f"{date} >= CAST(" in sql, sql


def test_new_rows_without_a_period_are_declined_naming_the_word(union: SemanticModel) -> None:
    c = plan("list the new members", union)
    assert c.sql is None and "new" in (c.abstain_reason or ""), c.sql


@pytest.mark.parametrize("question, op", [("members whose balance is negative", "< 0"),
                                          ("how many members have a positive balance", "> 0")])
def test_a_sign_compares_the_column_with_zero(union: SemanticModel, question: str, op: str) -> None:
    assert f"member.bal {op}" in _sql(question, union)


@pytest.mark.parametrize("question, n", [("members holding 2 or more active credits", "2"),
                                         ("which members have 3 or more active credits?", "3")])
def test_a_count_threshold_counts_the_rows_a_named_filter_keeps(union: SemanticModel, question: str, n: str) -> None:
    sql = _sql(question, union)
    assert "stat_cd = 'A'" in sql and f"HAVING COUNT(*) >= {n}" in sql, sql


@pytest.mark.parametrize("question, direction", [("number of members per office, fewest first", "ASC"),
                                                 ("credit volume by office, lowest to highest", "ASC"),
                                                 ("credit volume by office, most first", "DESC")])
def test_ordering_words_set_the_direction(union: SemanticModel, question: str, direction: str) -> None:
    sql = _sql(question, union)
    assert sql.endswith(direction), sql


@pytest.mark.parametrize("question", ["average credit amount for each mortgage product name",
                                      "credit volume by mortgage product name"])
def test_a_value_before_its_own_column_filters_the_grouping(union: SemanticModel, question: str) -> None:
    sql = _sql(question, union)
    assert "LIKE '%mortgage%'" in sql and "GROUP BY product.prod_nm" in sql, sql


@pytest.mark.parametrize("question", ["number of mortgages by credit status", "how many mortgages per credit status"])
def test_a_value_said_as_the_counted_noun_counts_the_rows_below_it(union: SemanticModel, question: str) -> None:
    sql = _sql(question, union)
    assert "FROM main.credit" in sql and "LIKE '%mortgage%'" in sql and "GROUP BY credit.stat_cd" in sql, sql


def test_a_value_said_as_the_counted_noun_with_nothing_below_is_declined(union: SemanticModel) -> None:
    assert plan("how many mortgages", union).sql is None


@pytest.mark.parametrize("question", ["How did credit volume in 2024 compare with 2023 by office?",
                                      "credit volume in 2023 compared against 2024, per office"])
def test_two_years_compared_are_side_by_side(union: SemanticModel, question: str) -> None:
    sql = _sql(question, union)
    assert "AS credit_volume_2023" in sql and "AS credit_volume_2024" in sql, sql


@pytest.mark.parametrize("question", ["number of distinct members with credits granted in 2024, per office",
                                      "how many unique members got credits in 2024 per office"])
def test_distinct_rows_are_counted_by_their_key(union: SemanticModel, question: str) -> None:
    sql = _sql(question, union)
    assert "COUNT(DISTINCT member.member_id)" in sql and "GROUP BY office" in sql, sql


@pytest.mark.parametrize("question", ["top 2 offices by credit volume, with the amounts",
                                      "which 2 members had the highest credit volume, with their totals please"])
def test_a_measure_restated_adds_nothing(union: SemanticModel, question: str) -> None:
    sql = _sql(question, union)
    assert "SUM(credit.amt) AS credit_volume" in sql and sql.endswith("LIMIT 2"), sql


def test_an_amount_word_with_no_measure_is_still_a_column(union: SemanticModel) -> None:
    assert "credit.amt" in _sql("list credits with the amounts", union)


@pytest.mark.parametrize("question, op", [("credits with a credit amount of 500 or larger", ">= 500"),
                                          ("credits with a credit amount of 300 or smaller", "<= 300")])
def test_a_comparison_said_after_the_number(union: SemanticModel, question: str, op: str) -> None:
    assert f"credit.amt {op}" in _sql(question, union)


@pytest.mark.parametrize("question, sql", [
    ("how many credits have more than 400 in credit volume", "SELECT COUNT(*) AS credit_count FROM main.credit WHERE credit.amt > 400"),
    ("credits with less than 400 credit volume", "WHERE credit.amt < 400")])
def test_a_metric_of_the_rows_own_column_compares_each_row(union: SemanticModel, question: str, sql: str) -> None:
    assert sql in _sql(question, union)


def test_a_metric_of_other_rows_is_still_a_total_per_group(union: SemanticModel) -> None:
    assert "HAVING SUM(credit.amt) > 400" in _sql("members with more than 400 in credit volume", union)


@pytest.mark.parametrize("question", ["Compare the credit volume in 2024 with 2023",
                                      "compare the number of credits in 2023 to 2024"])
def test_compare_makes_two_years_a_pair_not_a_range(union: SemanticModel, question: str) -> None:
    sql = _sql(question, union)
    assert "GROUP BY YEAR(credit.issue_dt)" in sql, sql


def test_a_range_without_compare_stays_one_total(union: SemanticModel) -> None:
    sql = _sql("number of credits from 2023 to 2024", union)
    assert "GROUP BY" not in sql and "issue_dt < CAST('2025-01-01'" in sql, sql


@pytest.mark.parametrize("question", ["credit volume by office, only counting active credits",
                                      "credit volume by office counting only active credits"])
def test_only_counting_narrows_the_rows_and_asks_no_count(union: SemanticModel, question: str) -> None:
    sql = _sql(question, union)
    assert "stat_cd = 'A'" in sql and "COUNT(" not in sql and "SUM(credit.amt)" in sql, sql


@pytest.mark.parametrize("question", ["members with zero credits", "how many members have zero credits"])
def test_zero_of_a_related_table_is_none_of_it(union: SemanticModel, question: str) -> None:
    assert "NOT EXISTS" in _sql(question, union)


@pytest.mark.parametrize("question, number", [("members whose balance is below zero", "< 0"),
                                              ("members with a balance above twelve", "> 12")])
def test_number_words_are_numbers_in_a_comparison(union: SemanticModel, question: str, number: str) -> None:
    assert f"member.bal {number}" in _sql(question, union)


@pytest.mark.parametrize("question", ["what percentage of Hillside members have a negative balance",
                                      "share of Hillside members that have a negative balance",
                                      "percentage of Hillside members with a negative balance"])
def test_word_order_settles_the_whole_and_the_part_of_a_share(union: SemanticModel, question: str) -> None:
    sql = _sql(question, union)
    assert "CASE WHEN member.bal < 0 THEN" in sql and "WHERE office.office_nm = 'Hillside'" in sql, sql


def test_a_share_whose_part_no_condition_holds_is_declined(union: SemanticModel) -> None:
    c = plan("share of closed credits that were issued in 2024", union)
    assert c.sql is None and "closed" in (c.abstain_reason or ""), c.sql


@pytest.mark.parametrize("question", ["number of claims per claim year", "how many claims by claim month"])
def test_a_tables_grain_is_of_the_date_its_rows_are_dated_by(union: SemanticModel, question: str) -> None:
    assert "claim.filed_dt)" in _sql(question, union) and "closed_dt" not in _sql(question, union)
