"""From matched phrases to a query: measures, groupings, filters, ordering and limits.

The reader walks the question's phrases left to right; each function word claims the phrases it
governs ("average" + a column, "by" + a dimension, "above" + a number). Whatever no rule claims, and
is not a plain stop word, is reported so that the planner abstains rather than guesses.
"""


from __future__ import annotations

from nl2sql.planner.intent_compare import ComparisonSteps
from nl2sql.planner.intent_rank import RankingSteps
from nl2sql.planner.joins import Ambiguous, JoinGraph, all_up
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.matching import Item
from nl2sql.planner.reading import (  # noqa: F401  (NotUnderstood and Reading are re-exported)
    NotUnderstood,
    Reading,
    _one,
    _plural,
    _raw_words,
    _stem,
    significant,
)
from nl2sql.planner.spec import ColRef, Condition, Measure, Order
from nl2sql.planner.timefilters import find_periods
from nl2sql.planner.words import word_list

# Superlatives of time after "when": whether they ask for the latest date.
_WHEN_EXTREMES = {w: latest for latest, key in ((True, "latest"), (False, "earliest"))
                  for w in word_list("when_extremes", key)}


class Reader(RankingSteps, ComparisonSteps):
    """One reading of a question; the steps for rankings and comparisons live in their own modules."""

    def __init__(self, items: list[Item], lex: Lexicon, graph: JoinGraph) -> None:
        self.seq = significant(items)
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
        # words outside a phrase that names a column ("ship" of "ship mode" does not name the ship date)
        columns = [it for it in items if it.kind == "concept" and it.concepts
                   and all(c.kind == "column" for c in it.concepts)]
        self.r.free_words = tuple(_stem(w) for w in _raw_words([it for it in items if it not in columns]) if w)
        self.used: set[int] = set()
        self.neg_at: int | None = None

    # ---- helpers -------------------------------------------------------------------------------
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

    def info(self, table: str):
        return self.lex.tables[table]

    def is_numeric(self, ref: ColRef) -> bool:
        return ref.column in self.info(ref.table).numeric

    def take_neg(self) -> bool:
        if self.neg_at is not None:
            self.neg_at = None
            return True
        return False

    # ---- the walk ------------------------------------------------------------------------------
    def read(self) -> Reading:
        periods, used = find_periods(self.seq)
        self.r.periods = periods
        self.used |= used
        self._merge_adjacent()
        j = 0
        while j < len(self.seq):
            if j not in self.used:
                self._step(j)
            j += 1
        if self.neg_at is not None:
            raise NotUnderstood("I could not tell what the negation applies to.", (self.seq[self.neg_at].text,))
        if "both" in self._raw_words and len({t for t, _, _ in self.r.entities}) > 1:
            # "states that have both owners and professionals": what two tables have in common
            raise NotUnderstood("“both … and …” asks for what two things have in common; I cannot "
                                "intersect them yet.", ("both",))
        leftovers = [self.seq[j].text for j in range(len(self.seq)) if j not in self.used]
        if leftovers:
            raise NotUnderstood("Some words did not map to anything in the data.", tuple(leftovers))
        return self.r

    def _merge_adjacent(self) -> None:
        """'customer region' and 'supplier country': a table right before another table (or a column
        of another table) that it reaches many-to-one names the join path."""
        for j in range(len(self.seq) - 1):
            c = _one(self.seq[j], "column")
            nxt_text = self.seq[j + 1].text.lower()
            if c is not None and nxt_text in ("name", "names") and self.seq[j].end == self.seq[j + 1].start \
                    and c.column not in self.info(c.table).numeric and c.column not in self.info(c.table).keys:
                self.used.add(j + 1)
                continue
            if c is not None and _one(self.seq[j + 1], "table") and _one(self.seq[j + 1], "table").table == c.table:  # type: ignore[union-attr]
                self.owned.add(j + 1)
            t = self.table(j)
            if t is None or self.seq[j].end != self.seq[j + 1].start:
                continue                 # only words written together: "customer region", "client segment"
            nxt = self.seq[j + 1]
            target = _one(nxt, "table") or _one(nxt, "column")
            if target is None or target.kind == "table" and target.table == t:
                continue
            if target.table == t:
                self.qualifiers.add(j)   # 'client segment': the table says whose column it is
                continue
            try:
                path = self.graph.path(t, target.table)
            except Ambiguous:
                continue
            if path and all_up(path):
                self.r.vias[j + 1] = t
                self.via_tables.add(j)

    def _step(self, j: int) -> None:
        it = self.seq[j]
        self.used.add(j)
        if it.kind == "unknown":
            hints = self.lex.date_hints.get(_stem(it.text))
            if hints:
                self.r.date_hints.extend(sorted(hints))
                return
            if self._code_after_column(j) or self._relation_verb(it.text):
                return
            self.used.discard(j)
            return
        if it.kind == "number":
            return self._number(j)
        if it.kind == "date":
            self.used.discard(j)
            return
        if it.kind == "literal":
            return self._literal(j)
        if it.kind == "concept":
            return self._concept(j)
        cue = it.cues
        kinds = {c.kind for c in cue}
        if "neg" in kinds:
            self.neg_at = j
        elif "mode" in kinds:
            self._mode(j)
        elif "per_value" in kinds:
            self.r.per_value = True          # "AUTOMOBILE and FURNITURE, each separately": one row per value
        elif "agg" in kinds:
            self._aggregate(j)
        elif "top" in kinds and self._top(j):
            pass
        elif "top" in kinds and "extreme" not in kinds:
            if self._raw_words[:1] == ["when"]:
                # "When was the first order placed": the earliest date
                self.r.when.append(it.cue("top").arg == "asc")   # type: ignore[union-attr]  # last = latest
                nxt = self.at(j + 1)
                if nxt is not None and nxt.has("numword") and nxt.text.lower() == "one":
                    self.used.add(j + 1)         # "... and when was the last one"
            else:
                self.used.discard(j)
        elif "extreme" in kinds and self._raw_words[:1] == ["when"] and it.text.lower() in _WHEN_EXTREMES:
            self.r.when.append(_WHEN_EXTREMES[it.text.lower()])   # "when was the most recent order"
        elif "extreme" in kinds:
            self._extreme(j)
        elif "share" in kinds:
            self.r.share = True
            self.r.percent = it.cue("share").arg == "percent"  # type: ignore[union-attr]
            t = self.table(j + 1)
            if t:
                self.used.add(j + 1)
                self.r.share_table = t
        elif "grain" in kinds:
            self.r.unit_dims.append(it.cue("grain").arg)  # type: ignore[union-attr]
        elif "group" in kinds:
            self._group(j)
        elif "order" in kinds:
            self._order(j)
        elif "dir" in kinds:
            desc = it.cue("dir").arg == "desc"  # type: ignore[union-attr]
            key = self.col(j + 1) if "order" in it.text.lower() and (j + 1) not in self.used \
                and not self.r.orders and (nxt := self.at(j + 1)) is not None and nxt.kind == "concept" \
                and _one(nxt, "column") is not None else None
            if key is not None and key.column not in self.info(key.table).dates:
                # "in ascending order of age": the key follows the direction
                self.used.add(j + 1)
                self.r.orders.append(Order(desc, col=key))
            elif self.r.orders:
                self.r.orders[-1] = Order(desc, self.r.orders[-1].measure, self.r.orders[-1].col,
                                          self.r.orders[-1].dim)
            else:
                self.r.orders.append(Order(desc))
        elif "cmp" in kinds or "cmp_post" in kinds:
            self._compare(j)
        elif "contains" in kinds:
            self._contains(j)
        elif "distinct" in kinds:
            self.r.distinct = True
        elif "star" in kinds:
            self.r.star = True
        elif "unit" in kinds:
            self.r.unit_dims.append(it.cue("unit").arg)  # type: ignore[union-attr]
        elif "month" in kinds:
            self.r.months.append(int(it.cue("month").arg))  # type: ignore[union-attr]
        elif "numword" in kinds:
            self._number(j, float(it.cue("numword").arg))  # type: ignore[union-attr]
        elif kinds & {"and", "or", "stop", "list", "date_cmp"}:
            return
        else:
            self.used.discard(j)

    # ---- concepts --------------------------------------------------------------------------------
    def _concept(self, j: int) -> None:
        it = self.seq[j]
        kinds = {c.kind for c in it.concepts}
        if kinds <= {"value", "valueword"}:
            if all(c.column != self._prev_column(j) for c in it.concepts) and self._code_after_column(j):
                return                   # "template type code CV": the value of the column just named
            return self._value(j)
        nxt = self.at(j + 1)
        compared = nxt is not None and (j + 1) not in self.used and (
            nxt.has("cmp") and not nxt.has("date_cmp") or nxt.kind in ("number", "literal"))
        f = _one(it, "filter")
        if f is not None and compared and not any(c.kind == "column" for c in it.concepts):
            # "with a discount between 5% and 7%": the discount column, not the 'discounted' filter
            last = self.lex.names.get((_stem(it.text.split()[-1]),), [])
            cols = [c for c in last if c.kind == "column" and c.table == f.table]
            if len(cols) == 1:
                self.r.projections.append((ColRef(cols[0].table, cols[0].column), j))
                self.seq[j] = type(it)(it.kind, it.start, it.end, it.text, concepts=(cols[0],))
                return
        if f is not None and not compared:
            cond = Condition("filter", f.table, filter_name=f.name, negated=self.take_neg(), text=it.text)
            (self.r.share_conditions if self.r.share else self.r.conditions).append(cond)
            return
        m = _one(it, "metric")
        if m is not None and not compared:
            measure = Measure("metric", m.table, metric=m.name)
            if self.r.measures and self.r.measures[-1] == measure and (j - 1) in self.used:
                raise NotUnderstood(f"“{self.seq[j - 1].text} {it.text}” is not a measure I know.",
                                    (self.seq[j - 1].text, it.text))
            self.r.measures.append(measure)
            self.measure_items.add(j)
            return
        if j in self.via_tables:
            return                       # 'customer' in 'customer region': the path, read by the next item
        t = self.table(j, current=True)
        if t is not None:
            self._entity(j, t)
            return
        c = self.col(j, current=True)
        if c is not None:
            if c.column in self.info(c.table).dates:
                self.r.date_cols.append((c, j))
            else:
                self.r.projections.append((c, j))
                if set(it.text.lower().split()) & {"id", "ids", "key", "code", "number", "no"}:
                    self.r.as_named.append(c)      # "owner id": the id itself, not the owner's name
            return
        self.used.discard(j)

    def _column_context(self, j: int) -> bool:
        return False

    def _entity(self, j: int, table: str) -> None:
        nxt = self.at(j + 1)
        pk = self.info(table).pk
        if nxt is not None and nxt.kind == "number" and (j + 1) not in self.used and len(pk) == 1 \
                and self.seq[j].end == nxt.start and nxt.number == int(nxt.number or 0):
            # "part 100", "order 42": the row with that key
            self.used.add(j + 1)
            key = ColRef(table, pk[0])
            self.r.conditions.append(Condition("in", table, key, "in", (int(nxt.number or 0),),
                                               text=f"{self.seq[j].text} {nxt.text}"))
        neg = self.take_neg()
        word = self.seq[j].text.lower().split()[-1]
        plural = word.endswith("s") and not word.endswith("ss") and not self._singular_verb_after(j)
        if neg:
            self.r.existence.append((table, True, j))
        else:
            self.r.entities.append((table, j, plural))
            prev = self.at(j - 1)
            if prev is not None and prev.kind == "cue" and prev.has("and"):
                self.r.after_and.add(j)

    def _code_after_column(self, j: int) -> bool:
        """'orders with status F', 'students with sex M': a short code right after its column, when
        it is one of the column's values."""
        prev = self.at(j - 1)
        c = _one(prev, "column") if prev is not None and prev.kind == "concept" else None
        if c is None or c.column is None:
            return False
        column = self.info(c.table).table.column(c.column)
        values = {v.lower(): v for v in (column.sample_values if column else ())}
        value = values.get(self.seq[j].text.lower())
        if value is None:
            return False
        ref = ColRef(c.table, c.column, self.r.vias.get(j - 1))
        self.r.projections = [p for p in self.r.projections if p[1] != j - 1]
        self.r.conditions.append(Condition("in", c.table, ref, "in", (value,), negated=self.take_neg(),
                                           text=f"{prev.text} {self.seq[j].text}"))  # type: ignore[union-attr]
        return True

    def _prev_column(self, j: int) -> str | None:
        prev = self.at(j - 1)
        c = _one(prev, "column") if prev is not None and prev.kind == "concept" else None
        return c.column if c is not None else None

    def _relation_verb(self, word: str) -> bool:
        """'parts supplied by ...', 'orchestras conducted by ...', 'students enrolled in ...': a verb
        whose stem begins a table's name only says how the tables relate, which the joins already do."""
        stem = _stem(word)
        if len(stem) < 4:
            return False
        table_words = {w for info in self.lex.tables.values() for w in info.words}
        if word.lower().endswith(("ed", "ing")):
            return any(w.startswith(stem) and w != stem for w in table_words)
        # "teach" / teacher, "conduct" / conductor: the verb of a table named for who does it
        return any(w in (stem + "er", stem + "or", stem + "ers", stem + "ors") for w in table_words)

    def _singular_verb_after(self, j: int) -> bool:
        """'Which of the countries has the most ...' asks for one country."""
        end = self.seq[j].end
        return any(t in ("has", "is", "was", "does") for t in self._raw_words[end:end + 3])

    def _value(self, j: int) -> None:
        it = self.seq[j]
        concepts = it.concepts
        columns = {(c.table, c.column) for c in concepts}
        if len(columns) > 1:
            raise NotUnderstood("A value matches more than one column; say which one.", (it.text,))
        table, column = next(iter(columns))
        if concepts[0].kind == "valueword":
            self.r.conditions.append(Condition("contains", table, ColRef(table, column, self.r.vias.get(j)),
                                               "contains", (concepts[0].value,), negated=self.take_neg(),
                                               text=it.text))
            self.r.weak += 1
            self._absorb_column(column, (j - 1, j + 1))   # "'green' in the name", "name contains green"
            return
        values = [concepts[0].value]
        neg = self.take_neg()
        k = j + 1
        while True:
            conj = self.at(k)
            nxt = self.at(k + 1)
            if conj is None or nxt is None or not conj.has("and", "or") or k + 1 in self.used:
                break
            cs = nxt.concepts if nxt.kind in ("concept", "literal") else ()
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
        # "building segment", "segment building", "ship mode air": the column named next to its value
        before = j - 2 if self.at(j - 1) is not None and self.at(j - 1).has("neg") else j - 1  # type: ignore[union-attr]
        for n in (before, k):
            other = self.at(n)
            if other is not None and _one(other, "column") and _one(other, "column").column == column \
                    and (n not in self.used or any(p[1] == n for p in self.r.projections)):  # type: ignore[union-attr]
                self.used.add(n)
                self.r.projections = [p for p in self.r.projections if p[1] != n]
        self.r.conditions.append(Condition("in", table, ColRef(table, column, self.r.vias.get(j)), "in",
                                           tuple(values), negated=neg, text=it.text))
        if it.fuzzy:
            self.r.fuzzy += 1

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
            ref = ColRef(after_col.table, after_col.column, self.r.vias.get(j + 1))
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
                before = len(self.r.projections)
                self.r.projections = [p for p in self.r.projections if p[1] != n]
                if len(self.r.projections) == before and n not in self.used:
                    pass
                return ColRef(c.table, c.column, self.r.vias.get(n))
            if not (it.kind == "cue" and it.has("neg")):
                return None
        return None

    # ---- function words --------------------------------------------------------------------------
