"""Reading the phrases that name the model: tables (the rows asked about), columns, values and quoted
literals, with the column a value or code belongs to."""

from __future__ import annotations

from nl2sql.planner.derivation import same_root
from nl2sql.planner.filter_values import as_value, beside_values
from nl2sql.planner.intent_base import ReaderBase
from nl2sql.planner.reading import NotUnderstood, _one, _ref, _stem
from nl2sql.planner.spec import ColRef, Condition, Measure
from nl2sql.planner.words import word_list

_ROW_ASKERS = frozenset(word_list("row_askers"))     # "which active brokers ...": the rows are asked for
_COMPARE_WORDS = frozenset(word_list("compare_words"))


class ConceptSteps(ReaderBase):
    def _concept(self, j: int) -> None:
        it = self.seq[j]
        kinds = {c.kind for c in it.concepts}
        if kinds <= {"value", "valueword"}:
            if self._date_before_unit(j) or all(c.column != self._prev_column(j) for c in it.concepts) \
                    and self._code_after_column(j):
                return                   # "ship year": the ship date; "template type code CV": the column's value
            return self._value(j)
        if self._event_verb(j) or self._subject_event(j):
            return
        nxt = self.at(j + 1)
        compared = nxt is not None and (j + 1) not in self.used and (
            nxt.has("cmp") and not nxt.has("date_cmp") or nxt.kind in ("number", "literal"))
        f = _one(it, "filter")
        if f is not None and compared and not any(c.kind == "column" for c in it.concepts):
            # "with a discount between 5% and 7%": the discount column, not the 'discounted' filter
            last = self.lex.names.get((_stem(it.text.split()[-1]),), [])
            cols = [c for c in last if c.kind == "column" and c.table == f.table]
            if len(cols) == 1:
                self.r.projections.append((_ref(cols[0]), j))
                self.seq[j] = type(it)(it.kind, it.start, it.end, it.text, concepts=(cols[0],))
                return
        if f is not None and not compared and not self._ranked_by_metric(j):
            return self._filter_condition(j, f.name, f.table)
        if self._metric_grain(j) or self._rows_not_measure(j):
            return
        m = _one(it, "metric")
        if m is not None and not compared:
            return self._metric(j, Measure("metric", m.table, metric=m.name))
        if j in self.via_tables:
            return                       # 'customer' in 'customer region': the path, read by the next item
        t = self.table(j, current=True)
        if t is not None:
            self._entity(j, t)
            return
        if (c := self.col(j, current=True)) is not None and self._numbered_value(j):
            return                       # "Clerk#000000007": a value, not the column
        if c is not None:
            if c.column in self.info(c.table).dates:
                self.r.date_cols.append((self.date_said_by_verb(j) or c, j))
            elif not self.compared_said_again(j, c):
                self.r.projections.append((c, j))
                self.said_as_key(j, c)
            return
        self.used.discard(j)

    def _event_verb(self, j: int) -> bool:
        """'accounts that opened the most tickets': a verb naming a date column ("opened" for opened_date)
        says which event the rows are, and which date a period applies to; it is not a column to show or
        group by (that is said with "by", "per" or "when")."""
        it = self.seq[j]
        words = it.text.lower().split()
        col = _one(it, "column")
        prev = self.at(j - 1)
        if col is None or col.column is None or len(words) != 1 or not words[0].endswith("ed") \
                or col.column not in self.info(col.table).dates or (prev is not None and prev.has("group")) \
                or self._raw_words[:1] == ["when"]:
            return False
        self.r.date_hints.append((col.table, col.column))
        return True

    def _metric(self, j: int, measure: Measure) -> None:
        if self.r.measures and self.r.measures[-1] == measure and (j - 1) in self.used:
            if set(self._raw_words[:self.seq[j].start]) & _COMPARE_WORDS:
                return              # "revenue in Europe compared with revenue in Asia": said again
            raise NotUnderstood(f"“{self.seq[j - 1].text} {self.seq[j].text}” is not a measure I know.",
                                (self.seq[j - 1].text, self.seq[j].text))
        said_on = self._raw_words[self.seq[j].start - 1:self.seq[j].start] in ([w] for w in word_list("measured_on"))
        if said_on and self.r.measures and (j - 1) in self.used and _one(self.seq[j - 1], "metric") is not None:
            self.used.add(j)            # "tax charged on sales": what the measure is taken on, no second measure
            return
        self.r.measures.append(measure)
        self.measure_items.add(j)

    def _subject_event(self, j: int) -> bool:
        """'trips landed in Gloucester': a verb after its rows naming their date (LAND_DT) is their event."""
        words = self.seq[j].text.lower().split()
        subject = self.table(j - 1, current=True)
        dates = {col for t, col in self.lex.date_names.get(_stem(words[-1]), set()) if t == subject}
        if len(words) != 1 or not words[0].endswith("ed") or len(dates) != 1 \
                or not any(c.kind == "table" and c.table != subject for c in self.seq[j].concepts):
            return False
        self.r.date_hints.append((subject or "", dates.pop()))
        return True

    def _filter_condition(self, j: int, name: str, table: str) -> None:
        """A named filter ("fulfilled orders"), negated when a negation precedes it; listed beside other values
        of the column it tests ("urgent and high priority"), its value among them."""
        if (value := beside_values(self.seq, j, self.lex)) is not None:
            self.seq[j] = value
            return self._value(j)
        cond = Condition("filter", table, filter_name=name, negated=self.take_neg(), text=self.seq[j].text)
        (self.r.share_conditions if self.r.share else self.r.conditions).append(cond)
        self._filter_date(j, table)
        self._rows_of_filter(j, table)

    def _rows_of_filter(self, j: int, table: str) -> None:
        """'which active brokers have never sold ...': a named filter's phrase ending in its table's noun, first in
        the question (its openers and stop words dropped) or right after a word asking for rows (vocabulary
        row_askers), names those rows too, so they are what is listed (not the rows a later noun names)."""
        last = self.seq[j].text.lower().split()[-1]
        prev = self.at(j - 1)
        ranked = prev is not None and any(it.has("top") for it in (prev, self.at(j - 2)) if it)  # "top 5 active brokers"
        if (prev is None or prev.text.lower() in _ROW_ASKERS or ranked) \
                and any(c.kind == "table" and c.table == table for c in self.lex.names.get((_stem(last),), [])) \
                and not any(t == table for t, _, _ in self.r.entities):
            self.r.entities.append((table, j, last.endswith("s") and not last.endswith("ss")))

    def _entity(self, j: int, table: str) -> None:
        nxt = self.at(j + 1)
        pk = self.own_key_said(j, table)
        if nxt is not None and nxt.kind == "number" and (j + 1) not in self.used and len(pk) == 1 \
                and self.seq[j].end == nxt.start and nxt.number == int(nxt.number or 0):
            # "part 100", "order 42": the row with that key
            self.used.add(j + 1)
            key = ColRef(table, pk[0])
            self.r.conditions.append(Condition("in", table, key, "in", (int(nxt.number or 0),),
                                               text=f"{self.seq[j].text} {nxt.text}"))
        neg_at, neg = self.neg_at, self.take_neg()
        word = self.seq[j].text.lower().split()[-1]
        plural = word.endswith("s") and not word.endswith("ss") and not self._singular_verb_after(j)
        if neg and self._counted_rows(table):
            self.neg_at = neg_at      # "excluding suppliers with a negative balance": the condition after is negated
        elif neg:
            self.r.existence.append((table, True, j))
        else:
            self.r.entities.append((table, j, plural))
            prev = self.at(j - 1)
            if prev is not None and prev.kind == "cue" and prev.has("and"):
                self.r.after_and.add(j)

    def _code_after_column(self, j: int) -> bool:
        """'orders with status F': a short code right after its column, when it is one of its values."""
        prev = self.at(j - 1)
        c = _one(prev, "column") if prev is not None and prev.kind == "concept" else None
        if prev is None or c is None or c.column is None:
            return False
        column = self.info(c.table).table.column(c.column)
        values = {v.lower(): v for v in (column.sample_values if column else ())}
        value = values.get(self.seq[j].text.lower())
        if value is None:
            return False
        ref = ColRef(c.table, c.column, self.r.vias.get(j - 1))
        self.r.projections = [p for p in self.r.projections if p[1] != j - 1]
        self.r.conditions.append(Condition("in", c.table, ref, "in", (value,), negated=self.take_neg(),
                                           text=f"{prev.text} {self.seq[j].text}"))
        return True

    def _prev_column(self, j: int) -> str | None:
        prev = self.at(j - 1)
        c = _one(prev, "column") if prev is not None and prev.kind == "concept" else None
        return c.column if c is not None else None

    def _relation_verb(self, word: str, j: int) -> bool:
        """'parts supplied by ...': a verb whose stem begins a table's name only says how the tables relate."""
        stem = _stem(word)
        if len(stem) < 4 or self.lex.agent_verbs.get(stem, set()) & self._named_tables(j):
            return len(stem) >= 4      # "taught", "teach": the description says sections are "taught by" one
        table_words = {w for info in self.lex.tables.values() for w in info.words}
        if word.lower().endswith(("ed", "ing")):
            if any(w.startswith(stem) and w != stem for w in table_words):
                return True
            # "enrolled" / enrolment: the root both share (derivation.py), when the verb's subject is named
            # before it ("students enrolled in ..."; "who is enrolled" leaves the subject to guess)
            return self._named_before(j) and any(same_root(word, w) for w in table_words)
        # "teach" / teacher, "conduct" / conductor: the verb of a table named for who does it
        return any(w in (stem + "er", stem + "or", stem + "ers", stem + "ors") for w in table_words)

    def _named_tables(self, j: int) -> set[str]:
        """The tables the question's other phrases name (tables, columns, metrics, filters)."""
        return {c.table for n, it in enumerate(self.seq) if n != j and it.kind == "concept"
                for c in it.concepts if c.kind not in ("value", "valueword")}

    def _value(self, j: int) -> None:
        it = self.seq[j]
        concepts = it.concepts
        columns = {(c.table, c.column) for c in concepts}
        if len(columns) > 1:
            raise NotUnderstood("A value matches more than one column; say which one.", (it.text,))
        table, column = next(iter(columns))
        if column is None:                # every value concept names its column (lexicon._add_value)
            raise LookupError(f"the value {it.text!r} names no column")
        if concepts[0].name == "comment label" and not self._label_of_rows_named(j, table, self._named_tables(j)):
            # "aircraft that operated the most flights": a comment's meaning of a route code is that code only
            # where the question is about that table ("ebook checkouts": or rows of it, by a noun)
            raise NotUnderstood(f"I could not tell whether “{it.text}” means {table} {column} {concepts[0].value}.",
                                (it.text,))
        if concepts[0].kind == "valueword":
            self.r.conditions.append(Condition("contains", table, ColRef(table, column, self.r.vias.get(j)),
                                               "contains", (concepts[0].value,), negated=self.take_neg(),
                                               text=it.text))
            self.r.weak += 1
            self._absorb_column(column, (j - 1, j + 1))   # "'green' in the name", "name contains green"
            return
        neg = self.take_neg()
        values, k = self._listed_values(j, table, column)
        self._absorb_named(j, k, column)
        self.r.conditions.append(Condition("in", table, ColRef(table, column, self.r.vias.get(j)), "in",
                                           tuple(values), negated=neg, text=it.text))
        if it.fuzzy:
            self.r.fuzzy += 1

    def _listed_values(self, j: int, table: str, column: str) -> tuple[list[str | None], int]:
        """The value at j and those listed after it on its column ("AIR or RAIL"), and the index after them."""
        values = [self.seq[j].concepts[0].value]
        k = j + 1
        while True:
            conj = self.at(k)
            nxt = self.at(k + 1)
            if conj is None or nxt is None or not conj.has("and", "or") or k + 1 in self.used:
                break
            cs = nxt.concepts if nxt.kind in ("concept", "literal") else ()
            cs = (as_value(nxt, self.lex) or nxt).concepts if any(c.kind == "filter" for c in cs) else cs
            if not cs or {(c.table, c.column) for c in cs if c.kind == "value"} != {(table, column)}:
                break
            if conj.has("and") and any(x.text.lower() == "both" for x in self.seq[:j]):
                raise NotUnderstood("“both … and …” asks for rows having each value; I can only match "
                                    "either value.", ("both",))
            values.append(cs[0].value)
            if conj.has("and"):
                self.r.and_values.append(ColRef(table, column))
            self.used |= {k, k + 1}
            k += 2
        return values, k

    def _absorb_named(self, j: int, k: int, column: str) -> None:
        """Claim the column's name said right before or after its values ("building segment", "ship mode air")."""
        before = j - 2 if (prev := self.at(j - 1)) is not None and prev.has("neg") else j - 1
        for n in (before, k):
            other = self.at(n)
            if other is not None and (named := _one(other, "column")) is not None and named.column == column \
                    and (n not in self.used or any(p[1] == n for p in self.r.projections)):
                self.used.add(n)
                self.r.projections = [p for p in self.r.projections if p[1] != n]

    def _absorb_column(self, column: str, positions: tuple[int, ...]) -> None:
        """The column named right next to its own value says nothing more: not a column to show."""
        for n in positions:
            other = self.at(n)
            c = _one(other, "column") if other is not None and other.kind == "concept" else None
            if c is not None and c.column == column and (n not in self.used or any(p[1] == n for p in self.r.projections)):
                self.used.add(n)
                self.r.projections = [p for p in self.r.projections if p[1] != n]

    def _literal(self, j: int) -> None:
        it = self.seq[j]
        if it.concepts and len({(c.table, c.column) for c in it.concepts}) == 1:
            return self._value(j)
        after = self.at(j + 1)
        after_col = _one(after, "column") if after is not None and after.kind == "concept" else None
        if after_col is not None and after_col.column not in self.info(after_col.table).numeric:
            # "'green' in the name": the name contains it
            if any(ch in it.text for ch in "%_\\"):
                raise NotUnderstood("I can only search for plain words inside text.", (it.text,))
            self.used.add(j + 1)
            ref = _ref(after_col, self.r.vias.get(j + 1))
            self.r.conditions.append(Condition("contains", ref.table, ref, "contains", (it.text,),
                                               negated=self.take_neg(), text=it.text))
            return
        prev = self._previous_column(j)
        if prev is None:
            self.used.discard(j)
            raise NotUnderstood("I could not tell which column the quoted value belongs to.", (it.text,))
        neg = self.take_neg()
        self.r.conditions.append(Condition("compare", prev.table, prev, "!=" if neg else "=", (it.text,),
                                           text=it.text))

    def _previous_column(self, j: int) -> ColRef | None:
        """The column right before position j, taken back from the projections if it was there."""
        for n in (j - 1, j - 2):
            it = self.at(n)
            if it is None:
                return None
            c = _one(it, "column") if it.kind == "concept" else None
            if c is not None and c.column is not None:
                self.used.add(n)
                self.r.projections = [p for p in self.r.projections if p[1] != n]
                return ColRef(c.table, c.column, self.r.vias.get(n))
            if not (it.kind == "cue" and it.has("neg")):
                return None
        return None
