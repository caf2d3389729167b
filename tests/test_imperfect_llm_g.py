"""Stub "g" (tests/imperfect_llm_g.py), started as its own process on loopback and asked over HTTP: the behaviours
its docstring promises. A small Spider-format pack (one shop database, questions of each hardness) keeps it
fast; the odds by hardness are checked on the real Spider dev pack where it is present.
"""

from __future__ import annotations

import collections
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.imperfect_llm_g import StubProcess
from tests.imperfect_llm_g_profile import SKILL, build
from tests.imperfect_llm_g_spider import Spider

_COLUMNS = [("shop", "shop_id", "number"), ("shop", "name", "text"), ("shop", "location", "text"),
            ("shop", "products", "number"), ("employee", "emp_id", "number"), ("employee", "name", "text"),
            ("employee", "age", "number"), ("employee", "shop_id", "number")]
QUESTIONS = {
    "How many shops are there?": "SELECT count(*) FROM shop",
    "Which shops in Paris have more than 10 products?":
        "SELECT name FROM shop WHERE location = 'Paris' AND products > 10",
    "Which shop has the most employees?": "SELECT T1.name FROM shop AS T1 JOIN employee AS T2 ON T1.shop_id = "
                                          "T2.shop_id GROUP BY T1.shop_id ORDER BY count(*) DESC LIMIT 1",
    "Which shops have employees over 30 but none under 20?": "SELECT T1.name FROM shop AS T1 JOIN employee AS T2 "
        "ON T1.shop_id = T2.shop_id WHERE T2.age > 30 EXCEPT SELECT T1.name FROM shop AS T1 JOIN employee AS T2 "
        "ON T1.shop_id = T2.shop_id WHERE T2.age < 20",
}
HARD = "Which shop has the most employees?"


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spider-g")
    tables = ["shop", "employee"]
    (root / "tables.json").write_text(json.dumps([{
        "db_id": "shop_1", "table_names_original": tables, "table_names": tables,
        "column_names_original": [[-1, "*"]] + [[tables.index(t), c] for t, c, _ in _COLUMNS],
        "column_names": [[-1, "*"]] + [[tables.index(t), c] for t, c, _ in _COLUMNS],
        "column_types": ["text"] + [k for _, _, k in _COLUMNS], "primary_keys": [1, 5], "foreign_keys": [[8, 1]]}]))
    (root / "dev.json").write_text(json.dumps([{"db_id": "shop_1", "question": q, "query": sql}
                                               for q, sql in QUESTIONS.items()]))
    return root / "dev.json"


@pytest.fixture()
def stub(pack: Path, tmp_path: Path) -> Iterator[StubProcess]:
    with StubProcess(pack, log=tmp_path / "log.jsonl", seed=11) as process:
        yield process


def _ask(url: str, question: str, *, history: tuple[dict[str, str], ...] = (), **params: Any) -> dict[str, Any]:
    messages = [{"role": "system", "content": "You turn questions into SQL."},
                {"role": "user", "content": f"<schema>...</schema>\nQuestion: {question}"}, *history]
    body = json.dumps({"model": "m", "messages": messages, **params}).encode()
    request = urllib.request.Request(f"{url}/chat/completions", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        answer: dict[str, Any] = json.loads(reply.read())
    return answer


def _contents(reply: dict[str, Any]) -> list[str]:
    return [c["message"]["content"] for c in reply["choices"]]


def test_temperature_zero_is_one_reply_per_prompt(stub: StubProcess) -> None:
    first = _ask(stub.url, HARD, temperature=0, n=4, max_tokens=1024)
    again = _ask(stub.url, HARD, temperature=0, n=2, max_tokens=1024)
    assert len(first["choices"]) == 4
    assert len(set(_contents(first) + _contents(again))) == 1


def test_samples_vary_and_mix_gold_with_mistakes(stub: StubProcess) -> None:
    reply = _ask(stub.url, HARD, temperature=0.8, n=40, max_tokens=1024)
    assert len(reply["choices"]) == 40
    assert len(set(_contents(reply))) > 5
    modes = collections.Counter(e["mode"] for e in stub.entries())
    assert modes["gold"] >= 5 and modes["wrong"] + modes["habit"] + modes["failing"] >= 5, modes
    repeat = _ask(stub.url, HARD, temperature=0.8, n=40, max_tokens=1024)
    assert _contents(repeat) != _contents(reply)          # no seed: a repeated request is sampled anew
    assert stub.requests == [1, 2]


def test_a_request_seed_repeats_the_samples(stub: StubProcess) -> None:
    one = _ask(stub.url, HARD, temperature=0.8, n=10, max_tokens=1024, seed=3)
    two = _ask(stub.url, HARD, temperature=0.8, n=10, max_tokens=1024, seed=3)
    assert _contents(one) == _contents(two)


def test_the_same_seed_gives_the_same_run(pack: Path, tmp_path: Path) -> None:
    runs = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        with StubProcess(pack, log=tmp_path / f"{name}.jsonl", seed=seed) as process:
            runs.append([_contents(_ask(process.url, q, temperature=0.7, n=6, max_tokens=1024)) for q in QUESTIONS])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_a_small_budget_cuts_the_reply_at_length(stub: StubProcess) -> None:
    reply = _ask(stub.url, HARD, temperature=0, max_tokens=12)
    choice = reply["choices"][0]
    assert choice["finish_reason"] == "length"
    assert len(choice["message"]["content"]) <= 12 * 4
    assert stub.entries()[-1]["finish_reason"] == "length"


def test_a_reasoning_budget_spent_thinking_leaves_an_empty_reply(stub: StubProcess) -> None:
    starved = _ask(stub.url, "Which shops have employees over 30 but none under 20?", temperature=0,
                   max_completion_tokens=20)
    assert starved["choices"][0]["finish_reason"] == "length"
    assert starved["choices"][0]["message"]["content"] == ""
    assert starved["usage"]["completion_tokens_details"]["reasoning_tokens"] == 20
    roomy = _ask(stub.url, "How many shops are there?", temperature=0, max_completion_tokens=8000)
    assert roomy["choices"][0]["finish_reason"] == "stop"
    assert roomy["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0


def test_some_replies_loop_past_a_full_budget(stub: StubProcess) -> None:
    replies = [c for q in QUESTIONS for c in _ask(stub.url, q, temperature=1.0, n=60, max_tokens=256)["choices"]]
    cut = [c["message"]["content"] for c in replies if c["finish_reason"] == "length"]
    assert 0 < len(cut) < len(replies) / 4
    assert all(len(text) <= 256 * 4 for text in cut)


def test_it_often_fixes_its_own_failing_query(stub: StubProcess) -> None:
    _ask(stub.url, HARD, temperature=1.0, n=60, max_tokens=1024)
    failing = next(e for e in stub.entries() if e["mode"] == "failing" and e["finish_reason"] == "stop")
    told = [{"role": "assistant", "content": f"```sql\n{failing['sql']}\n```"},
            {"role": "user", "content": "That query failed. The error was: no such column. Write a corrected query."}]
    _ask(stub.url, HARD, history=tuple(told), temperature=0.7, n=20, max_tokens=1024)
    after = [e["mode"] for e in stub.entries() if e["request"] == stub.requests[-1]]
    fixed = [e["sql"] for e in stub.entries() if e["request"] == stub.requests[-1] and e["mode"].startswith("fixed-")]
    assert sum(m.startswith("fixed-") for m in after) >= 8, after
    assert failing["sql"] not in fixed


def test_an_unknown_question_gets_a_question_back(stub: StubProcess) -> None:
    reply = _ask(stub.url, "What is the airspeed of an unladen swallow?", temperature=0)
    assert _contents(reply)[0].startswith("QUESTION:")
    assert "```" not in _contents(reply)[0]


def test_every_question_has_gold_mistakes_and_prose(pack: Path) -> None:
    for record in Spider(pack).records.values():
        modes = {a.mode for a in build(record, 11).answers}
        assert {"gold", "failing", "clarify", "refuse"} <= modes and modes & {"wrong", "habit"}, record.question


def test_gold_odds_fall_with_hardness_on_spider_dev(spider: Path) -> None:
    records = list(Spider(spider / "dev.json").records.values())[::3]
    gold: dict[str, list[float]] = collections.defaultdict(list)
    for record in records:
        gold[record.hardness].append(next(a.weight for a in build(record, 7).answers if a.mode == "gold"))
    means = [sum(gold[h]) / len(gold[h]) for h in SKILL]
    assert means == sorted(means, reverse=True)
    assert 0.4 < sum(map(sum, gold.values())) / len(records) < 0.6
