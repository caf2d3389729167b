"""A third imperfect model behind the OpenAI chat API (written blind from a one-line spec), for checking the LLM
path's candidate selection: it answers the gold SQL part of the time, a wrong variant otherwise, sometimes a
reply cut at the token budget (``finish_reason: length``) and now and then prose with no SQL.

Error model (see ``ImperfectModelC``): each choice of each request is drawn from a ``random.Random`` keyed
on (``--seed``, the request's ``seed`` if any, the question, the conversation length, the choice index when
``temperature`` > 0, and a per-request repeat counter when the request has no ``seed``), so ``n`` samples
differ, ``temperature: 0`` answers all ``n`` choices alike, and a run is reproducible. The chance of the gold
depends on the query's hardness (a count of joins, nesting, set operations and clauses) and falls with
temperature. Wrong variants are single sqlglot edits of the gold that keep it runnable: another column of
the same table, another aggregate, one WHERE conjunct or the GROUP BY dropped, a join on another column,
the ORDER BY direction flipped, a near-miss literal, DISTINCT toggled, the LIMIT dropped. Length is drawn
apart from content: most replies are short, a "rambling" reply puts hundreds to thousands of tokens of
reasoning before the SQL and is cut wherever the budget ends (in the prose, inside the SQL or just before
the closing fence, where a complete-looking but wrong query is the trap), and a "looping" reply never ends.

    python -m tests.imperfect_llm_c --spider /work/shared/benchmarks/spider --seed 7          # serve; prints URL
    python -m tests.imperfect_llm_c --spider /work/shared/benchmarks/spider --seed 7 --sample 5  # print 5 replies
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlglot
from sqlglot import exp

from tests.llm_stub import StubLlmServer, StubReply, budget

CHARS_PER_TOKEN = 4                         # the stub server counts usage the same way
Hardness = Literal["easy", "medium", "hard", "extra"]
P_GOLD: dict[Hardness, float] = {"easy": 0.72, "medium": 0.58, "hard": 0.42, "extra": 0.28}
Schema = dict[str, list[str]]               # lower-case table name -> column names as written


@dataclass(frozen=True)
class Gold:
    question: str
    db_id: str
    sql: str
    hardness: Hardness


@dataclass(frozen=True)
class Drawn:
    """What one choice became: ``kind`` is gold, wrong:<edit>, prose, or cut:<how>."""

    kind: str
    sql: str | None
    reply: StubReply


# ------------------------------------------------------------------------------------------ gold and hardness
def hardness(sql: str) -> Hardness:
    """A rough hardness from the query's shape (not Spider's official rules).

    >>> hardness("SELECT count(*) FROM singer")
    'easy'
    >>> hardness("SELECT name FROM a JOIN b ON a.id = b.id WHERE x > 1 AND y = 2 ORDER BY name LIMIT 3")
    'hard'
    """
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.ParseError:
        return "extra"
    score = len(list(tree.find_all(exp.Join))) + 2 * (len(list(tree.find_all(exp.Select))) - 1)
    score += 2 * len(list(tree.find_all(exp.Union, exp.Intersect, exp.Except)))
    score += sum(1 for kind in (exp.Group, exp.Having, exp.Order, exp.Limit) if tree.find(kind) is not None)
    where = tree.find(exp.Where)
    if where is not None:
        score += len(list(where.this.flatten())) if isinstance(where.this, exp.Connector) else 1
    return "easy" if score <= 1 else "medium" if score <= 3 else "hard" if score <= 5 else "extra"


def load_spider(folder: Path) -> tuple[list[Gold], dict[str, Schema]]:
    """dev.json's questions with their gold and hardness, and each database's columns from tables.json."""
    records = json.loads((folder / "dev.json").read_text(encoding="utf-8"))
    golds = [Gold(r["question"], r["db_id"], r["query"], hardness(r["query"])) for r in records]
    schemas: dict[str, Schema] = {}
    tables_file = folder / "tables.json"
    if tables_file.is_file():
        for db in json.loads(tables_file.read_text(encoding="utf-8")):
            schema: Schema = {t.lower(): [] for t in db["table_names_original"]}
            for t, name in db["column_names_original"]:
                if t >= 0:
                    schema[db["table_names_original"][t].lower()].append(name)
            schemas[db["db_id"]] = schema
    return golds, schemas


def asked(body: dict[str, Any], golds: list[Gold]) -> Gold | None:
    """The question a request asks: in the last user message that holds a known question, the one that ends
    latest (few-shot examples and earlier turns come before it); of those, the longest."""
    users = [m.get("content") for m in body.get("messages", []) if m.get("role") == "user"]
    for content in reversed(users):
        text = content if isinstance(content, str) else json.dumps(content)
        found = [(text.rfind(g.question) + len(g.question), len(g.question), g) for g in golds if g.question in text]
        if found:
            return max(found, key=lambda f: (f[0], f[1]))[2]
    return None


# ------------------------------------------------------------------------------------------ wrong variants
Edit = Callable[[exp.Expression, random.Random, Schema], "exp.Expression | None"]


def _tables(tree: exp.Expression) -> dict[str, str]:
    return {t.alias_or_name.lower(): t.name.lower() for t in tree.find_all(exp.Table)}


def _table_of(column: exp.Column, tree: exp.Expression) -> str | None:
    tables = _tables(tree)
    if column.table:
        return tables.get(column.table.lower())
    names = set(tables.values())
    return next(iter(names)) if len(names) == 1 else None


def _other_column(column: exp.Column, tree: exp.Expression, rng: random.Random, schema: Schema) -> bool:
    options = [c for c in schema.get(_table_of(column, tree) or "", []) if c.lower() != column.name.lower()]
    if not options:
        return False
    column.set("this", exp.to_identifier(rng.choice(options)))
    return True


def wrong_column(tree: exp.Expression, rng: random.Random, schema: Schema) -> exp.Expression | None:
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if select is None:
        return None
    columns = [c for p in select.expressions for c in p.find_all(exp.Column) if not isinstance(c.this, exp.Star)]
    rng.shuffle(columns)
    return tree if any(_other_column(c, tree, rng, schema) for c in columns[:1]) else None


def wrong_aggregate(tree: exp.Expression, rng: random.Random, schema: Schema) -> exp.Expression | None:
    swaps: dict[type[exp.Expression], type[exp.Expression]] = {exp.Max: exp.Min, exp.Min: exp.Max,
                                                                exp.Avg: exp.Sum, exp.Sum: exp.Avg}
    found = [node for node in tree.find_all(*swaps) if isinstance(node, exp.Func)]
    if not found:
        return None
    node = rng.choice(found)
    node.replace(swaps[type(node)](this=node.this))
    return tree


def conjunct_dropped(tree: exp.Expression, rng: random.Random, schema: Schema) -> exp.Expression | None:
    where = tree.find(exp.Where)
    if where is None or not isinstance(where.this, exp.And):
        return None
    parts = list(where.this.flatten())
    parts.pop(rng.randrange(len(parts)))
    where.set("this", exp.and_(*parts))
    return tree


def group_dropped(tree: exp.Expression, rng: random.Random, schema: Schema) -> exp.Expression | None:
    group = tree.find(exp.Group)
    if group is None:
        return None
    owner = group.parent
    group.pop()
    having = owner.args.get("having") if owner is not None else None
    if having is not None:
        having.pop()
    return tree


def join_broken(tree: exp.Expression, rng: random.Random, schema: Schema) -> exp.Expression | None:
    for join in tree.find_all(exp.Join):
        on = join.args.get("on")
        if isinstance(on, exp.EQ) and isinstance(on.expression, exp.Column):
            if _other_column(on.expression, tree, rng, schema):
                return tree
    return None


def order_flipped(tree: exp.Expression, rng: random.Random, schema: Schema) -> exp.Expression | None:
    ordered = list(tree.find_all(exp.Ordered))
    if not ordered:
        return None
    term = rng.choice(ordered)
    term.set("desc", not term.args.get("desc"))
    return tree


def literal_changed(tree: exp.Expression, rng: random.Random, schema: Schema) -> exp.Expression | None:
    literals = [lit for cond in tree.find_all(exp.Where, exp.Having) for lit in cond.find_all(exp.Literal)]
    if not literals:
        return None
    lit = rng.choice(literals)
    if lit.is_string:
        text = lit.this
        changed = text.lower() if text != text.lower() else text.title() if text != text.title() else text + "s"
        lit.replace(exp.Literal.string(changed))
    elif lit.is_int:
        lit.replace(exp.Literal.number(int(lit.this) + rng.choice([-1, 1])))
    else:
        lit.replace(exp.Literal.number(float(lit.this) * 10))
    return tree


def distinct_toggled(tree: exp.Expression, rng: random.Random, schema: Schema) -> exp.Expression | None:
    if not isinstance(tree, exp.Select) or tree.find(exp.AggFunc) is not None or tree.args.get("group"):
        return None
    tree.set("distinct", None if tree.args.get("distinct") else exp.Distinct())
    return tree


def limit_dropped(tree: exp.Expression, rng: random.Random, schema: Schema) -> exp.Expression | None:
    limit = tree.args.get("limit")
    if limit is None:
        return None
    limit.pop()
    return tree


EDITS: tuple[tuple[str, Edit], ...] = (
    ("wrong_column", wrong_column), ("wrong_aggregate", wrong_aggregate), ("conjunct_dropped", conjunct_dropped),
    ("group_dropped", group_dropped), ("join_broken", join_broken), ("order_flipped", order_flipped),
    ("literal_changed", literal_changed), ("distinct_toggled", distinct_toggled), ("limit_dropped", limit_dropped),
)


def wrong_variants(gold: str, rng: random.Random, schema: Schema) -> list[tuple[str, str]]:
    """(edit name, SQLite text) for each edit that applies and changes the text of ``gold``.

    >>> [name for name, _ in wrong_variants("SELECT max(age) FROM t ORDER BY age DESC", random.Random(1), {})]
    ['wrong_aggregate', 'order_flipped']
    """
    try:
        same = sqlglot.parse_one(gold, read="sqlite").sql(dialect="sqlite")
    except sqlglot.errors.ParseError:
        return []
    out = []
    for name, edit in EDITS:
        try:
            changed = edit(sqlglot.parse_one(gold, read="sqlite"), rng, schema)
            text = changed.sql(dialect="sqlite") if changed is not None else None
        except (sqlglot.errors.SqlglotError, ValueError):
            text = None
        if text and text != same:
            out.append((name, text))
    return out


# ------------------------------------------------------------------------------------------ reply shapes
_MUSINGS = (
    "Let me look at which tables hold the columns the question mentions.",
    "The question asks for {q!r}, so I need to find the right table first.",
    "I should check whether a join is needed, and on which key.",
    "There may be several rows per entity, so I have to think about grouping.",
    "Let me reconsider the filter conditions before writing the query.",
    "The schema has foreign keys that tell me how the tables relate.",
)
_PROSE_ONLY = (
    "I could not find a table in the schema that clearly answers {q!r}. Could you tell me which data to use?",
    "To answer this you would join the relevant tables, filter on the condition and aggregate the result.",
    "The schema does not seem to contain this information directly, so I am not able to write a reliable query.",
)


def _fenced(sql: str) -> str:
    return f"```sql\n{sql}\n```"


def _musing(rng: random.Random, question: str, chars: int) -> str:
    out: list[str] = []
    while sum(len(s) + 1 for s in out) < chars:
        out.append(rng.choice(_MUSINGS).format(q=question))
    return " ".join(out)[:chars] + "\n\n"


# ------------------------------------------------------------------------------------------ the model
class ImperfectModelC:
    """The responder: draw content (gold, wrong variant, prose) and length (short, rambling, looping) apart."""

    def __init__(self, golds: list[Gold], schemas: dict[str, Schema], *, seed: int, p_prose: float = 0.05,
                 p_ramble: float = 0.14, p_loop: float = 0.04, log: Path | None = None) -> None:
        self.golds, self.schemas, self.seed = golds, schemas, seed
        self.p_prose, self.p_ramble, self.p_loop = p_prose, p_ramble, p_loop
        self.log = log
        self._lock = threading.Lock()
        self._repeats: dict[str, int] = {}

    def __call__(self, body: dict[str, Any]) -> StubReply:
        return self.draw(body).reply

    def draw(self, body: dict[str, Any]) -> Drawn:
        gold = asked(body, self.golds)
        if gold is None:
            return Drawn("prose", None, StubReply("I do not know which database this question is about."))
        rng = self._rng(body, gold)
        temperature = float(body["temperature"]) if body.get("temperature") is not None else 1.0
        heat = min(max(temperature, 0.0), 2.0)
        drawn = self._content(gold, rng, heat)
        if drawn.kind != "prose":
            drawn = self._shape(drawn, gold, rng, budget(body) * CHARS_PER_TOKEN)
        self._write_log(gold, drawn, body)
        return drawn

    def _rng(self, body: dict[str, Any], gold: Gold) -> random.Random:
        temperature = body.get("temperature")
        greedy = temperature is not None and float(temperature) == 0.0
        parts = [str(self.seed), gold.question, str(len(body.get("messages", [])))]
        parts.append("greedy" if greedy else f"choice={body.get('_stub_choice', 0)}|t={temperature}")
        if body.get("seed") is not None:
            parts.append(f"seed={body['seed']}")
        elif not greedy:                      # unseeded sampling: asking the same thing again gives a new sample
            key = "|".join(parts)
            with self._lock:
                self._repeats[key] = self._repeats.get(key, 0) + 1
                parts.append(f"repeat={self._repeats[key]}")
        return random.Random(hashlib.sha256("|".join(parts).encode()).hexdigest())

    def _content(self, gold: Gold, rng: random.Random, heat: float) -> Drawn:
        if rng.random() < self.p_prose * (1 + heat):
            text = rng.choice(_PROSE_ONLY).format(q=gold.question)
            return Drawn("prose", None, StubReply(text))
        p_gold = P_GOLD[gold.hardness] * (1.1 - 0.2 * heat)
        variants = wrong_variants(gold.sql, rng, self.schemas.get(gold.db_id, {}))
        if rng.random() < p_gold or not variants:  # an edit-proof query (none applies) is answered right
            return Drawn("gold", gold.sql, StubReply(_fenced(gold.sql)))
        name, sql = rng.choice(variants)
        return Drawn(f"wrong:{name}", sql, StubReply(_fenced(sql)))

    def _shape(self, drawn: Drawn, gold: Gold, rng: random.Random, limit: int) -> Drawn:
        sql = drawn.sql or ""
        roll = rng.random()
        if roll < self.p_loop:
            looped = "Wait, let me check the schema again. " * (limit // 30 + 2)
            return Drawn("cut:loop", sql, StubReply(looped[:limit], "length"))
        if roll < self.p_loop + self.p_ramble:
            head = "```sql\n"
            if rng.random() < 0.3 and limit - len(head + sql) > 40:   # cut just before the closing fence
                text = _musing(rng, gold.question, limit - len(head + sql)) + head + sql
                return Drawn(f"cut:fence:{drawn.kind}", sql, StubReply(text[:limit], "length"))
            full = _musing(rng, gold.question, rng.randint(200, 3000) * CHARS_PER_TOKEN) + _fenced(sql)
            if len(full) > limit:
                return Drawn(f"cut:ramble:{drawn.kind}", sql, StubReply(full[:limit], "length"))
            return Drawn(drawn.kind, sql, StubReply(full))
        style = rng.random()
        if style < 0.25:
            text = f"Here is the query:\n\n{_fenced(sql)}"
        elif style < 0.35:
            text = f"{_fenced(sql)}\n\nThis returns the rows the question asks for."
        else:
            text = _fenced(sql)
        return Drawn(drawn.kind, sql, StubReply(text))

    def _write_log(self, gold: Gold, drawn: Drawn, body: dict[str, Any]) -> None:
        if self.log is None:
            return
        line = {"question": gold.question, "kind": drawn.kind, "finish_reason": drawn.reply.finish_reason,
                "sql": drawn.sql, "choice": body.get("_stub_choice", 0)}
        with self._lock, self.log.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--spider", type=Path, required=True, help="Spider folder (dev.json, tables.json)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log", type=Path, help="append every reply (kind, finish_reason, sql) as JSON lines")
    parser.add_argument("--sample", type=int, default=0, help="print replies to the first K questions and exit")
    parser.add_argument("--url-file", type=Path, help="write the server's base URL here once it listens")
    args = parser.parse_args()
    golds, schemas = load_spider(args.spider)
    model = ImperfectModelC(golds, schemas, seed=args.seed, log=args.log)
    if args.sample:
        for gold in golds[: args.sample]:
            body = {"messages": [{"role": "user", "content": f"Question: {gold.question}"}], "temperature": 0.7}
            drawn = model.draw(body)
            print(json.dumps({"question": gold.question, "hardness": gold.hardness, "kind": drawn.kind,
                              "finish_reason": drawn.reply.finish_reason, "sql": drawn.sql}))
        return
    server = StubLlmServer(responder=model)
    if args.url_file:
        args.url_file.write_text(server.url)
    print(server.url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
