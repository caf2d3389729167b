"""From matched phrases to a query: measures, groupings, filters, ordering and limits.

The reader walks the question's phrases left to right; each function word claims the phrases it
governs ("average" + a column, "by" + a dimension, "above" + a number). Whatever no rule claims, and
is not a plain stop word, is reported so that the planner abstains rather than guesses.
"""


from __future__ import annotations

import sqlglot
from sqlglot import exp

from nl2sql.planner.intent_compare import ComparisonSteps
from nl2sql.planner.intent_concepts import ConceptSteps
from nl2sql.planner.frame import Frame
from nl2sql.planner.intent_order import GroupingSteps
from nl2sql.planner.intent_echo import echoes_measure
from nl2sql.planner.intent_spread import spread_over_column
from nl2sql.planner.intent_when import dates_compared, when_date
from nl2sql.planner.joins import Ambiguous, all_up
from nl2sql.planner.reading import (  # noqa: F401  (NotUnderstood and Reading are re-exported)
    NotUnderstood as NotUnderstood,
    Reading as Reading,
    _one,
    _plural,
    _raw_words,
    _stem,
    significant,
)
from nl2sql.planner.spec import Measure, Order
from nl2sql.planner.lexicon import Concept
from nl2sql.planner.intent_durations import days_between, period_date_unsaid
from nl2sql.planner.timefilters import find_periods
from nl2sql.planner.vocabulary import CueKind
from nl2sql.planner.words import word_list

# Superlatives of time after "when": whether they ask for the latest date.
# articles and the like between "of" and what it governs ("the name of all the makers")
_OF_FILLERS = frozenset(word_list("of_fillers"))
_WHEN_EXTREMES = {w: latest for latest, key in ((True, "latest"), (False, "earliest"))
                  for w in word_list("when_extremes", key)}


class Reader(GroupingSteps, ComparisonSteps, ConceptSteps):
    """One reading of a question; its steps (rankings, groupings, comparisons, concepts) live in their own
    modules, its state in ``intent_base.ReaderBase``."""


    # ---- helpers -------------------------------------------------------------------------------

    # ---- the walk ------------------------------------------------------------------------------
    def read(self) -> Frame:
        periods, used = find_periods(self.seq, self._raw_words)
        self.r.periods = periods
        for p in periods:          # "revenue in 1996 and 1997": one row per year (frame_rules.period_grains)
            if p.each == "pair":
                raise NotUnderstood("I can only put two whole years one after the other side by side.", (p.text,))
        self.used |= used
        self._merge_adjacent()
        self.values_of_rows_after()
        if (days := days_between(self.seq, self.lex, self.graph)) is not None:   # "days between X and Y"
            self.r.measures.append(days[0])
            self.used |= days[1]
            said = [_stem(w) for j in days[1] for w in self.seq[j].text.lower().split()]
            # its dates' words name no period's date ("... from ship to receipt, shipments in 1997")
            self.r.free_words = tuple(w for n, w in enumerate(self.r.free_words)
                                      if self.r.free_words[:n + 1].count(w) > said.count(w))
            if periods and period_date_unsaid(self.r.free_words, self.lex):
                raise NotUnderstood("Which date is the period on: one of those two, or another?",
                                    tuple(p.text for p in periods))
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
        self._no_column_of_column()
        return self.r.freeze()

    def _no_column_of_column(self) -> None:
        """'the name of the makers' when 'makers' names a column (Maker) of the same rows as 'name' (FullName):
        "of" makes the second word whose the first is, not a second column to show; which column names
        the rows is a guess, so decline naming the second word."""
        shown = sorted((pos, ref) for ref, pos in self.r.projections if pos >= 0)
        for (i, a), (k, b) in zip(shown, shown[1:]):
            between = self._raw_words[self.seq[i].end:self.seq[k].start]
            if a.table == b.table and a != b and between[:1] == ["of"] and all(w in _OF_FILLERS for w in between[1:]):
                raise NotUnderstood("“… of …” names whose the first column is, but the second word is a column of the "
                                    "same rows; name the one column to show.", (self.seq[k].text,))

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
            if c is not None and (owner := _one(self.seq[j + 1], "table")) is not None and owner.table == c.table:
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
        if it.kind in ("concept", "unknown") and (when := when_date(self.seq, j, self._raw_words, self.lex,
                                                        {t for t, _, _ in self.r.entities})) is not None:
            self.r.date_cols.append((when, j))      # "… and when they closed": the closing date, shown
            return None
        if echoes_measure(it, self._raw_words[:it.start], bool(self.r.measures or self.r.extremes or self.r.orders)):
            return self._show_ranked()       # "..., with the amounts": the measure, shown
        if it.kind == "unknown":
            return self._unknown(j)
        if it.kind == "number":
            return self._number(j)
        if it.kind == "date":
            self.used.discard(j)
            return
        if it.kind == "literal":
            return self._literal(j)
        if it.kind == "concept":
            self._concept(j)
            # "gender split of the members": one row per gender, counted
            return spread_over_column(self.r, it, j, self._raw_words, self.lex)
        self._cue(j)

    def _show_ranked(self) -> None:
        """'which 2 members had the highest credit volume, with their totals': what the rows are ranked by is shown."""
        for _desc, target, _pos in self.r.extremes[-1:]:
            m = Measure("metric", target[1].table, metric=target[1].name) if target[0] == "metric" and isinstance(
                target[1], Concept) else Measure("rows", target[1], "count") if target[0] == "table" and isinstance(
                target[1], str) else None
            if m is not None and m not in self.r.measures:
                self.r.measures.append(m)

    def _unknown(self, j: int) -> None:
        """A word no index knows: a date's verb ("shipped"), a code after its column, a relation's verb, or
        left unused (so the planner names it when it abstains)."""
        it = self.seq[j]
        hints = self.lex.date_hints.get(_stem(it.text))
        if hints:
            self.r.date_hints.extend(sorted(hints))
            return
        if (own := self._new_rows(j)) is not None:
            self.r.date_hints.append(own)
            return
        if self._code_after_column(j) or self._relation_verb(it.text, j) or self._sign(j):
            return
        self.used.discard(j)

    def _cue(self, j: int) -> None:
        """A function word: the step its kind calls for (vocabulary.yaml ``cues``), first kind first."""
        it = self.seq[j]
        kinds = {c.kind for c in it.cues}
        if "neg" in kinds:
            self.neg_at = j
        elif "mode" in kinds:
            self._mode(j)
        elif "per_value" in kinds:
            self.r.per_value = True          # "AUTOMOBILE and FURNITURE, each separately": one row per value
        elif "trend" in kinds:
            self.r.trend = True              # "did it go up from 2024 to 2025": frame_rules.trend_over_years
        elif "agg" in kinds:
            self._aggregate(j)
        elif "top" in kinds and self._top(j):
            pass
        elif "top" in kinds and "extreme" not in kinds:
            self._first_or_last(j)
        elif "extreme" in kinds and self._raw_words[:1] == ["when"] and it.text.lower() in _WHEN_EXTREMES:
            self.r.when.append(_WHEN_EXTREMES[it.text.lower()])   # "when was the most recent order"
        elif "extreme" in kinds and self.neg_at is None and self._ranked_by(j):
            pass                                  # "which 3 brands are the highest by revenue"
        elif "extreme" in kinds:
            self._extreme(j)
        elif "share" in kinds:
            self._share_cue(j)
        elif "grain" in kinds:
            self.r.unit_dims.append(it.arg("grain"))
            self.grain_and(j)
        elif "group" in kinds:
            self._group(j)
        elif "order" in kinds:
            self._order(j)
        elif "time_dir" in kinds:
            self.r.time_desc = it.arg("time_dir") == "desc"     # "oldest year first": the periods' own order
        elif "dir" in kinds:
            self._direction(j)
        elif "cmp" in kinds or "cmp_post" in kinds:
            self._compare(j)
        elif "contains" in kinds:
            self._contains(j)
        elif kinds & {"distinct", "star", "unit", "month", "numword"}:
            self._marker(j, kinds)
        elif "date_cmp" in kinds and (found := dates_compared(self.seq, j, self.used, self.r.date_hints, self.lex)):
            self.r.conditions.append(found)      # "shipped after their commit date"
        elif not kinds & {"and", "or", "stop", "list", "date_cmp"}:
            self.used.discard(j)

    def _marker(self, j: int, kinds: set[CueKind]) -> None:
        it = self.seq[j]
        if "distinct" in kinds:
            self.r.distinct = True
        elif "star" in kinds:
            self.r.star = True
        elif "unit" in kinds:
            self.r.unit_dims.append(it.arg("unit"))
        elif "month" in kinds:
            self.r.months.append(int(it.arg("month")))
        else:
            self._number(j, float(it.arg("numword")))

    def _first_or_last(self, j: int) -> None:
        """'When was the first order placed': the earliest date; elsewhere "first"/"last" is unused."""
        it = self.seq[j]
        if self._raw_words[:1] != ["when"]:
            self.used.discard(j)
            return
        self.r.when.append(it.arg("top") == "asc")   # last = latest
        nxt = self.at(j + 1)
        if nxt is not None and nxt.has("numword") and nxt.text.lower() == "one":
            self.used.add(j + 1)         # "... and when was the last one"

    def _share_cue(self, j: int) -> None:
        it = self.seq[j]
        self.r.share = True
        self.r.percent = it.arg("share") == "percent"
        k = j + 1
        while k in self.used:            # "share of 2025 reservations": the period between
            k += 1
        t = self.table(k)
        m = _one(self.seq[k], "metric") if k < len(self.seq) else None
        if t and (m is None or _counts_rows(self.lex.metrics[m.name].sql)):
            # (a metric said as the table's noun, "share of 2025 downtime" for downtime hours: a share of it)
            self.used.add(k)
            self.r.share_table = t

    def _direction(self, j: int) -> None:
        """'descending', 'in ascending order of age': the direction of the key named next, or of the last."""
        it = self.seq[j]
        desc = it.arg("dir") == "desc"
        # "sort in ascending order of age": an order still waiting for its key takes the one named next
        waiting = bool(self.r.orders) and self.r.orders[-1] == Order(self.r.orders[-1].desc)
        key = self.col(j + 1) if "order" in it.text.lower() and (j + 1) not in self.used \
            and (not self.r.orders or waiting) and (nxt := self.at(j + 1)) is not None and nxt.kind == "concept" \
            and _one(nxt, "column") is not None else None
        if key is not None and key.column not in self.info(key.table).dates:
            # "in ascending order of age": the key follows the direction
            self.used.add(j + 1)
            if waiting:
                self.r.orders.pop()
            self.r.orders.append(Order(desc, col=key))
        elif self.r.orders:
            self.r.orders[-1] = Order(desc, self.r.orders[-1].measure, self.r.orders[-1].col,
                                      self.r.orders[-1].dim)
        else:
            self.r.orders.append(Order(desc))

    # ---- concepts --------------------------------------------------------------------------------


    # ---- function words --------------------------------------------------------------------------


def _counts_rows(sql: str) -> bool:
    """Whether a metric counts rows (``COUNT(*)``): a share of it is a share of the rows.

    >>> _counts_rows("COUNT(*)"), _counts_rows("SUM(dwn_min) / 60.0")
    (True, False)
    """
    try:
        return isinstance(sqlglot.parse_one(sql), exp.Count)
    except sqlglot.errors.ParseError:
        return False
