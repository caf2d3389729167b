"""The mistakes stub e (tests/imperfect_llm_e.py) makes, as edits of the gold query's sqlglot tree, and how hard
a gold query is (Spider's own hardness rule, counted on the tree).

Each edit is one slip a real model makes: a join on the wrong key, DISTINCT forgotten, a neighbouring column of the
same type, ``>=`` for ``>``, MAX for MIN, one condition of several dropped, the order flipped, the LIMIT dropped, an
extra column shown, a value in the wrong case, INTERSECT for UNION, a column from the other joined table, or a
plausible column that does not exist. Edits that need the schema take it from Spider's ``tables.json``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import sqlglot
from sqlglot import exp

Hardness = Literal["easy", "medium", "hard", "extra"]


@dataclass(frozen=True)
class Schema:
    """One database's tables as ``{table (lower case): ((column, type), ...)}``."""

    tables: dict[str, tuple[tuple[str, str], ...]]

    @classmethod
    def from_spider(cls, entry: dict[str, Any]) -> Schema:
        names = [str(t) for t in entry["table_names_original"]]
        tables: dict[str, list[tuple[str, str]]] = {t.lower(): [] for t in names}
        for (index, column), kind in zip(entry["column_names_original"], entry["column_types"]):
            if index >= 0:
                tables[names[index].lower()].append((column, kind))
        return cls({t: tuple(cols) for t, cols in tables.items()})

    def columns(self, table: str) -> tuple[tuple[str, str], ...]:
        return self.tables.get(table.lower(), ())

    def type_of(self, table: str, column: str) -> str | None:
        return next((k for c, k in self.columns(table) if c.lower() == column.lower()), None)


def hardness(tree: exp.Expr) -> Hardness:
    """Spider's hardness (easy, medium, hard, extra) from the counts its evaluator uses, taken on the whole tree."""
    selects = list(tree.find_all(exp.Select))
    nested = len(selects) - 1 - len(list(tree.find_all(exp.Union, exp.Intersect, exp.Except)))
    comp2 = max(0, nested) + len(list(tree.find_all(exp.Union, exp.Intersect, exp.Except)))
    top = selects[0] if selects else tree
    comp1 = sum(top.args.get(k) is not None for k in ("where", "group", "order", "limit"))
    comp1 += len(top.args.get("joins") or []) + len(list(tree.find_all(exp.Or))) + len(list(tree.find_all(exp.Like)))
    where = top.args.get("where")
    others = int(len(list(top.find_all(exp.AggFunc))) > 1) + int(len(top.expressions) > 1)
    others += int(where is not None and bool(list(where.find_all(exp.And, exp.Or))))
    others += int(len(top.args["group"].expressions) > 1 if top.args.get("group") else 0)
    if comp1 <= 1 and others == 0 and comp2 == 0:
        return "easy"
    if comp2 == 0 and ((others <= 2 and comp1 <= 1) or (comp1 <= 2 and others < 2)):
        return "medium"
    if (comp2 == 0 and ((others > 2 and comp1 <= 2) or (2 < comp1 <= 3 and others <= 2))) or (
        comp1 <= 1 and others == 0 and comp2 <= 1
    ):
        return "hard"
    return "extra"


def _aliases(tree: exp.Expr) -> dict[str, str]:
    """Alias (or table name) -> table name, lower case, for every table the query reads."""
    out: dict[str, str] = {}
    for table in tree.find_all(exp.Table):
        out[(table.alias or table.name).lower()] = table.name.lower()
        out[table.name.lower()] = table.name.lower()
    return out


def _table_of(column: exp.Column, tree: exp.Expr) -> str | None:
    aliases = _aliases(tree)
    if column.table:
        return aliases.get(column.table.lower())
    tables = {t.name.lower() for t in tree.find_all(exp.Table)}
    return next(iter(tables)) if len(tables) == 1 else None


def _sibling(column: exp.Column, tree: exp.Expr, schema: Schema, rng: random.Random) -> str | None:
    """Another column of the same table and type that the query does not use: the near miss."""
    table = _table_of(column, tree)
    kind = schema.type_of(table, column.name) if table else None
    used = {c.name.lower() for c in tree.find_all(exp.Column)}
    options = [c for c, k in schema.columns(table or "") if k == kind and c.lower() not in used]
    return rng.choice(options) if options else None


# An edit changes the tree in place and returns its root, or None when it does not apply.
Edit = Callable[[exp.Expr, Schema, random.Random], exp.Expr | None]


def join_key_wrong(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    keys = [c for join in tree.find_all(exp.Join) if join.args.get("on") for c in join.args["on"].find_all(exp.Column)]
    rng.shuffle(keys)
    for key in keys:
        other = _sibling(key, tree, schema, rng)
        if other:
            key.set("this", exp.to_identifier(other))
            return tree
    return None


def distinct_missing(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    distinct = tree.find(exp.Distinct)
    if distinct is None:
        return None
    if isinstance(distinct.parent, exp.Select):
        distinct.pop()
    else:
        distinct.replace(distinct.expressions[0])
    return tree


def column_swapped(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    top = tree.find(exp.Select)
    shown = [c for e in (top.expressions if top else []) for c in e.find_all(exp.Column)]
    for column in rng.sample(shown, len(shown)):
        other = _sibling(column, tree, schema, rng)
        if other:
            column.set("this", exp.to_identifier(other))
            return tree
    return None


_OFF_BY_ONE: dict[type[exp.Expr], type[exp.Binary]] = {exp.GT: exp.GTE, exp.GTE: exp.GT, exp.LT: exp.LTE,
                                                              exp.LTE: exp.LT}
_AGG_SWAP: dict[type[exp.Expr], type[exp.AggFunc]] = {exp.Max: exp.Min, exp.Min: exp.Max, exp.Avg: exp.Sum,
                                                            exp.Sum: exp.Avg}
_SET_SWAP: dict[type[exp.Expr], type[exp.SetOperation]] = {exp.Intersect: exp.Union, exp.Union: exp.Intersect,
                                                                 exp.Except: exp.Intersect}


def comparison_off_by_one(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    node = next((n for n in tree.find_all(*_OFF_BY_ONE) if not n.find_ancestor(exp.Join)), None)
    if node is None:
        return None
    node.replace(_OFF_BY_ONE[type(node)](this=node.this, expression=node.expression))
    return tree


def aggregate_wrong(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    node = next(tree.find_all(*_AGG_SWAP), None)
    if node is None:
        return None
    node.replace(_AGG_SWAP[type(node)](this=node.this))
    return tree


def condition_dropped(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    where = tree.find(exp.Where)
    conjunction = where.find(exp.And) if where else None
    if conjunction is not None:
        conjunction.replace(conjunction.this if rng.random() < 0.5 else conjunction.expression)
        return tree
    having = tree.find(exp.Having)
    if having is not None:
        having.pop()
        return tree
    if where is not None and not where.find(exp.Select):
        where.pop()
        return tree
    return None


def order_flipped(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    ordered = tree.find(exp.Ordered)
    if ordered is None:
        return None
    desc = bool(ordered.args.get("desc"))
    ordered.set("desc", not desc)
    ordered.set("nulls_first", desc)           # SQLite's own null order, so no NULLS FIRST is written
    return tree


def limit_dropped(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    limit = tree.args.get("limit")
    if limit is None or tree.args.get("order") is None:
        return None
    limit.pop()
    return tree


def extra_column(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """"Which X has the most Y?" answered with Y shown too: the ORDER BY or aggregate joins the columns."""
    order = tree.args.get("order")
    shown = {e.sql() for e in tree.expressions} if isinstance(tree, exp.Select) else set()
    extra = next((o.this for o in order.expressions if o.this.sql() not in shown), None) if order else None
    if extra is None or not isinstance(tree, exp.Select) or tree.args.get("distinct"):
        return None
    tree.set("expressions", [*tree.expressions, extra.copy()])
    return tree


def value_case(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    where = tree.find(exp.Where)
    literal = next((n for n in where.find_all(exp.Literal) if n.is_string and n.this.strip("%")), None) if where else None
    if literal is None:
        return None
    text = literal.this
    changed = text.lower() if text != text.lower() else text.title()
    if changed == text:
        return None
    literal.replace(exp.Literal.string(changed))
    return tree


def set_operation_swapped(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    node = next(tree.find_all(*_SET_SWAP), None)
    if node is None:
        return None
    swapped = _SET_SWAP[type(node)](this=node.this, expression=node.expression, distinct=True)
    node.replace(swapped)
    return swapped if node is tree else tree


def alias_swapped(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """A column read from the other table of a join (T2.name for T1.name): runs when both have it."""
    aliases = sorted({t.alias for t in tree.find_all(exp.Table) if t.alias})
    qualified = [c for c in tree.find_all(exp.Column) if c.table in aliases and not c.find_ancestor(exp.Join)]
    if len(aliases) < 2 or not qualified:
        return None
    column = rng.choice(qualified)
    column.set("table", exp.to_identifier(rng.choice([a for a in aliases if a != column.table])))
    return tree


def column_hallucinated(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """A plausible name the table does not have (``singer_name`` for ``Name``): the query fails to run."""
    columns = [c for c in tree.find_all(exp.Column) if c.name]
    if not columns:
        return None
    column = rng.choice(columns)
    table = _table_of(column, tree) or "item"
    stem = table.rstrip("s").lower()
    guesses = [f"{stem}_{column.name.lower()}", f"{column.name.lower()}_name", f"{column.name.lower()}s"]
    known = {c.lower() for c, _ in schema.columns(table)}
    guess = next((g for g in rng.sample(guesses, len(guesses)) if g not in known), None)
    if guess is None:
        return None
    column.set("this", exp.to_identifier(guess))
    return tree


def table_swapped(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """The question's one table taken for another that has every column the query names (``singer_in_concert``
    for ``singer``)."""
    tables = list(tree.find_all(exp.Table))
    if len(tables) != 1:
        return None
    needed = {c.name.lower() for c in tree.find_all(exp.Column)}
    options = [t for t in schema.tables if t != tables[0].name.lower()
               and needed <= {c.lower() for c, _ in schema.columns(t)}]
    if not options:
        return None
    tables[0].set("this", exp.to_identifier(rng.choice(sorted(options))))
    return tree


# The edits that change the answer, in the order a habit is preferred (the first ones are the commoner slips).
WRONG_EDITS: tuple[Edit, ...] = (
    join_key_wrong, distinct_missing, column_swapped, comparison_off_by_one, aggregate_wrong, condition_dropped,
    order_flipped, limit_dropped, extra_column, value_case, set_operation_swapped, alias_swapped, table_swapped,
)


def apply(gold: str, edit: Edit, schema: Schema, rng: random.Random) -> str | None:
    """``gold`` with ``edit`` applied, as SQLite text; None when the edit does not apply or changes nothing."""
    try:
        tree = sqlglot.parse_one(gold, read="sqlite")
        edited = edit(tree, schema, rng)
        if edited is None:
            return None
        text = edited.sql(dialect="sqlite")
        return None if text == sqlglot.transpile(gold, read="sqlite", write="sqlite")[0] else text
    except (sqlglot.errors.SqlglotError, IndexError, KeyError, AttributeError, TypeError, ValueError):
        return None
