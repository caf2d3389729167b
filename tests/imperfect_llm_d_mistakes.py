"""The mistakes model d makes (tests/imperfect_llm_d.py): small edits of the gold query with sqlglot, each one a
slip a real model makes on Spider-like schemas, none of them a random corruption.

Every mistake is ``(tree, schema, rng) -> tree | None``: it edits a copy of the gold tree, using the schema the
prompt showed (table -> columns, lower-case) to pick plausible wrong names, and answers None when the query has
nothing it could get wrong that way (no LIMIT to be off by one on, no DISTINCT to forget). Also here: reading
the schema out of a prompt's CREATE TABLE statements, and the hardness of a gold query.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from sqlglot import exp

Schema = dict[str, list[str]]
Mistake = Callable[[exp.Expr, Schema, random.Random], exp.Expr | None]


def parse_schema(prompt: str) -> Schema:
    """Table -> columns (lower-case) from the CREATE TABLE statements a prompt shows."""
    schema: Schema = {}
    for match in re.finditer(r"CREATE TABLE\s+\"?([\w.]+)\"?\s*\((.*?)\n\s*\);", prompt, re.S | re.I):
        columns = []
        for line in match.group(2).splitlines():
            name = re.match(r"\s*\"?([\w ]+?)\"?\s+[A-Za-z]", line)
            if name and name.group(1).upper() not in ("PRIMARY KEY", "FOREIGN KEY", "UNIQUE", "CONSTRAINT", "CHECK"):
                columns.append(name.group(1).lower())
        schema[match.group(1).split(".")[-1].lower()] = columns
    return schema


def hardness(tree: exp.Expr) -> str:
    """Spider's four levels, approximately: counted clauses, nesting and the extras of the select list."""
    selects = list(tree.find_all(exp.Select))
    nested = len(selects) - 1 + len(list(tree.find_all(exp.Union, exp.Intersect, exp.Except)))
    conditions = sum(len(list(w.find_all(exp.Predicate))) for w in tree.find_all(exp.Where))
    clauses = (len(list(tree.find_all(exp.Join))) + sum(1 for _ in tree.find_all(exp.Where, exp.Group, exp.Order))
               + sum(1 for _ in tree.find_all(exp.Limit)) + len(list(tree.find_all(exp.Or, exp.Like))))
    top = selects[0] if selects else tree
    extras = ((len(list(tree.find_all(exp.AggFunc))) > 1) + (len(top.expressions) > 1) + (conditions > 1)
              + sum(len(g.expressions) > 1 for g in tree.find_all(exp.Group)))
    if nested == 0 and clauses <= 1 and extras == 0:
        return "easy"
    if nested == 0 and ((clauses <= 1 and extras <= 2) or (clauses <= 2 and extras < 2)):
        return "medium"
    if (nested == 0 and clauses <= 3 and extras <= 2) or (nested <= 1 and clauses <= 1 and extras == 0):
        return "hard"
    return "extra"


def _tables_of(select: exp.Expr) -> dict[str, str]:
    """Alias or name (lower) -> table name (lower) for the tables one SELECT reads directly."""
    names: dict[str, str] = {}
    for table in select.find_all(exp.Table):
        if table.find_ancestor(exp.Select) is not select:
            continue
        names[table.name.lower()] = table.name.lower()
        if table.alias:
            names[table.alias.lower()] = table.name.lower()
    return names


def _table_of(column: exp.Column, schema: Schema) -> str | None:
    """The table a column reads, through its qualifier or, unqualified, the one table of its SELECT that has it."""
    select = column.find_ancestor(exp.Select)
    if select is None:
        return None
    tables = _tables_of(select)
    if column.table:
        return tables.get(column.table.lower())
    having = [t for t in dict.fromkeys(tables.values()) if column.name.lower() in schema.get(t, [])]
    return having[0] if having else None


def _similar_first(name: str, others: list[str], rng: random.Random) -> list[str]:
    """Other columns, those sharing a word with ``name`` first (``name`` for ``song_name``), as a model confuses."""
    words = set(name.lower().split("_"))
    near = [o for o in others if words & set(o.split("_"))]
    far = [o for o in others if o not in near]
    rng.shuffle(near)
    rng.shuffle(far)
    return near + far


def _swap_column(column: exp.Column, schema: Schema, rng: random.Random, *, keys: bool = False) -> bool:
    table = _table_of(column, schema)
    others = [c for c in schema.get(table or "", []) if c != column.name.lower()]
    if keys:
        others = [c for c in others if c.endswith("id") or c.endswith("_code") or c == "code"] or others
    if not others:
        return False
    column.set("this", exp.to_identifier(_similar_first(column.name, others, rng)[0]))
    return True


def wrong_column(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """A projected or filtered column swapped for a sibling of the same table (``name`` for ``song_name``)."""
    columns = [c for c in tree.find_all(exp.Column) if not c.find_ancestor(exp.Join)]
    rng.shuffle(columns)
    return tree if any(_swap_column(c, schema, rng) for c in columns[:3]) else None


def wrong_join_key(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """One side of a join condition on another key of its table (``T1.id = T2.id`` for ``T1.id = T2.owner_id``)."""
    sides = [c for j in tree.find_all(exp.Join) for c in j.find_all(exp.Column)]
    return tree if sides and _swap_column(rng.choice(sides), schema, rng, keys=True) else None


def hallucinated_column(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """A column the table does not have, named as the question might (``singer_name`` for ``name``): fails to run."""
    columns = [c for c in tree.find_all(exp.Column) if _table_of(c, schema)]
    if not columns:
        return None
    column = rng.choice(columns)
    table = (_table_of(column, schema) or "t").rstrip("s")
    invented = rng.choice([f"{table}_{column.name}", f"{column.name}_name", f"{column.name}s", f"total_{column.name}"])
    if invented.lower() in schema.get(_table_of(column, schema) or "", []):
        return None
    column.set("this", exp.to_identifier(invented))
    return tree


def dropped_condition(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """One condition of a WHERE (or HAVING) left out: the conjunct, or the whole clause when it has one."""
    clauses = [c for c in (*tree.find_all(exp.Where), *tree.find_all(exp.Having))]
    if not clauses:
        return None
    clause = rng.choice(clauses)
    connective = clause.this
    if isinstance(connective, exp.And | exp.Or):
        connective.replace(rng.choice([connective.this, connective.expression]))
    else:
        clause.pop()
    return tree


_AGGREGATE_SWAPS: dict[type[exp.Expr], tuple[type[exp.Expr], ...]] = {
    exp.Avg: (exp.Sum, exp.Max), exp.Sum: (exp.Avg, exp.Count), exp.Max: (exp.Min, exp.Avg),
    exp.Min: (exp.Max, exp.Avg),
}


def wrong_aggregate(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """SUM for AVG, MIN for MAX; COUNT of distinct values for a count of rows (or the other way round)."""
    aggregates = [a for a in tree.find_all(exp.AggFunc) if type(a) in _AGGREGATE_SWAPS or isinstance(a, exp.Count)]
    if not aggregates:
        return None
    aggregate = rng.choice(aggregates)
    if isinstance(aggregate, exp.Count):
        inner = aggregate.this
        if isinstance(inner, exp.Distinct):
            aggregate.set("this", inner.expressions[0] if inner.expressions else exp.Star())
        elif isinstance(inner, exp.Column):
            aggregate.set("this", exp.Distinct(expressions=[inner.copy()]))
        else:
            return None
        return tree
    aggregate.replace(rng.choice(_AGGREGATE_SWAPS[type(aggregate)])(this=aggregate.this.copy()))
    return tree


def off_by_one_limit(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """LIMIT n+1 or n-1: the "top three" read as "top four", or a LIMIT 1 that became LIMIT 2."""
    limit = tree.find(exp.Limit)
    literal = limit.expression if limit is not None else None
    if not isinstance(literal, exp.Literal) or literal.is_string:
        return None
    value = int(literal.this)
    literal.replace(exp.Literal.number(value + 1 if value < 2 or rng.random() < 0.5 else value - 1))
    return tree


def missing_distinct(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """SELECT for SELECT DISTINCT: duplicates the question did not want."""
    selects = [s for s in tree.find_all(exp.Select) if s.args.get("distinct")]
    if not selects:
        return None
    rng.choice(selects).set("distinct", None)
    return tree


def wrong_literal(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """The value written as the question spelt it (``'france'``, ``'USA'`` for ``'United States'``) or a number
    one step off, or ``>=`` for ``>``: the query runs and answers something else."""
    literals = [lit for lit in tree.find_all(exp.Literal) if not lit.find_ancestor(exp.Limit)]
    comparisons = [c for c in tree.find_all(exp.GT, exp.LT)]
    if comparisons and (not literals or rng.random() < 0.3):
        comparison = rng.choice(comparisons)
        wider = exp.GTE if isinstance(comparison, exp.GT) else exp.LTE
        comparison.replace(wider(this=comparison.this.copy(), expression=comparison.expression.copy()))
        return tree
    if not literals:
        return None
    literal = rng.choice(literals)
    if literal.is_string:
        text = str(literal.this)
        variants = [v for v in (text.lower(), text.upper(), text.title(), text.rstrip("s"), text + "s") if v != text]
        literal.replace(exp.Literal.string(rng.choice(variants) if variants else text + " "))
    else:
        number = float(literal.this)
        step = 1 if number == int(number) else 0.5
        new = number + (step if rng.random() < 0.5 else -step)
        literal.replace(exp.Literal.number(int(new) if step == 1 else new))
    return tree


def flipped_order(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """ASC for DESC (or the other way): "the youngest" answered with the oldest."""
    ordered = list(tree.find_all(exp.Ordered))
    if not ordered:
        return None
    key = rng.choice(ordered)
    key.set("desc", not key.args.get("desc"))
    return tree


def wrong_table(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """The neighbouring table read instead (``concert`` for ``singer_in_concert``), one sharing a word first."""
    tables = list(tree.find_all(exp.Table))
    if not tables:
        return None
    table = rng.choice(tables)
    others = [t for t in schema if t != table.name.lower()]
    if not others:
        return None
    table.set("this", exp.to_identifier(_similar_first(table.name, others, rng)[0]))
    return tree


def dropped_group_by(tree: exp.Expr, schema: Schema, rng: random.Random) -> exp.Expr | None:
    """The GROUP BY forgotten: SQLite still runs it and answers one row for "each"."""
    group = tree.find(exp.Group)
    if group is None or tree.find(exp.Having):
        return None
    group.pop()
    return tree


MISTAKES: tuple[tuple[str, Mistake], ...] = (
    ("wrong_column", wrong_column), ("dropped_condition", dropped_condition), ("wrong_aggregate", wrong_aggregate),
    ("off_by_one_limit", off_by_one_limit), ("wrong_join_key", wrong_join_key),
    ("missing_distinct", missing_distinct), ("wrong_literal", wrong_literal), ("flipped_order", flipped_order),
    ("dropped_group_by", dropped_group_by), ("hallucinated_column", hallucinated_column), ("wrong_table", wrong_table),
)
