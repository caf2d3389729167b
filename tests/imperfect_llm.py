"""An imperfect model behind the OpenAI API, for measuring candidate selection: it answers the gold SQL part of
the time, a wrong variant of it otherwise, and sometimes runs out of tokens (``finish_reason: length``).

Each choice of each request is decided by a seeded random draw on (seed, question, choice, conversation
length), so runs are reproducible and the ``n`` choices of one request differ as samples do. Wrong variants
are made from the gold query by small edits that change what it returns (drop the WHERE, flip the order,
move a LIMIT, change a comparison or a number, count rows instead) or break it (a misspelled column).
A cut reply is the first part of the query; half of the cuts are a verbose model that finishes with four
times the budget, half a model that loops and never does. Every reply is logged with its finish reason, so a
run can check that no text that only ever came cut became an answer.

    python -m tests.imperfect_llm --gold /path/spider/dev.json --seed 7 --cut-log /tmp/replies.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from tests.llm_stub import StubLlmServer, StubReply, budget

_QUESTION = re.compile(r"Question:\s*(.+?)\s*$", re.DOTALL)


def _where_dropped(tree: exp.Expression) -> exp.Expression | None:
    where = tree.find(exp.Where)
    if where is None:
        return None
    where.pop()
    return tree


def _order_flipped(tree: exp.Expression) -> exp.Expression | None:
    ordered = tree.find(exp.Ordered)
    if ordered is None:
        return None
    ordered.set("desc", not ordered.args.get("desc"))
    return tree


def _limit_moved(tree: exp.Expression) -> exp.Expression | None:
    limit = tree.find(exp.Limit)
    number = limit.find(exp.Literal) if limit else None
    if number is None or not number.is_int:
        return None
    number.replace(exp.Literal.number(int(number.this) + 2))
    return tree


def _comparison_changed(tree: exp.Expression) -> exp.Expression | None:
    tree_where = tree.find(exp.Where)           # never a join condition: "ON a.id <> b.id" is a cross join
    if tree_where is None:
        return None
    for kind, other in ((exp.GT, exp.LT), (exp.LT, exp.GT), (exp.EQ, exp.NEQ), (exp.GTE, exp.LT), (exp.LTE, exp.GT)):
        node = tree_where.find(kind)
        if node is not None:
            node.replace(other(this=node.this, expression=node.expression))
            return tree
    return None


def _number_changed(tree: exp.Expression) -> exp.Expression | None:
    where = tree.find(exp.Where)
    number = next((n for n in where.find_all(exp.Literal) if n.is_number), None) if where else None
    if number is None:
        return None
    number.replace(exp.Literal.number(float(number.this) * 2 + 1))
    return tree


def _count_instead(tree: exp.Expression) -> exp.Expression | None:
    if not isinstance(tree, exp.Select):
        return None
    tree.set("expressions", [exp.Count(this=exp.Star())])
    return tree


def _misspelled(tree: exp.Expression) -> exp.Expression | None:
    column = tree.find(exp.Column)
    if column is None:
        return None
    column.set("this", exp.to_identifier(column.name + "_x"))
    return tree


WRONG: tuple[Callable[[exp.Expression], exp.Expression | None], ...] = (
    _where_dropped, _order_flipped, _limit_moved, _comparison_changed, _number_changed, _count_instead, _misspelled,
)


def wrong_variants(gold: str) -> list[str]:
    """Every edit of ``gold`` that applies, as SQLite text; the edits that change nothing are left out."""
    out = []
    for edit in WRONG:
        try:
            tree = sqlglot.parse_one(gold, read="sqlite")
            changed = edit(tree)
            text = changed.sql(dialect="sqlite") if changed is not None else None
        except Exception:
            text = None
        if text and text != sqlglot.transpile(gold, read="sqlite", write="sqlite")[0]:
            out.append(text)
    return out


class ImperfectModel:
    """The responder: ``p_gold`` right, ``p_cut`` cut at the length limit, the rest a wrong variant."""

    def __init__(self, gold: dict[str, str], *, seed: int, p_gold: float = 0.45, p_cut: float = 0.15,
                 cut_log: Path | None = None) -> None:
        self.gold, self.seed, self.p_gold, self.p_cut = gold, seed, p_gold, p_cut
        self.cut_log = cut_log
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> StubReply:
        messages = body.get("messages", [])
        users = [m.get("content", "") for m in messages if m.get("role") == "user"]
        # The question asked is the last "Question:" of the last user message that has one (examples and
        # earlier turns come before it).
        tails = ("Question:" + str(u).rsplit("Question:", 1)[-1] for u in reversed(users) if "Question:" in str(u))
        asked = next((m.group(1) for tail in tails if (m := _QUESTION.search(tail))), "")
        gold = next((sql for q, sql in sorted(self.gold.items(), key=lambda kv: -len(kv[0])) if q in asked), None)
        if gold is None:
            return StubReply("CANNOT ANSWER: I do not know this question.")
        draw = f"{self.seed}|{asked}|{body.get('_stub_choice', 0)}|{len(messages)}"
        rng = random.Random(hashlib.sha256(draw.encode()).hexdigest())
        roll = rng.random()
        if roll < self.p_cut:
            verbose = rng.random() < 0.5          # finishes with a larger budget; a looping model never does
            if not (verbose and budget(body) >= 4096):
                cut = gold[: max(8, int(len(gold) * rng.uniform(0.4, 0.8)))]
                return self._reply(asked, cut, "length")
        elif roll < self.p_cut + self.p_gold:
            return self._reply(asked, gold)
        variants = wrong_variants(gold)
        if roll < self.p_cut or not variants:
            return self._reply(asked, gold)
        return self._reply(asked, rng.choice(variants))

    def _reply(self, question: str, sql: str, finish: str = "stop") -> StubReply:
        self._log(question, sql, finish)
        return StubReply(f"```sql\n{sql}" + ("\n```" if finish == "stop" else ""), finish)

    def _log(self, question: str, sql: str, finish: str) -> None:
        if self.cut_log is None:
            return
        with self._lock, self.cut_log.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"question": question, "sql": sql, "finish_reason": finish}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, required=True, help="Spider-format question file (dev.json)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--p-gold", type=float, default=0.45)
    parser.add_argument("--p-cut", type=float, default=0.15)
    parser.add_argument("--cut-log", type=Path)
    parser.add_argument("--url-file", type=Path, help="write the server's base URL here once it listens")
    args = parser.parse_args()
    gold = {r["question"]: r["query"] for r in json.loads(args.gold.read_text())}
    model = ImperfectModel(gold, seed=args.seed, p_gold=args.p_gold, p_cut=args.p_cut, cut_log=args.cut_log)
    server = StubLlmServer(responder=model)
    if args.url_file:
        args.url_file.write_text(server.url)
    print(server.url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
