"""A second imperfect model behind the OpenAI API, with an error model unlike tests/imperfect_llm.py's, so that
candidate selection is measured against two generators and tuned to neither.

Each question gets, from a seeded hash, a fixed *reply distribution*: a difficulty tier sets how much mass the
gold query has (easy 0.8, medium 0.5, hard 0.2, where one wrong reading carries ~0.45: the model almost always
gets it wrong the same way); the rest goes to realistic mistakes made from the gold query with sqlglot (wrong
join key, missing DISTINCT, wrong aggregate, off-by-one LIMIT, a filter conjunct dropped, a selected column
swapped for another of its table, ``>`` for ``>=``, a hallucinated column, a syntax error), and to non-SQL
replies (cut at the length limit after some reasoning, a prose answer, a ``QUESTION:`` back). Gold is also
written in two spellings (compact and pretty-printed), as a model does.

Temperature matters as it does for a real model: at temperature 0 every choice is the distribution's mode (the
same reply every time); at T > 0 a choice is sampled from p^(1/T). A repair turn ("That query failed", "cut off",
"held no SQL") is answered from the same distribution with the kind of reply that failed made unlikely.

    python -m tests.imperfect_llm_b --spider /path/spider --seed 7
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from tests.llm_stub import StubLlmServer, StubReply, budget

_QUESTION = re.compile(r"Question:\s*(.+?)\s*$", re.DOTALL)
Schema = dict[str, list[str]]                  # table (lower case) -> its columns


@dataclass(frozen=True)
class Mode:
    """One reply the model may give: ``kind`` is gold, wrong, broken, cut, prose or ask."""

    kind: str
    text: str
    weight: float


def _rng(*parts: object) -> random.Random:
    return random.Random(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest())


def _tables(tree: exp.Expression) -> dict[str, str]:
    """alias or name (lower case) -> table name (lower case) of every table the query reads."""
    return {(t.alias_or_name).lower(): t.name.lower() for t in tree.find_all(exp.Table)}


def _other_column(column: exp.Column, tree: exp.Expression, schema: Schema, rng: random.Random) -> str | None:
    tables = _tables(tree)
    table = tables.get(column.table.lower()) if column.table else next(iter(tables.values()), None)
    pool = [c for c in schema.get(table or "", []) if c.lower() != column.name.lower()]
    return rng.choice(pool) if pool else None


def _join_key(tree: exp.Expression, schema: Schema, rng: random.Random) -> exp.Expression | None:
    join = next((j for j in tree.find_all(exp.Join) if j.args.get("on") is not None), None)
    eq = join.args["on"].find(exp.EQ) if join else None
    column = eq.expression if eq is not None and isinstance(eq.expression, exp.Column) else None
    other = _other_column(column, tree, schema, rng) if column is not None else None
    if column is None or other is None:
        return None
    column.set("this", exp.to_identifier(other))
    return tree


def _distinct_missing(tree: exp.Expression, schema: Schema, rng: random.Random) -> exp.Expression | None:
    distinct = tree.find(exp.Distinct)
    if distinct is None:
        return None
    if isinstance(distinct.parent, exp.Count):        # COUNT(DISTINCT x) -> COUNT(x)
        distinct.replace(distinct.expressions[0])
    else:
        distinct.pop()
    return tree


_AGGREGATE_SWAP = {exp.Avg: exp.Sum, exp.Sum: exp.Avg, exp.Max: exp.Min, exp.Min: exp.Max}


def _aggregate_wrong(tree: exp.Expression, schema: Schema, rng: random.Random) -> exp.Expression | None:
    for kind, other in _AGGREGATE_SWAP.items():
        node = tree.find(kind)
        if node is not None:
            node.replace(other(this=node.this))
            return tree
    return None


def _limit_off_by_one(tree: exp.Expression, schema: Schema, rng: random.Random) -> exp.Expression | None:
    limit = tree.find(exp.Limit)
    number = limit.find(exp.Literal) if limit else None
    if number is None or not number.is_int:
        return None
    n = int(number.this)
    number.replace(exp.Literal.number(n + 1 if n <= 1 or rng.random() < 0.5 else n - 1))
    return tree


def _filter_dropped(tree: exp.Expression, schema: Schema, rng: random.Random) -> exp.Expression | None:
    where = tree.find(exp.Where)
    if where is None:
        return None
    conjunction = where.this
    if isinstance(conjunction, exp.And):
        conjunction.replace(conjunction.this if rng.random() < 0.5 else conjunction.expression)
    else:
        where.pop()
    return tree


def _column_swapped(tree: exp.Expression, schema: Schema, rng: random.Random) -> exp.Expression | None:
    if not isinstance(tree, exp.Select):
        return None
    column = next((c for e in tree.expressions for c in e.find_all(exp.Column)), None)
    other = _other_column(column, tree, schema, rng) if column is not None else None
    if column is None or other is None:
        return None
    column.set("this", exp.to_identifier(other))
    return tree


def _boundary(tree: exp.Expression, schema: Schema, rng: random.Random) -> exp.Expression | None:
    where = tree.find(exp.Where)
    for kind, other in ((exp.GT, exp.GTE), (exp.GTE, exp.GT), (exp.LT, exp.LTE), (exp.LTE, exp.LT)):
        node = where.find(kind) if where else None
        if node is not None:
            node.replace(other(this=node.this, expression=node.expression))
            return tree
    return None


def _hallucinated(tree: exp.Expression, schema: Schema, rng: random.Random) -> exp.Expression | None:
    column = next(tree.find_all(exp.Column), None)
    if column is None:
        return None
    table = _tables(tree).get(column.table.lower(), "") if column.table else ""
    column.set("this", exp.to_identifier(rng.choice([f"{table or 'item'}_name", column.name + "s", "total_count"])))
    return tree


WRONG: tuple[Callable[[exp.Expression, Schema, random.Random], exp.Expression | None], ...] = (
    _join_key, _distinct_missing, _aggregate_wrong, _limit_off_by_one, _filter_dropped, _column_swapped, _boundary,
)


def _edit(gold: str, edit: Callable[..., exp.Expression | None], schema: Schema, rng: random.Random) -> str | None:
    try:
        tree = edit(sqlglot.parse_one(gold, read="sqlite"), schema, rng)
        return tree.sql(dialect="sqlite") if tree is not None else None
    except Exception:
        return None


def _syntax_error(gold: str, rng: random.Random) -> str:
    """A query a hurried model writes: a keyword misspelt, a parenthesis left open or a dangling clause."""
    broken = (re.sub(r"\bFROM\b", "FORM", gold, count=1, flags=re.IGNORECASE), gold.rstrip(";") + " WHERE",
              re.sub(r"\)", "", gold, count=1) if ")" in gold else gold + " AND")
    return rng.choice(broken)


def distribution(question: str, gold: str, schema: Schema, seed: int) -> tuple[Mode, ...]:
    """The fixed reply distribution of one question (weights sum to 1; the order breaks weight ties)."""
    rng = _rng(seed, "dist", question)
    try:
        canonical = sqlglot.transpile(gold, read="sqlite", write="sqlite")[0]
        pretty = sqlglot.transpile(gold, read="sqlite", write="sqlite", pretty=True)[0]
    except Exception:
        canonical = pretty = gold
    wrong = [t for e in rng.sample(WRONG, len(WRONG)) if (t := _edit(gold, e, schema, rng)) and t != canonical]
    tier = rng.random()
    g = 0.8 if tier < 0.4 else 0.5 if tier < 0.75 else 0.2
    noise = {"cut": rng.uniform(0.02, 0.1), "prose": rng.uniform(0, 0.04), "ask": rng.uniform(0, 0.03),
             "broken": rng.uniform(0.02, 0.1)}
    if g == 0.2:        # a hard question: one mistake dominates, and a third of the time it is a broken query
        dominant = "broken" if rng.random() < 0.33 or not wrong else "wrong"
        if dominant == "broken":
            noise["broken"] = 0.45
    rest = max(0.0, 1 - g - sum(noise.values()))
    modes: list[Mode] = [Mode("gold", canonical, g * 0.7), Mode("gold", pretty, g * 0.3)]
    if wrong:
        shares = [rng.random() ** 2 for _ in wrong[:3]]
        if g == 0.2 and noise["broken"] < 0.45:
            shares[0] = sum(shares) * 3            # the dominant wrong reading
        total = sum(shares)
        modes += [Mode("wrong", t, rest * s / total) for t, s in zip(wrong, shares)]
    else:
        noise["broken"] += rest
    hallucinated = _edit(gold, _hallucinated, schema, rng) or re.sub(r"(?i)^\s*SELECT\s", "SELECT total_count, ", gold)
    modes += [Mode("broken", hallucinated, noise["broken"] * 0.6),
              Mode("broken", _syntax_error(gold, rng), noise["broken"] * 0.4),
              Mode("cut", gold, noise["cut"]),
              Mode("prose", "The answer comes from the tables described above; the result is the matching rows.",
                   noise["prose"]),
              Mode("ask", "QUESTION: Which of the matching records do you mean?", noise["ask"])]
    total = sum(m.weight for m in modes)
    return tuple(Mode(m.kind, m.text, m.weight / total) for m in modes if m.weight > 0)


_REASONING = "Let me work through the tables first: the question asks for rows of the tables described above."
_AFTER = {"That query failed": "broken", "cut off at the length limit": "cut", "held no SQL": "prose"}


class ImperfectModelB:
    """The responder: per-question reply distributions, temperature-aware sampling, realistic mistakes."""

    def __init__(self, records: list[dict[str, str]], schemas: dict[str, Schema], *, seed: int,
                 cut_log: Path | None = None) -> None:
        """``cut_log``: a JSON-lines file every reply is appended to with its finish reason."""
        self.gold = {r["question"]: (r["query"], r.get("db_id", "")) for r in records}
        self.schemas, self.seed, self.cut_log = schemas, seed, cut_log
        self._cache: dict[str, tuple[Mode, ...]] = {}
        self._lock = threading.Lock()
        self.log: list[dict[str, str]] = []

    def modes(self, question: str) -> tuple[Mode, ...]:
        with self._lock:
            if question not in self._cache:
                gold, db = self.gold[question]
                self._cache[question] = distribution(question, gold, self.schemas.get(db, {}), self.seed)
            return self._cache[question]

    def __call__(self, body: dict[str, Any]) -> StubReply:
        messages = body.get("messages", [])
        users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
        tails = ("Question:" + u.rsplit("Question:", 1)[-1] for u in reversed(users) if "Question:" in u)
        asked = next((m.group(1) for tail in tails if (m := _QUESTION.search(tail))), "")
        question = next((q for q in sorted(self.gold, key=len, reverse=True) if q in asked), None)
        if question is None:
            return StubReply("CANNOT ANSWER: I do not know this question.")
        modes = self.modes(question)
        failed = next((kind for cue, kind in _AFTER.items() if users and cue in users[-1]), None)
        weights = [m.weight * (0.1 if m.kind == failed else 1) for m in modes]
        temperature = float(body.get("temperature", 1.0))
        if temperature <= 0:
            mode = modes[max(range(len(modes)), key=lambda i: (weights[i], -i))]
        else:
            rng = _rng(self.seed, question, body.get("_stub_choice", 0), len(messages), temperature)
            mode = rng.choices(modes, weights=[w ** (1 / temperature) for w in weights])[0]
        return self._reply(question, mode, body)

    def _reply(self, question: str, mode: Mode, body: dict[str, Any]) -> StubReply:
        if mode.kind == "cut" and budget(body) < 4096:      # a verbose model: it finishes with a larger budget
            reply = StubReply(f"{_REASONING}\n```sql\n{mode.text[: max(8, len(mode.text) * 2 // 3)]}", "length")
        elif mode.kind == "cut":
            reply = StubReply(f"{_REASONING}\n```sql\n{mode.text}\n```")
        elif mode.kind in ("prose", "ask"):
            reply = StubReply(mode.text)
        else:
            reply = StubReply(f"```sql\n{mode.text}\n```")
        sql = mode.text if reply.finish_reason == "stop" else mode.text[: max(8, len(mode.text) * 2 // 3)]
        record = {"question": question, "kind": mode.kind, "finish_reason": reply.finish_reason, "sql": sql}
        with self._lock:
            self.log.append(record)
            if self.cut_log is not None:
                with self.cut_log.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
        return reply


def load(spider: Path) -> tuple[list[dict[str, str]], dict[str, Schema]]:
    """dev.json's records and, per database, each table's columns from tables.json."""
    records = json.loads((spider / "dev.json").read_text())
    schemas: dict[str, Schema] = {}
    for db in json.loads((spider / "tables.json").read_text()):
        tables = [t.lower() for t in db["table_names_original"]]
        schema: Schema = {t: [] for t in tables}
        for index, name in db["column_names_original"]:
            if index >= 0:
                schema[tables[index]].append(name)
        schemas[db["db_id"]] = schema
    return records, schemas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spider", type=Path, required=True, help="Spider directory (dev.json, tables.json)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    records, schemas = load(args.spider)
    server = StubLlmServer(responder=ImperfectModelB(records, schemas, seed=args.seed))
    print(server.url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
