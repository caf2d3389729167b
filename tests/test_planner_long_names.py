"""A row's name of many words ("Lone Star Toyota Austin") is matched whole, like any value of a name column,
while a column of remarks (long free text) still names nothing: its words would match anything."""

from __future__ import annotations

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner import plan
from tests.planner_cases import memory_model

SCHEMA = """
CREATE TABLE shop (shop_id INTEGER PRIMARY KEY, shop_nm VARCHAR, note_txt VARCHAR);
CREATE TABLE job (job_id INTEGER PRIMARY KEY, shop_id INTEGER REFERENCES shop(shop_id), amt INTEGER);
INSERT INTO shop VALUES
    (1, 'Blue Ridge Ford Austin', 'roof leaks when it rains hard'),
    (2, 'Blue Ridge Ford Dallas North', 'parking lot needs repaving soon'),
    (3, 'Blue Ridge Kia Oklahoma City', 'manager asked for more staff');
INSERT INTO job VALUES (1, 1, 10), (2, 1, 20), (3, 2, 5), (4, 3, 7);
"""

OVERLAY = {
    "tables": {
        "shop": {"synonyms": ["shops"], "columns": {"shop_nm": {"synonyms": ["shop name"]},
                                                     "note_txt": {"synonyms": ["note"]}}},
        "job": {"synonyms": ["jobs"]},
    },
    "metrics": [{"name": "job value", "table": "job", "sql": "SUM(amt)"}],
}


@pytest.fixture(scope="module")
def shops() -> tuple[duckdb.DuckDBPyConnection, SemanticModel]:
    return memory_model(SCHEMA, OVERLAY)


@pytest.mark.parametrize(("question", "want"), [
    ("how many jobs at Blue Ridge Ford Austin", [(2,)]),
    ("job value of blue ridge kia oklahoma city", [(7,)]),
    ("number of jobs at Blue Ridge Ford Dallas North", [(1,)]),
])
def test_a_long_name_is_a_value(shops: tuple[duckdb.DuckDBPyConnection, SemanticModel], question: str,
                                want: list[tuple[object, ...]]) -> None:
    con, model = shops
    c = plan(question, model)
    assert c.sql, (question, c.abstain_reason)
    assert con.execute(c.sql).fetchall() == want


def test_remarks_name_nothing(shops: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    c = plan("how many jobs at shops where the roof leaks when it rains hard", shops[1])
    assert c.sql is None or "roof leaks" not in c.sql, c.sql
