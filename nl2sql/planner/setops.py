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

from collections.abc import Callable, Iterator
from dataclasses import replace

from catalog_semantics.text import words as split_words
from nl2sql.planner.joins import Ambiguous, JoinGraph, all_up
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import ColRef, Condition, QuerySpec, SetKind, SetOp
from nl2sql.planner.tokens import token_spans
from nl2sql.planner.unread import NotUnderstood
from nl2sql.planner.words import word_list

Read = tuple[QuerySpec, list[str], float]

_MAX_SIDE = 8            # tokens one side of "both X and Y" may have


def _markers(kind: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(split_words(p)) for p in word_list("set_operations", kind))


def set_reading(question: str, read: Callable[[str], Read], lex: Lexicon, graph: JoinGraph) -> Read | None:
    """The two readings a set-operation marker splits the question into, combined; None when no split of the
    question reads as two lists of the same columns."""
    spans = token_spans(question)
    words = tuple(question[a:b].lower() for a, b in spans)
    splits: tuple[tuple[SetKind, Iterator[tuple[str, str]]], ...] = (
        ("intersect", _both_splits(question, spans, words)), ("except", _but_not_splits(question, spans, words)),
        ("intersect", _shared_splits(question, spans, words)))
    for kind, pairs in splits:
        for left_q, right_q in pairs:
            try:
                left, right = read(left_q), read(right_q)
            except NotUnderstood:
                continue
            spec = combine(left[0], right[0], kind, lex, graph)
            if spec is not None:
                notes = list(dict.fromkeys(left[1] + right[1]))
                return spec, notes, min(left[2], right[2]) - 0.05
    return None


def reads_as_set(question: str) -> bool:
    """Whether the question has a marker that, read whole, would mean something else ("shared by" is no
    share): such a question is read as a set operation first."""
    spans = token_spans(question)
    words = tuple(question[a:b].lower() for a, b in spans)
    return bool(_positions(words, _markers("shared")))


def _both_splits(q: str, spans: tuple[tuple[int, int], ...], words: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """'... both X and Y rest': ('... X rest', '... Y rest'), Y as long as X (or one longer or shorter, or up
    to the end of the question)."""
    for b in _positions(words, _markers("intersect")):
        a = next((k for k in range(b + 2, min(len(words), b + 2 + _MAX_SIDE)) if words[k] == "and"), None)
        if a is None:
            continue
        n = a - b - 1
        for m in dict.fromkeys((n, n + 1, n - 1, len(words) - a - 1)):
            if not 1 <= m <= _MAX_SIDE or a + m >= len(words):
                continue
            x = q[spans[b + 1][0]:spans[a - 1][1]]
            y = q[spans[a + 1][0]:spans[a + m][1]]
            head, tail = q[:spans[b][0]], q[spans[a + m][1]:]
            yield head + x + tail, head + y + tail


def _but_not_splits(q: str, spans: tuple[tuple[int, int], ...],
                    words: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """'... X but not Y rest': ('... X rest', '... Y rest'), X and Y parallel (the same first word, "from CVO
    but not from APG", or as many words, "has a dog but does not have a cat"); the longest Y first, so that the rest after it is shared."""
    for marker in _markers("except"):
        for p in _positions(words, (marker,)):
            after = p + len(marker)
            for m in range(min(len(words) - after, _MAX_SIDE), 0, -1):
                for n in range(1, min(p, _MAX_SIDE) + 1):
                    if words[p - n] != words[after] and n != m:
                        continue
                    x = q[spans[p - n][0]:spans[p - 1][1]]
                    y = q[spans[after][0]:spans[after + m - 1][1]]
                    head, tail = q[:spans[p - n][0]], q[spans[after + m - 1][1]:]
                    yield head + x + tail, head + y + tail


def _shared_splits(q: str, spans: tuple[tuple[int, int], ...],
                   words: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """'the X shared by rows A and B': ('the X of rows A', 'the X of rows B'), A as long as B (or one longer or
    shorter), B up to the end of the question."""
    for marker in _markers("shared"):
        for p in _positions(words, (marker,)):
            after = p + len(marker)
            for a in (k for k in range(after + 1, len(words) - 1) if words[k] == "and"):
                m = len(words) - a - 1
                for n in dict.fromkeys((m, m + 1, m - 1)):
                    if not 1 <= n <= a - after or m > _MAX_SIDE:
                        continue
                    head = q[:spans[p][0]] + "of " + q[spans[after][0]:spans[a - n][0]]
                    x = q[spans[a - n][0]:spans[a - 1][1]]
                    y, tail = q[spans[a + 1][0]:spans[-1][1]], q[spans[-1][1]:]
                    yield head + x + tail, head + y + tail


def _positions(words: tuple[str, ...], markers: tuple[tuple[str, ...], ...]) -> list[int]:
    return [k for k in range(len(words)) for mk in markers if words[k:k + len(mk)] == mk]


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
        if left.projections != right.projections or not _one_value_apart(left, right):
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


def _one_value_apart(left: QuerySpec, right: QuerySpec) -> bool:
    """Each side has one condition the other lacks, on the same column (or the same kind of named filter):
    "has a cat" / "has a dog", "opened before 2009" / "opened after 2011"; a split that left words of one side
    in the other (two conditions apart) is not one."""
    mine = [c for c in left.conditions if c not in right.conditions]
    theirs = [c for c in right.conditions if c not in left.conditions]
    if len(mine) != 1 or len(theirs) != 1:
        return False
    a, b = mine[0], theirs[0]
    if a.negated or b.negated:
        return False
    return a.table == b.table and a.col == b.col and (a.col is not None or a.kind == b.kind)


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
