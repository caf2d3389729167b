"""Stub "g", how it writes a reply, and where the token budget cuts it.

Most replies are the query in a ```sql block; some come with a sentence before or after, in a bare ``` block, a
```sqlite block, or with no block at all. Some samples ramble: reasoning in prose before the query, at times with a
first draft in its own ```sql block, long enough now and then to run past the budget. Some loop: the query
starts, then one piece (a column, a condition, a few words) repeats until the budget ends, so the reply is
always cut, and the cut text can be a query that runs. A reasoning model (a request with
``max_completion_tokens`` and no ``max_tokens``) first thinks; thinking that uses the whole budget leaves an
empty reply cut at ``length``. A budget counts 4 characters a token, as the stub server's usage fields do.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from tests.imperfect_llm_g_breaks import spellings
from tests.imperfect_llm_g_profile import Answer, Profile

CHARS_PER_TOKEN = 4
RAMBLE_MEDIAN, RAMBLE_SPREAD = 650.0, 0.8      # tokens of reasoning before the query (log-normal)
DRAFT = 0.35                                   # a rambling reply shows a first draft
_FENCE = re.compile(r"```[a-zA-Z]*\n(.*?)(?:\n```|$)", re.DOTALL)


@dataclass(frozen=True)
class Written:
    """The reply text, its finish reason, the SQL texts a reader can see in it (a draft, then the answer, when it
    rambled; what is left of them when cut), and tokens spent thinking."""

    content: str
    finish: str
    sqls: tuple[str, ...]
    reasoning_tokens: int = 0


def _formatted(sql: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.7:
        return f"```sql\n{sql}\n```"
    if roll < 0.8:
        return f"Here is the query:\n\n```sql\n{sql}\n```"
    if roll < 0.87:
        return f"```sql\n{sql}\n```\n\nIt reads the rows the question is about and returns what it asks for."
    if roll < 0.92:
        return f"```\n{sql}\n```"
    if roll < 0.96:
        return f"```sqlite\n{sql};\n```"
    return f"{sql};"


def _looping(sql: str, rng: random.Random, chars: int) -> str:
    """``sql`` until some point, then one piece of it over and over, past ``chars``."""
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.SqlglotError:
        tree = None
    where = tree.find(exp.Where) if tree is not None else None
    select = tree if isinstance(tree, exp.Select) else None
    flat = " ".join(sql.split())
    pieces: list[tuple[str, str]] = []
    if where is not None and tree is not None:
        condition = next(iter(where.this.find_all(exp.Predicate)), where.this).sql(dialect="sqlite")
        head = tree.sql(dialect="sqlite")
        if condition in head:
            pieces.append((head[: head.index(condition) + len(condition)], f" AND {condition}"))
    if select is not None and select.expressions:
        first = select.expressions[0].sql(dialect="sqlite")
        head = select.sql(dialect="sqlite")
        if first in head:
            pieces.append((head[: head.index(first) + len(first)], f", {first}"))
    words = flat.split(" ")
    at = rng.randint(min(2, len(words)), len(words))
    pieces.append((" ".join(words[:at]), " " + " ".join(words[max(0, at - rng.randint(1, 3)):at])))
    head, piece = rng.choice(pieces)
    return head + piece * (chars // max(1, len(piece)) + 2)


def _rambling(profile: Profile, answer: Answer, rng: random.Random) -> tuple[str, str | None]:
    """Reasoning before the query, and the first draft it shows (if any)."""
    tokens = int(RAMBLE_MEDIAN * math.exp(rng.gauss(0.0, RAMBLE_SPREAD)))
    tables = sorted(profile.record.tables) or ["the data"]
    said: list[str] = ["Let me work through this step by step."]
    drafts = [a.text for a in profile.answers if a.mode in ("wrong", "habit", "gold") and a.text != answer.text]
    draft = rng.choice(drafts) if drafts and rng.random() < DRAFT else None
    while sum(len(s) + 1 for s in said) < tokens * CHARS_PER_TOKEN:
        table = rng.choice(tables)
        columns = ", ".join(c.name for c in profile.record.columns_of(table)[:6])
        said.append(rng.choice((
            f"The {table} table has {columns}.", f"I need to check whether {table} is the table the question means.",
            f"Maybe the answer needs {table} joined to another table on its key.",
            "Wait, I should make sure the condition matches the wording of the question.",
            f"The columns {columns} could all be relevant here, so let me think about which one is meant.")))
        if draft is not None and len(said) == 4:
            said.append(f"A first attempt:\n\n```sql\n{draft}\n```\n\nBut that may not be exactly what is asked.")
    return " ".join(said) + "\n\nSo the final query is:\n\n", draft


def visible_sql(text: str) -> tuple[str, ...]:
    """The SQL a reader can take from ``text``: every block (the last may be open), or the text itself if it
    starts like a query."""
    blocks = tuple(b.strip().rstrip(";").strip() for b in _FENCE.findall(text) if b.strip())
    if blocks or "```" in text:
        return blocks
    bare = text.strip().rstrip(";").strip()
    return (bare,) if re.match(r"(SELECT|WITH)\b", bare, re.IGNORECASE) else ()


def _cut(text: str, chars: int, rng: random.Random) -> str:
    """``text`` cut at ``chars``: at a word boundary most of the time, else inside a word (a sub-word token)."""
    cut = text[:chars]
    if rng.random() < 0.65 and " " in cut.strip():
        cut = cut[: cut.rstrip().rfind(" ")]
    return cut


def write(profile: Profile, answer: Answer, rng: random.Random, *, limit: int, reasoning: bool,
          greedy: bool, ramble_factor: float = 1.0) -> Written:
    """The reply for ``answer`` within ``limit`` tokens (``reasoning``: thinking spends from the same budget)."""
    thought = 0
    if reasoning:
        thought = int(profile.think * math.exp(rng.gauss(0.0, 0.7)))
        if thought >= limit:
            return Written("", "length", (), limit)
        limit -= thought
    chars = limit * CHARS_PER_TOKEN
    if answer.mode in ("clarify", "refuse"):
        text, sql = answer.text, None
    else:
        sql = rng.choices(spellings(answer.text), weights=(0.5, 0.3, 0.2)[: len(spellings(answer.text))])[0]
        roll, loop = rng.random(), profile.loop * (1.5 if greedy else 1.0)     # greedy decoding loops more
        if roll < loop:
            text = "```sql\n" + _looping(sql, rng, chars)
        elif roll < loop + profile.ramble * ramble_factor:
            text = _rambling(profile, answer, rng)[0] + f"```sql\n{sql}\n```"
        else:
            text = _formatted(sql, rng)
    if len(text) <= chars:                      # a whole reply shows its query, and a draft if it rambled
        return Written(text, "stop", (visible_sql(text) or (sql,)) if sql else (), thought)
    cut = _cut(text, chars, rng)
    return Written(cut, "length", visible_sql(cut), thought)
