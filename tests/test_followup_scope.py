"""Follow-ups that change what the previous answer covers (helper wconv2, issue 10), on a small shop warehouse
written here, each as a conversation and the SQL its last turn should equal (executed on the data):

- "do that for all areas": the filter on what 'all' names is dropped (nl2sql/planner/edit_conditions.unpinned);
- "by area" after a breakdown by store: a grouping that the previous one lies inside rolls it up, unless the
  words keep both ("too");
- "how many of them are there" after a sum of a column or a metric named after its rows: those rows counted;
- "what manager do those stores have?" with no earlier answer: declined, not answered about every store;
- "show their area too" after a ranking of stores: the area beside each store, the top N kept
  (nl2sql/planner/conversation_beside.py);
- "put the number of sales next to it" beside that very count: declined (the words meant another measure);
- "drop the year" widens the period (and "drop the sale table" is still declined); "swap CARD for CASH"
  replaces one value by the other; "which month was best?" after a monthly series: its first month;
- "show their amount instead" after a count by store: the amount summed by store;
- "how many sales did those have in total" after a list of stores: their sales counted, one total (without
  "in total" it could be one count per store: declined).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner.turns import plan_turn
from tests.planner_cases import answered_history, assert_declined, small_warehouse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from planner_conversations import same_result

SHOP = """
CREATE TABLE area (area_id INTEGER PRIMARY KEY, area_nm VARCHAR);
CREATE TABLE store (store_id INTEGER PRIMARY KEY, store_nm VARCHAR, mgr_nm VARCHAR,
                    area_id INTEGER REFERENCES area (area_id));
CREATE TABLE sale (sale_id INTEGER PRIMARY KEY, store_id INTEGER REFERENCES store (store_id), sale_dt DATE,
                   sale_amt DECIMAL(8,2), pay_mthd VARCHAR);
INSERT INTO area VALUES (1, 'COAST'), (2, 'INLAND');
INSERT INTO store VALUES (1, 'Pier Shop', 'Ana', 1), (2, 'Beach Shop', 'Bo', 1), (3, 'Hill Shop', 'Cy', 2);
INSERT INTO sale VALUES (1, 1, '2024-01-05', 10, 'CARD'), (2, 1, '2024-02-05', 20, 'CASH'),
                        (3, 2, '2024-03-05', 5, 'CARD'), (4, 3, '2024-04-05', 40, 'CARD'),
                        (5, 3, '2024-05-05', 7, 'CASH'), (6, 2, '2023-06-05', 3, 'CASH');
"""

OVERLAY = """
name: shop
tables:
  area:
    synonyms: [areas, area]
    columns:
      area_nm: {synonyms: [area name], values: [COAST, INLAND]}
  store:
    synonyms: [stores, store, shops]
    columns:
      store_nm: {synonyms: [store name]}
      mgr_nm: {synonyms: [manager]}
  sale:
    synonyms: [sales, sale]
    columns:
      sale_amt: {synonyms: [amount, sale amount], format: currency}
      pay_mthd: {synonyms: [payment method], values: [CARD, CASH]}
metrics:
  - name: takings
    synonyms: [total takings]
    table: sale
    sql: SUM(sale_amt)
"""

BY_STORE = "SELECT st.store_nm, {m} FROM sale s JOIN store st ON s.store_id = st.store_id"
AREA_JOIN = " JOIN area a ON st.area_id = a.area_id"
ANSWERED = [
    # "for all areas": the area filter goes, "by area" rolls the stores up into their areas
    (["number of sales by store in COAST", "do that for all areas, by area"],
     "SELECT a.area_nm, COUNT(*) FROM sale s JOIN store st ON s.store_id = st.store_id" + AREA_JOIN
     + " GROUP BY a.area_nm"),
    (["number of sales by store in COAST", "do that for all areas"],
     BY_STORE.format(m="COUNT(*)") + " GROUP BY st.store_nm"),
    # a grouping the previous one lies inside, said with "too": both kept
    (["number of sales by store", "and by area too"],
     "SELECT st.store_nm, a.area_nm, COUNT(*) FROM sale s JOIN store st ON s.store_id = st.store_id" + AREA_JOIN
     + " GROUP BY st.store_nm, a.area_nm"),
    # a finer grouping after a coarser one still breaks it down
    (["number of sales by area", "break that down by store"],
     "SELECT a.area_nm, st.store_nm, COUNT(*) FROM sale s JOIN store st ON s.store_id = st.store_id" + AREA_JOIN
     + " GROUP BY a.area_nm, st.store_nm"),
    # the rows a sum adds up, counted
    (["total amount of CARD sales", "how many of them are there"],
     "SELECT COUNT(*) FROM sale WHERE pay_mthd = 'CARD'"),
    (["top 2 stores by total amount", "show their area too"],
     "SELECT st.store_nm, a.area_nm, SUM(s.sale_amt) AS t FROM sale s JOIN store st ON s.store_id = st.store_id"
     + AREA_JOIN + " GROUP BY st.store_nm, a.area_nm ORDER BY t DESC LIMIT 2"),
    (["top 2 stores by total amount", "add their manager"],
     "SELECT st.store_nm, st.mgr_nm, SUM(s.sale_amt) AS t FROM sale s JOIN store st ON s.store_id = st.store_id"
     " GROUP BY st.store_nm, st.mgr_nm ORDER BY t DESC LIMIT 2"),
    (["total amount by store in 2024", "drop the year"],
     BY_STORE.format(m="SUM(s.sale_amt)") + " GROUP BY st.store_nm"),
    (["total amount of CARD sales by store", "swap card for cash"],
     BY_STORE.format(m="SUM(s.sale_amt)") + " WHERE s.pay_mthd = 'CASH' GROUP BY st.store_nm"),
    (["total amount by month in 2024", "which month was best?"],
     "SELECT date_trunc('month', sale_dt) AS m, SUM(sale_amt) AS t FROM sale WHERE sale_dt >= DATE '2024-01-01'"
     " AND sale_dt < DATE '2025-01-01' GROUP BY m ORDER BY t DESC LIMIT 1"),
    (["number of sales by store", "show their amount instead"],
     BY_STORE.format(m="SUM(s.sale_amt)") + " GROUP BY st.store_nm"),
    (["list the stores in COAST", "how many sales did those have in total"],
     "SELECT COUNT(*) FROM sale s JOIN store st ON s.store_id = st.store_id" + AREA_JOIN + " WHERE a.area_nm = 'COAST'"),
]
DECLINED = [
    (["list the stores in COAST", "how many sales did those have"], ""),
    (["total amount by store in 2024", "drop the sale table"], "drop"),
    (["total amount by store in 2024", "which month was best?"], "month"),
    (["number of sales by store", "put the number of sales next to it"], "sale"),
    # a metric that does not name its rows: what "them" counts is a guess
    (["takings in 2024", "how many of them are there"], "how many"),
    # rows named as shown earlier, with nothing shown earlier
    (["what manager do those stores have?"], "those"),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    con, model = small_warehouse(tmp_path_factory.mktemp("shop"), SHOP, OVERLAY)
    yield con, model
    con.close()



@pytest.mark.parametrize(("turns", "gold"), ANSWERED)
def test_answered(turns: list[str], gold: str, shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = shop
    got = plan_turn(turns[-1], model, answered_history(model, turns[:-1]))
    assert got.sql is not None, (turns, got.abstain_reason)
    assert same_result(con, gold, got.sql), (turns, got.sql)


@pytest.mark.parametrize(("turns", "words"), DECLINED)
def test_declined(turns: list[str], words: str, shop: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    model = shop[1]
    assert_declined(plan_turn(turns[-1], model, answered_history(model, turns[:-1])), turns, words)
