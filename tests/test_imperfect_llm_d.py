"""Imperfect model d (tests/imperfect_llm_d.py) as its own process: well-formed chat completions, ``n`` choices,
one fixed reply at temperature 0, and, over many draws, gold, wrong variants and replies cut at ``length``."""

from __future__ import annotations

import collections
import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.imperfect_llm_d import StubProcess

SCHEMA = """<schema>
CREATE TABLE singer (
  singer_id INTEGER,
  name TEXT,
  song_name TEXT,
  country TEXT,
  age INTEGER,
  PRIMARY KEY (singer_id)
);
CREATE TABLE concert (
  concert_id INTEGER,
  concert_name TEXT,
  year TEXT,
  PRIMARY KEY (concert_id)
);
</schema>"""
QUESTION = "Names of the three oldest singers from France?"
GOLD = "SELECT name FROM singer WHERE country = 'France' ORDER BY age DESC LIMIT 3"


@pytest.fixture(scope="module")
def llm(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("d")
    (folder / "gold.json").write_text(json.dumps([{"question": QUESTION, "query": GOLD}]))
    with StubProcess(folder / "gold.json", log=folder / "draws.jsonl", seed=3) as stub:
        yield stub


def _ask(url: str, **fields: Any) -> dict[str, Any]:
    body = {"model": "m", "messages": [{"role": "system", "content": "Write one SQLite query."},
                                       {"role": "user", "content": f"{SCHEMA}\nQuestion: {QUESTION}"}], **fields}
    request = urllib.request.Request(f"{url}/chat/completions", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        reply: dict[str, Any] = json.loads(response.read())
    return reply


def test_a_reply_is_a_well_formed_chat_completion_with_n_choices_and_usage(llm: StubProcess) -> None:
    reply = _ask(llm.url, n=3, temperature=0.8, max_tokens=512)
    assert reply["object"] == "chat.completion"
    assert [c["index"] for c in reply["choices"]] == [0, 1, 2]
    for choice in reply["choices"]:
        assert choice["message"]["role"] == "assistant" and choice["message"]["content"].strip()
        assert choice["finish_reason"] in ("stop", "length")
    usage = reply["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_temperature_zero_is_one_reply_every_time(llm: StubProcess) -> None:
    first, again = _ask(llm.url, n=2, temperature=0), _ask(llm.url, temperature=0)
    texts = {c["message"]["content"] for c in first["choices"] + again["choices"]}
    assert len(texts) == 1


def test_the_budget_cuts_a_reply_at_length(llm: StubProcess) -> None:
    choice = _ask(llm.url, temperature=0.7, max_tokens=4)["choices"][0]
    assert choice["finish_reason"] == "length" and len(choice["message"]["content"]) <= 16


def test_sampling_gives_gold_plausible_mistakes_and_cut_replies(llm: StubProcess) -> None:
    before = len(llm.requests)
    replies = [_ask(llm.url, n=5, temperature=1.0) for _ in range(30)]
    assert len(llm.requests) == before + 30
    draws = [json.loads(line) for line in Path(llm.log).read_text().splitlines()]
    mine = [d for d in draws if d["request"] > before]
    kinds = collections.Counter(d["kind"].split(":")[0] for d in mine)
    assert kinds["gold"] >= 30 and kinds["wrong"] >= 30, kinds
    assert {d["question"] for d in mine} == {QUESTION}
    cut = [d for d in mine if d["finish_reason"] == "length"]
    assert cut and all(d["finish_reason"] in ("stop", "length") for d in mine)
    # The log says what the wire said: the same finish reasons, choice by choice.
    assert [c["finish_reason"] for r in replies for c in r["choices"]] == [d["finish_reason"] for d in mine]
