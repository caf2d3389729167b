"""Two whole years side by side in a breakdown: one row per group, one column per year.

"revenue per region, 1995 vs 1996" compares each region's two years, so the answer is one row a region with
``revenue_1995`` and ``revenue_1996`` (each measure adds up only its year's rows), not a row per region and
year. Without a breakdown ("revenue 1995 vs 1996") the years stay rows, one each; a ranking, a HAVING or a
share over the two years keeps the rows too (which year would rank them?).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from nl2sql.planner.frame import Frame
from nl2sql.planner.spec import ColRef, Condition, Dim, Measure, QuerySpec


def years_side_by_side(f: Frame, measures: list[Measure], dims: list[Dim]) -> tuple[list[Measure], list[Dim]]:
    """The measures once per year of the pair and the groupings without the year, when the question
    names two years side by side ("1995 vs 1996", ``Period.each``) besides a grouping of its own.

    >>> from nl2sql.planner.frame import Frame
    >>> years_side_by_side(Frame(), [], [])
    ([], [])
    """
    pairs = [p for p in f.periods if p.each == "year" and p.start is not None and p.end is not None]
    years = [d for d in dims if d.grain == "year"]
    if len(pairs) != 1 or len(years) != 1 or len(dims) < 2 or any(d.grain for d in dims if d is not years[0]):
        return measures, dims
    if f.extremes or f.limit is not None or f.having or f.orders or not measures \
            or any(m.kind == "share" or m.hidden for m in measures):
        return measures, dims
    col = years[0].col
    start, end = pairs[0].start, pairs[0].end
    assert start is not None and end is not None
    sides = [Condition("range", col.table, col, "range", (date(y, 1, 1), date(y + 1, 1, 1)), text=str(y))
             for y in range(start.year, end.year)]
    wide = [replace(m, only=(side,), suffix=side.text) for m in measures for side in sides]
    return wide, [d for d in dims if d is not years[0]]


def spec_years_side_by_side(spec: QuerySpec, col: ColRef, first: int, last: int) -> QuerySpec | None:
    """'put 1996 next to it' after revenue by country for 1995: each group's years side by side, one column per
    year (as ``years_side_by_side`` reads "1995 vs 1996" in one question); None when the spec has no grouping
    of its own, a time grouping, a top N, a HAVING or a share (which year would they be of?)."""
    if not spec.dims or any(d.grain for d in spec.dims) or spec.limit is not None or spec.having \
            or not spec.measures or any(m.kind == "share" or m.hidden or m.only for m in spec.measures):
        return None
    sides = [Condition("range", col.table, col, "range", (date(y, 1, 1), date(y + 1, 1, 1)), text=str(y))
             for y in range(first, last + 1)]
    wide = tuple(replace(m, only=(side,), suffix=side.text) for m in spec.measures for side in sides)
    order = tuple(replace(o, measure=o.measure * len(sides)) if o.measure is not None else o for o in spec.order)
    return replace(spec, measures=wide, order=order)
