"""Follow-up edits a user types after an answer (issue 10, item 5), on a small shop warehouse written here: a
measure added beside the previous one, a named filter swapped for another, a drill-down into one value of the
grouping, a number between "which" and the rows as the top N; each with a twin wording, and the declined shapes
beside them.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner.turns import plan_turn
from tests.planner_cases import answered_history, assert_answered, assert_declined, small_warehouse

SHOPS = """
CREATE TABLE area (area_id INTEGER PRIMARY KEY, area_nm VARCHAR);
CREATE TABLE town (town_id INTEGER PRIMARY KEY, town_nm VARCHAR, area_id INTEGER REFERENCES area (area_id));
CREATE TABLE shop (shop_id INTEGER PRIMARY KEY, shop_nm VARCHAR, town_id INTEGER REFERENCES town (town_id),
                   shop_kind VARCHAR, balance DECIMAL(10, 2));
CREATE TABLE vendor (vendor_id INTEGER PRIMARY KEY, vendor_nm VARCHAR, town_id INTEGER REFERENCES town (town_id),
                     balance DECIMAL(10, 2));
CREATE TABLE sale (sale_id INTEGER PRIMARY KEY, shop_id INTEGER REFERENCES shop (shop_id), sale_dt DATE,
                   amount DECIMAL(10, 2), sale_stat VARCHAR, channel VARCHAR);
INSERT INTO area VALUES (1, 'EUROPE'), (2, 'ASIA');
INSERT INTO town VALUES (1, 'Lyon', 1), (2, 'Porto', 1), (3, 'Osaka', 2);
INSERT INTO shop VALUES (1, 'Rue Neuve', 1, 'STREET', -20), (2, 'Ribeira', 2, 'WEB', 50),
                        (3, 'Dotonbori', 3, 'STREET', 10), (4, 'Bellecour', 1, 'MALL', -5);
INSERT INTO vendor VALUES (1, 'Fil Rouge', 1, 300), (2, 'Azulejo', 2, -40);
INSERT INTO sale VALUES (1, 1, '2023-01-05', 120, 'PAID', 'WEB'), (2, 2, '2023-01-20', 40, 'REFUNDED', 'STORE'),
                        (3, 3, '2023-02-02', 300, 'PAID', 'WEB'), (4, 4, '2023-02-11', 80, 'OPEN', 'STORE'),
                        (5, 1, '2024-03-03', 60, 'REFUNDED', 'WEB'), (6, 3, '2024-03-09', 500, 'PAID', 'STORE'),
                        (7, 4, '2024-04-01', 90, 'PAID', 'WEB');
"""

OVERLAY = """
name: shops
tables:
  area:
    columns:
      area_nm: {synonyms: [area name], values: [EUROPE, ASIA]}
  town:
    columns:
      town_nm: {synonyms: [town name]}
  shop:
    columns:
      shop_nm: {synonyms: [shop name]}
      shop_kind: {synonyms: [shop kind], values: [STREET, WEB, MALL]}
  sale:
    columns:
      sale_stat: {synonyms: [sale status], values: [PAID, REFUNDED, OPEN]}
      channel: {values: [WEB, STORE]}
metrics:
  - name: turnover
    table: sale
    sql: SUM(amount)
filters:
  - name: refunded sale
    synonyms: [refunded sales, refunded]
    table: sale
    sql: sale_stat = 'REFUNDED'
  - name: paid sale
    synonyms: [paid sales, paid]
    table: sale
    sql: sale_stat = 'PAID'
  - name: in the red
    synonyms: [negative balance]
    table: vendor
    sql: balance < 0
  - name: flagship shop
    synonyms: [flagship shops, flagship]
    table: shop
    sql: shop_nm = 'Rue Neuve'
  - name: large sale
    synonyms: [large sales, large]
    table: sale
    sql: amount > 100
"""

ANSWERED = [
    # a drill-down: the rows named before a value of the grouping become the grouping, filtered by the value
    (["turnover by area", "which towns in EUROPE contribute?"], ["town_nm", "'EUROPE'"], ["GROUP BY area"]),
    (["turnover by town", "what shops in Porto sold it?"], ["shop_nm", "'Porto'"], ["GROUP BY town"]),
    # ... said as a drill-down: the value filters, the grouping named replaces the previous one
    (["turnover by area", "drill into EUROPE by town"], ["town_nm", "'EUROPE'"], ["GROUP BY area"]),
    (["turnover by area", "zoom in on ASIA by shop"], ["shop_nm", "'ASIA'"], ["GROUP BY area"]),
    # "which of those had the lowest <measure>": the previous rows ranked by the measure they show
    (["turnover by town", "which of those towns had the lowest turnover?"], ["ORDER BY turnover ASC", "LIMIT 1"], []),
    (["turnover by shop", "which of them has the highest turnover"], ["ORDER BY turnover DESC", "LIMIT 1"], []),
    # a new N with a column shown beside each ranked row: the same ranking, N changed, the column beside
    (["top 2 shops by turnover", "make it the top 3 and show their town"], ["town_nm", "LIMIT 3"], []),
    (["top 2 shops by turnover", "show their town too"], ["town_nm", "LIMIT 2"], []),
    # ... where "only" narrows the same grouping, as before
    (["turnover by area", "only shops in EUROPE"], ["area_nm", "'EUROPE'"], ["shop_nm"]),
    # a number between "which" and a value said as an adjective of the rows: how many to show
    (["which 2 european shops have the highest turnover"], ["'EUROPE'", "LIMIT 2"], []),
    (["the 3 european shops with the highest turnover"], ["'EUROPE'", "LIMIT 3"], []),
    # a measure added beside the previous one ("add", "include"), rows of another table each counted once
    (["number of sales by channel", "add the turnover"], ["COUNT(", "SUM("], []),
    (["number of sales by channel", "include the turnover"], ["COUNT(", "SUM("], []),
    (["turnover by year", "add the number of distinct shops"], ["SUM(", "COUNT(DISTINCT"], []),
    # a named filter in place of another: said after "instead of", or "instead" with one filter of its table
    (["number of refunded sales by channel", "paid ones instead of refunded"], ["'PAID'"], ["'REFUNDED'"]),
    (["number of refunded sales by channel", "large sales instead"], ["amount > 100"], ["'REFUNDED'"]),
    (["number of large sales by channel", "refunded ones instead of large"], ["'REFUNDED'"], ["amount > 100"]),
    # a preposition before a named filter only says how the rows relate to it
    (["number of sales by channel", "only at flagship shops"], ["'Rue Neuve'"], []),
    (["number of sales by channel", "only to flagship shops"], ["'Rue Neuve'"], []),
    # a value two columns hold, said before a table's noun: that table's column
    (["turnover by town", "only WEB sales"], ["sale.channel = 'WEB'"], ["shop_kind"]),
    (["turnover by town", "only WEB shops"], ["shop.shop_kind = 'WEB'"], ["channel ="]),
    # ... and with no noun, the column of the rows measured
    (["turnover by town", "only WEB ones"], ["sale.channel = 'WEB'"], ["shop_kind"]),
    (["number of sales by town", "just the WEB ones"], ["sale.channel = 'WEB'"], ["shop_kind"]),
    # "group them by X instead", "group by X": the grouping replaced
    (["turnover by town", "group them by channel instead"], ["GROUP BY sale.channel"], ["town_nm"]),
    (["turnover by town", "group by channel"], ["GROUP BY sale.channel"], ["town_nm"]),
    (["number of sales by town", "and group it by channel"], ["GROUP BY sale.channel"], ["town_nm"]),
    # a filter dropped by name: said after "the filter on", or a period said with a removal verb
    (["turnover by channel for large sales in 2023", "remove the filter on large sales"], ["2023-01-01"],
     ["amount > 100"]),
    (["turnover by channel for large sales in 2023", "drop the filter on large sales and show 2024"],
     ["2024-01-01"], ["amount > 100", "2023-01-01"]),
    (["turnover by channel for large sales in 2023", "remove the year"], ["amount > 100"], ["2023-01-01"]),
    # a named filter about other rows, said of these: their own column of that name, as a first question reads it
    (["number of shops by town", "only those with a negative balance"], ["shop.balance < 0"], ["vendor"]),
    (["how many shops are there per area", "and how many of them are in the red?"], ["shop.balance < 0"], ["vendor"]),
]
DECLINED = [
    # a real write stays declined
    (["number of sales by channel", "add a new shop named Fresh Corner"], "add"),
    (["number of sales by channel", "remove the shops in Lyon from the list"], "remove"),
    # the other end of the ranking with a column beside: not read as the same ranking
    (["top 2 shops by turnover", "make it the bottom 3 and show their town"], "town"),
    # "instead of" a filter the previous question did not have
    (["number of sales by channel", "paid ones instead of large"], "large sale"),
]


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    con, model = small_warehouse(tmp_path_factory.mktemp("shops"), SHOPS, OVERLAY)
    yield con, model
    con.close()


@pytest.mark.parametrize(("turns", "has", "lacks"), ANSWERED)
def test_answered(turns: list[str], has: list[str], lacks: list[str],
                  shops: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = shops
    assert_answered(con, plan_turn(turns[-1], model, answered_history(model, turns[:-1])), turns, has, lacks)


@pytest.mark.parametrize(("turns", "words"), DECLINED)
def test_declined(turns: list[str], words: str, shops: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    model = shops[1]
    assert_declined(plan_turn(turns[-1], model, answered_history(model, turns[:-1])), turns, words)
