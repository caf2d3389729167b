"""Identity-scoped access: a principal sees, links, prompts and runs only the tables it may read."""

from __future__ import annotations

from pathlib import Path
from typing import Any


from catalog_semantics.scope import Principal
from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings
from tests.conftest import shared_value_index
from tests.llm_stub import StubLlmServer

SALES_TEAM = Principal.of("sales-analyst", ["orders", "customer", "nation", "region"])
HIDDEN = ("lineitem", "partsupp", "supplier", "part")


def bare(tables: tuple[str, ...]) -> set[str]:
    return {t.rsplit(".", 1)[-1].lower() for t in tables}


def test_scoped_model_holds_only_allowed_tables_and_what_they_support(demo_model, demo_warehouse) -> None:
    scoped = Assistant(demo_model, demo_warehouse, Settings(generator="offline"), principal=SALES_TEAM).model
    assert {t.name for t in scoped.tables} == {"orders", "customer", "nation", "region"}
    assert all(m.table in {"orders", "customer"} for m in scoped.metrics)
    text = " ".join([*scoped.instructions, *(q.sql for q in scoped.verified_queries)]).lower()
    assert not any(h in text for h in HIDDEN)


def test_verified_and_offline_answers_never_read_hidden_tables(demo_model, demo_warehouse) -> None:
    assistant = Assistant(demo_model, demo_warehouse, Settings(generator="offline"), principal=SALES_TEAM)
    revenue_question = next(q.question for q in demo_model.verified_queries if "lineitem" in q.sql.lower())
    answer = assistant.ask(revenue_question)
    # Revenue needs line items: with them hidden there is nothing to total, so the engine declines
    # rather than answering from the tables it can see.
    assert (answer.status, answer.sql, answer.trusted) == ("abstained", None, False)
    assert not any(h in (answer.message or "").lower() for h in HIDDEN)
    # The same question for someone who may read everything is a trusted answer.
    assert Assistant(demo_model, demo_warehouse, Settings(generator="offline")).ask(revenue_question).trusted


def test_llm_cannot_widen_access_by_guessing_a_hidden_table(demo_model, demo_warehouse) -> None:
    with StubLlmServer(responder=lambda body: "```sql\nSELECT SUM(l_extendedprice) FROM lineitem\n```") as stub:
        settings = Settings(llm_base_url=stub.url, llm_api_key="k", generator="llm", max_repairs=1)
        assistant = Assistant(demo_model, demo_warehouse, settings, llm=OpenAiLlm.from_settings(settings), principal=SALES_TEAM,
                              value_index=shared_value_index(demo_model, demo_warehouse))
        answer = assistant.ask("What were the gross sales of all order lines?")
        prompts = " ".join(m["content"] for m in stub.requests[0].messages).lower()
    assert answer.status == "refused" and answer.sql is None
    assert [i.code for i in answer.issues] == ["table_not_allowed"]
    for hidden in ("partsupp", "s_suppkey", "l_extendedprice", "ps_supplycost", "p_retailprice"):
        assert hidden not in prompts


def test_principal_comes_from_settings(demo_data_dir: Path) -> None:
    settings = Settings(data_dir=str(demo_data_dir), generator="offline", principal="ops",
                        allowed_tables="orders, customer")
    assistant = Assistant.from_settings(settings)
    assert assistant.principal is not None and assistant.principal.name == "ops"
    assert {t.name for t in assistant.model.tables} == {"orders", "customer"}
    answer: Any = assistant.ask("number of orders")
    assert answer.status in {"answered", "abstained"}
    assert not bare(answer.tables) - {"orders", "customer"}
