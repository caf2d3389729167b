"""The reader's state and helpers shared by its steps: the phrases, what is used, the reading built so far."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nl2sql.planner.average_counts import average_beside_count
from nl2sql.planner.joins import Ambiguous, JoinGraph, all_up, up_from
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.lexicon_names import TableInfo, table_nouns
from nl2sql.planner.matching import Item
from nl2sql.planner.reading import (
    Reading,
    _one,
    _raw_words,
    _stem,
    significant,
)
from nl2sql.planner.spec import ColRef, Condition
from nl2sql.planner.told_dates import own_date
from nl2sql.planner.words import word_list

_GRAIN_ARTICLES = frozenset(word_list("grain_articles"))
_START_WORDS = frozenset(word_list("start_words"))
_PREPOSITIONS = frozenset(word_list("count_prepositions"))
_KEY_SAID = frozenset({"id", "ids", "key", "keys", "code", "codes", "number", "numbers", "no"})
_ECHO_LEADS = frozenset(tuple(p.split()) for p in word_list("measure_echoes", "leads"))


class ReaderBase:
    """The state every reading step shares (the steps are mixins of this class, one module each)."""

    def __init__(self, items: list[Item], lex: Lexicon, graph: JoinGraph) -> None:
        self.seq = average_beside_count(significant(items), lex)
        self._raw_words = _raw_words(items)
        self.lex = lex
        self.graph = graph
        self.via_tables: set[int] = set()
        self.qualifiers: set[int] = set()
        self.owned: set[int] = set()            # a table named right after one of its columns
        self.aggregated: set[int] = set()       # items an aggregate consumed
        self.measure_items: set[int] = set()    # items that named a measure (metrics)
        self.last_measure = 0                   # index of the measure the last aggregate named
        self.new_measure = False
        self.r = Reading()
        self.r.words = tuple(_stem(w) for w in self._raw_words if w)
        # words outside a phrase that names a column ("ship" of "ship mode" does not name the ship date), or a
        # filler of several words ("sign" of "signed up" names no "signed date")
        columns = [it for it in items if it.kind == "concept" and it.concepts
                   and all(c.kind == "column" for c in it.concepts)
                   or it.kind == "cue" and " " in it.text and all(c.kind == "stop" for c in it.cues)]
        self.r.free_words = tuple(_stem(w) for w in _raw_words([it for it in items if it not in columns]) if w)
        self.used: set[int] = set()
        self.neg_at: int | None = None

    def at(self, j: int) -> Item | None:
        return self.seq[j] if 0 <= j < len(self.seq) else None

    def col(self, j: int, current: bool = False) -> ColRef | None:
        it = self.at(j)
        if it is None or (j in self.used and not current):
            return None
        c = _one(it, "column")
        if c is None or c.column is None:
            return None
        if c.strength < 3:
            self.r.weak += 1
        return ColRef(c.table, c.column, self.r.vias.get(j))

    def table(self, j: int, current: bool = False) -> str | None:
        it = self.at(j)
        if it is None or (j in self.used and not current):
            return None
        c = _one(it, "table")
        return c.table if c else None

    def _named_before(self, j: int) -> bool:
        return any(it.kind == "concept" and any(c.kind in ("table", "column") for c in it.concepts)
                   for it in self.seq[:j])

    def _singular_verb_after(self, j: int) -> bool:
        """'Which of the countries has the most ...' asks for one country."""
        end = self.seq[j].end
        return any(t in ("has", "is", "was", "does") for t in self._raw_words[end:end + 3])

    def said_as_key(self, j: int, c: ColRef) -> None:
        """'owner id', 'for each student id': a key named with its key word is the key itself, shown as it is,
        not its parent's name."""
        it = self.at(j)
        if it is not None and set(it.text.lower().split()) & _KEY_SAID:
            self.r.as_named.append(c)

    def compared_said_again(self, j: int, c: ColRef) -> bool:
        """'part types that sold more than 1,500 units, with the units': a column compared before, said again after
        a lead of what is shown (vocabulary ``measure_echoes.leads``), is what was compared (its total, when the
        groups are compared by it), not one more column of each row; marked used."""
        it = self.seq[j]
        lead = tuple(w.lower() for w in self._raw_words[max(0, it.start - 2):it.start])
        if lead not in _ECHO_LEADS or not any(k.kind == "compare" and k.col is not None and (k.col.table, k.col.column)
                                             == (c.table, c.column) for k in self.r.conditions):
            return False
        self.used.add(j)
        return True

    def own_key_said(self, j: int, table: str) -> tuple[str, ...]:
        """The table's key; noted as named (shown as it is, not the rows' name) when the words at j name the rows
        by it with a key word ("top 5 promo codes" where "promo code" is also the key column's name)."""
        pk, it = self.info(table).pk, self.seq[j]
        if len(pk) == 1 and any(c.kind == "column" and c.table == table and c.column == pk[0] for c in it.concepts):
            self.said_as_key(j, ColRef(table, pk[0]))
        return pk

    def _label_of_rows_named(self, j: int, table: str, named: set[str]) -> bool:
        """Whether the comment label at j ("ebook" of fmt_cd EBK) is said of ``table``'s rows: the question names the
        table, or, for a noun (never a participle, "operated": a state said of something else), rows that each belong
        to one of it ("ebook checkouts": the loans of ebook items)."""
        if table in named:
            return True
        nouns = not any(w.endswith("ed") for w in self.seq[j].text.lower().split())
        return nouns and any(up_from(self.graph, t, table) for t in named)

    def _names_table(self, text: str, table: str) -> bool:
        """Whether a phrase says the table's own noun ("open orders" of orders; "online" does not)."""
        return bool(table_nouns(self.info(table)) & {_stem(w) for w in text.lower().split()})

    def _numbered_value(self, k: int) -> bool:
        """'Clerk#000000007': the digits right after the text column named at k, where exactly one stored value of it
        ends with them (the column's name and a "#" before them), are that value."""
        c, num = _one(self.seq[k], "column"), self.at(k + 1)
        col = self.lex.tables[c.table].table.column(c.column) if c is not None and c.column else None
        if c is None or c.column is None or col is None or num is None or num.kind != "number" \
                or not num.text.isdigit() or (k + 1) in self.used:
            return False
        found = [v for v in (col.sample_values or ()) if v.endswith(num.text) and not v[:-len(num.text)].isdigit()]
        if len(found) != 1:
            return False
        self.used |= {k, k + 1}
        self.r.conditions.append(Condition("in", c.table, ColRef(c.table, c.column), "in", (found[0],), text=found[0]))
        return True

    def values_of_rows_after(self) -> None:
        """'our european vendors': a value right before a table's noun, of a table those rows reach many-to-one,
        is said of them: the value's column is reached through that table (the suppliers' region), not the
        default path (the customers')."""
        for j in range(len(self.seq) - 1):
            it, rows = self.seq[j], _one(self.seq[j + 1], "table")
            tables = {c.table for c in it.concepts if c.kind in ("value", "valueword")}
            if it.kind != "concept" or len(tables) != 1 or len(it.concepts) != len(
                    [c for c in it.concepts if c.kind in ("value", "valueword")]) or rows is None:
                continue
            try:
                path = self.graph.path(rows.table, next(iter(tables)))
            except Ambiguous:
                continue
            if path and all_up(path) and j not in self.r.vias:
                self.r.vias[j] = rows.table

    def date_said_by_verb(self, j: int) -> ColRef | None:
        """'by year, using the date the items were received': a bare date word (vocabulary ``generic_dates``)
        followed by a clause of rows and a verb of one date (``Lexicon.date_hints``) is that date."""
        if self.seq[j].text.lower() not in word_list("generic_dates"):
            return None
        for k in range(j + 1, min(j + 5, len(self.seq))):
            it = self.seq[k]
            hints = self.lex.date_hints.get(_stem(it.text)) if it.kind == "unknown" else None
            if hints is not None and len(hints) == 1:
                table, column = next(iter(hints))
                return ColRef(table, column)
            if not (it.kind == "cue" and it.has("stop") or _one(it, "table") is not None):
                return None
        return None

    def info(self, table: str) -> TableInfo:
        return self.lex.tables[table]

    def is_numeric(self, ref: ColRef) -> bool:
        return ref.column in self.info(ref.table).numeric

    if TYPE_CHECKING:
        # A step of one module that the steps of another call (the mixins meet only in ``Reader``).
        def _verb_metric(self, j: int, *, after: bool = False) -> Concept | None:
            """The metric a money verb next to j names (``VerbMetricSteps._verb_metric``)."""

        def _value(self, j: int) -> None:
            """The value phrase at j as a filter (``ConceptSteps._value``)."""

        def _entity(self, j: int, table: str) -> None:
            """The table named at j as the rows asked about, or negated ones (``ConceptSteps._entity``)."""

        def _filter_condition(self, j: int, name: str, table: str) -> None:
            """The named filter at j as a condition (``ConceptSteps._filter_condition``)."""

    def _metric_grain(self, j: int) -> bool:
        """'average days to close a work order', 'average days to close work orders': the metric's own table named
        right after it (with an article or none: two measures are joined by "and" or a comma) is what the metric
        is measured over, not a second measure."""
        t, prev = _one(self.seq[j], "table"), self.at(j - 1)
        if t is None or prev is None or (j - 1) not in self.measure_items or not self.r.measures:
            return False
        m = self.r.measures[-1]
        gap = self._raw_words[prev.end:self.seq[j].start]
        return m.kind == "metric" and m.table == t.table and set(gap) <= _GRAIN_ARTICLES

    def _ranked_by_metric(self, j: int) -> bool:
        """'top 5 providers by visits' where "visits" names a metric and a named filter: after "by" no rows are
        grouped by a filter, so the phrase is what they are ranked by, the metric ("visits by clinic" is
        unchanged: the filter on a count is the metric there)."""
        prev = self.at(j - 1)
        return _one(self.seq[j], "metric") is not None and prev is not None and prev.has("group") \
            and any(it.has("top") for it in self.seq[:j])

    def _rows_not_measure(self, j: int) -> bool:
        """A table's noun that is also a metric's name, read as the table's rows: negated ("had no downtime": no
        such rows), or after a preposition once a measure is named ("ticket revenue for flights in 2024": the
        tickets of those flights, not also their count)."""
        it = self.seq[j]
        t = _one(it, "table")
        if t is None:
            return False
        k = it.start - 1
        while k > 0 and self._raw_words[k].isdigit():
            k -= 1               # "on 2024 flights": the period between
        before = self._raw_words[k] if k >= 0 else ""
        named = self.r.measures or self.r.extremes
        if self.neg_at is not None or (_one(it, "metric") is not None and named and before in _PREPOSITIONS):
            self._entity(j, t.table)
            return True
        return False

    def _date_before_unit(self, j: int) -> bool:
        """'revenue by ship year': a one-word value (the ship mode SHIP) right before a period's unit, naming a
        date column ("ship" of l_shipdate), is that date's name, not the value ("shipped by SHIP" still is)."""
        hints = self.date_name_before_unit(j)
        self.r.date_hints.extend(sorted(hints))
        return bool(hints)

    def date_name_before_unit(self, j: int) -> frozenset[tuple[str, str]]:
        """The date columns a one-word item right before a period's unit names ("ship" of "ship month")."""
        words, nxt = self.seq[j].text.lower().split(), self.at(j + 1)
        hints = self.lex.date_names.get(_stem(words[0])) if len(words) == 1 else None
        if not hints or nxt is None or nxt.kind != "cue" or not nxt.has("unit"):
            return frozenset()
        return frozenset(hints)

    def _filter_date(self, j: int, table: str) -> None:
        """'projects we finished in 2025': a filter's word that also names a date of its table dates the period."""
        dated = [c.column for c in self.seq[j].concepts if c.kind == "column" and c.column and c.table == table
                 and c.column in self.info(table).dates]
        if self.r.periods and len(dated) == 1:
            self.r.date_hints.append((table, dated[0]))

    def _date_at(self, k: int) -> bool:
        """Whether the item at k names one date column ("earliest and latest ship date")."""
        c = _one(it, "column") if (it := self.at(k)) is not None and it.kind == "concept" else None
        return c is not None and c.column in self.info(c.table).dates

    def _counted_rows(self, table: str) -> bool:
        """Whether the question already counts or names the table's rows ("number of suppliers ... excluding
        suppliers with ...": the second naming says which of them, not that none is related)."""
        return any(m.table == table for m in self.r.measures) or any(t == table for t, _, _ in self.r.entities)

    def take_neg(self) -> bool:
        if self.neg_at is not None:
            self.neg_at = None
            return True
        return False

    def _new_rows(self, j: int) -> tuple[str, str] | None:
        """'new customers in 2025': a word of vocabulary ``start_words`` before the rows' noun, with a period, dates
        them by their own date (the overlay's default_date, else their only date), as a word of that date would."""
        it, table = self.at(j), self.table(j + 1)
        if it is None or it.text.lower() not in _START_WORDS or not self.r.periods or table is None:
            return None
        own = own_date(self.lex, self.graph, table)
        cols = [c for c in self.lex.tables[table].dates if own is not None and own == (table, c.lower())]
        return (table, cols[0]) if cols else None
