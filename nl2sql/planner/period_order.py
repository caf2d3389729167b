"""Groupings that are periods, so a series reads in time order rather than ranked by its measure.

Three kinds of grouping are periods: a date's grain ("by month"); a year column, a number ("review_year") or text
codes that begin with their year ("academic year": '2023-24', '2024-25', which sort as they happen); and the rows
of a table whose noun is a period (vocabulary ``period_tables``: "by term", "per season"), whose names do not sort
in time order ('Fall 2024' before 'Spring 2024'), so they are ordered by the table's own start date (its first date
not named as an end, vocabulary ``end_date_words``), grouped by too (one value per row, so no row changes).
"""

from __future__ import annotations

import re
from dataclasses import replace

from catalog_semantics.text import stem
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import ColRef, Dim, Order
from nl2sql.planner.words import word_list

_YEAR_CODE = re.compile(r"^(?:19|20)\d\d\b")


def with_start_dates(dims: list[Dim], lex: Lexicon) -> list[Dim]:
    """The groupings, a period table's rows grouped by its start date too (what they are ordered by)."""
    out = []
    for d in dims:
        start = _period_start(d, lex)
        out.append(replace(d, keys=d.keys + (start,)) if start is not None and start not in d.keys else d)
    return out


def time_order(dims: list[Dim], lex: Lexicon) -> list[Order]:
    """The order of a series: its periods first, earliest first, then the other groupings; none when no grouping
    is a period."""
    timed = [i for i, d in enumerate(dims) if d.grain or is_year(d.col, lex) or _period_start(d, lex)]
    if not timed:
        return []
    firsts = [Order(False, col=start) if (start := _period_start(dims[i], lex)) is not None else Order(False, dim=i)
              for i in timed]
    return firsts + [Order(False, dim=i) for i in range(len(dims)) if i not in timed]


def is_year(ref: ColRef, lex: Lexicon) -> bool:
    """A column named as a year whose values are years ("review_year") or begin with one ('2024-25')."""
    info = lex.tables.get(ref.table)
    column = next((c for c in info.table.columns if c.name == ref.column), None) if info is not None else None
    if info is None or column is None:
        return False
    if info.column_words.get(ref.column, ())[-1:] == ("year",) and ref.column in info.numeric:
        return True
    named = info.column_words.get(ref.column, ())[-1:] == ("year",) \
        or any(s.lower().split()[-1:] == ["year"] for s in column.synonyms)       # "ay_cd": "academic year"
    return named and bool(column.sample_values) and all(_YEAR_CODE.match(str(v)) for v in column.sample_values)


def _period_start(d: Dim, lex: Lexicon) -> ColRef | None:
    info = lex.tables.get(d.col.table)
    if d.grain or info is None or d.col.column not in ("", *info.labels, *info.pk) \
            or not {stem(w) for w in info.words} & {stem(w) for w in word_list("period_tables")}:
        return None
    ends = {stem(w) for w in word_list("end_date_words")}
    starts = [c for c in info.dates if not {stem(w) for w in info.column_words.get(c, ())} & ends]
    return ColRef(d.col.table, starts[0], d.col.via) if starts else None
