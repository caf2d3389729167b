"""What an aggregate of rows may not guess: "total <rows>" that carry an amount, a function word that is
also a column ("count"), and a value said as a plural noun only for columns that sort rows into kinds.

A mixin of ``Reader`` (through ``AggregateSteps``).
"""

from __future__ import annotations

from nl2sql.planner.intent_base import ReaderBase
from nl2sql.planner.matching import Item
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.words import word_list


class MeasureGuards(ReaderBase):
    """Checks the aggregate steps run before they count or total rows."""

    def _value_as_noun(self, it: Item) -> bool:
        """A value of one column written as a plural noun ('contractors' for 'Contractor')."""
        values = {(c.table, c.column, (c.value or "").lower()) for c in it.concepts if c.kind == "value"}
        if len(values) != 1 or len(it.concepts) != len([c for c in it.concepts if c.kind == "value"]):
            return False
        table, column, value = next(iter(values))
        said = it.text.lower()
        # only a column that sorts the rows into kinds (employment_type, PetType): a contractor is an
        # employee, but a line item shipped by TRUCK is not a truck
        kind = self.info(table).column_words.get(column or "", ())[-1:]
        return said != value and said.endswith("s") and not value.endswith("s") \
            and bool(kind) and kind[0] in word_list("kind_words")

    def _check_rows_total(self, j: int, k: int, fns: list[str], table: str) -> None:
        """An aggregate of a table's rows whose meaning would be a guess is declined."""
        if self._cue_names_column(j, k, table):
            # "total count of violations" when violations has a column named count: rows, or its sum?
            raise NotUnderstood("A word of the question is both a function word and a column of the table; "
                                "say “number of rows” or name the column with its table.",
                                (self.seq[j].text,))
        if fns == ["sum"] and self._has_amounts(table):
            # "total emissions", "total orders": how many rows, or the sum of one of their amounts? Never a guess
            raise NotUnderstood("“total” of rows may mean how many there are or the sum of one of their amounts; "
                                "ask “how many” or name the amount.", (self.seq[j].text,))

    def _cue_names_column(self, j: int, k: int, table: str) -> bool:
        """Whether a word of the aggregate's cue (items j..k-1) is also the whole name of a number column of
        the table it applies to ("count", "total", "number")."""
        info = self.info(table)
        names = {ws for c, ws in info.column_words.items() if c in info.numeric and c not in info.keys}
        said = {w for n in range(j, k) if (it := self.at(n)) is not None for w in it.text.lower().split()}
        return any(len(ws) == 1 and ws[0] in said for ws in names)

    def _has_amounts(self, table: str) -> bool:
        """Whether a table's rows carry an amount: a number that is not a key or a year, or a column named
        as an amount even when stored as text ("GHG_QTY")."""
        info = self.info(table)
        amounts = set(word_list("amount_words"))
        for col, ws in info.column_words.items():
            if col in info.keys or ws[-1:] == ("year",):
                continue
            if col in info.numeric or amounts & set(ws):
                return True
        return False
