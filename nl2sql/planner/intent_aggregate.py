"""Reading aggregates ("average price", "how many orders", "the number of distinct customers", "total revenue"):
the functions named, what they apply to (a metric, a table's rows, a column, the rows meeting a filter) and
the measure they make.

A mixin of ``Reader``: the steps share the reader's state (the phrases, what is used, the reading).
"""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.intent_guards import MeasureGuards
from nl2sql.planner.intent_per_entity import PerEntitySteps
from nl2sql.planner.intent_verbs import VerbMetricSteps
from nl2sql.planner.joins import up_from
from nl2sql.planner.matching import Item
from nl2sql.planner.frame_amounts import _counts_rows
from nl2sql.planner.reading import NotUnderstood, Target, _one, _outer_function, _plural, _ref, _stem
from nl2sql.planner.spec import ColRef, Condition, Measure, Order
from nl2sql.planner.words import word_list

# words naming an amount (amount_words) or a unit of measure (measure_units): "how many pounds" is a total
_QUANTITY_WORDS = frozenset(word_list("amount_words")) | frozenset(word_list("measure_units"))
# "the most recent", "the latest": rank rows by time, never an aggregate function of an amount
_TIME_SUPERLATIVES = frozenset(word_list("time_superlatives"))
_PREPOSITIONS = frozenset(word_list("count_prepositions"))
_ARTICLES = frozenset(word_list("of_fillers"))


class AggregateSteps(PerEntitySteps, VerbMetricSteps, MeasureGuards):
    """Steps for aggregates and what they apply to; mixed into ``Reader`` (through ``RankingSteps``)."""

    def _target(self, j: int, fn: str = "", *, distinct: bool = False) -> Target | None:
        """What an aggregate or superlative at j-1 applies to: a metric, a table (rows), a column or
        the rows meeting a named filter."""
        it = self.at(j)
        k = j + 1 + self._own_column_after_value(j)
        nxt = self.at(k)
        if it is not None and it.kind == "concept" and j not in self.used and nxt is not None \
                and {c.kind for c in it.concepts} in ({"value"}, {"valueword"}) and nxt.kind == "concept" \
                and (self.table(k) is not None or _one(nxt, "filter") is not None
                     or fn not in ("", "count") and self._amount(nxt)
                     and (before := self.at(j - 1)) is not None and not before.has("extreme")):
            # "how many machinery customers", "how many gold members", "the average business class fare": a value
            # before the thing counted (rows of a table, or those a named filter keeps) or measured filters it
            # (with its column's own name after it, "business class"); so does a word seen inside values ("green")
            self.used.update(range(j, k))
            self._value(j)
            j, it = k, nxt
        if it is not None and (j in self.via_tables or j in self.qualifiers):
            if j in self.qualifiers and (t := self.table(j)) is not None:
                self.used.add(j)
                if fn == "count" and not distinct:   # "how many customers have a balance above ...": rows
                    return ("table", t)      # ("how many different shop locations" counts the locations)
                self.r.entities.append((t, j, _plural(it.text)))
            j += 1
            it = self.at(j)
        if it is None or j in self.used or it.kind != "concept":
            return None
        return self._concept_target(j, it, fn)

    def _how_many_each(self, j: int, k: int) -> bool:
        """'customers with more than 25 orders, with how many each': the count compared, shown (True); with no
        count compared, "how many each" counts nothing said: declined, never one total."""
        nxt = self.at(k)
        if nxt is None or not nxt.has("group") or self.at(k + 1) is not None:
            return False
        if not (self.r.having and any(m.fn == "count" for m in self.r.measures)):
            raise NotUnderstood("How many of what, for each?", (self.seq[j].text, nxt.text))
        self.r.measures = [replace(m, hidden=False) if m.fn == "count" else m for m in self.r.measures]
        return True

    def _own_column_after_value(self, j: int) -> int:
        """1 when the phrase after a value at j names that value's own column ("business class"), else 0."""
        it, nxt = self.at(j), self.at(j + 1)
        cols = {(c.table, c.column) for c in it.concepts if c.kind == "value"} if it is not None else set()
        own = _one(nxt, "column") if nxt is not None and nxt.kind == "concept" else None
        return int(own is not None and (own.table, own.column) in cols and len(cols) == 1)

    def _named_amount(self, word: str, table: str) -> ColRef | None:
        """'total sick days': the one number column of the table a filter's last word names ("days")."""
        found = {c.column for c in self.lex.names.get((_stem(word),), []) if c.kind == "column" and c.table == table
                 and c.column in self.info(table).numeric}
        return ColRef(table, found.pop()) if len(found) == 1 else None

    def _amount(self, it: Item) -> bool:
        """Whether a phrase names a metric or one number column (what an average or a total is of)."""
        numeric = [c for c in it.concepts if c.kind == "column" and c.column in self.info(c.table).numeric]
        return _one(it, "metric") is not None or len(numeric) == 1

    def _concept_target(self, j: int, it: Item, fn: str) -> Target | None:
        """What the concept at j names as the aggregate's target: a metric (unless the function asks for a
        column's own), a numeric column, a table, a column, a named filter's rows, or a value said as a noun."""
        numeric = [c for c in it.concepts if c.kind == "column" and c.column in self.info(c.table).numeric]
        if (filtered := self._filtered_amount(j, it, fn)) is not None:
            return filtered
        m = _one(it, "metric")
        before = [w for w in self._raw_words[:it.start] if w not in _ARTICLES][-1:]
        if m is not None and _one(it, "filter") is not None and before and before[0] in _PREPOSITIONS:
            # "how much did we take at the box office" where "box office" names both a metric and a named filter:
            # after a preposition it may be where the rows are from, not what is totalled
            raise NotUnderstood(f"“{it.text}” names both a measure and a filter here.", (it.text,))
        if m is not None and fn == "count" and self.table(j) == m.table \
                and not _counts_rows(self.lex.metrics[m.name or ""].sql):
            self.used.add(j)         # "how many refunds" where "refunds" also names the metric "refund amount":
            return ("table", m.table)    # the rows counted, never the amount they add up to
        if m is not None and not (fn in ("avg", "min", "max", "median") and numeric
                                  and _outer_function(self.lex, m) != fn):
            self.used.add(j)
            return ("metric", m)
        if fn not in ("", "count") and len(numeric) == 1:
            self.used.add(j)
            return ("column", _ref(numeric[0], self.r.vias.get(j)))
        t = self.table(j)
        c = self.col(j)
        if t is not None and (c is None or c.table == t):
            self.used.add(j)
            return ("table", t)
        if c is not None:
            self.used.add(j)
            return ("column", c)
        f = _one(it, "filter")
        if f is not None:
            self.used.add(j)
            self.r.conditions.append(Condition("filter", f.table, filter_name=f.name, text=it.text))
            if fn == "count" and (noun := self.table(j + 1)) is not None and noun != f.table \
                    and not self._names_table(it.text, f.table):
                self.used.add(j + 1)     # "how many online customers": the customers, said with a filter
                return ("table", noun)   # of their orders before them (never the orders counted)
            amount = self._named_amount(it.text.split()[-1], f.table) if fn not in ("", "count") else None
            return ("column", amount) if amount is not None else ("table", f.table)
        if fn == "count" and self._value_as_noun(it):
            # "how many contractors": the rows holding that value ('Contractor'), said as a plural noun
            self.used.add(j)
            self._value(j)
            return ("table", it.concepts[0].table)
        return None


    def _filtered_amount(self, j: int, it: Item, fn: str) -> Target | None:
        """'average visit length': a named filter's noun right before one number column of its table, the only
        thing said after it, names the column of the rows the filter keeps (the length of visits)."""
        f, nxt = _one(it, "filter"), self.at(j + 1)
        if f is None or fn in ("", "count") or nxt is None or nxt.kind != "concept" or (j + 1) in self.used:
            return None
        cols = [c for c in nxt.concepts if c.kind == "column" and c.table == f.table]
        if len(nxt.concepts) != 1 or len(cols) != 1 or cols[0].column not in self.info(f.table).numeric:
            return None
        self.used.update((j, j + 1))
        self.r.conditions.append(Condition("filter", f.table, filter_name=f.name, text=it.text))
        return ("column", _ref(cols[0], self.r.vias.get(j + 1)))

    def _agg_functions(self, j: int) -> tuple[list[str], bool, int]:
        """'average and maximum', 'number of distinct': the functions named together, whether DISTINCT,
        and where what they apply to begins."""
        first = self.seq[j]
        fns = [first.arg("agg") if first.has("agg") else first.arg("extreme")]
        k = j + 1
        while (it := self.at(k)) is not None and k not in self.used and (it.has("agg", "extreme", "and")) \
                and (it.text.lower() not in _TIME_SUPERLATIVES or self._date_at(k + 1)):   # "earliest and latest date"
            if it.has("agg"):
                fns.append(it.arg("agg"))
            elif it.has("extreme"):
                fns.append(it.arg("extreme"))
            self.used.add(k)
            k += 1
        fns = list(dict.fromkeys(fns))
        distinct = False
        if (it := self.at(k)) is not None and it.has("distinct"):
            distinct = True
            self.used.add(k)
            k += 1
        return fns, distinct, k

    def _past_new_word(self, k: int) -> int:
        """'how many new customers in 2025': a start word before what is counted dates it (``_new_rows``)."""
        if k not in self.used and (own := self._new_rows(k)) is not None:
            self.r.date_hints.append(own)
            self.used.add(k)
            return k + 1
        return k

    def _value_rows(self, k: int) -> Target | None:
        """'number of mortgages by loan status': a value said as a plural noun, of a table above the one other table
        the question names (loans, by their status), counts those rows that have it."""
        it = self.at(k)
        if it is None or k in self.used or it.kind != "concept" or not _plural(it.text) \
                or {c.kind for c in it.concepts} - {"value", "valueword"} or len({c.table for c in it.concepts}) != 1:
            return None
        above = it.concepts[0].table
        named = {c.table for n, other in enumerate(self.seq) if n != k and other.kind == "concept"
                 for c in other.concepts if c.kind in ("table", "column")}
        if len(named) != 1 or not up_from(self.graph, next(iter(named)), above):
            return None
        self.used.add(k)
        self._value(k)
        return ("table", next(iter(named)))

    def _aggregate(self, j: int) -> None:
        fns, distinct, k = self._agg_functions(j)
        k = self._past_new_word(k)
        target = self._target(k, fns[0], distinct=distinct) or (self._value_rows(k) if fns == ["count"] else None)
        if target is None and fns == ["count"] and self._how_many_each(j, k):
            return
        if target is None and fns == ["count"] and self.r.entities and not self.r.measures:
            target = ("table", self.r.entities.pop(0)[0])    # "For orders placed in Q3 1993, how many had ...": those
        if target is None and fns == ["sum"] and not self.r.measures and (verb := self._verb_metric(j, after=True)):
            target = ("metric", verb)    # "how much did we sell to Germany": the metric of the verb
        if target is None:
            if fns == ["sum"] and (self.r.measures or self.at(k) is None or self.seq[j].has("stop")
                                   or self._next_is_measure(k)):
                return      # "... in total": the measure already says it; "total revenue": the metric is a total
            raise NotUnderstood("I could not tell what to count or total.", (self.seq[j].text,))
        if target[0] == "table":
            self._check_rows_total(j, k, fns, target[1])
        if fns == ["avg", "count"] and target[0] == "column" and self._own_rows_average(j, k, target[1]):
            fns = ["avg"]                # "average number of checked bags per ticket": the column's average
        if "avg" in fns and target[0] == "metric" and _counts_rows(self.lex.metrics[target[1].name or ""].sql):
            fns, target = ["avg", "count"], ("table", target[1].table)    # "average number of orders": a count
        if fns == ["avg", "count"] and target[0] == "table":
            # "the average number of line items per order": rows per member of the group named next
            per = self._per_entity(k + 1) or self._subject_entity(k + 1, target[1])
            if per is None:
                raise NotUnderstood("Average number per what?", (self.seq[j].text,))
            self.r.measures.append(Measure("rows_per", target[1], "avg", metric=per))
            return
        self.new_measure = False
        prev = self.at(j - 1)
        # "in ascending order of count": a measure named only to sort by is not shown
        sort_only = prev is not None and not self.r.measures and (
            prev.has("order") and len(prev.text.split()) > 1 or prev.has("dir") and "order" in prev.text.lower())
        for fn in fns:
            m = self._measure(fn, distinct, target, self.seq[j].text)
            if sort_only:
                m = replace(m, hidden=True)
            if m not in self.r.measures:
                self.r.measures.append(m)
                self.new_measure = True
            self.last_measure = self.r.measures.index(m)
        if sort_only:
            pending = next((i for i, o in enumerate(self.r.orders) if o.col is None and o.measure is None
                            and o.dim is None), None)
            if pending is None:
                self.r.orders.append(Order(False, measure=self.last_measure))
            else:                        # "in ascending order of count": the direction came first
                self.r.orders[pending] = replace(self.r.orders[pending], measure=self.last_measure)
        self.aggregated.add(max(n for n in self.used if n <= k + 1) if self.used else k)


    def _next_is_measure(self, k: int) -> bool:
        it = self.at(k)
        return it is not None and it.kind == "concept" and _one(it, "metric") is not None

    def _measure(self, fn: str, distinct: bool, target: Target, word: str) -> Measure:
        if target[0] == "metric":
            m = target[1]
            if fn not in ("sum", "count") and fn != _outer_function(self.lex, m):
                raise NotUnderstood(f"“{word} {m.name}” is not a measure I know how to compute.", (word,))
            return Measure("metric", m.table, metric=m.name)
        if target[0] == "table":
            t = target[1]
            if fn not in ("count", "sum"):
                raise NotUnderstood(f"I cannot take the {word} of a table.", (word,))
            # "number of distinct customers": each key once, even where the rows repeat it
            return Measure("rows", t, "count_distinct" if distinct else "count")
        if target[0] == "measure":       # only a superlative's own aggregate is one (``_extreme``)
            raise LookupError("a measure read already is not a target of another aggregate")
        c = target[1]
        info = self.info(c.table)
        if fn == "count" and c.column in info.numeric and not distinct:
            return Measure("agg", c.table, "sum", col=c)      # "how many units" adds the units up
        if fn == "count" and not distinct and c.column not in info.keys \
                and set(info.column_words.get(c.column, ())) & _QUANTITY_WORDS:
            # "how many pounds" of a column stored as text: a total, which needs its type (overlay `type:`)
            raise NotUnderstood("That amount is stored as text; adding it up needs its type (overlay “type:”).",
                                (word,))
        if fn == "count" and not distinct and c.column in info.dates:
            # "how many move-outs" names the event by its date: the rows it happened to (their date set), dated
            # by it, not distinct dates
            self.r.date_hints.append((c.table, c.column))
            self.r.conditions.append(Condition("compare", c.table, c, "is_set", text=word))
            return Measure("rows", c.table, "count")
        if fn == "count" or c.column in info.keys:
            if fn not in ("count",) and c.column in info.keys:
                raise NotUnderstood("Identifiers can be counted, not added up.", (word,))
            if c.column in info.pk and len(info.pk) == 1 and not distinct:
                return Measure("rows", c.table, "count")
            return Measure("agg", c.table, "count_distinct", col=c)
        if not self.is_numeric(c) and fn in ("sum", "avg", "median"):
            raise NotUnderstood(f"“{word}” needs a numeric column.", (word,))
        return Measure("agg", c.table, fn, col=c)
