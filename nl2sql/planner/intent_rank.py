"""Reading superlatives and rankings ("the most orders", "the cheapest part", "top 5 customers by revenue",
"the most common container type"); aggregates are read in intent_aggregate.py.

A mixin of ``Reader``: the steps share the reader's state (the phrases, what is used, the reading).
"""

from __future__ import annotations

from nl2sql.planner.intent_aggregate import AggregateSteps
from nl2sql.planner.reading import (
    NotUnderstood,
    Target,
    _one,
    _plural,
)
from nl2sql.planner.joins import up_from
from nl2sql.planner.spec import ColRef, Dim, Measure, Order
from nl2sql.planner.vocabulary import ADJECTIVE_ATTRIBUTES


class RankingSteps(AggregateSteps):
    """Steps for superlatives, top N and the most common value; mixed into ``Reader``."""

    def _extreme(self, j: int) -> None:
        if self.neg_at is not None:
            # "cars that do not have the minimum horsepower": not the lowest is a set difference
            raise NotUnderstood("I cannot leave out the highest or lowest; ask for it directly.",
                                (self.seq[self.neg_at].text, self.seq[j].text))
        desc = self.seq[j].arg("extreme") == "max"
        k = j + 1
        it = self.at(k)
        if self._aggregate_list(j):
            # "the minimum and maximum age": aggregates named together, as "the average and maximum age" is
            return self._aggregate(j)
        if it is not None and k not in self.used and it.has("agg"):
            fn = it.arg("agg")
            self.used.add(k)
            target = self._target(k + 1, fn)
            if target is None:
                raise NotUnderstood("I could not tell what to rank by.", (self.seq[j].text,))
            if target[0] == "table":
                self._check_rows_total(k, k + 1, [fn], target[1])    # "the highest total emissions"
            return self._ranked_totals(desc, target, j, fn, it.text)
        found = self._adjective_target(j)
        if found is not None:
            desc, target = found
            t = self.table(j + 1) if (after := self.at(j + 1)) is not None and after.kind == "concept" else None
            if t is None and (j + 2) < len(self.seq) and (j + 1) in self.used:
                t = self.table(j + 2)
            if t is not None:                    # "the cheapest part": the part is the subject
                n = j + 1 if self.table(j + 1) is not None else j + 2
                self.used.add(n)
                self.r.entities.append((t, n, _plural(self.seq[n].text)))
        else:
            counting = self.seq[j].text.lower() in ("most", "fewest", "least", "the most", "the fewest")
            # "the most units in stock": a total (the metric), not the largest single value
            target = self._target(k, "" if counting else "max" if desc else "min")
        if target is None:
            target = self._target_said_apart(j)
        if target is None:
            raise NotUnderstood("I could not tell what is highest or lowest.", (self.seq[j].text,))
        counting = self.seq[j].text.lower() in ("most", "fewest", "least", "the most", "the fewest")
        if counting and target[0] == "column" and self._grouped_amount(target[1]):
            return self._ranked_totals(desc, target, j, "sum", self.seq[k].text if self.at(k) is not None else "")
        if target[0] == "table" and not counting:
            # "the 10 best-selling products by revenue": the products are ranked by a measure named later
            self.r.entities.append((target[1], k, _plural(self.seq[k].text)))
            self.r.orders.append(Order(desc))
            if self.r.limit is None and not _plural(self.seq[k].text):
                self.r.limit = 1
            return
        self.r.extremes.append((desc, target, j))

    def _ranked_totals(self, desc: bool, target: Target, j: int, fn: str, text: str) -> None:
        """'the highest total emissions', 'which month had the most roaming data': an aggregate of the target
        per group, ranked (and shown)."""
        m = self._measure(fn, False, target, text)
        self.r.measures.append(Measure(m.kind, m.table, m.fn, m.col, m.metric, m.share_of, hidden=True))
        self.r.extremes.append((desc, ("measure", len(self.r.measures) - 1), j))

    def _grouped_amount(self, col: object) -> bool:
        """An amount (a number that is no key) said after "most" while rows are grouped ("per month", "which
        month"): added up per group."""
        if not isinstance(col, ColRef) or not (self.r.dims or self.r.unit_dims or self.r.date_cols):
            return False
        info = self.info(col.table)
        return col.column in info.numeric and col.column not in info.keys

    def _aggregate_list(self, j: int) -> bool:
        """'minimum and maximum' followed by a column: a list of aggregates, not a superlative of rows (unless rows
        were named before: "which stadium has the highest and lowest capacity" asks for stadiums)."""
        if self.r.entities:
            return False
        k = j + 1
        while (it := self.at(k)) is not None and k not in self.used and it.has("and") \
                and (nxt := self.at(k + 1)) is not None and (k + 1) not in self.used and nxt.has("agg", "extreme") \
                and nxt.kind == "cue":
            k += 2
        return k > j + 1 and (it := self.at(k)) is not None and k not in self.used and _one(it, "column") is not None

    def _target_said_apart(self, j: int) -> Target | None:
        """The measure said before the superlative ("in which year was revenue highest") or by a money verb ("the
        customers who spent the most": ``VerbMetricSteps``)."""
        target = self._measure_before(j)
        if target is None and not self.r.measures and (m := self._verb_metric(j)) is not None:
            target = ("metric", m)
        return target

    def _measure_before(self, j: int) -> Target | None:
        """'in which year was revenue highest': the superlative said after its measure, the question ending
        there or going on with a period; the measure just read is what is highest."""
        after = self.at(j + 1)
        if after is not None and not after.has("stop", "date_cmp") and after.kind not in ("number", "date"):
            return None
        k = j - 1
        while (it := self.at(k)) is not None and it.kind == "cue" and it.has("stop"):
            k -= 1
        before = self.at(k)
        if before is None or before.kind != "concept" or k not in self.used or not self.r.measures \
                or self.r.measures[-1].hidden:
            return None
        last = self.r.measures[-1]      # a measure named as one ("revenue", "the average balance"), not a column
        return ("measure", len(self.r.measures) - 1) if last.kind == "metric" or last.fn in ("avg", "median") else None

    def _adjective_target(self, j: int) -> tuple[bool, Target] | None:
        """'the oldest singer', 'the 10 most expensive parts': the degree adjective names the column."""
        words = self.seq[j].text.lower().split()
        nxt = self.at(j + 1)
        k = None
        if nxt is not None and nxt.kind == "unknown" and nxt.text.lower() in ADJECTIVE_ATTRIBUTES:
            words, k = [nxt.text.lower()], j + 1
        adjective = next((w for w in words if w in ADJECTIVE_ATTRIBUTES), None)
        if adjective is None:
            return None
        desc, nouns = ADJECTIVE_ATTRIBUTES[adjective]
        if k is None and words[0] in ("least", "less"):
            desc = not desc
        elif k is not None and self.seq[j].has("extreme") and self.seq[j].arg("extreme") == "min":
            desc = not desc                      # "least expensive"
        tables = [t for t, _, _ in self.r.entities] + [t for n in (j + 1, j + 2, j + 3)
                                                        if (t := self.table(n) or self._value_table(n))]
        for table in dict.fromkeys(tables):
            cols = self._attribute_columns(table, nouns) or self._parent_attribute_columns(table, nouns)
            if len(cols) == 1:
                if k is not None:
                    self.used.add(k)
                return desc, ("column", cols[0])
        return None

    def _attribute_columns(self, table: str, nouns: tuple[str, ...]) -> list[ColRef]:
        info = self.info(table)
        return [ColRef(table, c) for c in info.numeric if any(n in info.column_words.get(c, ()) for n in nouns)]

    def _parent_attribute_columns(self, table: str, nouns: tuple[str, ...]) -> list[ColRef]:
        """'the tallest poker player' when the height is the player's person's: the columns so named of the tables
        each row belongs to (many-to-one), where the table has none of its own."""
        return [c for parent in self.lex.tables if parent != table and up_from(self.graph, table, parent)
                for c in self._attribute_columns(parent, nouns)]

    def _value_table(self, n: int) -> str | None:
        """'the youngest dog': the table of a value named where a table could be."""
        it = self.at(n)
        if it is None or it.kind != "concept" or {c.kind for c in it.concepts} != {"value"}:
            return None
        tables = {c.table for c in it.concepts}
        return next(iter(tables)) if len(tables) == 1 else None

    def _top(self, j: int) -> bool:
        nxt = self.at(j + 1)
        n = None
        if nxt is not None and nxt.kind == "number" and nxt.number and nxt.number == int(nxt.number):
            n = int(nxt.number)
        elif nxt is not None and nxt.has("numword") and int(nxt.arg("numword")) > 1:
            n = int(nxt.arg("numword"))
        if n is None:
            return False
        self.used.add(j + 1)
        self.r.limit = n
        self.r.orders.append(Order(self.seq[j].arg("top") == "desc"))
        return True

    def _ranked_by(self, j: int) -> bool:
        """'which 3 container types are the most popular by units sold', '... the highest by revenue': a
        superlative said before "by" and the metric it ranks by; the rows are those named before (True when read)."""
        it, nxt = self.seq[j], self.at(j + 1)
        if nxt is None or (j + 1) in self.used or not nxt.has("group") or nxt.text.lower() != "by" \
                or not (self.r.entities or self.r.dims or self.r.projections):
            return False
        target = self._target(j + 2, "") if (after := self.at(j + 2)) is not None and _one(after, "metric") else None
        if target is None or target[0] != "metric":
            return False                 # a column after "by": its total, its average or one row's? (not said)
        self.used.add(j + 1)
        self.r.extremes.append((not (it.has("extreme") and it.arg("extreme") == "min"), target, j))
        return True

    def _mode(self, j: int) -> None:
        if self._ranked_by(j):
            return
        target = self._target(j + 1)
        if target is None or target[0] not in ("column", "table"):
            raise NotUnderstood("I could not tell what is most common.", (self.seq[j].text,))
        self.r.mode = True
        prev = self.at(j - 1)
        n = prev.number if prev is not None and prev.kind == "number" and (j - 1) not in self.used else None
        if n is not None and n == int(n) and n > 0:
            self.used.add(j - 1)                  # "the 3 most common container types"
        if target[0] == "column":
            self.r.dims.append(Dim(target[1]))
        else:
            self.r.entities.append((target[1], j + 1, False))
        self.r.measures.append(Measure("rows", "", "count", hidden=True))
        self.r.orders.append(Order(True, measure=len(self.r.measures) - 1))
        self.r.limit = int(n) if n is not None and n == int(n) and n > 0 else 1


