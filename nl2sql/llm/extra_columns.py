"""Results that are another result plus columns: the same rows, with a column or more the other does not return.

A model that returns what was asked and one more thing (the id beside the name, the count beside the country
with the most of them) writes a query whose result never equals the one that returns only what was asked, so
the vote splits between two readings that agree on every row. Which one answers the question is for the
question to say: when it names none of the extra columns (``fit.asked``: a word of the column's name, other
than its table's, that the question uses more often than the narrower query accounts for it, by a column it
returns or one it sorts by or tests against a value: "names of teachers by age" is no request for the age, "document ids and
their paragraphs, by document id" is one), the wider
result's ballots count for the narrower one, which says the same thing without what nobody asked for; when it
names one, the narrower result is missing it, and its ballots count for the wider one. A result that is itself
wider than asked (its ballots went to a narrower one) gets none.

Only exact projections count: the narrower result's rows are the wider's rows with the extra columns dropped
(bags of rows; in order when both queries order them), so two results that differ in a single value are never
nested.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nl2sql.llm import fit

Row = tuple[Any, ...]

_MAPPINGS = 200        # column mappings tried before giving up (results whose columns repeat the same values)


@dataclass(frozen=True)
class Nested:
    """Ballot ``wide``'s result is ballot ``narrow``'s plus ``columns`` (their names); ``asked``: the question
    names one of them, so ``narrow``'s ballots count for ``wide`` (else ``wide``'s for ``narrow``)."""

    wide: int
    narrow: int
    columns: tuple[str, ...]
    asked: bool


def dropped(wide: Sequence[Row], narrow: Sequence[Row], ordered: bool) -> tuple[int, ...] | None:
    """The positions of ``wide``'s columns that ``narrow`` leaves out, when ``narrow`` is ``wide`` without them
    (same rows, as a bag unless ``ordered``); None otherwise.

    >>> dropped([(1, "a"), (2, "b")], [("b",), ("a",)], False), dropped([(1, "a")], [("z",)], False)
    ((0,), None)
    """
    if not wide or len(wide) != len(narrow):
        return None
    width, kept = len(wide[0]), len(narrow[0])
    if not 0 < kept < width:
        return None
    values = [Counter(row[c] for row in wide) for c in range(width)]
    options = [[c for c in range(width) if values[c] == Counter(row[j] for row in narrow)] for j in range(kept)]
    want: list[Row] | Counter[Row] = list(narrow) if ordered else Counter(narrow)
    for tried, pick in enumerate(itertools.product(*options)):
        if tried >= _MAPPINGS:
            return None
        if len(set(pick)) < kept:
            continue
        moved = [tuple(row[c] for c in pick) for row in wide]
        if (moved if ordered else Counter(moved)) == want:
            return tuple(c for c in range(width) if c not in pick)
    return None


def nested(results: Sequence[tuple[str, tuple[str, ...], Sequence[Row], bool]], question: str) -> tuple[Nested, ...]:
    """Every pair of ``results`` (sql, column names, rows, ordered?; one per distinct result) where one is the
    other plus columns, and whether the question asks for those columns (module doc).

    >>> r = [("SELECT id, name FROM shop", ("id", "name"), [(1, "a"), (2, "b")], False),
    ...      ("SELECT name FROM shop", ("name",), [("a",), ("b",)], False)]
    >>> nested(r, "Which shops have no staff? Give their names.")
    (Nested(wide=0, narrow=1, columns=('id',), asked=False),)
    """
    reading = fit.read(question)
    said, named = frozenset(reading.words), Counter(reading.words)
    out: list[Nested] = []
    for (a, (sql, names, rows, order)), (b, (_, narrow_names, narrow_rows, narrow_order)) in \
            itertools.permutations(enumerate(results), 2):
        extra = dropped(rows, narrow_rows, order and narrow_order)
        if extra is None or len(names) != len(rows[0]) or not narrow_names:
            continue
        query, narrow_query = fit.features(sql), fit.features(results[b][0])
        tables = query.tables if query is not None else frozenset()
        keys = narrow_query.keys if narrow_query is not None else ()
        accounted = Counter(w for name in dict.fromkeys((*narrow_names, *keys)) for w in set(fit.name_words(name)))
        taken = frozenset(w for w, k in accounted.items() if k >= named[w])     # said no more often than used
        columns = tuple(names[c] for c in extra)
        out.append(Nested(a, b, columns, any(fit.asked(c, said, tables, taken) for c in columns)))
    return tuple(out)


def column_votes(results: Sequence[tuple[str, tuple[str, ...], Sequence[Row], bool]], votes: Sequence[float],
                 question: str) -> tuple[list[float], tuple[Nested, ...]]:
    """The votes each result gains from the results nested with it (module doc; ``votes``: each result's own
    ballots), and the pairs that moved them.

    >>> r = [("SELECT id, name FROM shop", ("id", "name"), [(1, "a"), (2, "b")], False),
    ...      ("SELECT name FROM shop", ("name",), [("a",), ("b",)], False)]
    >>> column_votes(r, [3, 2], "Which shops have no staff? Give their names.")[0]
    [0.0, 3.0]
    """
    pairs = nested(results, question)
    too_wide = {p.wide for p in pairs if not p.asked}
    gained = [0.0] * len(results)
    moved: list[Nested] = []
    for p in pairs:
        source, target = (p.narrow, p.wide) if p.asked else (p.wide, p.narrow)
        if target not in too_wide:
            gained[target] += votes[source]
            moved.append(p)
    return gained, tuple(moved)
