"""What stub e (tests/imperfect_llm_e.py) tends to answer for one question: a profile of weighted modes, fixed
per question and seed, from which every sample is drawn.

The gold query's weight falls with its Spider hardness (and a per-question draw: some easy questions trip the
model, some hard ones it knows). One wrong query is the question's *habit*: a slip the model makes again and
again, sometimes more often than the right answer, so a vote can be fooled. Other slips share what is left;
so do a query naming a column that does not exist (fixed when the error comes back), a question back (some
questions read as ambiguous to the model, most not) and a refusal. Every wrong query is run against the
question's SQLite database first: an edit that returns the gold result is no mistake and is left out.
"""

from __future__ import annotations

import random
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlglot
import sqlglot.errors

from tests.imperfect_llm_e_mistakes import WRONG_EDITS, Hardness, Schema, apply, column_hallucinated, hardness

ModeKind = Literal["gold", "wrong", "broken", "clarify", "refuse"]
P_GOLD: dict[Hardness, float] = {"easy": 0.74, "medium": 0.59, "hard": 0.43, "extra": 0.30}
P_BROKEN: dict[Hardness, float] = {"easy": 0.03, "medium": 0.04, "hard": 0.06, "extra": 0.08}
P_CUT: dict[Hardness, float] = {"easy": 0.04, "medium": 0.06, "hard": 0.08, "extra": 0.10}
QUERY_SECONDS = 2.0


@dataclass(frozen=True)
class Mode:
    """One answer the model may give: its SQL ("" for a question back or a refusal), weight at temperature 1,
    and for a broken query the query the model writes once told the column does not exist."""

    kind: ModeKind
    sql: str
    weight: float
    fixed: str = ""
    habit: bool = False


@dataclass(frozen=True)
class Profile:
    question: str
    hardness: Hardness
    modes: tuple[Mode, ...]
    cut_rate: float
    columns: tuple[str, ...]               # the gold tables' columns, for a question back


def _rows(db: Path, sql: str) -> list[tuple[object, ...]] | None:
    """The query's rows, or None when it fails or runs past ``QUERY_SECONDS`` (a cross join by a wrong key)."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    connection.text_factory = lambda b: b.decode(errors="replace")
    deadline = time.monotonic() + QUERY_SECONDS
    connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        return connection.execute(sql).fetchall()
    except (sqlite3.Error, OverflowError):
        return None
    finally:
        connection.close()


def _same(a: list[tuple[object, ...]], b: list[tuple[object, ...]], ordered: bool) -> bool:
    return a == b if ordered else sorted(map(repr, a)) == sorted(map(repr, b))


def _checked(gold: str, variants: list[str], db: Path | None) -> tuple[list[str], list[str]]:
    """(wrong, broken): variants returning another result, and variants that fail to run. Without the database
    (Spider ships no wta_1) every variant counts as wrong."""
    if db is None or not db.exists():
        return variants, []
    expected = _rows(db, gold)
    ordered = "order by" in gold.lower()
    wrong, broken = [], []
    for sql in variants:
        got = _rows(db, sql)
        if got is None:
            broken.append(sql)
        elif expected is None or not _same(got, expected, ordered):
            wrong.append(sql)
    return wrong, broken


def _gold_columns(gold: str, schema: Schema) -> tuple[str, ...]:
    try:
        tables = {t.name.lower() for t in sqlglot.parse_one(gold, read="sqlite").find_all(sqlglot.exp.Table)}
    except sqlglot.errors.SqlglotError:
        tables = set()
    return tuple(c for t in sorted(tables) for c, _ in schema.columns(t))


def build(question: str, gold: str, schema: Schema, db: Path | None, seed: int) -> Profile:
    """The question's profile; the same (question, gold, seed) always gives the same profile."""
    rng = random.Random(f"{seed}|profile|{question}")
    try:
        level = hardness(sqlglot.parse_one(gold, read="sqlite"))
    except sqlglot.errors.SqlglotError:
        level = "extra"
    edits = [apply(gold, edit, schema, random.Random(f"{seed}|{edit.__name__}|{question}")) for edit in WRONG_EDITS]
    wrong, broken = _checked(gold, [sql for sql in dict.fromkeys(edits) if sql], db)
    hallucinated = apply(gold, column_hallucinated, schema, random.Random(f"{seed}|hallucinated|{question}"))
    p_gold = min(0.95, max(0.12, P_GOLD[level] + rng.uniform(-0.18, 0.18)))
    modes = [Mode("gold", gold, p_gold)]
    p_broken = P_BROKEN[level]
    modes += [Mode("broken", sql, p_broken / (len(broken) + 1), fixed=gold) for sql in [hallucinated] + broken if sql]
    modes.append(Mode("clarify", "", 0.22 if rng.random() < 0.05 else 0.015))
    modes.append(Mode("refuse", "", 0.18 if rng.random() < 0.02 else 0.008))
    rest = max(0.04, 1.0 - sum(m.weight for m in modes))
    if wrong:
        habit = rng.choices(wrong, weights=[1 / (1 + 0.2 * i) for i in range(len(wrong))])[0]
        share = rng.uniform(0.35, 0.85) if len(wrong) > 1 else 1.0
        modes.append(Mode("wrong", habit, rest * share, habit=True))
        others = [sql for sql in wrong if sql != habit]
        draws = [rng.expovariate(1.0) for _ in others]
        modes += [Mode("wrong", sql, rest * (1 - share) * d / sum(draws)) for sql, d in zip(others, draws)]
    else:                              # nothing plausible to get wrong: the model is mostly right
        modes[0] = Mode("gold", gold, p_gold + rest)
    return Profile(question, level, tuple(modes), P_CUT[level], _gold_columns(gold, schema))


def weights(profile: Profile, temperature: float, *, drop: frozenset[str] = frozenset()) -> list[float]:
    """Each mode's chance at ``temperature`` (weight ** (1 / T), normalised by the caller's draw): a lower
    temperature sharpens towards the likeliest answers, a higher one flattens towards the rare slips."""
    t = min(2.0, max(0.05, temperature))
    return [0.0 if m.sql in drop and m.sql else m.weight ** (1 / t) for m in profile.modes]
