"""A time grouping the follow-up's period leaves one row of: "how many failed in Q3?" after a series by quarter
asks for one number, not a series of one quarter (used by ``edit_conditions.edit_window``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from nl2sql.planner.spec import QuerySpec

# months in one row of each grain that is a calendar period
_GRAIN_MONTHS = {"year": 12, "quarter": 3, "quarter_start": 3, "month": 1}


def one_bucket(spec: QuerySpec, start: date | None, end: date | None) -> QuerySpec:
    """The spec without its groupings by a calendar grain when the period is exactly one of its rows (Q3 by
    quarter, 1997 by year, March 1997 by month): the one number, as the question asked alone would give.

    >>> from nl2sql.planner.spec import ColRef, Dim, Measure, Order
    >>> q = QuerySpec("t", (Measure("rows", "t", "count"),), dims=(Dim(ColRef("t", "d"), grain="quarter_start"),),
    ...               order=(Order(False, dim=0),))
    >>> one_bucket(q, date(2024, 7, 1), date(2024, 10, 1)).dims, one_bucket(q, date(2024, 7, 1), date(2025, 1, 1)) == q
    ((), True)
    """
    if start is None or end is None or start.day != 1 or end.day != 1:
        return spec
    months = (end.year - start.year) * 12 + end.month - start.month
    drop = {i for i, d in enumerate(spec.dims) if _GRAIN_MONTHS.get(d.grain or "") == months
            and (start.month - 1) % months == 0}
    if not drop or len(drop) == len(spec.dims) and spec.limit is not None:
        return spec
    index = {old: new for new, old in enumerate(i for i in range(len(spec.dims)) if i not in drop)}
    order = tuple(replace(o, dim=index[o.dim]) if o.dim is not None else o for o in spec.order
                  if o.dim is None or o.dim not in drop)
    return replace(spec, dims=tuple(d for i, d in enumerate(spec.dims) if i not in drop), order=order)
