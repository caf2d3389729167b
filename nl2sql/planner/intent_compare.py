"""Reading comparisons and numbers ("above 5000", "size 40 or more", "4 or more orders", "grade 9 or 10").

A mixin of ``Reader``: the steps share the reader's state (the phrases, what is used, the reading).
"""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.intent_rows import RowsCompared
from nl2sql.planner.reading import NotUnderstood, _is_fraction, _one
from nl2sql.planner.spec import ColRef, Condition, Having, Measure
from nl2sql.planner.timefilters import is_year
from nl2sql.planner.vocabulary import ADJECTIVE_ATTRIBUTES
from nl2sql.planner.words import vocabulary, word_list

_SIGNS = {str(w): str(op) for w, op in dict(vocabulary().get("signs") or {}).items()}
_AMOUNT_NOUNS = tuple(word_list("amount_words"))


class ComparisonSteps(RowsCompared):
    """Steps for numeric comparisons, bare numbers and text containment; mixed into ``Reader``."""

    def _numbers_after(self, k: int, between: bool) -> tuple[tuple[float, ...], int] | None:
        it = self.at(k)
        if it is None or k in self.used:
            return None
        v = it.number if it.kind == "number" else (float(it.arg("numword")) if it.has("numword") else None)
        if v is None:
            return None
        if not between:
            return (v,), k + 1
        conj, second = self.at(k + 1), self.at(k + 2)
        if conj is not None and conj.has("and") and second is not None and second.kind == "number":
            return (v, second.number or 0.0), k + 3
        return None

    def _compare(self, j: int) -> None:
        """'above 1000', 'between 5 and 7', 'at least one late item': a comparison and what it compares."""
        if self._against_average(j):
            return
        terms = self._comparison_terms(j)
        if terms is None:
            return
        op, col, values, end, percent = terms
        it = self.seq[j]
        if col is None and self._at_least_one(op, values, end):
            return
        if col is None and self._own_amount(op, values, end):
            return                               # "supply offers with fewer than 100 units available"
        if col is None and (a := self.at(end)) is not None and a.has("distinct") and end not in self.used \
                and self.table(end + 1) is not None:
            self.used.add(end)                   # "more than 50 different parts": the parts counted
            end += 1
        if col is None and end not in self.used and self._groups_counted(j, op, end):
            return self._compared_rows(j, op, values, end)
        if col is None and (j - 1) in self.aggregated and self.r.measures:
            # "whose average life expectancy is above 72": the aggregate is compared (and, if the
            # question named it only here, it filters without being shown)
            idx = self.last_measure
            if self.new_measure:
                self.r.measures[idx] = replace(self.r.measures[idx], hidden=True)
            self.r.having.append(Having(idx, op, values))
            return
        if col is None and end not in self.used and self.table(end) is not None:
            return self._compared_rows(j, op, values, end)   # "grades that have at least 4 students": rows
        if col is None:
            col = self._numeric_before(j)
        if col is not None:
            if percent and _is_fraction(self.info(col.table).table.column(col.column)):
                values = tuple(v / 100 for v in values)           # "8%" of a rate stored as 0.08
            self.r.conditions.append(Condition("compare", col.table, col, op, values, text=it.text))
            return
        self._compared_rows(j, op, values, end)

    def _comparison_terms(self, j: int) -> tuple[str, ColRef | None, tuple[float, ...], int, bool] | None:
        """The operator, the column named right before or after the numbers (if any), the numbers, where
        they end, and whether they were percentages; None when the cue compares nothing here."""
        it = self.seq[j]
        op = it.arg("cmp") if it.has("cmp") else it.arg("cmp_post")
        if it.has("cmp_post"):
            self.used.discard(j)
            return None
        between = op == "between"
        k = j + 1
        col = self.col(k)
        if col is not None and self.is_numeric(col) and self._numbers_after(k + 1, between):
            self.used.add(k)
            k += 1
        else:
            col = None
        got = self._numbers_after(k, between)
        if got is None:
            if it.has("stop") or it.has("date_cmp"):
                return None
            raise NotUnderstood("A comparison needs a number after it.", (it.text,))
        values, end = got
        if col is None and end < len(self.seq) and end not in self.used:
            after = self.col(end)
            if after is not None and self.is_numeric(after):     # "fewer than 24 units"
                col = after
                self.used.add(end)
                end += 1
        percent = any(self.seq[n].text.endswith("%") for n in range(j + 1, end))
        if self.take_neg():
            op = {">": "<=", "<": ">=", ">=": "<", "<=": ">", "=": "!="}.get(op, op)
        self.used |= set(range(j, end))
        post = self.at(end)
        if post is not None and post.has("cmp_post"):
            op = post.arg("cmp_post")
            self.used.add(end)
        return op, col, values, end, percent

    def _at_least_one(self, op: str, values: tuple[float, ...], end: int) -> bool:
        """'had at least one late item': some such row exists."""
        nxt_item = self.at(end)
        f_next = _one(nxt_item, "filter") if nxt_item is not None and end not in self.used else None
        t_next = self.table(end)
        if not (op == ">=" and values == (1.0,) and (f_next is not None or t_next is not None)):
            return False
        self.used.add(end)
        if f_next is not None and nxt_item is not None:
            self.r.conditions.append(Condition("filter", f_next.table, filter_name=f_next.name,
                                               text=nxt_item.text))
        elif t_next is not None:
            self.r.existence.append((t_next, False, end))
            self.r.at_least_one.add(end)
        return True

    def _compared_rows(self, j: int, op: str, values: tuple[float, ...], end: int) -> None:
        """A number compared with no column: a count of rows (meeting a filter), a metric, the column an
        adjective is about, or the measure just named; else declined."""
        it = self.seq[j]
        nxt_item = self.at(end)
        f_next = _one(nxt_item, "filter") if nxt_item is not None and end not in self.used else None
        if f_next is not None and op != ">=" or (f_next is not None and values != (1.0,)):
            # "customers with more than 10 open orders": count the rows meeting the filter
            self.used.add(end)
            self.r.conditions.append(Condition("filter", f_next.table, filter_name=f_next.name,
                                               text=self.seq[end].text))     # the item f_next was read from
            self.r.measures.append(Measure("rows", f_next.table, "count", hidden=True))
            self.r.having.append(Having(len(self.r.measures) - 1, op, values))
            return
        t = self.table(end)
        if t is not None:                         # "more than 5 orders"
            self.used.add(end)
            self.r.measures.append(Measure("rows", t, "count", hidden=True))
            self.r.having.append(Having(len(self.r.measures) - 1, op, values))
            return
        nxt = self.at(end)
        m = _one(nxt, "metric") if nxt is not None and end not in self.used else None
        if m is not None:                         # "more than 1000 in revenue"
            self.used.add(end)
            self.r.measures.append(Measure("metric", m.table, metric=m.name, hidden=True))
            self.r.having.append(Having(len(self.r.measures) - 1, op, values))
            return
        adj = self._comparative_column(j)
        if adj is not None:                       # "students older than 20": their age
            self.r.conditions.append(Condition("compare", adj.table, adj, op, values, text=it.text))
            return
        if self.r.measures and (j - 1) in self.aggregated | self.measure_items:
            self.r.having.append(Having(len(self.r.measures) - 1, op, values))
            return
        after = self.at(end)                      # (never "more than 1000 employees": the number is of those)
        before = _one(self.seq[j - 1], "metric") if j > 0 and (j - 1) not in self.measure_items else None
        if before is None and not self.r.measures and (after is None or after.kind != "concept"):
            before = self._verb_metric(j)        # "customers who spent more than 400k": the verb's metric
        if before is not None and (after is None or after.kind != "concept"):   # "brands whose revenue was above
            # 13 million": that metric's total per group, compared
            self.r.measures.append(Measure("metric", before.table, metric=before.name))
            self.measure_items.add(j - 1)
            self.used.add(j - 1)
            self.r.having.append(Having(len(self.r.measures) - 1, op, values))
            return
        raise NotUnderstood("I could not tell what the number is compared with.", (it.text,))

    def _comparative_column(self, j: int) -> ColRef | None:
        """'older than', 'more expensive than': the column the adjective is about, on the table named just before."""
        words = self.seq[j].text.lower().split()
        before = self.at(j - 1)
        if before is not None and before.kind == "unknown" and before.text.lower() in ADJECTIVE_ATTRIBUTES:
            words = [before.text.lower()]        # "worth more than": the verb names the column
            self.used.add(j - 1)
        nouns: tuple[str, ...] = ()
        for w in words:
            base = w.removesuffix("er")
            for adjective, (_desc, attrs) in ADJECTIVE_ATTRIBUTES.items():
                if adjective in (w, base, base + "e") or adjective.rstrip("est") == base:
                    nouns = attrs
        if not nouns and before is not None and _one(before, "table") is not None \
                and (nxt := self.at(j + 1)) is not None and nxt.kind == "number":   # "orders over 350k": the one
            nouns = _AMOUNT_NOUNS                                                     # amount column of those rows
        if not nouns:
            return None
        for n in range(j - 1, -1, -1):
            t = (_one(self.seq[n], "table") or _one(self.seq[n], "metric")) if self.seq[n].kind == "concept" \
                else None
            if t is not None:
                info = self.info(t.table)
                cols = [c for c in info.numeric if any(x in info.column_words.get(c, ()) for x in nouns)]
                return ColRef(t.table, cols[0]) if len(cols) == 1 else None
        return None

    def _sign(self, j: int) -> bool:
        """'whose balance is negative', 'a positive balance': a sign word (vocabulary ``signs``) compares the
        numeric column said right before or right after it with zero."""
        op = _SIGNS.get(self.seq[j].text.lower())
        col = self._numeric_before(j) if op is not None else None
        after = self.col(j + 1) if op is not None and col is None else None
        if after is not None and self.is_numeric(after):
            col = after
            self.used.add(j + 1)
        if op is None or col is None:
            return False
        op = {">": "<=", "<": ">="}[op] if self.take_neg() else op
        self.r.conditions.append(Condition("compare", col.table, col, op, (0.0,), text=self.seq[j].text))
        return True

    def _numeric_before(self, j: int) -> ColRef | None:
        for n in (j - 1,):
            it = self.at(n)
            if it is None or it.kind != "concept" or n in self.aggregated:
                return None
            c = _one(it, "column")
            if c is not None and c.column in self.info(c.table).numeric:
                self.r.projections = [p for p in self.r.projections if p[1] != n]
                return ColRef(c.table, c.column, self.r.vias.get(n))
        return None

    def _number(self, j: int, value: float | None = None) -> None:
        it = self.seq[j]
        v = it.number if value is None else value
        if self._either_number(j, v):
            return
        post = self.at(j + 1)
        k = j + 2 if post is not None and post.has("cmp_post") else j + 1
        counted = self.table(k) or self._kept_rows(k, v, post)
        if counted is not None and v is not None and (post is not None and post.has("cmp_post")):
            # "grades that have 4 or more high schoolers": a count per group
            self.used |= set(range(j, k + 1))
            self.r.measures.append(Measure("rows", counted, "count", hidden=True))
            self.r.having.append(Having(len(self.r.measures) - 1, post.arg("cmp_post"), (v,)))
            return
        col = self._numeric_before(j)
        if col is not None:
            op = "="
            if post is not None and post.has("cmp_post"):
                op = post.arg("cmp_post")
                self.used.add(j + 1)
            self.r.conditions.append(Condition("compare", col.table, col, op, (v,), text=it.text))
            return
        nxt = self.at(j + 1)    # "the 3 countries with the fewest people": a count before the subject: a limit
        nxt_col, valued = self.col(j + 1), self._valued_rows(j + 1)    # "which 5 european suppliers"
        if nxt_col is not None and self.is_numeric(nxt_col) and v is not None and not is_year(it):
            self.used.add(j + 1)              # "models with 3 cylinders"
            self.r.conditions.append(Condition("compare", nxt_col.table, nxt_col, "=", (v,), text=it.text))
            return
        names_next = nxt is not None and not it.text.startswith("0") and (   # "#000000007": an id's digits
                                          self.table(j + 1) is not None or nxt_col is not None or bool(valued)
                                          or (j + 1) in self.via_tables
                                          or (nxt.has("extreme") and (self.table(j + 2) is not None or (
                                              (after := self.at(j + 2)) is not None and after.kind == "unknown"
                                              and self.table(j + 3) is not None))))
        if names_next and v is not None and v == int(v) and v > 0 and self.r.limit is None and not is_year(it):
            before = self._raw_words[it.start - 1] if it.start > 0 else ""
            if before in word_list("count_prepositions"):
                # "customers in 3 segments": after a preposition the number counts things, it does not cut rows
                raise NotUnderstood("A number after a preposition is not how many rows to show.", (before, it.text))
            nxt_table = valued or self.table(j + 1)
            if nxt_table is not None and any(t != nxt_table and p < j for t, p, _ in self.r.entities):
                # "customers with 5 orders": a count of other rows, not how many rows to show
                raise NotUnderstood("A number before something other than what is listed is a count, not a "
                                    "limit; I cannot compare counts of rows that way yet.", (it.text,))
            self.r.limit = int(v)
            return
        if is_year(it):
            self.used.discard(j)
            return
        self.used.discard(j)

    def _valued_rows(self, k: int) -> str | None:
        """'which 5 european suppliers': the table of the rows named right after a value said as their adjective."""
        it = self.at(k)
        if it is None or it.kind != "concept" or {c.kind for c in it.concepts} != {"value"}:
            return None
        return self.table(k + 1)

    def _either_number(self, j: int, v: float | None) -> bool:
        """'grade 9 or 10', 'birth year 1948 or 1950': a number after "or" is another value of the column the
        number before it was said to equal."""
        prev, first = self.at(j - 1), self.at(j - 2)
        last = self.r.conditions[-1] if self.r.conditions else None
        if v is None or prev is None or not prev.has("or") or first is None or first.kind != "number" \
                or last is None or last.negated or last.text.split()[-1:] != [first.text] \
                or (last.kind, last.op) not in (("compare", "="), ("in", "in")):
            return False
        self.used.add(j - 1)
        self.r.conditions[-1] = replace(last, kind="in", op="in", values=(*last.values, v),
                                        text=f"{last.text} or {self.seq[j].text}")
        return True
