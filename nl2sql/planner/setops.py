"""Set operations: a question about two sets of rows, read as two questions and combined.

"Students who have both a cat and a dog" asks for the students of two readings at once ("students who have a
cat", "students who have a dog"): their INTERSECT. "Airlines with flights from CVO but not from APG" asks for
the rows of the first reading the second lacks: EXCEPT. The marker words are data (``vocabulary.yaml``
``set_operations``); each side is read by the whole planner, so every word is still accounted for, and the
two frames are combined only when they list the same columns and differ in their conditions (or, for "states
that have both owners and professionals", in the table the same-named columns come from). Anything else
stays declined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from nl2sql.planner.joins import Ambiguous, JoinGraph, all_up
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import ColRef, Condition, QuerySpec, SetKind, SetOp
from nl2sql.planner.setops_split import splits
from nl2sql.planner.unread import NotUnderstood

Read = tuple[QuerySpec, list[str], float]

def set_reading(question: str, read: Callable[[str], Read], lex: Lexicon, graph: JoinGraph, *,
                first: bool = False) -> Read | None:
    """The two readings a set-operation marker splits the question into, combined; None when no split of the
    question reads as two lists of the same columns. ``first``: only the markers a whole reading would misread
    ("shared by" is no share, "or" between two conditions is no "and"), tried before it."""
    seen: dict[str, Read | None] = {}

    def once(q: str) -> Read | None:
        if q not in seen:
            try:
                seen[q] = read(q)
            except NotUnderstood:
                seen[q] = None
        return seen[q]

    for kind, left_q, right_q in splits(question, first=first):
        left, right = once(left_q), once(right_q)
        if left is None or right is None:
            continue
        spec = combine(left[0], right[0], kind, lex, graph)
        if spec is not None:
            notes = list(dict.fromkeys(left[1] + right[1]))
            return spec, notes, min(left[2], right[2]) - 0.05
    return None


def combine(left: QuerySpec, right: QuerySpec, kind: SetKind, lex: Lexicon, graph: JoinGraph) -> QuerySpec | None:
    """Two readings as one frame, or None when they are not two lists of the same columns that differ only
    in their rows (a condition, or the table same-named columns are listed from), or when both sides list
    the same rows by a value each row has once ("customers in both Oslo and Bergen": no customer is)."""
    for s in (left, right):
        if s.measures or s.dims or s.having or s.order or s.limit is not None or s.setop is not None:
            return None
        if not s.projections:
            return None
    if len(left.projections) != len(right.projections):
        return None
    if left.base == right.base:
        if left.projections != right.projections or not _one_value_apart(left, right, same_column=kind != "union"):
            return None
        if kind == "intersect" and _one_per_row(left, right, lex, graph):
            raise NotUnderstood("Each row has one value there, so none has both; say “or” for either.",
                                tuple(c.text for c in left.conditions + right.conditions
                                      if c not in left.conditions or c not in right.conditions))
    elif not all(p.table == s.base for s in (left, right) for p in s.projections) \
            or not all(_words(a, lex) == _words(b, lex) for a, b in zip(left.projections, right.projections)):
        # "states that have both owners and professionals": the same-named columns of two tables' own rows
        return None
    # a set operation keeps each row once; what explains a list (helpers) would make the two sides differ
    other = replace(right, distinct=True, helpers=())
    return replace(left, distinct=True, helpers=(), setop=SetOp(kind, other, rows=left.base == right.base))


def values_none_has(spec: QuerySpec, negated: tuple[Condition, ...]) -> QuerySpec:
    """'template type codes not used by any document': the values of the list less those some related row
    has (EXCEPT), not the rows without one (a code is used when any of its rows is)."""
    kept = tuple(c for c in spec.conditions if c not in negated)
    plain = replace(spec, conditions=kept, distinct=True, helpers=())
    having = replace(plain, conditions=kept + tuple(replace(c, negated=False) for c in negated))
    return replace(plain, setop=SetOp("except", having))


def _one_value_apart(left: QuerySpec, right: QuerySpec, *, same_column: bool) -> bool:
    """Each side has one condition the other lacks: on the same column (or the same kind of named filter),
    "has a cat" / "has a dog", "opened before 2009" / "opened after 2011"; for a union on two different columns
    ("in Oslo" / "with a WEB purchase": one column's values are one IN list already). A split that left words
    of one side in the other (two conditions apart) is not one."""
    own, other = _said(left), _said(right)
    mine = [c for c in own if c not in other]
    theirs = [c for c in other if c not in own]
    if len(mine) != 1 or len(theirs) != 1:
        return False
    a, b = mine[0], theirs[0]
    if a.negated or b.negated:
        return False
    same = a.table == b.table and a.col == b.col and (a.col is not None or a.kind == b.kind)
    return same if same_column else (a.col is None or b.col is None or a.col.column != b.col.column
                                     or a.col.table != b.col.table)


def _said(spec: QuerySpec) -> list[Condition]:
    """The conditions, less "with purchases" when a condition on purchases (or on a table beyond them, "with a
    Phone purchase") says it already."""
    beyond = {c.table for c in spec.conditions if c.kind != "exists" and not c.negated and c.table != spec.base}
    return [c for c in spec.conditions if not (c.kind == "exists" and not c.negated and beyond)]


def _one_per_row(left: QuerySpec, right: QuerySpec, lex: Lexicon, graph: JoinGraph) -> bool:
    """Both sides list rows (by key or label) and differ in a column of those rows or of a table above them."""
    info = lex.tables[left.base]
    if not any(p.column in info.pk or p.column in info.labels for p in left.projections if p.table == left.base):
        return False
    apart = next(c for c in left.conditions if c not in right.conditions)
    if apart.table == left.base:
        return True
    try:
        path = graph.path(left.base, apart.table, apart.col.via if apart.col else None)
    except Ambiguous:
        return False
    return path is not None and all_up(path)


def _words(ref: ColRef, lex: Lexicon) -> tuple[str, ...]:
    return tuple(lex.tables[ref.table].column_words.get(ref.column, (ref.column,)))


def each_side(spec: QuerySpec, step: Callable[[QuerySpec], tuple[QuerySpec, list[str]]]) -> tuple[QuerySpec, list[str]]:
    """A step on frames (the checks before an answer) run on both sides of a set operation."""
    if spec.setop is None:
        return step(spec)
    left, notes = step(replace(spec, setop=None))
    other, more = each_side(spec.setop.other, step)
    return replace(left, setop=replace(spec.setop, other=other)), notes + [n for n in more if n not in notes]


_JOINERS = {"intersect": "and also in", "except": "but not in", "union": "or in"}


def describe_set(spec: QuerySpec, describe: Callable[[QuerySpec, list[str]], str], notes: list[str]) -> str:
    """'list name · pet type is cat — and also in — list name · pet type is dog' (the notes said once, last)."""
    if spec.setop is None:
        return describe(spec, notes)
    return f"{describe(replace(spec, setop=None), [])} — {_JOINERS[spec.setop.kind]} — " \
           f"{describe_set(spec.setop.other, describe, notes)}"
