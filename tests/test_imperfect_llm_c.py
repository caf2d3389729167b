"""The third imperfect model (tests/imperfect_llm_c.py) over HTTP: it gives the gold some of the time and
a reply cut at the budget some of the time, reproducibly for a seed, and honours n, temperature and seed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openai
import pytest
import sqlglot

from tests.imperfect_llm_c import ImperfectModelC, load_spider, wrong_variants
from tests.llm_stub import StubLlmServer

ROOT = Path(__file__).resolve().parent.parent
GOLD = {
    "How many singers are older than 30?": "SELECT count(*) FROM singer WHERE age > 30",
    "Which country has the most singers?":
        "SELECT country FROM singer GROUP BY country ORDER BY count(*) DESC LIMIT 1",
    "List the names of singers who performed in concerts in 2014 and are from France.":
        "SELECT T1.name FROM singer AS T1 JOIN singer_in_concert AS T2 ON T1.singer_id = T2.singer_id "
        "JOIN concert AS T3 ON T2.concert_id = T3.concert_id WHERE T3.year = 2014 AND T1.country = 'France'",
}
FENCED = re.compile(r"```sql\n(.*?)\n```", re.DOTALL)


@pytest.fixture
def spider(tmp_path: Path) -> Path:
    """A tiny Spider-format folder (dev.json and tables.json), so the test needs no benchmark copy."""
    dev = [{"db_id": "concert_singer", "question": q, "query": sql} for q, sql in GOLD.items()]
    tables = ["singer", "concert", "singer_in_concert"]
    columns = [(0, "singer_id"), (0, "name"), (0, "country"), (0, "age"), (1, "concert_id"), (1, "year"),
               (1, "stadium_id"), (2, "concert_id"), (2, "singer_id")]
    schema = {"db_id": "concert_singer", "table_names_original": tables,
              "column_names_original": [[-1, "*"], *[[t, c] for t, c in columns]]}
    (tmp_path / "dev.json").write_text(json.dumps(dev))
    (tmp_path / "tables.json").write_text(json.dumps([schema]))
    return tmp_path


def _ask(url: str, question: str, **params: object) -> list[tuple[str, str]]:
    client = openai.OpenAI(base_url=url, api_key="k", max_retries=0)
    response = client.chat.completions.create(
        model="stub-model", messages=[{"role": "system", "content": "Write SQLite."},
                                      {"role": "user", "content": f"Schema: ...\nQuestion: {question}"}],
        **params)  # type: ignore[call-overload]  # params are the sampling fields under test
    return [(c.message.content or "", c.finish_reason) for c in response.choices]


def _replies(spider: Path, seed: int, requests: int) -> list[tuple[str, str, str]]:
    golds, schemas = load_spider(spider)
    out = []
    with StubLlmServer(responder=ImperfectModelC(golds, schemas, seed=seed)) as llm:
        for i in range(requests):
            question = list(GOLD)[i % len(GOLD)]
            out += [(question, text, finish) for text, finish in
                    _ask(llm.url, question, n=4, temperature=0.9, max_tokens=300)]
    return out


def test_a_few_requests_give_a_gold_reply_and_a_cut_one_reproducibly(spider: Path) -> None:
    replies = _replies(spider, seed=11, requests=6)
    golds = [t for q, t, f in replies if f == "stop" and [s.strip() for s in FENCED.findall(t)] == [GOLD[q]]]
    cuts = [t for _, t, f in replies if f == "length"]
    assert golds, "no choice answered the gold"
    assert cuts, "no choice was cut at the budget"
    assert all(len(t) <= 300 * 4 and not FENCED.search(t) for t in cuts)   # cut text never closes its fence
    wrong = [t for q, t, f in replies if f == "stop" and FENCED.search(t) and t not in golds]
    assert wrong, "no wrong variant among the choices"
    assert _replies(spider, seed=11, requests=6) == replies


def test_greedy_choices_agree_and_a_request_seed_repeats_the_sample(spider: Path) -> None:
    golds, schemas = load_spider(spider)
    question = list(GOLD)[2]
    with StubLlmServer(responder=ImperfectModelC(golds, schemas, seed=3)) as llm:
        greedy = _ask(llm.url, question, n=3, temperature=0)
        seeded = [_ask(llm.url, question, n=3, temperature=1.0, seed=42) for _ in range(2)]
        unseeded = [_ask(llm.url, question, temperature=1.0)[0] for _ in range(8)]
    assert len(set(greedy)) == 1
    assert seeded[0] == seeded[1]
    assert len(set(unseeded)) > 1                  # asked again without a seed: a new sample


def test_an_unknown_question_gets_prose_without_sql(spider: Path) -> None:
    golds, schemas = load_spider(spider)
    with StubLlmServer(responder=ImperfectModelC(golds, schemas, seed=1)) as llm:
        [(text, finish)] = _ask(llm.url, "What is the capital of France?")
    assert finish == "stop" and "```" not in text and "SELECT" not in text


def test_wrong_variants_parse_and_differ_from_the_gold(spider: Path) -> None:
    import random

    _, schemas = load_spider(spider)
    gold = GOLD["List the names of singers who performed in concerts in 2014 and are from France."]
    variants = wrong_variants(gold, random.Random(5), schemas["concert_singer"])
    names = {name for name, _ in variants}
    assert {"wrong_column", "conjunct_dropped", "join_broken", "literal_changed", "distinct_toggled"} <= names
    canonical = sqlglot.parse_one(gold, read="sqlite").sql(dialect="sqlite")
    for _, sql in variants:
        assert sqlglot.parse_one(sql, read="sqlite").sql(dialect="sqlite") != canonical


def test_the_cli_serves_on_the_url_it_prints(spider: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "tests.imperfect_llm_c", "--spider", str(spider), "--seed", "2"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True, env={"PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        [(text, finish)] = _ask(url, list(GOLD)[0], temperature=0)
        assert url.startswith("http://127.0.0.1:") and finish in ("stop", "length") and text
    finally:
        proc.terminate()
        proc.wait()
