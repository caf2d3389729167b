"""The frame of a question: what its reading found, as one frozen value between the reader and the assembler.

The reader's walk (intent.py) builds a ``Reading`` as it goes, the way a parser builds a tree, and hands on
a ``Frame``; ``frame_rules.FRAME_RULES`` then settle it (a grain named by a period, dates shown rather than
filtered, the sides of a share, extremes per group, what a bare grouping counts) and the assembler turns the
settled frame into a ``QuerySpec``. Nothing mutates a frame: a rule returns a new one (``dataclasses.replace``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nl2sql.planner.lexicon import Concept
from nl2sql.planner.spec import ColRef, Condition, Dim, Having, Measure, Order
from nl2sql.planner.timefilters import Period

# What an aggregate or superlative applies to (``AggregateSteps._target``), tagged by kind: a metric, a table's
# rows, a column, or a measure already read (its index in ``Frame.measures``).
Target = (tuple[Literal["metric"], Concept] | tuple[Literal["table"], str] | tuple[Literal["column"], ColRef]
          | tuple[Literal["measure"], int])

# (desc, target, position): a superlative ("highest", "most") and the word position it was said at
Extreme = tuple[bool, Target, int]


@dataclass(frozen=True)
class Frame:
    """What the question asks, before the base table and joins are chosen (positions are word positions)."""

    measures: tuple[Measure, ...] = ()
    dims: tuple[Dim, ...] = ()
    unit_dims: tuple[str, ...] = ()                  # grains whose date column is chosen later
    conditions: tuple[Condition, ...] = ()
    share_conditions: tuple[Condition, ...] = ()     # the part of a share ("share of orders that are urgent")
    having: tuple[Having, ...] = ()
    orders: tuple[Order, ...] = ()
    extremes: tuple[Extreme, ...] = ()
    limit: int | None = None
    entities: tuple[tuple[str, int, bool], ...] = ()  # (table, position, plural)
    projections: tuple[tuple[ColRef, int], ...] = ()  # (column, position); -1 a helper, -2 what it is ranked by
    periods: tuple[Period, ...] = ()
    date_hints: tuple[tuple[str, str], ...] = ()     # (table, date column) a verb names ("shipped")
    words: tuple[str, ...] = ()                      # stems of the question's words
    free_words: tuple[str, ...] = ()                 # ... but those of phrases naming a column
    date_cols: tuple[tuple[ColRef, int], ...] = ()
    existence: tuple[tuple[str, bool, int], ...] = ()  # (table, negated, position)
    at_least_one: frozenset[int] = frozenset()       # existence positions said as "at least one"
    share: bool = False
    after_and: frozenset[int] = frozenset()          # positions of tables named right after "and"
    and_values: tuple[ColRef, ...] = ()              # columns given two values joined by "and"
    when: tuple[bool, ...] = ()                      # "when was the first/last ...": min/max date
    as_named: tuple[ColRef, ...] = ()
    months: tuple[int, ...] = ()                     # "in December" of any year
    star: bool = False
    percent: bool = False
    share_table: str | None = None
    distinct: bool = False
    mode: bool = False
    per_value: bool = False                          # "each separately": group by the values named
    trend: bool = False                              # "did it go up": how a figure moved over time
    count_groups: bool = False                       # "how many customers placed over 20 orders": groups counted
    time_desc: bool | None = None                    # the periods' order asked for: "most recent first" (True)
    weak: int = 0
    fuzzy: int = 0
    notes: tuple[str, ...] = ()                      # assumptions a rule made, shown in the interpretation


def column_targets(extremes: tuple[Extreme, ...]) -> list[tuple[bool, ColRef, int]]:
    """The extremes that rank by a column, as (desc, column, position)."""
    return [(desc, t[1], pos) for desc, t, pos in extremes if t[0] == "column"]


def summary(frame: Frame) -> str:
    """A compact, readable line of what a frame holds (its non-empty parts), for fixtures and debugging.

    >>> summary(Frame(measures=(Measure("rows", "orders", "count"),), unit_dims=("year",)))
    'measures=count(orders) unit_dims=year'
    """
    parts = []
    if frame.measures:
        parts.append("measures=" + ",".join(_measure(m) for m in frame.measures))
    if frame.dims:
        parts.append("dims=" + ",".join(_col(d.col) + (f"@{d.grain}" if d.grain else "") for d in frame.dims))
    if frame.unit_dims:
        parts.append("unit_dims=" + ",".join(frame.unit_dims))
    for name, conds in (("conditions", frame.conditions), ("share_of", frame.share_conditions)):
        if conds:
            parts.append(f"{name}=" + ",".join(_condition(c) for c in conds))
    if frame.extremes:
        parts.append("extremes=" + ",".join(("max " if d else "min ") + _target(t) for d, t, _ in frame.extremes))
    if frame.entities:
        parts.append("entities=" + ",".join(t for t, _, _ in frame.entities))
    if frame.projections:
        parts.append("projections=" + ",".join(_col(p) for p, _ in frame.projections))
    if frame.date_cols:
        parts.append("date_cols=" + ",".join(_col(p) for p, _ in frame.date_cols))
    if frame.periods:
        parts.append("periods=" + ",".join(p.text for p in frame.periods))
    parts += [name for name in ("share", "percent", "distinct", "star", "mode", "per_value", "trend",
                                            "count_groups")
              if getattr(frame, name)]
    if frame.when:
        parts.append("when=" + ",".join("last" if w else "first" for w in frame.when))
    if frame.limit is not None:
        parts.append(f"limit={frame.limit}")
    if frame.notes:
        parts.append("notes=" + "; ".join(frame.notes))
    return " ".join(parts)


def _col(ref: ColRef) -> str:
    return f"{ref.table}.{ref.column}" if ref.column else ref.table


def _measure(m: Measure) -> str:
    if m.kind == "metric":
        return m.metric
    if m.kind == "share":
        return f"share({m.metric or m.table}{',' + m.fn if m.fn else ''})"
    return f"{m.fn}({_col(m.col) if m.col else m.table})"


def _condition(c: Condition) -> str:
    if c.kind == "filter":
        return c.filter_name
    return f"{_col(c.col) if c.col else c.table}{' not' if c.negated else ''} {c.op} {c.text}".strip()


def _target(t: Target) -> str:
    if t[0] == "metric":
        return t[1].name or ""
    if t[0] == "column":
        return _col(t[1])
    return str(t[1])
