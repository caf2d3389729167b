"""Stub "f" (an imperfect text-to-SQL model) answers Spider dev through the real openai client, as its own process."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.imperfect_llm_f import StubProcess
from tests.imperfect_llm_f_profile import build
from tests.imperfect_llm_f_spider import load

SPIDER = os.environ.get("NL2SQL_SPIDER_DIR", "/work/shared/benchmarks/spider")
DEV = os.path.join(SPIDER, "dev.json")
pytestmark = pytest.mark.skipif(not os.path.exists(DEV), reason=f"Spider dev not found at {SPIDER}")


def _questions(count: int) -> list[str]:
    with open(DEV, encoding="utf-8") as f:
        dev = json.load(f)
    return [d["question"] for d in dev[::7][:count]]


def _ask(client: openai.OpenAI, question: str, temperature: float, n: int = 1, max_tokens: int = 400,
         messages: list[ChatCompletionMessageParam] | None = None) -> list[tuple[str, str]]:
    """One request; a prompt with an earlier example question, so the stub must take the last one."""
    messages = messages or [
        {"role": "system", "content": "Answer with one SQLite query."},
        {"role": "user", "content": f"Question: What is an example?\nSELECT 1\n\nSchema: ...\nQuestion: {question}"},
    ]
    reply = client.chat.completions.create(model="m", messages=messages, temperature=temperature, n=n,
                                           max_completion_tokens=max_tokens)
    return [(c.message.content or "", c.finish_reason) for c in reply.choices]


@pytest.fixture(scope="module")
def sampled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StubProcess, list[list[tuple[str, str]]]]]:
    log = str(tmp_path_factory.mktemp("stubf") / "log.jsonl")
    with StubProcess(DEV, log=log, seed=7) as stub:
        client = openai.OpenAI(base_url=stub.url, api_key="k", max_retries=0)
        replies = [_ask(client, q, temperature=1.0, n=5, max_tokens=400) for q in _questions(60)]
        yield stub, replies


def test_answers_a_spider_question_at_temperature_zero(tmp_path: Path) -> None:
    with StubProcess(DEV, log=str(tmp_path / "log.jsonl"), seed=7) as stub:
        client = openai.OpenAI(base_url=stub.url, api_key="k", max_retries=0)
        first = _ask(client, "How many singers do we have?", temperature=0, n=3)
        again = _ask(client, "How many singers do we have?", temperature=0)
        assert stub.requests == [1, 2]
        entries = stub.entries()
    assert len({text for text, _ in first + again}) == 1          # greedy: one fixed answer per question
    assert "select" in first[0][0].lower()
    assert {e["question"] for e in entries} == {"How many singers do we have?"}
    assert {e["db_id"] for e in entries} == {"concert_singer"}


def test_samples_gold_and_wrong_answers_and_cuts_some_at_length(
    sampled: tuple[StubProcess, list[list[tuple[str, str]]]],
) -> None:
    stub, replies = sampled
    entries = stub.entries()
    families = {e["mode"].split(":")[0] for e in entries}
    assert {"gold", "small", "structural", "length"} <= families
    cut = [e for e in entries if e["finish_reason"] == "length"]
    assert 0 < len(cut) < 0.15 * len(entries)
    assert all(e["mode"].startswith("length") for e in cut)
    assert sum(fr == "length" for choices in replies for _, fr in choices) == len(cut)
    assert any(len({text for text, _ in choices}) > 1 for choices in replies)   # sampled choices differ
    assert stub.requests == list(range(1, 61))


def test_gold_is_usual_but_not_universal_per_question(
    sampled: tuple[StubProcess, list[list[tuple[str, str]]]],
) -> None:
    stub, _ = sampled
    by_question: dict[str, set[str]] = {}
    for e in stub.entries():
        by_question.setdefault(e["question"], set()).add(e["mode"])
    with_gold = sum("gold" in modes for modes in by_question.values())
    assert 0.6 * len(by_question) < with_gold < len(by_question)
    assert sum(len(modes) > 1 for modes in by_question.values()) > len(by_question) / 3


def test_same_seed_same_replies_other_seed_other_replies(tmp_path: Path) -> None:
    runs = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        with StubProcess(DEV, log=str(tmp_path / f"{name}.jsonl"), seed=seed) as stub:
            client = openai.OpenAI(base_url=stub.url, api_key="k", max_retries=0)
            runs.append([_ask(client, q, temperature=0.8, n=3) for q in _questions(15)])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_a_budget_too_small_cuts_the_reply(tmp_path: Path) -> None:
    with StubProcess(DEV, log=str(tmp_path / "log.jsonl"), seed=7) as stub:
        client = openai.OpenAI(base_url=stub.url, api_key="k", max_retries=0)
        (text, finish), = _ask(client, "How many singers do we have?", temperature=0, max_tokens=4)
        entry, = stub.entries()
    assert finish == "length" and len(text) <= 16
    assert entry["finish_reason"] == "length" and entry["mode"].startswith("length")


def test_a_failed_query_is_often_fixed(tmp_path: Path) -> None:
    spider = load(DEV)
    profiles = (build(spider, r, 7) for r in spider.records[:50])
    # a question where one of the model's slips is a slip in writing the gold query
    question, broken = next((p.record.question, a.sql) for p in profiles for a in p.answers
                            if a.fixes_to is not None and a.fixes_to == p.answers[0].sql)
    messages: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": f"Question: {question}"},
        {"role": "assistant", "content": f"```sql\n{broken}\n```"},
        {"role": "user", "content": "That query failed with an error: no such column. Please fix it."},
    ]
    with StubProcess(DEV, log=str(tmp_path / "log.jsonl"), seed=7) as stub:
        client = openai.OpenAI(base_url=stub.url, api_key="k", max_retries=0)
        _ask(client, question, temperature=0.7, n=10, messages=messages)
        modes = [e["mode"] for e in stub.entries()]
    assert all(m.startswith("repair:") for m in modes)
    assert 3 <= modes.count("repair:gold") < 10
