"""The check against contradictory filters (``checks.CHECKS``): two filters that want one column to hold two
different values, or a value and not that value ("open orders that are not open"), leave no rows; the question is
declined naming them rather than answered with an empty result."""

from __future__ import annotations

from dataclasses import replace

import sqlglot
from sqlglot import exp

from nl2sql.planner.joins import Ambiguous, JoinGraph
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import Condition, QuerySpec


def no_contradiction(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """Two filters that want one column to be two different things at once leave no rows."""
    wanted: dict[tuple[str, str, str | None], set[str]] = {}
    barred: dict[tuple[str, str, str | None], set[str]] = {}     # "open orders that are not open": none left
    for c in sorted(spec.conditions, key=lambda c: c.negated):
        c = _default_via(c, spec.base, graph)
        values = _equal_values(replace(c, negated=False), lex)
        if values is None:
            continue
        key, allowed = values
        if c.negated:
            barred.setdefault(key, set()).update(allowed)
            if key in wanted and wanted[key] <= barred[key]:
                raise NotUnderstood("The question asks for one column to hold a value and not to hold it.",
                                    tuple(x.text for x in spec.conditions if x.text and x.col == c.col) or (c.text,))
            continue
        if key in wanted and not (wanted[key] & allowed):
            raise NotUnderstood("The question asks for one column to hold two different values at once.",
                                tuple(sorted(wanted[key] | allowed)))
        wanted[key] = wanted.get(key, allowed) & allowed if key in wanted else allowed
    _no_range_on_unset(spec, lex)
    _no_words_apart(spec, lex)
    for part in (sc for m in spec.measures for sc in m.share_of):
        # "share from EUROPE" over rows kept to ASIA: the part is always empty (a share is 0 by construction)
        values = _equal_values(part, lex)
        if values is not None and values[0] in wanted and not (wanted[values[0]] & values[1]):
            raise NotUnderstood("The share's part and the rows it is taken over want one column to hold two "
                                "different values.", tuple(sorted(wanted[values[0]] | values[1])))
    return spec, ()


def values_spelled_out(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """'shipments by air (AIR or REG AIR)': a value and a list that holds it, wanted of one column, is the word and
    the values it stands for spelled out; both kept would narrow to the one value, so the list alone is kept and
    the answer says so."""
    keyed = [(c, v) for c in spec.conditions if (v := _equal_values(_default_via(c, spec.base, graph), lex))]
    within = [c for c, (key, values) in keyed
              if any(d is not c and k == key and values < wider for d, (k, wider) in keyed)]
    if not within:
        return spec, ()
    kept = tuple(c for c in spec.conditions if not any(c is w for w in within))
    said = ", ".join(sorted({c.text or ", ".join(map(str, c.values)) for c in within}))
    return replace(spec, conditions=kept), (f"Read “{said}” as the values listed beside it.",)


def _default_via(c: Condition, base: str, graph: JoinGraph) -> Condition:
    """The condition with a via that names the default path anyway dropped ("canada customers": the customers'
    country is the one the orders reach), so two values of one column on one path are seen as such."""
    if c.col is None or c.col.via is None:
        return c
    try:
        path = graph.path(base, c.col.table)
    except Ambiguous:
        return c
    return replace(c, col=replace(c.col, via=None)) if path and c.col.via in {e.dst for e in path} else c


def _equal_values(c: Condition, lex: Lexicon) -> tuple[tuple[str, str, str | None], set[str]] | None:
    if c.negated:
        return None
    if c.kind in ("in", "compare") and c.col is not None and (c.kind == "in" or c.op == "="):
        return (c.col.table, c.col.column.lower(), c.col.via), {_said(v) for v in c.values}
    if c.kind == "filter" and c.filter_name in lex.filters:
        try:
            node = sqlglot.parse_one(lex.filters[c.filter_name].sql, read=lex.dialect)
        except sqlglot.errors.SqlglotError:
            return None
        if isinstance(node, exp.EQ) and isinstance(node.this, exp.Column) and isinstance(node.expression, exp.Literal):
            return (c.table, node.this.name.lower(), None), {_said(node.expression.name)}
    return None


def _said(value: object) -> str:
    """A value as compared: a number whatever its spelling ("3" of a filter, 3.0 of a question), text lower-cased.

    >>> _said("3") == _said(3.0), _said("AIR")
    (True, 'air')
    """
    try:
        return f"{float(str(value)):g}"
    except ValueError:
        return str(value).lower()


def _no_words_apart(spec: QuerySpec, lex: Lexicon) -> None:
    """'revenue from steel parts compared with copper parts': two words searched in one text column, where no
    known value of it holds both, leave no rows (each value is one or the other)."""
    said: dict[tuple[str, str, str | None], list[Condition]] = {}
    for c in spec.conditions:
        if c.kind == "contains" and not c.negated and c.col is not None:
            said.setdefault((c.col.table, c.col.column, c.col.via), []).append(c)
    for (table, column, _via), found in said.items():
        info = lex.tables.get(table)
        col = info.table.column(column) if info is not None else None
        samples = [str(v).lower() for v in ((*col.sample_values, *col.value_vocabulary) if col is not None else ())]
        wanted = {str(v).lower() for c in found for v in c.values}
        if len(wanted) > 1 and samples and not any(all(w in s for w in wanted) for s in samples):
            raise NotUnderstood("The question asks for one column to hold two different values at once.",
                                tuple(sorted(wanted)))


def _no_range_on_unset(spec: QuerySpec, lex: Lexicon) -> None:
    """'current instructors (no separation date) ... in 2025' dated by the separation date: a column a filter
    wants empty (``IS NULL``) and a period or comparison on that same column leave no rows."""
    unset = {(c.table, col) for c in spec.conditions if c.kind == "filter" and not c.negated
             for col in _null_columns(lex.filters[c.filter_name].sql if c.filter_name in lex.filters else "", lex)}
    for c in spec.conditions:
        if c.kind in ("range", "month", "compare") and not c.negated and c.col is not None \
                and (c.col.table, c.col.column.lower()) in unset:
            raise NotUnderstood("The question asks for a date that a filter it names wants empty.",
                                tuple(x.text for x in spec.conditions if x.text and x.kind == "filter") or (c.text,))


def _null_columns(sql: str, lex: Lexicon) -> set[str]:
    try:
        node = sqlglot.parse_one(sql, read=lex.dialect) if sql else None
    except sqlglot.errors.SqlglotError:
        return set()
    if isinstance(node, exp.Is) and isinstance(node.this, exp.Column) and isinstance(node.expression, exp.Null):
        return {node.this.name.lower()}
    return set()
