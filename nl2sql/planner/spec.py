"""What the planner understood, as frozen values: the query before it becomes SQL.

Kept apart from SQL so that the interpretation text, the confidence and the compiler all read the
same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal


@dataclass(frozen=True)
class ColRef:
    table: str                      # lower-case table name
    column: str                     # as the catalog spells it
    via: str | None = None          # the join path must pass through this table ("customer region")


# What a condition tests: a column against numbers, its values, a substring; a date range or a month of the year;
# a named filter of the model; that related rows exist; that the rows are among a previous top N's (``among``).
ConditionKind = Literal["compare", "in", "contains", "range", "month", "filter", "exists", "among"]


@dataclass(frozen=True)
class Condition:
    kind: ConditionKind
    table: str                      # the table the condition is evaluated on
    col: ColRef | None = None
    op: str = "="                   # =, !=, >, >=, <, <=, between, in, contains, starts, ends
    values: tuple[object, ...] = ()
    negated: bool = False
    filter_name: str = ""           # a named filter of the model
    via: str | None = None
    text: str = ""                  # the words it came from, for the interpretation


# A model metric, an aggregate of a column, a count of rows (or rows per group), a share of rows.
MeasureKind = Literal["metric", "agg", "rows", "rows_per", "share"]


@dataclass(frozen=True)
class Measure:
    kind: MeasureKind
    table: str                      # the grain it is computed at
    fn: str = ""                    # count, count_distinct, sum, avg, min, max, median
    col: ColRef | None = None
    metric: str = ""
    share_of: tuple[Condition, ...] = ()   # share: the rows (or metric) meeting these, over all
    hidden: bool = False            # used to order or filter only, not shown
    only: tuple[Condition, ...] = ()       # it adds up only the rows meeting these (one year of years side by side)
    since: ColRef | None = None     # agg: of the days from this date to ``col`` ("days between order and ship")
    suffix: str = ""                # said after its name ("revenue_1995")


@dataclass(frozen=True)
class Dim:
    col: ColRef
    grain: str | None = None        # day, week, month, quarter, year for a date column
    keys: tuple[ColRef, ...] = ()   # grouped by too (an entity's key), not shown
    name: str = ""


@dataclass(frozen=True)
class Having:
    measure: int
    op: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Order:
    desc: bool
    measure: int | None = None      # index into measures
    col: ColRef | None = None
    dim: int | None = None


@dataclass(frozen=True)
class QuerySpec:
    base: str
    measures: tuple[Measure, ...] = ()
    dims: tuple[Dim, ...] = ()
    projections: tuple[ColRef, ...] = ()
    conditions: tuple[Condition, ...] = ()
    having: tuple[Having, ...] = ()
    order: tuple[Order, ...] = ()
    limit: int | None = None
    distinct: bool = False
    helpers: tuple[ColRef, ...] = ()      # shown beside a list to explain it (what it is filtered or sorted on)
    default_filters: tuple[str, ...] = ()  # tables whose overlay default filter applies (planner.defaults)
    setop: SetOp | None = None             # this query's rows combined with another's (planner.setops)
    count_groups: bool = False             # the answer is how many groups it has ("how many customers placed
                                           # more than 20 orders": the customers kept by the HAVING, counted)


def column_of(part: Condition | Measure | Order) -> ColRef:
    """The column of a condition, measure or order of a kind that has one (a compared column, an aggregate, an
    order by a column); ``LookupError`` on one without, which is a bug of whatever built it."""
    if part.col is None:
        raise LookupError(f"{type(part).__name__} has no column: {part}")
    return part.col


def average_of(col: ColRef) -> QuerySpec:
    """The frame of a column's average over all its table's rows: the value of a condition comparing the column
    with its average ("singers above the average age"; planner/intent_average.py)."""
    return QuerySpec(col.table, measures=(Measure("agg", col.table, "avg", ColRef(col.table, col.column)),))


def is_average(value: object) -> bool:
    """Whether a compare condition's value is a column's average (``average_of``), not a number."""
    return isinstance(value, QuerySpec)


def grain_date(spec: QuerySpec) -> ColRef | None:
    """The date column a time grouping of the spec is on ('by year of ship date'), if any."""
    return next((d.col for d in spec.dims if d.grain), None)


def range_bounds(c: Condition) -> tuple[date | None, date | None]:
    """The start (inclusive) and end (exclusive) of a ``range`` condition, None for an open end: the values
    the reader took from a ``timefilters.Period``."""
    start, end = c.values
    if not (start is None or isinstance(start, date)) or not (end is None or isinstance(end, date)):
        raise TypeError(f"a range is bounded by dates: {c.values}")
    return start, end


SetKind = Literal["intersect", "except", "union"]


@dataclass(frozen=True)
class SetOp:
    """'students who have both a cat and a dog': the rows of this query that the other also has (intersect),
    does not have (except), or either (union); both show the same columns."""

    kind: SetKind
    other: QuerySpec
    rows: bool = False     # the same rows on both sides, told apart by their key (not by the values shown)
