"""Few-shot examples chosen by similarity: from verified queries in the product, from a train split in eval."""

from __future__ import annotations

import json
import runpy
import shutil
from pathlib import Path
from typing import Any

from nl2sql.eval.api import EvalRequest, evaluate
from nl2sql.llm.examples import ExamplePair, select_examples, skeleton
from nl2sql.settings import Settings
from tests.llm_stub import StubLlmServer
from tests.test_llm_defects import _assistant, school  # noqa: F401  (the school database fixture)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "eval"


def test_nearest_examples_with_distinct_skeletons_never_the_question_itself(demo_model) -> None:  # type: ignore[no-untyped-def]
    pool = (ExamplePair("How many orders are there?", "SELECT COUNT(*) FROM orders"),
            ExamplePair("How many customers are there?", "SELECT COUNT(*) FROM customer"),
            ExamplePair("How many parts are there?", "SELECT COUNT(*) FROM part"),
            ExamplePair("List the five largest orders", "SELECT * FROM orders ORDER BY o_totalprice DESC LIMIT 5"))
    picked = select_examples("How many suppliers are there?", pool, demo_model)
    assert picked[0].question.startswith("How many") and len({skeleton(p.sql) for p in picked}) == len(picked)
    assert all(p.question != "How many orders are there?" for p in select_examples("How many orders are there?",
                                                                                   pool, demo_model))


def test_verified_queries_become_examples_in_the_prompt(demo_model, demo_warehouse) -> None:  # type: ignore[no-untyped-def]
    from nl2sql.adapters.openai_llm import OpenAiLlm
    from nl2sql.pipeline import Assistant

    verified = demo_model.verified_queries[0]
    with StubLlmServer(responder=lambda body: "CANNOT ANSWER: measuring") as stub:
        settings = Settings(llm_base_url=stub.url, llm_api_key="k", llm_model="m", generator="llm")
        assistant = Assistant(demo_model, demo_warehouse, settings, llm=OpenAiLlm.from_settings(settings))
        assistant.ask(verified.question + " for each year", generators=("llm",))
        last = stub.requests[-1].messages[-1]["content"]
    assert "<examples>" in last and verified.sql.strip().split()[0] in last
    assert last.index("</examples>") < last.rindex("Question:")


def test_eval_train_split_feeds_examples_but_never_the_question_asked(tmp_path: Path) -> None:
    folder = tmp_path / "spider_tiny"
    shutil.copytree(FIXTURES / "spider_tiny", folder)
    runpy.run_path(str(FIXTURES / "build_dbs.py"))["build"](folder)
    seen: list[dict[str, Any]] = []

    def respond(body: dict[str, Any]) -> str:
        seen.append(body)
        return "CANNOT ANSWER: only looking"

    with StubLlmServer(responder=respond) as stub:
        settings = Settings(llm_base_url=stub.url, llm_api_key="k", llm_model="m", max_repairs=0)
        evaluate(EvalRequest(f"spider:{folder}", "llm", tmp_path / "run", resume=False, workers=1, limit=5,
                             examples=f"spider:{folder}"), settings=settings, progress_stream=None)
    questions = [e["question"] for e in json.loads((folder / "dev.json").read_text())]
    assert seen and any("<examples>" in b["messages"][-1]["content"] for b in seen)
    for body in seen:
        last = body["messages"][-1]["content"]
        asked = last.rsplit("Question: ", 1)[1]
        shown = last.split("</examples>")[0] if "</examples>" in last else ""
        assert f"Question: {asked}\n" not in shown, "the question being evaluated was shown as an example"
        assert asked in questions


# ------------------------------------------------------------------ value retrieval
def test_values_of_high_cardinality_columns_reach_the_prompt_with_typos(school: Path, llm_stub: StubLlmServer) -> None:
    llm_stub.script("```sql\nSELECT COUNT(*) FROM students WHERE last_name = 'Ng'\n```",
                    "```sql\nSELECT COUNT(*) FROM students\n```")
    assistant = _assistant(school, llm_stub)
    assistant.ask("How many students live in Pariss?")
    hints = llm_stub.requests[-1].messages[-1]["content"]
    assert "'Pariss' may mean 'Paris', a value of students.city" in hints
    quiet = _assistant(school, llm_stub, send_data_to_llm=False)
    quiet.ask("How many students live in Paris?")
    assert "Paris" not in llm_stub.requests[-1].messages[-1]["content"].split("Question:")[0]


def test_value_index_reads_distinct_values_through_the_guard(school: Path) -> None:
    from catalog_semantics.overlay import apply_overlay
    from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse
    from nl2sql.llm.value_index import read_value_index

    warehouse = SqlAlchemyWarehouse.sqlite_file(school)
    index = read_value_index(apply_overlay(warehouse.read_catalog(), None), warehouse, per_column=1)
    assert any(h.value == "Bachelor" for h in index.match("the bachelor programs"))
    cities = {h.value for h in index.match("students in Paris or Rome") if h.column == "city"}
    assert len(cities) == 1                                              # one distinct value read per column


def test_values_of_tables_a_principal_may_not_read_never_reach_the_prompt(school: Path, llm_stub: StubLlmServer) -> None:
    from catalog_semantics.scope import Principal

    llm_stub.responder = lambda body: "```sql\nSELECT COUNT(*) FROM students\n```"
    everyone = _assistant(school, llm_stub)
    scoped = everyone.for_principal(Principal.of("clerk", ("students",)))
    scoped.ask("How many students in the Bachelor program live in Paris?")
    hints = llm_stub.requests[-1].messages[-1]["content"].split("Question:")[0]
    assert "'Paris' is a value of students.city" in hints and "Bachelor" not in hints
    assert scoped._values is everyone._values                     # read once for the warehouse
