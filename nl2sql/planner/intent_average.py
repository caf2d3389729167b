"""Reading a column compared with its own average ("singers above the average age", "a weight smaller than the
average", "older than average"): the column against the average over all of its table's rows.

A mixin of ``Reader`` (``intent.py``). The average is a frame of its own (one measure over the table), held as the
condition's value and compiled as a subquery; ``no_average_of_some_rows`` declines it beside another condition
on the rows, where "the average" could be of all rows or of those rows only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from nl2sql.planner.intent_base import ReaderBase
from nl2sql.planner.joins import JoinGraph
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood, _one
from nl2sql.planner.spec import ColRef, Condition, QuerySpec, average_of, is_average

_FLIPPED = {">": "<=", "<": ">=", ">=": "<", "<=": ">"}


class AverageSteps(ReaderBase):
    """The step for a comparison with an average; mixed into ``Reader``."""

    if TYPE_CHECKING:
        def _comparative_column(self, j: int) -> ColRef | None:
            """The column an adjective of degree is about ('older than': age; ``ComparisonSteps``)."""

    def _against_average(self, j: int) -> bool:
        """'above the average age', 'is more than the average number of products', 'older than average': the
        comparison at j against the word "average"; False when it is not one (a number follows, or no one
        numeric column is named before, after, or by the adjective)."""
        it, avg = self.seq[j], self.at(j + 1)
        op = it.arg("cmp") if it.has("cmp") else ""
        if op not in _FLIPPED or avg is None or (j + 1) in self.used or not avg.has("agg") \
                or avg.arg("agg") != "avg":
            return False
        b = j - 2 if self.neg_at == j - 1 else j - 1       # "whose balance is not above the average"
        before = self._numeric_named(b)
        after = self._numeric_named(j + 2)
        adjective = self._comparative_column(j) if before is None else None
        named = {(c.table, c.column) for c in (before, after, adjective) if c is not None}
        if len(named) != 1:
            return False
        col = next(c for c in (before, after, adjective) if c is not None)
        end = j + 3 if after is not None else j + 2
        if self.table(end) == col.table:
            end += 1                      # "the average population of cities"
        if before is not None:
            self.r.projections = [p for p in self.r.projections if p[1] != b]
            self.used.add(b)
        if self.take_neg():
            op = _FLIPPED[op]
        self.used |= set(range(j, end))
        self.r.conditions.append(Condition("compare", col.table, col, op, (average_of(col),),
                                           text=f"{it.text} {avg.text}"))
        return True

    def _numeric_named(self, k: int) -> ColRef | None:
        """The numeric column the item at k names, if it names one of the question's and is not read yet."""
        it = self.at(k)
        if it is None or it.kind != "concept" or (k in self.used and not any(p[1] == k for p in self.r.projections)):
            return None
        c = _one(it, "column")
        if c is None or c.column is None or c.column not in self.info(c.table).numeric:
            return None
        return ColRef(c.table, c.column, self.r.vias.get(k))


def no_average_of_some_rows(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """'German customers with a balance above the average': the average of all customers or of the German ones?
    A comparison with an average beside another condition on the rows is declined, naming both. The rows a
    table means by default (its overlay ``default_filter``) are the rows averaged too."""
    conditions = []
    for c in spec.conditions:
        if c.kind == "compare" and c.values and is_average(average := c.values[0]):
            others = [o for o in spec.conditions if o is not c and o.kind != "exists"]
            if others:
                raise NotUnderstood("The average could be of all rows or only of those the question selects; ask "
                                    "about one.", (c.text, *(o.text for o in others if o.text)))
            assert isinstance(average, QuerySpec)
            if c.table in spec.default_filters:
                c = replace(c, values=(replace(average, default_filters=(c.table,)),))
        conditions.append(c)
    return replace(spec, conditions=tuple(conditions)), ()
