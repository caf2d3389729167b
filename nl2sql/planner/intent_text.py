"""Reading text searches ("whose name contains green", "titles starting with 'The'", "a state whose name contains
the substring 'North'"): the text and the column it is searched in.

A mixin of ``Reader`` (``intent.py``).
"""

from __future__ import annotations

from nl2sql.planner.intent_average import AverageSteps
from nl2sql.planner.reading import NotUnderstood, _one
from nl2sql.planner.spec import ColRef, Condition


class TextSteps(AverageSteps):
    """The step for a text search; mixed into ``Reader``."""

    def _contains(self, j: int) -> None:
        it = self.seq[j]
        how = it.arg("contains")
        nxt = self.at(j + 1)
        if nxt is None:
            raise NotUnderstood("Contains what?", (it.text,))
        quoted = self.at(j + 2)
        if nxt.kind == "unknown" and quoted is not None and quoted.kind == "literal":
            # "containing the snippet 'West'": the word says what the quoted text is, it is not the text
            raise NotUnderstood("I could not tell what the word before the quoted text means.", (nxt.text,))
        if nxt.kind == "concept" and nxt.concepts and all(c.kind in ("column", "table", "metric")
                                                            for c in nxt.concepts):
            # "documents that contain the paragraph text 'Brazil'": names what is contained, not a text
            raise NotUnderstood("“contains” followed by a name of the data is not a text to search for.",
                                (it.text, nxt.text))
        pattern = nxt.text
        if not pattern.strip() or any(ch in pattern for ch in "%_\\"):
            raise NotUnderstood("I can only search for plain words inside text.", (pattern,))
        self.used.add(j + 1)
        col = self._text_before(j)
        if col is None:
            raise NotUnderstood("I could not tell which text to search.", (it.text,))
        neg = self.take_neg()
        self.r.conditions.append(Condition("contains", col.table, col, how, (pattern,), negated=neg,
                                           text=f"{it.text} {pattern}"))

    def _text_before(self, j: int) -> ColRef | None:
        it = self.at(j - 1)
        if it is None or it.kind != "concept":
            return None
        named = self._value_named(j - 1)
        if named is not None:
            return named
        c = _one(it, "column")
        if c is not None and c.column is not None:
            self.used.add(j - 1)
            self.r.projections = [p for p in self.r.projections if p[1] != j - 1]
            return ColRef(c.table, c.column, self.r.vias.get(j - 1))
        t = _one(it, "table")
        if t is not None:
            labels = self.info(t.table).labels
            if len(labels) == 1 and labels[0] not in self.info(t.table).keys:
                return ColRef(t.table, labels[0])
        return None

    def _value_named(self, k: int) -> ColRef | None:
        """'the state whose name contains North': "name" right after a text column (the word between a relative
        "whose") is that column's value's name, not the name column of some other table."""
        it, before = self.at(k), self.at(k - 1)
        gap = self._raw_words[before.end:it.start] if before is not None and it is not None else []
        if it is None or before is None or it.text.lower() not in ("name", "title") or gap != ["whose"]:
            return None
        c = _one(before, "column")
        if c is None or c.column is None or c.column in self.info(c.table).numeric:
            return None
        self.used |= {k - 1, k}
        self.r.projections = [p for p in self.r.projections if p[1] not in (k - 1, k)]
        return ColRef(c.table, c.column, self.r.vias.get(k - 1))
