"""What the reader has found so far (a mutable builder private to the walk, handed on frozen as a ``Frame``),
and the small helpers every reading step shares.

``NotUnderstood`` carries the words the planner could not map, shown to the user when it abstains.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nl2sql.planner.frame import Frame
from nl2sql.planner.frame import Target as Target  # re-exported: its old home
from nl2sql.planner.frame import column_targets as column_targets  # re-exported: its old home
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.matching import Item
from nl2sql.planner.spec import ColRef, Condition, Dim, Having, Measure, Order
from nl2sql.planner.timefilters import Period
from nl2sql.planner.unread import NotUnderstood as NotUnderstood  # re-exported: its old home, used across the planner

_IGNORABLE = frozenset({"stop", "list"})


@dataclass
class Reading:
    """What the walk over the question has found so far; ``freeze`` hands it on as a ``Frame``."""

    measures: list[Measure] = field(default_factory=list)
    dims: list[Dim] = field(default_factory=list)
    unit_dims: list[str] = field(default_factory=list)           # grains whose date column is chosen later
    conditions: list[Condition] = field(default_factory=list)
    share_conditions: list[Condition] = field(default_factory=list)
    having: list[Having] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    extremes: list[tuple[bool, Target, int]] = field(default_factory=list)  # (desc, target, position)
    limit: int | None = None
    entities: list[tuple[str, int, bool]] = field(default_factory=list)  # (table, position, plural)
    projections: list[tuple[ColRef, int]] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    date_hints: list[tuple[str, str]] = field(default_factory=list)
    words: tuple[str, ...] = ()                                # stems of the question's words
    free_words: tuple[str, ...] = ()                           # ... but those of phrases naming a column
    date_cols: list[tuple[ColRef, int]] = field(default_factory=list)
    existence: list[tuple[str, bool, int]] = field(default_factory=list)  # (table, negated, position)
    at_least_one: set[int] = field(default_factory=set)     # existence positions said as "at least one"
    share: bool = False
    after_and: set[int] = field(default_factory=set)          # tables named right after "and"
    and_values: list[ColRef] = field(default_factory=list)    # columns given two values joined by "and"
    when: list[bool] = field(default_factory=list)          # "when was the first/last ...": min/max date
    as_named: list[ColRef] = field(default_factory=list)
    months: list[int] = field(default_factory=list)          # "in December" of any year
    star: bool = False
    percent: bool = False
    share_table: str | None = None
    distinct: bool = False
    mode: bool = False
    per_value: bool = False                                   # "each separately": group by the values named
    trend: bool = False                                       # "did it go up": how a figure moved over time
    count_groups: bool = False                                # "how many customers placed over 20 orders"
    time_desc: bool | None = None                             # "most recent first" (True), "oldest first"
    weak: int = 0
    fuzzy: int = 0
    vias: dict[int, str] = field(default_factory=dict)       # walk only: the table a phrase's join passes

    def freeze(self) -> Frame:
        """What the walk found, as the frozen value the rules and the assembler read."""
        return Frame(
            measures=tuple(self.measures), dims=tuple(self.dims), unit_dims=tuple(self.unit_dims),
            conditions=tuple(self.conditions), share_conditions=tuple(self.share_conditions),
            having=tuple(self.having), orders=tuple(self.orders), extremes=tuple(self.extremes), limit=self.limit,
            entities=tuple(self.entities), projections=tuple(self.projections), periods=tuple(self.periods),
            date_hints=tuple(self.date_hints), words=self.words, free_words=self.free_words,
            date_cols=tuple(self.date_cols), existence=tuple(self.existence),
            at_least_one=frozenset(self.at_least_one), share=self.share, after_and=frozenset(self.after_and),
            and_values=tuple(self.and_values), when=tuple(self.when), as_named=tuple(self.as_named),
            months=tuple(self.months), star=self.star, percent=self.percent, share_table=self.share_table,
            distinct=self.distinct, mode=self.mode, per_value=self.per_value, trend=self.trend,
            count_groups=self.count_groups, time_desc=self.time_desc, weak=self.weak, fuzzy=self.fuzzy)


def significant(items: list[Item]) -> list[Item]:
    """Items that carry meaning: pure stop words and question openers dropped."""
    out = []
    for it in items:
        if it.kind == "cue" and not it.concepts and all(c.kind in _IGNORABLE for c in it.cues):
            continue
        out.append(it)
    return out


def _one(it: Item, kind: str) -> Concept | None:
    if it.kind in ("concept", "literal") and it.concepts:
        kinds = [c for c in it.concepts if c.kind == kind]
        others = {c.kind for c in it.concepts} - {kind}
        if len(kinds) == 1 and (len(it.concepts) == 1 or kind in ("table", "metric", "filter")
                                or others <= {"metric", "filter"}):
            return kinds[0]
    return None


def _ref(c: Concept, via: str | None = None) -> ColRef:
    """The column a column or value concept names (the lexicon gives every such concept its column)."""
    if c.column is None:
        raise LookupError(f"the {c.kind} concept of {c.table} names no column")
    return ColRef(c.table, c.column, via)


def _ignorable(it: Item) -> bool:
    return it.kind == "cue" and any(c.kind in _IGNORABLE | {"and", "or", "group", "date_cmp", "cmp", "top",
                                                            "unit"} and c.kind != "cmp" or c.kind == "stop"
                                    for c in it.cues) and it.has("stop", "list", "and", "or")


def _outer_function(lex: Lexicon, metric: Concept) -> str:
    """'avg' for AVG(...), so that "average order value" may name an AVG metric."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(lex.metrics[metric.name].sql, read=lex.dialect)
    except sqlglot.errors.SqlglotError:  # an unreadable metric is reported by the compiler
        return ""
    names = {exp.Avg: "avg", exp.Sum: "sum", exp.Count: "count", exp.Min: "min", exp.Max: "max"}
    return next((v for k, v in names.items() if isinstance(tree, k)), "")


def _stem(text: str) -> str:
    from catalog_semantics.text import stem

    return stem(text.lower())


def _plural(text: str) -> bool:
    word = text.lower().split()[-1] if text.split() else ""
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def _is_fraction(column: object) -> bool:
    """A rate the catalog describes as a fraction (0.05 = 5%): percentages are divided by 100."""
    comment = (getattr(column, "comment", None) or "").lower()
    return "fraction" in comment or "0.05 = 5%" in comment or "as a ratio" in comment


def _raw_words(items: list[Item]) -> list[str]:
    """The question's words by token position (stop words included), for small look-aheads."""
    out: list[str] = []
    for it in items:
        parts = it.text.lower().split()
        span = it.end - it.start
        out.extend((parts + [""] * span)[:span])
    return out
