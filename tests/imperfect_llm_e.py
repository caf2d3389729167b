"""Stub e: an imperfect model behind the OpenAI API that errs the way real ones do, for measuring candidate
selection on Spider dev. Written blind to the LLM path it measures.

Per question it has a profile (tests/imperfect_llm_e_profile.py): the gold query likelier the easier the question
(Spider hardness), a habitual wrong query it repeats across samples (sometimes more often than the right one),
other realistic slips (tests/imperfect_llm_e_mistakes.py: wrong join key, DISTINCT forgotten, a neighbouring
column, >= for >, MAX for MIN, a condition dropped, the order flipped, ...), a column that does not exist, a
question back, a refusal. Each sample is drawn from that profile at the request's temperature: at 0 the reply is
fixed (the greedy answer, itself sometimes a slip); above 0 the samples differ, more so the hotter. The ``n``
choices of a request differ (by choice index), and so do repeated identical requests at temperature > 0 without a
``seed`` (a per-key count of the samples served; ``repeats_vary=False`` makes the reply a pure function of the
body, for the cache-like server kinds). A sample may also run long (tests/imperfect_llm_e_replies.py) and be cut
at the budget with ``finish_reason: length``: about 6% at a 1,024-token budget, more on harder questions.
When told its query failed, the model fixes a column it made up most of the time, or writes another query.

Every reply is logged as {question, sql, finish_reason, mode} so a run can check that no text that only ever came
cut became an answer (benchmarks/candidates_spider.py --stub e).

    python -m tests.imperfect_llm_e --spider /path/spider --seed 7 --log /tmp/replies.jsonl
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import threading
from pathlib import Path
from typing import Any

from tests.imperfect_llm_e_mistakes import Schema
from tests.imperfect_llm_e_profile import Mode, Profile, build, weights
from tests.imperfect_llm_e_replies import Worded, word_clarify, word_long, word_refusal, word_sql
from tests.llm_stub import StubLlmServer, StubReply, budget

_QUESTION = re.compile(r"Question:\s*(.+?)\s*$", re.DOTALL)
GREEDY_TEMPERATURE = 0.7            # the greedy reply is a draw from a sharpened profile, so it is sometimes a slip
FIX_RATE = 0.75                     # how often a made-up column is fixed once its error comes back


def asked_question(messages: list[dict[str, Any]]) -> str:
    """The question of the request: the last "Question:" of the last user message that has one (examples and
    earlier turns come before it)."""
    for message in reversed(messages):
        text = str(message.get("content", ""))
        if message.get("role") == "user" and "Question:" in text:
            match = _QUESTION.search("Question:" + text.rsplit("Question:", 1)[-1])
            if match:
                return match.group(1)
    return ""


class ImperfectModelE:
    """The responder (``StubLlmServer(responder=ImperfectModelE(...))``); profiles are built on first use."""

    def __init__(self, records: list[dict[str, Any]], schemas: dict[str, Schema], databases: Path | None, *,
                 seed: int = 7, log: Path | None = None, repeats_vary: bool = True) -> None:
        self.records = {r["question"].strip(): r for r in records}
        self.schemas, self.databases, self.seed, self.log = schemas, databases, seed, log
        self.repeats_vary = repeats_vary
        self._profiles: dict[str, Profile] = {}
        self._served: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    @classmethod
    def from_spider(cls, spider: Path, **kwargs: Any) -> ImperfectModelE:
        """From a Spider folder: dev.json, tables.json and database/<db_id>/<db_id>.sqlite."""
        records = json.loads((spider / "dev.json").read_text())
        schemas = {e["db_id"]: Schema.from_spider(e) for e in json.loads((spider / "tables.json").read_text())}
        return cls(records, schemas, spider / "database", **kwargs)

    def profile(self, question: str) -> Profile | None:
        record = self.records.get(question.strip())
        if record is None:
            return None
        with self._lock:
            if question in self._profiles:
                return self._profiles[question]
        db_id = record["db_id"]
        db = self.databases / db_id / f"{db_id}.sqlite" if self.databases else None
        built = build(question, record["query"], self.schemas.get(db_id, Schema({})), db, self.seed)
        with self._lock:
            return self._profiles.setdefault(question, built)

    def __call__(self, body: dict[str, Any]) -> StubReply:
        messages = list(body.get("messages", []))
        question = asked_question(messages)
        profile = self.profile(question)
        if profile is None:
            return self._logged(question, "refuse", Worded(StubReply("CANNOT ANSWER: I do not know this data."), ""))
        rng = random.Random(self._draw_key(body, question))
        temperature = float(body.get("temperature", 1.0))
        mode = self._repair(profile, messages, rng) or self._sample(profile, temperature, rng)
        return self._logged(question, mode.kind, self._word(profile, mode, budget(body), rng))

    def _draw_key(self, body: dict[str, Any], question: str) -> str:
        """(seed, question, temperature, request seed, choice, conversation length, repeat): at temperature 0
        the choice and repeat are left out, so every greedy reply to one conversation is the same."""
        temperature = float(body.get("temperature", 1.0))
        turns = len(body.get("messages", []))
        if temperature <= 0:
            return f"{self.seed}|{question}|greedy|{turns}"
        key = f"{self.seed}|{question}|{temperature:.3f}|{body.get('seed')}|{body.get('_stub_choice', 0)}|{turns}"
        if self.repeats_vary and body.get("seed") is None:
            with self._lock:
                repeat = self._served[key]
                self._served[key] += 1
            key += f"|{repeat}"
        return key

    def _sample(self, profile: Profile, temperature: float, rng: random.Random,
                drop: frozenset[str] = frozenset()) -> Mode:
        t = GREEDY_TEMPERATURE if temperature <= 0 else temperature
        return rng.choices(profile.modes, weights=weights(profile, t, drop=drop))[0]

    def _repair(self, profile: Profile, messages: list[dict[str, Any]], rng: random.Random) -> Mode | None:
        """A later turn after the model's own query: fix a made-up column (mostly), else answer afresh without
        repeating the query it was told about and without making up a column again."""
        said = [str(m.get("content", "")) for m in messages if m.get("role") == "assistant"]
        if not said:
            return None
        last = " ".join(said[-1].split())
        broken = [m for m in profile.modes if m.kind == "broken"]
        made_up = next((m for m in broken if " ".join(m.sql.split()) in last), None)
        if made_up is not None and rng.random() < FIX_RATE:
            return Mode("gold" if made_up.fixed == profile.modes[0].sql else "wrong", made_up.fixed, 1.0)
        drop = frozenset(m.sql for m in profile.modes if m.sql and (m.kind == "broken" or " ".join(m.sql.split())
                                                                     in last))
        return self._sample(profile, 0.7, rng, drop)

    def _word(self, profile: Profile, mode: Mode, tokens: int, rng: random.Random) -> Worded:
        if mode.kind == "clarify":
            return word_clarify(profile.question, profile.modes[0].sql, list(profile.columns), rng)
        if mode.kind == "refuse":
            return word_refusal(profile.question, rng)
        if rng.random() < profile.cut_rate:
            return word_long(profile.question, mode.sql, tokens, rng)
        return word_sql(profile.question, mode.sql, rng)

    def _logged(self, question: str, kind: str, worded: Worded) -> StubReply:
        if self.log is not None:
            record = {"question": question, "sql": worded.sql, "finish_reason": worded.reply.finish_reason,
                      "mode": kind}
            with self._lock, self.log.open("a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
        return worded.reply


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--spider", type=Path, required=True, help="Spider folder (dev.json, tables.json, database/)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log", type=Path, help="append every reply here as JSON lines")
    parser.add_argument("--url-file", type=Path, help="write the server's base URL here once it listens")
    args = parser.parse_args()
    server = StubLlmServer(responder=ImperfectModelE.from_spider(args.spider, seed=args.seed, log=args.log))
    if args.url_file:
        args.url_file.write_text(server.url)
    print(server.url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
