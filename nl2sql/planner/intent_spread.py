"""'gender split of the members': a column named right before "split of" / "breakdown of" / "distribution of"
is what the rows are spread over (one row per value, the rows counted), not a column to list."""

from __future__ import annotations

from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.matching import Item
from nl2sql.planner.reading import Reading
from nl2sql.planner.spec import Dim
from nl2sql.planner.words import word_list

_SPREAD = frozenset(word_list("spread_words"))


def spread_over_column(r: Reading, it: Item, j: int, raw_words: list[str], lex: Lexicon) -> None:
    """Turn column ``it`` (item ``j``), just shown, into the grouping when a spread word follows it."""
    after = raw_words[it.end:it.end + 2]
    if not any(" ".join(after[:n]) in _SPREAD for n in (1, 2)) or r.measures or r.dims:
        return
    col = next((c for c, pos in r.projections if pos == j), None)
    info = lex.tables.get(col.table) if col is not None else None
    if col is None or info is None or col.column in info.numeric or col.column in info.dates \
            or col.column in info.keys:
        return                           # "price distribution": a histogram, not one row per price
    r.projections.remove((col, j))
    r.dims.append(Dim(col))
