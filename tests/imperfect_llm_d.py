"""Imperfect model d: an OpenAI-compatible chat server, run as its own process, that answers like a mid-sized model.

    python tests/imperfect_llm_d.py --port 0 --gold spider/dev.json [--seed 7] [--log draws.jsonl]

prints ``listening http://127.0.0.1:<port>/v1`` and serves ``POST /v1/chat/completions`` until killed. Like the
oracle stub (tests/llm_stub.py) it finds the gold SQL by the question the prompt carries (``--gold``: a JSON list of
``{"question", "query"}``, as Spider's dev.json, or a question -> SQL object). Unlike a uniform stub:

* how often it is right depends on the question: a Spider-like hardness of the gold query (joins, nesting, clauses)
  sets the chance of gold, from about 0.7 (easy) to 0.3 (extra hard), shifted per question;
* its mistakes are plausible ones, made with sqlglot on the gold query and the schema the prompt shows
  (tests/imperfect_llm_d_mistakes.py); each question has its habits (one mistake far likelier than the others);
* ``temperature`` shapes the draw: at 0 every choice and every repeat is the same single draw; higher values
  flatten the distribution; ``n`` choices are drawn independently; a request ``seed`` makes draws repeatable;
* replies come bare, fenced (with or without a language), with prose before and after, or with a comment inside;
  once in a while a clarifying question instead of SQL;
* some replies stop at ``finish_reason: "length"``: cut mid-query, cut just before a clause (a prefix that still
  parses), cut in the prose after a complete query, or cut at the request's ``max_tokens``; longer answers are cut
  more often; every reply carries a ``usage`` block.

``--log`` writes one JSON line per choice: request number, question, kind (gold, wrong:<mistake>, clarify), the SQL
the reply shows (cut replies: the part that was sent) and the finish reason, for checking what got answered.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import sqlglot
import sqlglot.errors

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.imperfect_llm_d_mistakes import MISTAKES, Schema, hardness, parse_schema
from tests.imperfect_llm_d_replies import Shaped, clarifying_question, shape

P_GOLD = {"easy": 0.70, "medium": 0.55, "hard": 0.42, "extra": 0.30}
P_CLARIFY = {"easy": 0.02, "medium": 0.03, "hard": 0.04, "extra": 0.06}
# How readily a model makes each mistake: orders a question's habits (a weighted shuffle), not its odds.
PLAUSIBILITY = {"wrong_column": 3.0, "dropped_condition": 2.0, "wrong_aggregate": 2.0, "wrong_join_key": 2.0,
                "missing_distinct": 2.0, "wrong_literal": 2.0, "off_by_one_limit": 1.5, "flipped_order": 1.5,
                "hallucinated_column": 1.5, "dropped_group_by": 1.0, "wrong_table": 0.7}
HABIT_WEIGHTS = (3.0, 2.0)                  # the first mistakes of a question's shuffled list; the rest weigh 1


def _hash(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:8], "big")


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


def find_question(prompt: str, gold: dict[str, str]) -> str | None:
    """The gold question a prompt asks: its ``Question:`` line, else the longest gold question it contains."""
    folded = {_fold(q): q for q in gold}
    for line in reversed(prompt.splitlines()):
        if line.strip().lower().startswith("question:"):
            asked = _fold(line.split(":", 1)[1])
            if asked in folded:
                return folded[asked]
    text = _fold(prompt)
    inside = [q for f, q in folded.items() if f in text]
    return max(inside, key=len) if inside else None


@dataclass(frozen=True)
class Question:
    """What the model "knows" about one question: the right query, its chance, its wrong answers and their weights."""

    question: str
    gold: str
    level: str
    p_gold: float
    p_clarify: float
    wrong: tuple[tuple[str, str, float], ...]           # (mistake, SQL, weight)

    def distribution(self, temperature: float) -> list[tuple[str, str | None, float]]:
        """(kind, SQL, probability): temperature flattens (or sharpens) the model's preferences."""
        total = sum(w for _, _, w in self.wrong) or 1.0
        p_wrong = 1.0 - self.p_gold - self.p_clarify
        items: list[tuple[str, str | None, float]] = [("gold", self.gold, self.p_gold),
                                                      ("clarify", None, self.p_clarify)]
        items += [(f"wrong:{name}", sql, p_wrong * w / total) for name, sql, w in self.wrong]
        if not self.wrong:
            items[0] = ("gold", self.gold, 1.0 - self.p_clarify)
        tau = min(1.4, max(0.75, 0.75 + 0.35 * temperature))
        weights = [p ** (1.0 / tau) for _, _, p in items]
        return [(k, s, w / sum(weights)) for (k, s, _), w in zip(items, weights)]


def _normal(sql: str) -> str:
    try:
        return sqlglot.parse_one(sql, read="sqlite").sql(dialect="sqlite", normalize=True)
    except sqlglot.errors.SqlglotError:
        return " ".join(sql.split())


def understand(question: str, gold_sql: str, schema: Schema, seed: int) -> Question:
    """The model's take on a question: its hardness, chance of gold and a handful of distinct wrong queries."""
    rng = random.Random(_hash(seed, question))
    try:
        tree = sqlglot.parse_one(gold_sql, read="sqlite")
    except sqlglot.errors.SqlglotError:
        return Question(question, gold_sql, "extra", 0.3, 0.1, ())
    level, gold_sql = hardness(tree), tree.sql(dialect="sqlite")      # gold in the same hand as its mistakes
    # The question's habits: mistakes in a random order where the common ones tend to come first.
    mistakes = sorted(MISTAKES, key=lambda m: -rng.random() ** (1.0 / PLAUSIBILITY.get(m[0], 1.0)))
    seen, wrong = {_normal(gold_sql)}, list[tuple[str, str, float]]()
    for name, mistake in mistakes:
        edited = mistake(tree.copy(), schema, rng)
        if edited is None:
            continue
        if rng.random() < 0.2 and len(wrong) >= 2:             # two slips at once, now and then
            _, second = rng.choice(MISTAKES)
            edited = second(edited, schema, rng) or edited
        sql = edited.sql(dialect="sqlite")
        if _normal(sql) not in seen:
            seen.add(_normal(sql))
            weight = HABIT_WEIGHTS[len(wrong)] if len(wrong) < len(HABIT_WEIGHTS) else 1.0
            wrong.append((name, sql, weight))
    p_gold = min(0.9, max(0.15, P_GOLD[level] + rng.uniform(-0.1, 0.1)))
    return Question(question, gold_sql, level, p_gold, P_CLARIFY[level], tuple(wrong))


class Model:
    """The model behind the server: gold by question, a cache of understood questions, the draw log."""

    def __init__(self, gold: dict[str, str], *, seed: int = 7, log: Path | None = None) -> None:
        self.gold, self.seed, self.log = gold, seed, log
        self._known: dict[tuple[str, str], Question] = {}
        self._repeats: dict[int, int] = {}
        self._lock = threading.Lock()
        self.requests = 0

    def complete(self, body: dict[str, Any]) -> tuple[list[Shaped], int]:
        """The choices of one chat completion request, and its request number."""
        messages = body.get("messages") or []
        prompt = "\n".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))
        given = body.get("temperature")
        temperature = 1.0 if given is None else float(given)             # OpenAI's default is 1
        n = max(1, int(body.get("n") or 1))
        budget = int(body.get("max_tokens") or body.get("max_completion_tokens") or 4096)
        asked = find_question(prompt, self.gold)
        key = _hash(prompt, temperature, body.get("seed"), n)
        with self._lock:
            self.requests += 1
            number, repeat = self.requests, self._repeats.get(key, 0)
            self._repeats[key] = repeat + 1
            if asked is not None and (asked, prompt[:4000]) not in self._known:
                self._known[(asked, prompt[:4000])] = understand(asked, self.gold[asked], parse_schema(prompt),
                                                                 self.seed)
            question = self._known.get((asked or "", prompt[:4000]))
        choices = []
        for i in range(n):
            if temperature <= 0:                                 # greedy: one draw per question, whatever else
                rng = random.Random(_hash(self.seed, asked, prompt, "greedy"))
            else:
                rng = random.Random(_hash(self.seed, key, body.get("seed") or repeat, i))
            choices.append(self._draw(question, temperature, budget, rng))
        self._write(number, asked, choices)
        return choices, number

    def _draw(self, question: Question | None, temperature: float, budget: int, rng: random.Random) -> Shaped:
        if question is None:
            return shape("clarify", None, clarifying_question(None, rng), budget, rng)
        roll, kind, sql = rng.random(), "gold", question.gold
        for drawn, sql_or_none, p in question.distribution(temperature):
            if roll < p:
                kind, sql = drawn, sql_or_none or ""
                break
            roll -= p
        if kind == "clarify":
            return shape(kind, None, clarifying_question(question.question, rng), budget, rng)
        return shape(kind, sql, None, budget, rng)

    def _write(self, number: int, asked: str | None, choices: list[Shaped]) -> None:
        if self.log is None:
            return
        lines = [json.dumps({"request": number, "choice": i, "question": asked, "kind": c.kind, "sql": c.shown_sql,
                             "finish_reason": c.finish_reason}) for i, c in enumerate(choices)]
        with self._lock, self.log.open("a") as out:
            out.write("".join(line + "\n" for line in lines))


def _tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def handler_for(model: Model) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("models"):
                self._json(200, {"object": "list", "data": [{"id": "imperfect-d", "object": "model"}]})
            else:
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not self.path.split("?")[0].rstrip("/").endswith("chat/completions"):
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if not isinstance(body, dict):
                self._json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
                return
            choices, number = model.complete(body)
            prompt = sum(_tokens(str(m.get("content", ""))) for m in body.get("messages") or [] if isinstance(m, dict))
            completion = sum(_tokens(c.text) for c in choices)
            self._json(200, {
                "id": f"chatcmpl-d-{number}", "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model") or "imperfect-d", "system_fingerprint": f"fp_d{model.seed}",
                "choices": [{"index": i, "finish_reason": c.finish_reason, "logprobs": None,
                             "message": {"role": "assistant", "content": c.text}} for i, c in enumerate(choices)],
                "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                          "total_tokens": prompt + completion},
            })

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256                  # many candidates at once: queue them, as a real endpoint does


def load_gold(path: Path) -> dict[str, str]:
    """Question -> gold SQL from a JSON list of ``{"question", "query"}`` records or a question -> SQL object."""
    data = json.loads(path.read_text())
    return dict(data) if isinstance(data, dict) else {r["question"]: r["query"] for r in data}


class StubProcess:
    """Model d in its own process, for benchmarks and tests: ``with StubProcess(gold, log=...) as llm: llm.url``."""

    def __init__(self, gold: Path, *, log: Path, seed: int = 7) -> None:
        self.command = [sys.executable, str(Path(__file__).resolve()), "--port", "0", "--gold", str(gold),
                        "--seed", str(seed), "--log", str(log)]
        self.log, self.url = log, ""

    def __enter__(self) -> StubProcess:
        self._process = subprocess.Popen(self.command, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        self.url = self._process.stdout.readline().split()[-1]
        return self

    @property
    def requests(self) -> list[int]:
        """The request numbers served so far (from the log)."""
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return sorted({json.loads(line)["request"] for line in lines})

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log", type=Path)
    args = parser.parse_args()
    model = Model(load_gold(args.gold), seed=args.seed, log=args.log)
    server = _Server(("127.0.0.1", args.port), handler_for(model))
    print(f"listening http://127.0.0.1:{server.server_port}/v1", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
