"""Reading groupings and sorting ("by region", "per customer", "sorted by age", "top 10 ... by revenue").\n\nA mixin of ``Reader``: the steps share the reader's state (the phrases, what is used, the reading)."""

from __future__ import annotations


from nl2sql.planner.frame_amounts import MONEY_WORDS
from nl2sql.planner.intent_rank import RankingSteps
from nl2sql.planner.joins import Ambiguous, all_up, up_from
from nl2sql.planner.reading import (
    NotUnderstood,
    _one,
    _plural,
    _stem,
)
from nl2sql.planner.spec import ColRef, Dim, Measure, Order
from nl2sql.planner.tokens import singular
from nl2sql.planner.vocabulary import MONTHS
from nl2sql.planner.words import word_list

# Past participles without -ed/-en: "made by", "sold by", "held by" introduce who did it, not a grouping.
_PASSIVES = frozenset(word_list("passives"))
_PARTICLES = frozenset(word_list("particles"))      # "sent back by", "handed out by"


_PERIOD_WORDS = frozenset(word_list("period_words"))
_AMOUNTS = frozenset(word_list("amount_words"))


class GroupingSteps(RankingSteps):
    def _qualifies_next(self, k: int) -> bool:
        """'by brass part type', 'for each urgent order': a value right before its own column, or its own table or a
        table it belongs to ("for every european country"), says which of them are grouped (read here as a filter);
        the grouping is what follows."""
        it = self.seq[k]
        values = {(c.table, c.column) for c in it.concepts}
        if it.kind != "concept" or not {c.kind for c in it.concepts} <= {"value", "valueword"} or len(values) != 1:
            return False
        col, table = self.col(k + 1), self.table(k + 1)
        if (col is not None and (col.table, col.column) in values) or (col is None and table is not None and (
                table in {t for t, _ in values} or self._value_of_parent(values, table))):
            self._value(k)                   # the value is a filter; the grouping follows (not absorbed by it)
            self.used.discard(k + 1)
            self.qualifiers.add(k)           # read once
            return True
        return False

    def _value_of_parent(self, values: set[tuple[str, str | None]], table: str) -> bool:
        """'for every european country': a value of a table the grouped rows belong to (a country's region)."""
        return len(values) == 1 and up_from(self.graph, table, next(iter(values))[0])

    def _dated_by(self, t: str) -> tuple[str, ...]:
        """The table's dates; of several, the one the overlay dates its rows by ("per billing year")."""
        dates = self.info(t).dates
        return (d,) if len(dates) > 1 and (d := self.info(t).table.default_date) in dates else tuple(dates)

    def _group(self, j: int) -> None:
        if self._passive_by(j) or self._ranked_by_filter_rows(j) or self._period_date(j):
            return                               # "pets owned by students": who owns them, not a grouping
        if self.at(j + 1) is None and self.r.measures and self.r.projections:
            return          # "the type codes and the number of templates for each": the listed column's grouping
        k = j + 1
        found = False
        while True:
            it = self.at(k)
            if it is None or k in self.used:
                break
            if it.has("unit") and it.kind == "cue":
                self.r.unit_dims.append(it.arg("unit"))
            elif it.kind == "concept" and {c.kind for c in it.concepts} == {"value"} and not self._qualifies_next(k):
                found = bool(self.date_name_before_unit(k))   # "by ship month": a date's name; "by air": no group
                break
            elif it.kind == "concept" and (_one(it, "metric") or it.has("agg")):
                break                                  # "customers by revenue": ranks, read by the caller
            elif k in self.via_tables or k in self.qualifiers or self._qualifies_next(k):   # "each brass part type"
                self.used.add(k)
                k += 1
                continue
            elif (c := self.col(k)) is not None and not (self.table(k) and self.table(k) != c.table):
                k = self._group_column(c, k)
            elif (c := self._own_column(k)) is not None:
                self.r.dims.append(Dim(c))           # "by tier": the plans' tier column, not each plan
            elif (t := self.table(k)) is not None and (unit := self._table_unit(k)) is not None:
                # "per order year": the year of the order's date, not each order and then the year
                if len(dates := self._dated_by(t)) != 1:
                    raise NotUnderstood(f"I could not tell which date of {t} to group by.", (it.text,))
                self.r.date_cols.append((ColRef(t, dates[0]), k))
                self.r.unit_dims.append(unit)
                self.used.add(k)
                k += 1                             # the unit: marked used below
            elif self._ranked_by_rows(k):
                pass                                   # "top 5 customers by orders": how many each has
            elif (t := self.table(k) or self._filtered_rows(k)) is not None:
                self.r.dims.append(Dim(ColRef(t, "", self.r.vias.get(k))))
            else:
                break
            self.used.add(k)
            found = True
            nxt = self.at(k + 1)
            if nxt is not None and nxt.has("and") and k + 2 < len(self.seq):
                self.used.add(k + 1)
                k += 2
                continue
            break
        if not found and not self.seq[j].has("stop"):
            self.used.discard(j)

    def _group_column(self, c: ColRef, k: int) -> int:
        """'by ship mode', 'by invoice date year', 'top 5 by price': a grouping, a date's grain, or the key
        of a pending ranking; returns where the grouping ends."""
        if c.column in self.info(c.table).dates:
            self.r.date_cols.append((c, k))
            unit = self._table_unit(k)           # "by invoice date year": the year of that date
            self.r.unit_dims.append(unit or "day")
            if unit is not None:
                self.used.add(k)
                k += 1
        elif self._pending_order() or (self.r.limit is not None and self.is_numeric(c) and not self.r.measures):
            self._order_by_column(c)
        else:
            self.r.dims.append(Dim(c))
            self.said_as_key(k, c)
        return k

    def _own_column(self, k: int) -> ColRef | None:
        """A word naming both a table (by a synonym) and one of its non-naming columns: in a grouping,
        the column ('by tier' when 'tiers' is also a synonym of plans)."""
        it = self.at(k)
        if it is None or it.kind != "concept":
            return None
        tables = [c for c in it.concepts if c.kind == "table"]
        cols = [c for c in it.concepts if c.kind == "column" and c.value != "label"]
        if len(tables) == 1 and len(cols) == 1 and cols[0].table == tables[0].table and cols[0].column \
                and len(it.concepts) == 2:
            return ColRef(cols[0].table, cols[0].column, self.r.vias.get(k))
        return None

    def _filtered_rows(self, k: int) -> str | None:
        """'each ER clinic': a named filter said with its table's noun is each of those rows (the filter applies)."""
        f = _one(self.seq[k], "filter")
        last = (_stem(self.seq[k].text.split()[-1]),)
        if f is None or f.name not in self.lex.filters or not any(
                c.kind == "table" and c.table == f.table for c in self.lex.names.get(last, ())):
            return None
        self._filter_condition(k, f.name, f.table)
        return f.table

    def grain_and(self, j: int) -> None:
        """'revenue by year and region': the grouping a period's grain starts goes on after "and"."""
        nxt = self.at(j + 1)
        if nxt is not None and nxt.kind == "cue" and nxt.has("and") and (j + 1) not in self.used:
            self.used.add(j + 1)
            self._group(j + 1)

    def _period_date(self, j: int) -> bool:
        """'late shipments in 1995 (by ship date)': "by" and a date with no unit, once a period is named, says
        which date the period is of; a series by day is asked "by day" or "daily"."""
        c = self.col(j + 1)
        if self.seq[j].text.lower() != "by" or c is None or not self.r.periods or (j + 1) in self.used \
                or c.column not in self.info(c.table).dates or self._table_unit(j + 1) is not None:
            return False
        self.r.date_hints.append((c.table, c.column))
        self.used.add(j + 1)
        return True

    def _table_unit(self, k: int) -> str | None:
        """The unit ('year') right after a table in a grouping ('order year'), if any."""
        nxt = self.at(k + 1)
        unit = nxt.cue("unit") if nxt is not None and nxt.kind == "cue" and (k + 1) not in self.used else None
        return unit.arg if unit is not None else None

    def _passive_by(self, j: int) -> bool:
        it = self.seq[j]
        if it.text.lower() != "by" or it.start == 0:
            return False
        k = it.start - 1
        nxt = self.at(j + 1)
        agents = nxt is not None and self.table(j + 1) is not None and _plural(nxt.text)
        # "orders placed in 1996 by customers": a period may stand between the verb and the agents
        while agents and k > 0 and (self._raw_words[k].isdigit() or self._raw_words[k] in _PERIOD_WORDS
                         or self._raw_words[k] in MONTHS):
            k -= 1
        before = self._raw_words[k]
        if before in _PARTICLES and k > 0:
            before = self._raw_words[k - 1]     # "sent back by customers": a phrasal verb's participle
        if nxt is not None and nxt.kind == "concept" and not _plural(nxt.text) and nxt.start == it.end \
                and not {c.kind for c in nxt.concepts} & {"value", "valueword"} \
                and self._raw_words[nxt.end:nxt.end + 1] not in ([w] for w in word_list("agent_clauses")):
            # "line items returned, by region": a bare singular noun groups (agents: "by students", "by student
            # whose last name is Smith")
            return False
        prev = self.at(j - 1)
        if prev is not None and prev.kind == "concept" and prev.end == it.start and prev.end - prev.start > 1 \
                and k >= it.start - 2 and not all(c.kind == "filter" for c in prev.concepts):
            return False                 # "units produced by plant": the participle ends a measure's name
        return before.endswith(("ed", "en")) or before in _PASSIVES

    def _ranked_by_rows(self, k: int) -> bool:
        """'top 5 stations by trips': a pending top N ranked by how many rows of another table each row named
        before it has (a count, shown), never grouped by those rows."""
        t = self.table(k)
        if t is None or not self._pending_order() or not self.r.entities or t in {e[0] for e in self.r.entities}:
            return False
        self.r.measures.append(Measure("rows", t, "count"))
        pending = next(i for i, o in enumerate(self.r.orders) if o.col is None and o.measure is None)
        self.r.orders[pending] = Order(self.r.orders[pending].desc, measure=len(self.r.measures) - 1)
        return True

    def _pending_order(self) -> bool:
        return any(o.col is None and o.measure is None for o in self.r.orders) and not self.r.measures

    def _order_by_column(self, c: ColRef) -> None:
        """Fill a pending 'top 10' (which had no key yet) or add a new sort key."""
        pending = next((i for i, o in enumerate(self.r.orders) if o.col is None and o.measure is None), None)
        if pending is None:
            self.r.orders.append(Order(True, col=c))
            self.r.projections.append((c, -1))
        elif self._ranked_by_child_total(c, pending):
            return
        else:
            self.r.orders[pending] = Order(self.r.orders[pending].desc, col=c)
            # "top 10 customers by account balance" names what they are ranked by: shown beside them,
            # as "top 5 countries by revenue" shows the revenue
            self.r.projections.append((c, -2 if self.r.limit is not None else -1))

    def _ranked_by_filter_rows(self, j: int) -> bool:
        """'top 3 class types by attended bookings': a ranking still waiting for its key, ranked by how many rows
        the named filter after "by" keeps (the filter applies, its rows are counted)."""
        it = self.at(j + 1)
        pending = bool(self.r.orders) and self.r.orders[-1].col is None and self.r.orders[-1].measure is None
        after = self.at(j + 2)
        if it is None or (j + 1) in self.used or not pending or self.r.measures \
                or after is not None and after.kind == "concept":   # "by unplanned downtime hours": a measure's filter
            return False
        f = _one(it, "filter")
        if f is None or f.name not in self.lex.filters or singular(it.text.split()[-1].lower()) in MONEY_WORDS:
            return False                 # "by late fees": their count or their money?
        if _one(it, "metric") is not None:
            return False                 # "top 5 providers by visits", a metric too: ranked by the metric
        # the filter itself is read next, as a condition
        self.r.measures.append(Measure("rows", f.table, "count"))
        self.r.orders[-1] = Order(self.r.orders[-1].desc, measure=len(self.r.measures) - 1)
        return True

    def _ranked_by_child_total(self, c: ColRef, pending: int) -> bool:
        """'top 5 procedures by charge amount': each procedure ranked by the total of its charges' amounts,
        not five charge rows. Only an amount (vocabulary `amount_words`) adds up; another number of the
        rows below (a rate, a date) is declined: its total, its average or one row's?"""
        tables = {e[0] for e in self.r.entities}
        if len(tables) != 1 or c.table in tables or self.r.measures or self.r.dims:
            return False
        try:
            path = self.graph.path(c.table, next(iter(tables)))
        except Ambiguous:
            return False
        if not path or not all_up(path):
            return False
        words = self.info(c.table).column_words.get(c.column, ())
        if not self.is_numeric(c) or not set(words) & _AMOUNTS:
            raise NotUnderstood("I could not tell how to rank each by a number of other rows: its total, its "
                                "average or one row's?", (" ".join(words),))
        self.r.measures.append(Measure("agg", c.table, "sum", col=c))
        self.r.orders[pending] = Order(self.r.orders[pending].desc, measure=len(self.r.measures) - 1)
        return True

    def _order(self, j: int) -> None:
        words = self.seq[j].text.lower().split()
        if len(words) == 1:
            # "sort employee names by age": the key comes after "by"; what follows "sort" is shown
            self.r.orders.append(Order(False))
            return
        nxt = self.at(j + 1)
        keyed = self._target(j + 2) if nxt is not None and nxt.has("dir") and (j + 1) not in self.used else None
        if keyed is not None and nxt is not None:
            # "ordered by ascending age": the direction before the key
            self.used.add(j + 1)
            desc = nxt.arg("dir") == "desc"
            if keyed[0] == "column":
                self.r.orders.append(Order(desc, col=keyed[1]))
                return
            self.r.measures.append(self._measure("sum", False, keyed, self.seq[j].text))
            self.r.orders.append(Order(desc, measure=len(self.r.measures) - 1))
            return
        target = self._target(j + 1)
        if target is None and nxt is not None and nxt.has("agg") and self.r.measures \
                and self._target(j + 2) is None:
            # "count customers by nation, sorted by count": by the measure already asked for
            self.used.add(j + 1)
            self.r.orders.append(Order(False, measure=len(self.r.measures) - 1))
            return
        if target is None:
            if self.seq[j].has("stop") or (nxt is not None and nxt.has("agg") and not self.r.measures):
                return                   # "sorted by count": the count is read next, as a sort key
            raise NotUnderstood("I could not tell what to sort by.", (self.seq[j].text,))
        if target[0] == "column":
            self.r.orders.append(Order(False, col=target[1]))
        else:
            self.r.measures.append(self._measure("sum", False, target, self.seq[j].text))
            self.r.orders.append(Order(False, measure=len(self.r.measures) - 1))
