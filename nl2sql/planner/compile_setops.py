"""A frame with a set operation compiled: each side its own SELECT, joined by INTERSECT, EXCEPT or UNION.

"Students who have a dog but not a cat" lists the same rows on both sides: the rows of the first whose key is
not among the second's (``key NOT IN (...)``), each once (the first side tests its related rows with EXISTS), so
that two students of one name stay two; EXCEPT would compare the shown values only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlglot import exp

from nl2sql.planner.spec import ColRef, QuerySpec

_SET = {"intersect": exp.Intersect, "except": exp.Except, "union": exp.Union}


def by_key(spec: QuerySpec, pk: tuple[str, ...]) -> bool:
    """Whether the set operation is written on the base table's key: "... but not ..." on the same rows."""
    return spec.setop is not None and spec.setop.rows and spec.setop.kind == "except" \
        and spec.setop.other.base == spec.base and len(pk) == 1 and spec.setop.other.setop is None


def with_set(tree: exp.Select, spec: QuerySpec, compile_side: Callable[[QuerySpec], exp.Expression],
             key: Callable[[ColRef], exp.Expr], pk: tuple[str, ...]) -> exp.Expression:
    """``tree`` (the spec's own SELECT) combined with the other side of its set operation, if any (sides are
    combined left to right). ``key`` is the column expression of the left side, ``pk`` its base's key."""
    if spec.setop is None:
        return tree
    other = spec.setop.other
    if by_key(spec, pk):
        ref = ColRef(spec.base, pk[0])
        keys = compile_side(replace(other, projections=(ref,), distinct=False))
        return tree.where(exp.not_(exp.In(this=key(ref), query=exp.Subquery(this=keys))))
    return _SET[spec.setop.kind](this=tree, expression=compile_side(other), distinct=True)
