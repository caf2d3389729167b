"""Write the offline engine's per-question snapshot of the demo question sets (tests/snapshots/planner_demo.yaml).

For every question of fixtures/tpch/golden.yaml, golden_unseen.yaml, blind/business_a.yaml and
business_b.yaml (and, in tests/snapshots/planner_saas.yaml, of the blind SaaS model; in planner_heldout_c.yaml
and planner_logistics.yaml, of the held-out sets others wrote for issue 10): what the engine does (right, wrong, abstained, declined, false_answer) and the SQL it writes. tests/test_planner_questions.py
checks each question against it, so one regression is one failing test; run this after a deliberate change
and review the diff.

    python benchmarks/planner_snapshots.py [--db demo.duckdb]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import duckdb
import yaml

from catalog_semantics.model import SemanticModel
from nl2sql.eval.score import official_sql
from nl2sql.eval.score_ties import result_eq_up_to_ties
from nl2sql.planner import plan

ROOT = Path(__file__).resolve().parent.parent
SETS = ("fixtures/tpch/golden.yaml", "fixtures/tpch/golden_unseen.yaml", "fixtures/tpch/blind/business_a.yaml",
        "fixtures/tpch/blind/business_b.yaml")
SNAPSHOT = ROOT / "tests/snapshots/planner_demo.yaml"
SAAS_SETS = ("fixtures/blind_saas/questions.yaml",)
SAAS_SNAPSHOT = ROOT / "tests/snapshots/planner_saas.yaml"
SAAS_OVERLAY = ROOT / "fixtures/blind_saas/overlay.yaml"
# Held-out sets written by others (issue 10): business C over the demo model, and another business model.
HELDOUT_SETS = ("fixtures/tpch/heldout/business_c.yaml",)
HELDOUT_SNAPSHOT = ROOT / "tests/snapshots/planner_heldout_c.yaml"
LOGI_SETS = ("fixtures/heldout_logistics/questions.yaml",)
LOGI_SNAPSHOT = ROOT / "tests/snapshots/planner_logistics.yaml"
LOGI_OVERLAY = ROOT / "fixtures/heldout_logistics/overlay.yaml"


def build_saas(path: Path) -> Path:
    """The blind SaaS warehouse (fixtures/blind_saas/build.py, seeded: the same rows every time)."""
    return _build("blind_saas", path)


def build_logistics(path: Path) -> Path:
    """The held-out logistics warehouse (fixtures/heldout_logistics/build.py, seeded)."""
    return _build("heldout_logistics", path)


def _build(fixture: str, path: Path) -> Path:
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"{fixture}_build", ROOT / f"fixtures/{fixture}/build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Path(module.build(path))


def questions(sets: tuple[str, ...] = SETS) -> Iterator[dict[str, object]]:
    for name in sets:
        for q in yaml.safe_load((ROOT / name).read_text())["questions"]:
            yield {"set": name, **q}


def outcome(q: dict[str, object], model: SemanticModel, con: duckdb.DuckDBPyConnection) -> tuple[str, str | None]:
    cand = plan(str(q["question"]), model, columns=model.answer_columns)
    if q.get("expect") == "abstain" or not q.get("sql"):
        return ("declined" if cand.sql is None else "false_answer"), cand.sql
    if cand.sql is None:
        return ("clarify" if cand.choices else "abstained"), None
    gold_sql = official_sql(str(q["sql"]), keep_distinct=True)     # our sets, not Spider: DISTINCT counts
    gold = con.execute(gold_sql).fetchall()
    try:
        got = con.execute(official_sql(cand.sql, predicted=True, keep_distinct=True)).fetchall()
    except duckdb.Error:
        return "wrong", cand.sql
    return ("right" if result_eq_up_to_ties(gold, got, gold_sql) else "wrong"), cand.sql


def main() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from planner_conversations import demo

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="the demo DuckDB file")
    args = parser.parse_args()
    con, model = demo(args.db)
    write(SNAPSHOT, questions(), model, con)
    write(HELDOUT_SNAPSHOT, questions(HELDOUT_SETS), model, con)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        con, model = demo(build_saas(Path(tmp) / "saas.duckdb"), SAAS_OVERLAY)
        write(SAAS_SNAPSHOT, questions(SAAS_SETS), model, con)
        con.close()
        con, model = demo(build_logistics(Path(tmp) / "logistics.duckdb"), LOGI_OVERLAY)
        write(LOGI_SNAPSHOT, questions(LOGI_SETS), model, con)
        con.close()


def write(path: Path, qs: Iterator[dict[str, object]], model: SemanticModel, con: duckdb.DuckDBPyConnection) -> None:
    snap = {}
    for q in qs:
        result, sql = outcome(q, model, con)
        snap[str(q["id"])] = {"outcome": result, "sql": sql}
    path.write_text("# Written by benchmarks/planner_snapshots.py; checked by tests/test_planner_questions.py.\n"
                    + yaml.safe_dump(snap, sort_keys=False, width=200))
    counts: dict[str, int] = {}
    for v in snap.values():
        counts[v["outcome"]] = counts.get(v["outcome"], 0) + 1
    print(path.name, counts)


if __name__ == "__main__":
    main()
