"""Stub "g", the mistakes it makes: edits of a question's gold query that a text-to-SQL model plausibly makes.

Wrong but runnable: another column of the same table (in the select list, a condition or the grouping), a
condition dropped or added, OR read as AND, a join on the wrong key or on nothing, another aggregate, DISTINCT
added or forgotten, the order reversed, the LIMIT off by some rows or gone, a boundary (> for >=), a value
spelled in another case, a set operation confused, an extra column, a negation lost. Failing: a column or table
that does not exist, a column left ambiguous in a join, another dialect's syntax (TOP, ILIKE).

Each edit takes a parsed query, the question's record and a random source, and returns the edited tree or None
when it does not apply. Whether the result really differs from gold is not checked: a slip that happens to
return the same rows counts as right, as it would for a real model.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import sqlglot
from sqlglot import exp

from tests.imperfect_llm_g_spider import Column, Record

Edit = Callable[[exp.Expr, Record, random.Random], exp.Expr | None]


def _tables(tree: exp.Expr) -> dict[str, str]:
    """Alias (or name) -> table name, lower case, for every table the query reads."""
    out: dict[str, str] = {}
    for table in tree.find_all(exp.Table):
        out[(table.alias or table.name).lower()] = table.name.lower()
        out.setdefault(table.name.lower(), table.name.lower())
    return out


def _table_of(column: exp.Column, tree: exp.Expr, record: Record) -> str | None:
    tables = _tables(tree)
    if column.table:
        return tables.get(column.table.lower())
    return next((t for t in tables.values() if any(c.name.lower() == column.name.lower()
                                                    for c in record.columns_of(t))), None)


def _other_column(column: exp.Column, tree: exp.Expr, record: Record, rng: random.Random) -> Column | None:
    table = _table_of(column, tree, record)
    columns = record.columns_of(table) if table else ()
    mine = next((c for c in columns if c.name.lower() == column.name.lower()), None)
    others = [c for c in columns if c.name.lower() != column.name.lower()]
    alike = [c for c in others if mine is not None and c.kind == mine.kind]
    pool = alike or others
    return rng.choice(pool) if pool else None


def _pick(nodes: list[exp.Expr], rng: random.Random) -> exp.Expr | None:
    return rng.choice(nodes) if nodes else None


def _columns_in(node: exp.Expr | None) -> list[exp.Expr]:
    return [c for c in node.find_all(exp.Column)] if node is not None else []


def wrong_column(tree: exp.Expr, record: Record, rng: random.Random) -> exp.Expr | None:
    """A column of the same table in the select list, a condition or the grouping."""
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if select is None:
        return None
    places = [c for e in select.expressions for c in _columns_in(e)]
    places += _columns_in(select.args.get("where")) + _columns_in(select.args.get("group"))
    column = _pick(places, rng)
    if not isinstance(column, exp.Column):
        return None
    other = _other_column(column, tree, record, rng)
    if other is None:
        return None
    column.set("this", exp.to_identifier(other.name))
    return tree


def dropped_condition(tree: exp.Expr, record: Record, rng: random.Random) -> exp.Expr | None:
    where = tree.find(exp.Where)
    if where is None:
        return None
    both = where.find(exp.And)
    if both is None:
        where.pop()
    else:
        both.replace(both.this if rng.random() < 0.5 else both.expression)
    return tree


def or_as_and(tree: exp.Expr, record: Record, rng: random.Random) -> exp.Expr | None:
    either = tree.find(exp.Or)
    if either is None:
        return None
    either.replace(exp.And(this=either.this, expression=either.expression))
    return tree


def added_condition(tree: exp.Expr, record: Record, rng: random.Random) -> exp.Expr | None:
    """A filter nobody asked for: only groups of more than one, or only rows above the average of a number."""
    select = tree if isinstance(tree, exp.Select) else None
    if select is None:
        return None
    if select.args.get("group") and not select.args.get("having"):
        return select.having("COUNT(*) > 1", copy=False)
    table = next((t for t in tree.find_all(exp.Table)), None)
    numbers = [c for c in record.columns_of(table.name if table else "") if c.kind == "number"]
    if table is None or not numbers:
        return None
    name = rng.choice(numbers).name
    above = f'{table.alias or table.name}."{name}" > (SELECT AVG("{name}") FROM {table.name})'
    return select.where(above, copy=False)


def wrong_join(tree: exp.Expr, record: Record, rng: random.Random) -> exp.Expr | None:
    """The join on another key of the same table, or on no condition at all (every pair of rows)."""
    joins = [j for j in tree.find_all(exp.Join) if j.args.get("on") is not None]
    join = _pick(list(joins), rng)
    if join is None:
        return None
    sides = [c for c in join.args["on"].find_all(exp.Column)]
    column = _pick(list(sides), rng)
    other = _other_column(column, tree, record, rng) if isinstance(column, exp.Column) else None
    if other is None or rng.random() < 0.25:
        join.set("on", None)
    elif isinstance(column, exp.Column):
        column.set("this", exp.to_identifier(other.name))
    return tree


_AGGREGATE_SWAPS: dict[type[exp.Expr], type[exp.Func]] = {
    exp.Sum: exp.Avg, exp.Avg: exp.Sum, exp.Max: exp.Min, exp.Min: exp.Max}


def wrong_aggregate(tree: exp.Expr, record: Record, rng: random.Random) -> exp.Expr | None:
    """SUM for AVG and back, MIN for MAX and back, COUNT(x) for COUNT(DISTINCT x)."""
    found: list[exp.Expr] = [a for a in tree.find_all(exp.AggFunc)
                                   if type(a) in _AGGREGATE_SWAPS or isinstance(a.this, exp.Distinct)]
    aggregate = _pick(found, rng)
    if aggregate is None:
        return None
    if isinstance(aggregate.this, exp.Distinct):
        inner = aggregate.this.expressions
        aggregate.set("this", inner[0] if inner else exp.Star())
    else:
        aggregate.replace(_AGGREGATE_SWAPS[type(aggregate)](this=aggregate.this))
    return tree


def distinct_slip(tree: exp.Expr, record: Record, rng: random.Random) -> exp.Expr | None:
    """DISTINCT forgotten where the query has it, or added to a join that repeats rows."""
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if select is None or not (select.args.get("distinct") or select.args.get("joins")):
        return None
    select.set("distinct", None if select.args.get("distinct") else exp.Distinct())
    return tree


def order_reversed(tree: exp.Expr, record: Record, rng: random.Random) -> exp.Expr | None:
    ordered = tree.find(exp.Ordered)
    if ordered is None:
        return None
    ordered.set("desc", not ordered.args.get("desc"))
    return tree


def limit_off(tree: exp.Expr, record: Record, rng: random.Random) -> exp.Expr | None:
    limit = tree.find(exp.Limit)
    number = limit.expression if limit is not None else None
    if limit is None or not isinstance(number, exp.Literal) or not number.is_int:
        return None
    if int(number.this) == 1 and rng.random() < 0.5:
        limit.pop()
    else:
        number.replace(exp.Literal.number(int(number.this) + rng.choice((1, 2, 4))))
    return tree


_EDGES: dict[type[exp.Expr], type[exp.Binary]] = {
    exp.GT: exp.GTE, exp.GTE: exp.GT, exp.LT: exp.LTE, exp.LTE: exp.LT}


def boundary_slip(tree: exp.Expr, record: Record, rng: random.Random) -> exp.Expr | None:
    found: list[exp.Expr] = [c for c in tree.find_all(exp.GT, exp.GTE, exp.LT, exp.LTE)
                                   if c.find_ancestor(exp.Where, exp.Having) is not None]
    node = _pick(found, rng)
    if node is None:
        return None
    node.replace(_EDGES[type(node)](this=node.this, expression=node.expression))
    return tree


def value_spelling(tree: exp.Expr, record: Record, rng: random.Random) -> exp.Expr | None:
    """A value in another case ('france'), or a LIKE pattern taken as the whole value."""
    found: list[exp.Expr] = [s for s in tree.find_all(exp.Literal) if s.is_string and s.this.strip("%")]
    literal = _pick(found, rng)
    if not isinstance(literal, exp.Literal):
        return None
    text = literal.this
    if isinstance(literal.parent, exp.Like) and "%" in text:
        like = literal.parent
        like.replace(exp.EQ(this=like.this, expression=exp.Literal.string(text.strip("%"))))
        return tree
    changed = text.lower() if text != text.lower() else text.title()
    literal.replace(exp.Literal.string(changed))
    return tree


def set_confusion(tree: exp.Expr, record: Record, rng: random.Random) -> exp.Expr | None:
    """INTERSECT read as UNION and back; an EXCEPT whose second part is forgotten."""
    if isinstance(tree, exp.Intersect):
        return exp.Union(this=tree.this, expression=tree.expression, distinct=True)
    if isinstance(tree, exp.Union):
        return exp.Intersect(this=tree.this, expression=tree.expression, distinct=True)
    if isinstance(tree, exp.Except) and isinstance(tree.this, exp.Expr):
        first: exp.Expr = tree.this
        return first
    negation = next((n for n in tree.find_all(exp.Not) if isinstance(n.this, exp.In)), None)
    if negation is None:
        return None
    negation.replace(negation.this)
    return tree


def extra_column(tree: exp.Expr, record: Record, rng: random.Random) -> exp.Expr | None:
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    table = next(iter(_tables(tree).values()), None) if select is not None else None
    shown = {c.name.lower() for e in select.expressions for c in e.find_all(exp.Column)} if select else set()
    pool = [c for c in record.columns_of(table or "") if c.name.lower() not in shown]
    if select is None or not pool:
        return None
    select.set("expressions", [*select.expressions, exp.column(rng.choice(pool).name, quoted=True)])
    return tree


WRONG: tuple[Edit, ...] = (
    wrong_column, dropped_condition, or_as_and, added_condition, wrong_join, wrong_aggregate, distinct_slip,
    order_reversed, limit_off, boundary_slip, value_spelling, set_confusion, extra_column)


def variants(gold: str, edits: list[Edit], record: Record, rng: random.Random, most: int) -> list[str]:
    """Up to ``most`` distinct texts of ``gold`` after each of ``edits`` in turn (SQLite), leaving out the edits
    that do not apply or change no text."""
    try:
        parsed = sqlglot.parse_one(gold, read="sqlite")
        same = parsed.sql(dialect="sqlite")
    except sqlglot.errors.SqlglotError:
        return []
    out: list[str] = []
    for edit in edits:
        try:
            edited = edit(parsed.copy(), record, rng)
            text = edited.sql(dialect="sqlite") if edited is not None else None
        except (sqlglot.errors.SqlglotError, ValueError, KeyError, IndexError):
            text = None
        if text and text != same and text not in out and not re.fullmatch(r"\s*", text):
            out.append(text)
        if len(out) >= most:
            break
    return out
