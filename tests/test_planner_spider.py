"""The offline planner on Spider dev databases, models built from each SQLite catalog (no overlay).

Skips when the Spider pack is absent. Predictions run with sqlite3 and are compared with the gold
results by the project's relaxed execution match; the bar is precision on what the planner answers.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from catalog_semantics.model import SemanticModel
from nl2sql.eval.score import official_sql, order_matters, relaxed_eq
from nl2sql.planner import plan

DATABASES = ("concert_singer", "singer", "poker_player", "orchestra", "employee_hire_evaluation")


def _model(path: Path) -> SemanticModel:
    import sqlalchemy as sa

    from catalog_semantics.adapters.sqlalchemy_reader import read_sqlalchemy_catalog
    from catalog_semantics.overlay import model_from_catalog

    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        return model_from_catalog(read_sqlalchemy_catalog(engine))
    finally:
        engine.dispose()


def test_precision_on_answered_spider_questions(spider: Path) -> None:
    examples = [e for e in json.loads((spider / "dev.json").read_text()) if e["db_id"] in DATABASES]
    models = {db: _model(spider / "database" / db / f"{db}.sqlite") for db in DATABASES}
    answered = right = 0
    wrong: list[str] = []
    for ex in examples:
        cand = plan(ex["question"], models[ex["db_id"]], dialect="sqlite")
        if cand.abstained:
            assert cand.abstain_reason
            continue
        answered += 1
        con = sqlite3.connect(f"file:{spider / 'database' / ex['db_id'] / (ex['db_id'] + '.sqlite')}?mode=ro",
                              uri=True)
        try:
            gold_sql = official_sql(ex["query"])
            gold = con.execute(gold_sql).fetchall()
            got = con.execute(cand.sql).fetchall()
        finally:
            con.close()
        if relaxed_eq(gold, got, ordered=order_matters(gold_sql)):
            right += 1
        else:
            wrong.append(ex["question"])
    assert answered >= 40, answered
    assert right / answered >= 0.85, wrong
