"""What stub "f" believes about one question: its candidate answers and how likely each is.

A profile is fixed by (seed, question): gold, a handful of wrong queries of every kind, broken ones, and prose.
Some questions carry a systematic misconception, a wrong query nearly as likely as gold (sometimes more),
so that it comes back sample after sample. Temperature sharpens or flattens the distribution (p ** (1/T)).
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass

from tests.imperfect_llm_f_mistakes import SMALL
from tests.imperfect_llm_f_spider import Record, Spider
from tests.imperfect_llm_f_sql import layout, normal
from tests.imperfect_llm_f_structural import BROKEN, STRUCTURAL, neighbour

# Log-odds of gold against one wrong query, by Spider hardness; and how often a question has a misconception.
GOLD_LOGIT = {"easy": 3.5, "medium": 2.5, "hard": 1.8, "extra": 1.1}
MISCONCEPTION_RATE = {"easy": 0.12, "medium": 0.22, "hard": 0.32, "extra": 0.40}
PROSE_LOGIT = {"clarify": -1.5, "refuse": -2.2}
GREEDY_T = 0.5            # temperature 0 is one fixed draw from this sharpened distribution (see ``Profile.weights``)
MAX_WRONG = 5
# Which wrong answers become a misconception, and how readily: readings of the question, not slips of the pen.
MISCONCEPTION_KINDS = {
    "other_reading": 3.0, "set_logic": 2.0, "drop_condition": 2.0, "extra_column": 2.0, "wrong_table": 1.5,
    "comparison": 1.0, "count_distinct": 1.0, "value_literal": 1.0, "group_by": 1.0, "wrong_column": 1.0,
    "missing_limit": 0.5, "join_key": 0.5,
}


@dataclass(frozen=True)
class Answer:
    mode: str                 # "gold", "small:<kind>", "structural:<kind>", "misconception:<kind>", "broken:<kind>",
    sql: str | None           # "clarify", "refuse"; ``sql`` None for prose
    logit: float
    fixes_to: str | None = None      # for a broken query: the query the model meant (what a repair restores)


@dataclass(frozen=True)
class Profile:
    record: Record
    answers: tuple[Answer, ...]

    def weights(self, temperature: float) -> list[float]:
        t = max(temperature, 0.05)
        top = max(a.logit for a in self.answers)
        return [math.exp((a.logit - top) / t) for a in self.answers]

    def sample(self, rng: random.Random, temperature: float) -> Answer:
        return rng.choices(self.answers, weights=self.weights(temperature or GREEDY_T))[0]

    def find(self, sql: str) -> Answer | None:
        key = normal(sql)
        return next((a for a in self.answers if a.sql is not None and normal(a.sql) == key), None)


def rng_for(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def build(spider: Spider, record: Record, seed: int) -> Profile:
    rng = rng_for(seed, "profile", record.db_id, record.question)
    gold = layout(record.gold, False)
    schema = spider.schemas[record.db_id]
    seen = {normal(gold)}
    wrong: list[tuple[str, str]] = []
    for family, mistakes in (("small", SMALL), ("structural", STRUCTURAL)):
        for kind, mistake in mistakes.items():
            sql = mistake(gold, schema, rng)
            if sql is not None and normal(sql) not in seen:
                seen.add(normal(sql))
                wrong.append((f"{family}:{kind}", sql))
    other = neighbour(spider, record)
    if other is not None and normal(other) not in seen:
        wrong.append(("structural:other_reading", layout(other, False)))
    rng.shuffle(wrong)
    # A model's wrong answers to one question are few: it keeps making the same handful of mistakes.
    structural = [w for w in wrong if w[0].startswith("structural")][:2]
    chosen = structural + [w for w in wrong if w not in structural][: MAX_WRONG - len(structural)]
    gold_logit = GOLD_LOGIT[record.hardness] + rng.gauss(0.0, 1.0)
    answers = [Answer("gold", gold, gold_logit)]
    kinds = [MISCONCEPTION_KINDS.get(mode.split(":")[1], 0.0) for mode, _ in chosen]
    if sum(kinds) > 0 and rng.random() < MISCONCEPTION_RATE[record.hardness]:
        mode, sql = chosen.pop(rng.choices(range(len(chosen)), weights=kinds)[0])
        answers.append(Answer("misconception:" + mode.split(":")[1], sql, gold_logit + rng.gauss(-0.1, 0.7)))
    answers += [Answer(mode, sql, rng.gauss(0.0, 0.8)) for mode, sql in chosen]
    answers += _broken(gold, answers, spider, record, rng)
    hard = record.hardness in ("hard", "extra")
    answers += [Answer(kind, None, logit + (0.6 if hard else 0.0) + rng.gauss(0.0, 0.4))
                for kind, logit in PROSE_LOGIT.items()]
    return Profile(record, tuple(answers))


def _broken(gold: str, answers: list[Answer], spider: Spider, record: Record, rng: random.Random) -> list[Answer]:
    """Two failing queries, each a slip in writing some answer the model holds (gold or a wrong one)."""
    schema = spider.schemas[record.db_id]
    out: list[Answer] = []
    kinds = list(BROKEN.items())
    rng.shuffle(kinds)
    for kind, mistake in kinds:
        base = gold if rng.random() < 0.6 else rng.choice([a.sql for a in answers if a.sql] or [gold])
        sql = mistake(base, schema, rng) if base else None
        if sql is not None and normal(sql) != normal(base or ""):
            out.append(Answer(f"broken:{kind}", sql, rng.gauss(-1.0, 0.6), fixes_to=base))
        if len(out) == 2:
            break
    return out
