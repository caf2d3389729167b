"""Bounded work, recursive CTEs: a recursive step must not multiply a value's size each round.

One of the three checks of ``resources.resource_bounds`` (see that module for why the guard bounds work).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from collections.abc import Iterator

from sqlglot import exp

from nl2sql.errors import Issue
from nl2sql.guard.functions import fold, function_names

if TYPE_CHECKING:
    from nl2sql.guard.policy import GuardPolicy

_GROWING = (exp.DPipe, exp.Concat, exp.ConcatWs, exp.ArrayConcat)


def recursive_growth(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """A recursive step must not join a recursive column with itself (``s || s``): that doubles each round.

    Linear growth (``s || 'x'``, ``depth + 1``) is bounded by the engine's memory limit and timer; doubling
    reaches gigabytes in thirty rounds, inside a single value the memory limit does not see.
    """
    for with_ in tree.find_all(exp.With):
        if not with_.args.get("recursive"):
            continue
        for cte in with_.expressions:
            name = fold(cte.alias_or_name)
            body = cte.this
            steps = [body.expression] if isinstance(body, exp.SetOperation) else []
            for step in steps:
                if not isinstance(step, exp.Select) or not _reads(step, name):
                    continue
                qualifiers, columns = _recursive_columns(step, name), _cte_columns(cte)
                for projection in step.expressions:
                    if _self_growth(projection, qualifiers, columns):
                        yield Issue("too_complex", f"The recursive query {cte.alias_or_name} doubles a value at each "
                                    "step, which grows without bound.", cte.alias_or_name)
                        break


def _reads(step: exp.Select, name: str) -> bool:
    return any(fold(t.name) == name for t in step.find_all(exp.Table))


def _recursive_columns(step: exp.Select, name: str) -> frozenset[str]:
    """Qualifiers the recursive step uses for the CTE (its name or alias)."""
    return frozenset(fold(t.alias_or_name) for t in step.find_all(exp.Table) if fold(t.name) == name) | {name}


def _cte_columns(cte: exp.CTE) -> frozenset[str]:
    """The CTE's column names: declared (``r(s, n)``) or named by its anchor's select list."""
    alias = cte.args.get("alias")
    declared = [fold(c.name) for c in (alias.columns if alias is not None else [])]
    anchor = cte.this.this if isinstance(cte.this, exp.SetOperation) else cte.this
    named = [fold(n) for n in anchor.named_selects] if isinstance(anchor, exp.Select) else []
    return frozenset(declared or named)


def _self_growth(projection: exp.Expr, qualifiers: frozenset[str], columns: frozenset[str]) -> bool:
    """True when a step builds a value from recursive columns in a way that can multiply its size.

    Any value-building node (concatenation, list or struct constructor, function call) holding two or more
    recursive references may double each round (``s || s``, ``flatten([s, s])``, ``list_concat(s, s)``);
    numbers (``a + b``) and conditions only overflow or stop. A repeat of a recursive value, or a
    substitution whose replacement may be longer than its pattern (``replace(s, 'x', 'xx')``), multiplies
    it with a single reference (round three)."""
    for node in projection.walk():
        if isinstance(node, exp.Repeat) and _recursive_refs(node.this, qualifiers, columns):
            return True
        if _substitution_grows(node) and _recursive_refs(node, qualifiers, columns):
            return True
        if isinstance(node, _NOT_BUILDING) or isinstance(node, (exp.Column, exp.Identifier, exp.Literal)):
            continue
        if _recursive_refs(node, qualifiers, columns) > 1 and not _only_numeric_or_condition(node):
            return True
    return False


# Nodes that compute numbers or truth values from their operands, or only choose between them: two
# recursive references under one of these do not build a bigger value.
_NOT_BUILDING = (exp.Predicate, exp.Connector, exp.Not, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod,
                 exp.Neg, exp.Paren, exp.Case, exp.If, exp.Coalesce, exp.Greatest, exp.Least, exp.Abs, exp.Length,
                 exp.Cast, exp.TryCast, exp.Alias, exp.Ordered, exp.Where, exp.Bracket)


def _only_numeric_or_condition(node: exp.Expr) -> bool:
    return isinstance(node, _NOT_BUILDING)


def _substitution_grows(node: exp.Expr) -> bool:
    """replace/regexp_replace whose replacement is not a literal at most as long as a literal pattern."""
    if not isinstance(node, exp.Func):
        return False
    names = function_names(node)
    if not names & {"replace", "regexp_replace", "replace_all"}:
        return False
    args = list(node.expressions) if isinstance(node, exp.Anonymous) else [
        node.args.get(k) for k in node.arg_types if isinstance(node.args.get(k), exp.Expression)]
    pattern, replacement = (args[1] if len(args) > 1 else None), (args[2] if len(args) > 2 else None)
    if replacement is None:
        return False
    if not (isinstance(replacement, exp.Literal) and isinstance(pattern, exp.Literal)):
        return True
    regex = bool(names & {"regexp_replace"})
    return len(str(replacement.this)) > len(str(pattern.this)) or (
        regex and any(c in str(replacement.this) for c in "\\$"))


_GROWING_NAMES = frozenset({"replace", "printf", "format", "concat", "list_concat", "array_concat", "array_cat"})


def _recursive_refs(node: exp.Expr, qualifiers: frozenset[str], columns: frozenset[str]) -> int:
    """References to the recursive CTE's columns: qualified by its name or alias, or bare and one of its
    column names (a bare name of a joined table's column is not counted)."""
    return sum(1 for c in node.find_all(exp.Column)
               if (fold(c.table) in qualifiers if c.table else fold(c.name) in columns))
