"""Stub e's own behaviours, over HTTP against the stub server on a small SQLite shop: cut replies say
``length``, the draw is reproducible, ``n`` is honoured, temperature 0 is fixed and hotter samples vary, its slips
really return other results, and a made-up column is fixed when its error comes back. (Not our pipeline's scores:
benchmarks/candidates_spider.py --stub e measures those.)"""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.imperfect_llm_e import ImperfectModelE
from tests.imperfect_llm_e_mistakes import Schema
from tests.llm_stub import StubLlmServer

SHOP = """
CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT, city TEXT, age INTEGER, score INTEGER);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, amount INTEGER, status TEXT, quantity INTEGER);
INSERT INTO customer VALUES (1, 'Ann', 'Paris', 31, 5), (2, 'Bob', 'Rome', 45, 7), (3, 'Cid', 'Paris', 28, 9),
    (4, 'Dee', 'Oslo', 52, 2), (5, 'Eve', 'Rome', 45, 4);
INSERT INTO orders VALUES (1, 1, 120, 'Paid', 2), (2, 1, 80, 'Open', 1), (3, 2, 300, 'Paid', 4),
    (4, 3, 45, 'Paid', 5), (5, 5, 60, 'Open', 3), (6, 3, 200, 'Paid', 1);
"""
GOLD = {
    "How many customers are there?": "SELECT count(*) FROM customer",
    "Which customers are older than 45?": "SELECT name FROM customer WHERE age > 45",
    "Name the customer with the highest score.": "SELECT name FROM customer ORDER BY score DESC LIMIT 1",
    "What is the largest paid order amount?": "SELECT max(amount) FROM orders WHERE status = 'Paid'",
    "Which cities have customers?": "SELECT DISTINCT city FROM customer",
    "Total amount of paid orders per customer name?": "SELECT T1.name, sum(T2.amount) FROM customer AS T1 JOIN "
    "orders AS T2 ON T1.id = T2.customer_id WHERE T2.status = 'Paid' GROUP BY T1.name",
}
BUDGET = 1024


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    databases = tmp_path_factory.mktemp("stub-e") / "database"
    (databases / "shop").mkdir(parents=True)
    with sqlite3.connect(databases / "shop" / "shop.sqlite") as connection:
        connection.executescript(SHOP)
    return databases


def _model(shop: Path, log: Path | None = None, seed: int = 7) -> ImperfectModelE:
    tables = {"table_names_original": ["customer", "orders"],
              "column_names_original": [[-1, "*"], [0, "id"], [0, "name"], [0, "city"], [0, "age"], [0, "score"],
                                        [1, "id"], [1, "customer_id"], [1, "amount"], [1, "status"], [1, "quantity"]],
              "column_types": ["text", "number", "text", "text", "number", "number", "number", "number", "number",
                               "text", "number"]}
    records = [{"question": q, "query": sql, "db_id": "shop"} for q, sql in GOLD.items()]
    return ImperfectModelE(records, {"shop": Schema.from_spider(tables)}, shop, seed=seed, log=log)


@pytest.fixture()
def stub(shop: Path, tmp_path: Path) -> Iterator[tuple[StubLlmServer, Path]]:
    log = tmp_path / "replies.jsonl"
    with StubLlmServer(responder=_model(shop, log)) as server:
        yield server, log


def _ask(url: str, question: str, **params: Any) -> list[dict[str, Any]]:
    body = {"model": "m", "max_tokens": BUDGET, "temperature": 0.0, **params,
            "messages": [{"role": "system", "content": "Write SQL."},
                         {"role": "user", "content": f"<schema>...</schema>\nQuestion: {question}"}]}
    request = urllib.request.Request(f"{url}/chat/completions", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return list(json.loads(response.read())["choices"])


def _texts(choices: list[dict[str, Any]]) -> list[str]:
    return [str(c["message"]["content"]) for c in choices]


def test_cut_replies_carry_length_and_stop_at_the_budget(stub: tuple[StubLlmServer, Path]) -> None:
    server, log = stub
    choices = [c for q in GOLD for c in _ask(server.url, q, temperature=1.0, n=60)]
    cut = [c for c in choices if c["finish_reason"] == "length"]
    assert 0.02 <= len(cut) / len(choices) <= 0.15, len(cut) / len(choices)
    assert all(len(c["message"]["content"]) <= BUDGET * 4 for c in cut)
    assert all(c["finish_reason"] == "stop" for c in choices if c not in cut)
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert sum(r["finish_reason"] == "length" for r in logged) == len(cut)


def test_a_larger_budget_lets_a_verbose_reply_finish(stub: tuple[StubLlmServer, Path]) -> None:
    server, _ = stub
    finished = 0
    for question in GOLD:
        for seed in range(40):
            small = _ask(server.url, question, temperature=0.8, seed=seed)[0]
            if small["finish_reason"] == "length":
                large = _ask(server.url, question, temperature=0.8, seed=seed, max_tokens=16_384)[0]
                finished += large["finish_reason"] == "stop"
    assert finished > 0


def test_same_seed_same_reply(shop: Path) -> None:
    with StubLlmServer(responder=_model(shop)) as one, StubLlmServer(responder=_model(shop)) as two:
        for question in GOLD:
            greedy = _texts(_ask(one.url, question))
            assert greedy == _texts(_ask(one.url, question)) == _texts(_ask(two.url, question))
            seeded = _texts(_ask(one.url, question, temperature=0.9, seed=11, n=4))
            assert seeded == _texts(_ask(two.url, question, temperature=0.9, seed=11, n=4))


def test_n_is_honoured_and_samples_vary_only_when_hot(stub: tuple[StubLlmServer, Path]) -> None:
    server, _ = stub
    hot, repeated = [], []
    for question in GOLD:
        cold = _texts(_ask(server.url, question, n=5))
        assert len(cold) == 5 and len(set(cold)) == 1
        samples = _texts(_ask(server.url, question, temperature=1.0, n=5))
        assert len(samples) == 5
        hot.append(len(set(samples)) > 1)
        repeated.append(_texts(_ask(server.url, question, temperature=1.0)) != samples[:1])
    assert sum(hot) >= len(GOLD) // 2
    assert any(repeated)            # identical requests at temperature > 0 without a seed are fresh samples


def _rows(connection: sqlite3.Connection, sql: str, ordered: bool) -> list[str]:
    rows = [repr(row) for row in connection.execute(sql).fetchall()]
    return rows if ordered else sorted(rows)


def test_slips_return_other_results_and_some_are_habits(shop: Path) -> None:
    model = _model(shop)
    connection = sqlite3.connect(shop / "shop" / "shop.sqlite")
    habits = 0
    for question, gold in GOLD.items():
        profile = model.profile(question)
        assert profile is not None and profile.modes[0].sql == gold
        ordered = "ORDER BY" in gold            # as Spider's execution match: row order counts only then
        expected = _rows(connection, gold, ordered)
        for mode in profile.modes:
            if mode.kind == "wrong":
                assert _rows(connection, mode.sql, ordered) != expected, mode.sql
            if mode.kind == "broken":
                with pytest.raises(sqlite3.OperationalError):
                    connection.execute(mode.sql)
        habits += any(m.habit for m in profile.modes)
    assert habits >= len(GOLD) // 2


def test_a_made_up_column_is_fixed_when_its_error_comes_back(shop: Path, tmp_path: Path) -> None:
    log = tmp_path / "replies.jsonl"
    model = _model(shop, log)
    question = "Total amount of paid orders per customer name?"       # gold is rare here on a first turn
    profile = model.profile(question)
    assert profile is not None
    broken = next(m for m in profile.modes if m.kind == "broken")
    for turn in range(40):
        messages = [{"role": "user", "content": f"Question: {question}"},
                    {"role": "assistant", "content": f"```sql\n{broken.sql}\n```"},
                    {"role": "user", "content": f"That failed: no such column. Attempt {turn}."}]
        reply = model({"messages": messages, "temperature": 0.7, "seed": turn, "max_tokens": BUDGET})
        assert broken.sql not in str(reply.content)
    modes = [json.loads(line)["mode"] for line in log.read_text().splitlines()]
    assert "broken" not in modes and modes.count("gold") >= 24
