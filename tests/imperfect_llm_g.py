"""Stub "g": an imperfect text-to-SQL model for Spider dev behind the OpenAI chat-completions API, in its own process.

Per question (``imperfect_llm_g_profile``) it has a weighted set of answers: gold, with a weight set by the
question's Spider hardness (easy 0.62, medium 0.46, hard 0.34, extra 0.24 on average, spread per question),
wrong queries made by realistic slips (``imperfect_llm_g_edits``: wrong column, condition dropped or added, wrong
join, wrong aggregate, DISTINCT, order, LIMIT, boundary, value spelling, set operation), on some questions one of
them a habit as likely as gold, queries that fail (``imperfect_llm_g_breaks``), a question back and a refusal.
How it writes (``imperfect_llm_g_text``): mostly a ```sql block, sometimes prose around it or no block; some
replies ramble or loop and are cut at the budget (``finish_reason: length``), and a cut text can be a query that
runs. Greedy decoding at 0 loops more often.

Requests: ``temperature`` (weights to the power 1/T; at 0 greedy: one reply per prompt, every choice the same),
``n`` (one draw per choice), ``max_tokens`` / ``max_completion_tokens`` (the budget; with only the latter it is a
reasoning model whose thinking spends the budget first), ``seed`` (with it, a repeated request is answered the
same; without, repeats at T > 0 differ). After "that query failed" it fixes its own failing query
(``REPAIR_FIX``), repeats it, or draws again; after "your reply was cut" it draws again and rambles less.
Deterministic given ``--seed`` (and the order of identical requests).

    python tests/imperfect_llm_g.py --gold .../spider/dev.json --seed 7 --log LOG.jsonl   # prints "listening URL"
    with StubProcess(gold_path, log=path, seed=7) as stub: ... stub.url ... stub.requests

Each served choice is a JSON line in the log: request, choice, question, db_id, mode, sql, finish_reason,
temperature, n; a reply showing more than one query (a draft, then the answer or what the cut left of it)
gets a line for each.
"""

from __future__ import annotations

import argparse
import collections
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

if __name__ == "__main__":                      # run as a script: make ``tests.`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.imperfect_llm_g_profile import Answer, Profile, build, rng_for
from tests.imperfect_llm_g_spider import Spider
from tests.imperfect_llm_g_text import Written, visible_sql, write
from tests.imperfect_llm_g_turns import Turn, read
from tests.llm_stub import StubLlmServer, StubReply, budget
from tests.stub_process import ScriptProcess

REPAIR_FIX, REPAIR_REPEAT = 0.65, 0.15           # after its own failing query: fix it, repeat it, else draw again
RETRY_OTHER = 0.6                                # after a failure it did not cause by a slip: draw something else
RAMBLE_AFTER_CUT = 0.25                          # told its reply was cut: rambles a quarter as often


class ModelG:
    """The responder: called once per choice (``_stub_choice``); logs each."""

    def __init__(self, spider: Spider, seed: int, log: str | None) -> None:
        self.spider, self.seed, self.log = spider, seed, log
        self._lock = threading.Lock()
        self._profiles: dict[str, Profile] = {}
        self._requests = 0
        self._seen: collections.Counter[tuple[str, float]] = collections.Counter()
        self._current: dict[int, tuple[int, int]] = {}    # thread -> (request number, occurrence of its prompt)

    def __call__(self, body: dict[str, Any]) -> StubReply:
        turn = read(body)
        temperature = float(body["temperature"]) if body.get("temperature") is not None else 1.0
        choice = int(body.get("_stub_choice", 0))
        request, occurrence = self._number(choice, (turn.key, temperature))
        if temperature <= 0:
            rng = rng_for(self.seed, turn.key, "greedy")
        else:
            rng = rng_for(self.seed, turn.key, temperature, choice, f"seed={body['seed']}" if "seed" in body
                          else occurrence)
        record = self.spider.find(turn.question) if turn.question else None
        if record is None:
            text = "QUESTION: Which question would you like me to answer with SQL?"
            self._write({"request": request, "choice": choice, "question": turn.question, "mode": "unknown",
                         "sql": "", "finish_reason": "stop", "temperature": temperature})
            return StubReply(text)
        profile = self._profile(record.question)
        answer, mode = self._answer(rng, profile, turn, temperature)
        reasoning = "max_completion_tokens" in body and "max_tokens" not in body
        written = write(profile, answer, rng, limit=budget(body), reasoning=reasoning, greedy=temperature <= 0,
                        ramble_factor=RAMBLE_AFTER_CUT if turn.after == "cut" else 1.0)
        self._log(written, {"request": request, "choice": choice, "question": record.question,
                            "db_id": record.db_id, "mode": mode, "temperature": temperature,
                            "n": int(body.get("n") or 1)})
        return StubReply(written.content, written.finish, reasoning_tokens=written.reasoning_tokens)

    def _number(self, choice: int, key: tuple[str, float]) -> tuple[int, int]:
        """A request number and how often this prompt came before; choices after the first share them."""
        me = threading.get_ident()
        with self._lock:
            if choice == 0 or me not in self._current:
                self._requests += 1
                self._current[me] = (self._requests, self._seen[key])
                self._seen[key] += 1
            return self._current[me]

    def _profile(self, question: str) -> Profile:
        with self._lock:
            known = self._profiles.get(question)
        if known is None:
            record = self.spider.find(question)
            assert record is not None
            known = build(record, self.seed)
            with self._lock:
                self._profiles[question] = known
        return known

    def _answer(self, rng: Any, profile: Profile, turn: Turn, temperature: float) -> tuple[Answer, str]:
        if turn.after != "failed":          # after an answer to its own question, it does not ask again
            asked = {a.text for a in profile.answers if a.mode == "clarify"} if turn.after == "other" else set()
            answer = profile.draw(rng, temperature, frozenset(asked))
            return answer, answer.mode
        shown = visible_sql(turn.previous)
        mine = profile.matching(shown[-1] if shown else turn.previous)
        roll = rng.random()
        if mine is not None and mine.mode == "failing":
            slip = mine
            meant = next((a for a in profile.answers if a.text == slip.meant), None)
            if meant is not None and roll < REPAIR_FIX:
                return meant, f"fixed-{meant.mode}"
            if roll < REPAIR_FIX + REPAIR_REPEAT:
                return slip, "repeated-failing"
            return profile.draw(rng, temperature, frozenset({slip.text})), "redrawn"
        if mine is not None and roll >= RETRY_OTHER:
            return mine, f"repeated-{mine.mode}"
        answer = profile.draw(rng, temperature, frozenset({mine.text} if mine is not None else set()))
        return answer, f"redrawn-{answer.mode}"

    def _log(self, written: Written, entry: dict[str, Any]) -> None:
        for sql in written.sqls or ("",):
            self._write({**entry, "sql": sql, "finish_reason": written.finish})

    def _write(self, entry: dict[str, Any]) -> None:
        if self.log is None:
            return
        with self._lock, open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


class StubProcess(ScriptProcess):
    """The stub as its own process: ``with StubProcess(gold, log=path, seed=7) as s: s.url``."""

    script = str(Path(__file__).resolve())
    name = "stub g"
    extra_args = ()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--gold", required=True, help="Spider dev.json (tables.json beside it)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log", default=None, help="JSON lines, one per served choice")
    args = parser.parse_args(argv)
    model = ModelG(Spider(Path(args.gold)), args.seed, args.log)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with StubLlmServer(responder=model, model="imperfect-g") as server:
        print(f"listening {server.url}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
