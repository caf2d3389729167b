"""Counts and averages per row of another table: "average number of line items per order", "on average how many
lines does an order have", "average number of checked bags per ticket". The table each count is per, said after
"per" or as the subject of the sentence ("does an order have").

A mixin of ``Reader``: the steps share the reader's state (the phrases, what is used, the reading).
"""

from __future__ import annotations

from nl2sql.planner.intent_base import ReaderBase
from nl2sql.planner.joins import up_from
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import ColRef


class PerEntitySteps(ReaderBase):
    """The table a count or an average is per; mixed into ``Reader`` (through ``AggregateSteps``)."""

    def _own_rows_average(self, j: int, k: int, col: ColRef) -> bool:
        """'average number of checked bags per ticket (in each cabin)': "number of" right after "average" names
        a numeric column that already counts per row, so its average, with a "per" its own rows (or none). Per
        another table's rows ("per booking") it would be the average of per-booking totals: declined."""
        nxt = self.at(j + 1)
        if nxt is None or not nxt.has("agg") or nxt.arg("agg") != "count" or not self.is_numeric(col):
            return False
        per = self._per_entity(k + 1)
        if per is not None and per != col.table:
            raise NotUnderstood("An average of totals per group is not something I compute yet; ask for the "
                                "total per group.", (self.seq[j].text,))
        return True

    def _per_entity(self, k: int) -> str | None:
        """'... per order': the table after a grouping word, consumed."""
        while (it := self.at(k)) is not None and k in self.used:
            k += 1
        if it is None or not it.has("group"):
            return None
        t = self.table(k + 1)
        if t is None:
            return None
        self.used |= {k, k + 1}
        return t

    def _subject_entity(self, k: int, counted: str) -> str | None:
        """'on average how many lines does an order have', '... orders does a customer place': the table
        right after what is counted, which its rows belong to (many to one), is what each count is per."""
        t = self.table(k)
        if t is None or t == counted or not up_from(self.graph, counted, t):
            return None
        self.used.add(k)
        return t
