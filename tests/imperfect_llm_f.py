"""Stub "f": an imperfect text-to-SQL model for Spider dev behind the OpenAI chat-completions API.

Per question it answers gold part of the time (less on harder questions), otherwise one of a few realistic wrong
queries (small slips, other readings, a misconception it repeats), a query that fails, a question back, a refusal,
or a reply cut at the token budget (finish_reason "length"). It honours temperature, ``n`` and ``max_tokens`` /
``max_completion_tokens``, sometimes fixes a query when told it failed, and is deterministic given its seed.

    python tests/imperfect_llm_f.py --port 0 --gold .../spider/dev.json --seed 7 --log LOG.jsonl
    with StubProcess(gold_path, log=path, seed=7) as stub: ... stub.url ... stub.requests

Each served choice is one JSON line in the log: request, question, sql, finish_reason, mode (+ choice, db_id).
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import signal
import sys
import threading
from pathlib import Path
from typing import Any

if __name__ == "__main__":                      # run as a script: make ``tests.`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.imperfect_llm_f_profile import Answer, Profile, build, rng_for
from tests.imperfect_llm_f_replies import Reply, cut_chance, fit, prose, render, runaway
from tests.imperfect_llm_f_spider import Record, Spider, load
from tests.imperfect_llm_f_turns import Turn, read
from tests.llm_stub import StubLlmServer, StubReply, budget
from tests.stub_process import ScriptProcess

# After "that query failed": how often the model fixes the slip it made, slips again, or starts over.
REPAIR_FIX, REPAIR_SLIP = 0.7, 0.15
# After a failure it did not cause by a slip (a cut reply, a check the caller applies): redo, repeat, or ask.
REDO, REPEAT = 0.55, 0.3


class ModelF:
    """The responder: one call per choice (``_stub_choice``), logging each."""

    def __init__(self, spider: Spider, seed: int, log: str | None) -> None:
        self.spider, self.seed, self.log = spider, seed, log
        self._lock = threading.Lock()
        self._profiles: dict[int, Profile] = {}
        self._requests = 0
        self._occurrences: collections.Counter[tuple[str, float]] = collections.Counter()
        self._current: dict[int, tuple[int, int]] = {}       # thread -> (request number, occurrence)

    def __call__(self, body: dict[str, Any]) -> StubReply:
        turn = read(body)
        temperature = float(body["temperature"]) if body.get("temperature") is not None else 1.0
        choice = int(body.get("_stub_choice", 0))
        request, occurrence = self._number(choice, (turn.key, temperature))
        record = self.spider.find(turn.question) if turn.question else None
        if temperature <= 0:                              # greedy: one fixed draw per question (and failed query)
            rng = rng_for(self.seed, "t0", turn.question, turn.failed_sql)
        else:
            rng = rng_for(self.seed, "sample", turn.question, turn.key, temperature, occurrence, choice)
        reply = self._reply(rng, record, turn, temperature, budget(body))
        self._write({"request": request, "question": turn.question or "", "sql": reply.sql,
                     "finish_reason": reply.finish_reason, "mode": reply.mode, "choice": choice,
                     "db_id": record.db_id if record else None, "temperature": temperature})
        return StubReply(reply.text, reply.finish_reason, reasoning_tokens=reply.reasoning_tokens)

    def _number(self, choice: int, key: tuple[str, float]) -> tuple[int, int]:
        """Request numbers count requests, not choices: the choices of one request come from one handler thread."""
        me = threading.get_ident()
        with self._lock:
            if choice == 0 or me not in self._current:
                self._requests += 1
                self._occurrences[key] += 1
                self._current[me] = (self._requests, self._occurrences[key])
            return self._current[me]

    def profile(self, record: Record) -> Profile:
        with self._lock:
            if record.index not in self._profiles:
                self._profiles[record.index] = build(self.spider, record, self.seed)
            return self._profiles[record.index]

    def _reply(self, rng: Any, record: Record | None, turn: Turn, temperature: float, limit: int) -> Reply:
        if record is None:
            return self._unknown(rng, turn)
        profile = self.profile(record)
        if turn.failed_sql is not None:
            answer, mode = self._repair(rng, profile, turn.failed_sql, temperature)
        else:
            answer = profile.sample(rng, temperature)
            mode = answer.mode
        if answer.sql is None:
            return fit(prose(rng, answer.mode, record.gold, turn.prompt, mode), limit)
        reply = render(rng, answer.sql, mode)
        if rng.random() < cut_chance(answer.sql, temperature):
            return runaway(rng, reply, limit)
        return fit(reply, limit)

    def _repair(self, rng: Any, profile: Profile, failed: str, temperature: float) -> tuple[Answer, str]:
        known = profile.find(failed)
        draw = rng.random()
        runnable = [a for a in profile.answers if a.sql is not None and not a.mode.startswith("broken")]
        redo = _sample_from(rng, profile, runnable, temperature)
        if known is not None and known.fixes_to is not None:
            meant = profile.find(known.fixes_to) or Answer("small:rewritten", known.fixes_to, 0.0)
            if draw < REPAIR_FIX:
                return meant, f"repair:{meant.mode}"
            slips = [a for a in profile.answers if a.fixes_to is not None and a is not known] or [known]
            if draw < REPAIR_FIX + REPAIR_SLIP:
                slip = rng.choice(slips)
                return slip, f"repair:{slip.mode}"
            return redo, f"repair:{redo.mode}"
        if draw < REDO:
            return redo, f"repair:{redo.mode}"
        if draw < REDO + REPEAT:
            same = profile.find(failed) or Answer("repeat", failed, 0.0)
            return same, f"repair:{same.mode}"
        return Answer("clarify", None, 0.0), "repair:clarify"

    def _unknown(self, rng: Any, turn: Turn) -> Reply:
        """A question not in Spider dev: a guess over the schema the prompt shows, else a refusal."""
        best, hits = None, 0
        for schema in self.spider.schemas.values():
            found = [t.name for t in schema.tables if re.search(rf"\b{re.escape(t.name)}\b", turn.prompt, re.I)]
            if len(found) > hits:
                best, hits = found[0], len(found)
        if best is not None and rng.random() < 0.6:
            return render(rng, f"SELECT count(*) FROM {best}", "unknown:guess")
        return prose(rng, "refuse", None, turn.prompt, "unknown:refuse")

    def _write(self, entry: dict[str, Any]) -> None:
        if self.log is None:
            return
        with self._lock, open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def _sample_from(rng: Any, profile: Profile, answers: list[Answer], temperature: float) -> Answer:
    sub = Profile(profile.record, tuple(answers)) if answers else profile
    return sub.sample(rng, temperature)


class StubProcess(ScriptProcess):
    """The stub as its own process: ``with StubProcess(gold, log=path, seed=7) as s: s.url``."""

    script = str(Path(__file__).resolve())
    name = "stub f"
    extra_args = ("--port", "0")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="0 only: a free port, printed on the first line")
    parser.add_argument("--gold", required=True, help="Spider dev.json (tables.json beside it)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log", default=None, help="JSON lines, one per served choice")
    args = parser.parse_args(argv)
    if args.port != 0:
        parser.error("only --port 0 is supported (the stub takes a free port and prints its URL)")
    model = ModelF(load(args.gold), args.seed, args.log)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with StubLlmServer(responder=model, model="imperfect-f") as server:
        print(f"listening {server.url}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
