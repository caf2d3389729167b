"""The offline planner on Spider dev, models built from each SQLite catalog (no overlay).

Skips when the Spider pack is absent. Gold and predicted SQL are rewritten as Spider's official execution
evaluator does (``official_sql``: DISTINCT dropped, ...) and compared with its strict match
(``result_eq``: the same columns, rows as bags, in order when the gold orders them). The bar is precision
on what the planner answers; the answered count is a floor that catches regressions.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from catalog_semantics.model import SemanticModel
from nl2sql.eval.score import official_sql, order_matters, result_eq
from nl2sql.planner import plan


def _model(path: Path) -> SemanticModel:
    """The model a bare SQLite catalog gives, read as the eval harness reads it (no overlay)."""
    from catalog_semantics.overlay import model_from_catalog
    from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse

    warehouse = SqlAlchemyWarehouse.sqlite_file(path)
    try:
        return model_from_catalog(warehouse.read_catalog())
    finally:
        warehouse.close()


def _rows(path: Path, sql: str) -> list[tuple] | None:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.text_factory = lambda b: b.decode(errors="replace")
    try:
        return con.execute(sql).fetchall()
    except sqlite3.Error:
        return None
    finally:
        con.close()


def test_strict_precision_on_answered_spider_questions(spider: Path) -> None:
    examples = json.loads((spider / "dev.json").read_text())
    models: dict[str, SemanticModel] = {}
    answered = right = 0
    wrong: list[str] = []
    for ex in examples:
        db = ex["db_id"]
        path = spider / "database" / db / f"{db}.sqlite"
        if not path.exists():                  # wta_1's file is not in the pack
            continue
        if db not in models:
            models[db] = _model(path)
        cand = plan(ex["question"], models[db], dialect="sqlite")
        if cand.abstained:
            assert cand.abstain_reason
            continue
        answered += 1
        gold_sql = official_sql(ex["query"])
        gold = _rows(path, gold_sql) or []
        got = _rows(path, official_sql(cand.sql or "", predicted=True))
        if got is not None and result_eq(gold, got, ordered=order_matters(gold_sql)):
            right += 1
        else:
            wrong.append(f"[{db}] {ex['question']}")
    assert answered >= 260, answered
    assert right / answered >= 0.90, (right, answered, wrong)
