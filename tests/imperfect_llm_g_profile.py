"""Stub "g", what it would answer to one question: a weighted list of answers fixed per (seed, question).

The weight of gold is the model's skill on the question: a base rate for its hardness plus a per-question
spread (some easy questions it gets wrong, some extra-hard ones right). Wrong queries take most of the rest, in
falling weights; on some questions one of them is a habit, weighted close to gold (or above it), so sampling
more does not always help. A little weight goes to failing queries, a question back and a refusal, more on
questions the model finds unclear. Besides what it answers, the profile says how it writes: how often it
loops (repeats a piece of the query until the budget ends), rambles before the query, and how long it thinks.

A draw at temperature T takes each weight to the power 1/T (at 0 the model is greedy: one answer per prompt,
drawn at ``GREEDY_T`` from a random source fixed by the prompt, so usually but not always the heaviest).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Literal

from tests.imperfect_llm_g_breaks import BREAKS, spellings
from tests.imperfect_llm_g_edits import WRONG, variants
from tests.imperfect_llm_g_spider import Hardness, Record

Mode = Literal["gold", "wrong", "habit", "failing", "clarify", "refuse"]

SKILL: dict[Hardness, float] = {"easy": 0.62, "medium": 0.46, "hard": 0.34, "extra": 0.24}
SKILL_SPREAD = 0.2
HABIT: dict[Hardness, float] = {"easy": 0.08, "medium": 0.15, "hard": 0.22, "extra": 0.3}
VARIANTS: dict[Hardness, int] = {"easy": 3, "medium": 4, "hard": 5, "extra": 5}
THINK: dict[Hardness, float] = {"easy": 200.0, "medium": 320.0, "hard": 550.0, "extra": 800.0}
GREEDY_T = 0.6


@dataclass(frozen=True)
class Answer:
    """One thing the model may say: SQL (gold, wrong, habit, failing) or prose (clarify, refuse); ``meant`` is
    the query a failing one broke, which a repair goes back to."""

    mode: Mode
    text: str
    weight: float
    meant: str = ""


@dataclass(frozen=True)
class Profile:
    record: Record
    answers: tuple[Answer, ...]
    loop: float          # chance a sample repeats itself until the budget ends
    ramble: float        # chance a sample reasons at length before its query
    think: float         # median reasoning tokens (models that take max_completion_tokens)

    def draw(self, rng: random.Random, temperature: float, without: frozenset[str] = frozenset()) -> Answer:
        """One answer at ``temperature`` (0: greedy), never one whose text is in ``without`` if another exists."""
        pool = [a for a in self.answers if a.text not in without] or list(self.answers)
        power = 1.0 / (GREEDY_T if temperature <= 0 else max(temperature, 0.05))
        weights = [a.weight ** power for a in pool]
        return rng.choices(pool, weights=weights)[0]

    def matching(self, sql: str) -> Answer | None:
        """The answer ``sql`` is one of the spellings of (spacing and case aside), if any."""
        folded = _fold(sql)
        return next((a for a in self.answers if folded in {_fold(s) for s in spellings(a.text)}), None)


def _fold(sql: str) -> str:
    return " ".join(sql.replace(";", " ").split()).lower()


def rng_for(*parts: object) -> random.Random:
    return random.Random(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest())


def _wrong_texts(record: Record, rng: random.Random) -> list[str]:
    edits = list(WRONG)
    rng.shuffle(edits)
    return variants(record.gold, edits, record, rng, VARIANTS[record.hardness])


def _failing(record: Record, meant: list[str], weight: float, rng: random.Random) -> list[Answer]:
    out: list[Answer] = []
    breaks = list(BREAKS)
    rng.shuffle(breaks)
    for brk in breaks:
        base = rng.choice(meant)
        text = brk(base, record, rng)
        if text and text not in (a.text for a in out):
            out.append(Answer("failing", text, 0.0, base))
        if len(out) == 2:
            break
    return [Answer("failing", a.text, weight / len(out), a.meant) for a in out]


def _prose(record: Record, rng: random.Random) -> list[Answer]:
    table = rng.choice(sorted(record.tables)) if record.tables else "the table"
    columns = [c.name for c in record.columns_of(table)] or ["one column", "another"]
    first, second = rng.choice(columns), rng.choice(columns)
    unclear = rng.random() < 0.1
    ask = (f"QUESTION: Should I use {first} or {second} of {table} for this?" if rng.random() < 0.8 else
           f"I am not sure whether you mean {first} or {second} in the {table} table. Could you say which?")
    refuse = ("CANNOT ANSWER: the schema does not say which rows count here." if rng.random() < 0.8 else
              "I'm sorry, but I cannot tell from these tables how to answer that.")
    return [Answer("clarify", ask, rng.uniform(0.05, 0.2) if unclear else 0.012),
            Answer("refuse", refuse, rng.uniform(0.03, 0.1) if rng.random() < 0.03 else 0.006)]


def build(record: Record, seed: int) -> Profile:
    """The question's answers and habits, the same for the same seed."""
    rng = rng_for(seed, "profile", record.question)
    skill = min(0.95, max(0.04, rng.gauss(SKILL[record.hardness], SKILL_SPREAD)))
    wrong = _wrong_texts(record, rng)
    answers = [Answer("gold", record.gold, skill)]
    rest = 1.0 - skill
    if wrong and rng.random() < HABIT[record.hardness]:
        answers.append(Answer("habit", wrong.pop(0), skill * rng.uniform(0.6, 1.4)))
    prose = _prose(record, rng)
    failing = _failing(record, [record.gold, *wrong], rest * rng.uniform(0.1, 0.3), rng)
    rest -= sum(a.weight for a in prose + failing)
    shares = [1.0 / (i + 1) for i in range(len(wrong))]
    answers += [Answer("wrong", text, max(rest, 0.02) * s / sum(shares)) for text, s in zip(wrong, shares)]
    if not wrong:
        answers[0] = Answer("gold", answers[0].text, answers[0].weight + max(rest, 0.0))
    hard = list(SKILL).index(record.hardness)
    return Profile(record, tuple(answers + failing + prose),
                   loop=min(0.12, 0.015 + 0.01 * hard + len(record.gold) / 4000 + rng.uniform(0, 0.03)),
                   ramble=rng.uniform(0.02, 0.06 + 0.03 * hard), think=THINK[record.hardness] * rng.uniform(0.6, 1.6))
