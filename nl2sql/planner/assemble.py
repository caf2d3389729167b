"""From a reading of the question to a query spec: the base table, what is shown, what is grouped,
which date column a period applies to, and the checks that keep measures from double counting.
"""

from __future__ import annotations

from dataclasses import replace

from catalog_semantics.text import stem
from nl2sql.planner.assemble_dates import _verb_of as _verb_of  # re-exported: followup.py uses it
from nl2sql.planner.assemble_list import ListingAssembler
from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.lexicon import Concept
from nl2sql.planner.lexicon_names import TableInfo
from nl2sql.planner.reading import Target, column_targets
from nl2sql.planner.spec import (
    ColRef,
    Measure,
    QuerySpec,
)
from nl2sql.planner.words import word_list

# words that ask for a count of rows, never an amount ("number of charges", "how many payments")
_COUNT_WORDS = frozenset(stem(w) for w in word_list("count_words"))


class Assembler(ListingAssembler):
    """From a reading of the question to a query spec (the steps are the parent classes, one module each)."""

    # ------------------------------------------------------------------------------------------
    def _rows_or_own_amount(self, table: str) -> Measure:
        """Rows counted per group, unless the table's noun is also its one amount's name and no word asks for
        a count: "charges per year" means the charge amount (said in the notes), "number of charges" a count
        (that reading has its count measure before this)."""
        col = own_amount(self.lex.tables[table])
        if col is None or any(w in _COUNT_WORDS for w in self.r.words):
            return Measure("rows", table, "count")
        words = " ".join(self.lex.tables[table].column_words[col])
        self.notes.append(f"{table} read as the total {words}; ask for the number of {table} to count them")
        return Measure("agg", table, "sum", col=ColRef(table, col))

    def _rank_groups_by_total(self) -> None:
        """'Which month had the highest consumption?': the group whose total is highest, not every group's
        largest single row; ranked by the one metric that adds the column up, else declined naming the word."""
        r = self.r
        targets: list[tuple[bool, Target, int]] = []
        for desc, col, pos in column_targets(r.extremes):
            names = [m.name for m in self.lex.metrics.values()
                     if m.table.lower() == col.table and _sums_column(m.sql, col.column, self.lex.dialect)]
            if len(names) != 1:
                word = "highest" if desc else "lowest"
                raise NotUnderstood("This asks which group is highest or lowest, but I do not know which total "
                                    "to rank the groups by.", (word,))
            targets.append((desc, ("metric", Concept("metric", col.table, name=names[0])), pos))
        self.r = replace(r, extremes=tuple(targets))

    def assemble(self) -> QuerySpec:
        r = self.r
        if r.when:
            return self._when()
        if r.date_cols and not r.periods and not r.unit_dims:
            # "the arriving date and the departing date of the dogs": dates to show, not to filter on
            self.r = r = replace(r, projections=tuple(sorted(r.projections + r.date_cols, key=lambda p: p[1])),
                                 date_cols=())
        if r.share:
            return self._share()
        if r.words[:1] == ("which",) and (r.dims or r.unit_dims) and r.extremes and not r.measures \
                and all(t[1][0] == "column" for t in r.extremes):
            self._rank_groups_by_total()
            r = self.r
        if (r.dims or r.unit_dims) and r.extremes and all(t[1][0] == "column" for t in r.extremes):
            # "the maximum weight for each type of pet": per group, not the single heaviest row
            measures = list(r.measures)
            for desc, obj, _pos in column_targets(r.extremes):
                m = Measure("agg", obj.table, "max" if desc else "min", col=obj)
                if m not in measures:            # "... List the maximum weight and pet type": named twice
                    measures.append(m)
            self.r = r = replace(r, measures=tuple(measures), extremes=())
        if not r.measures and not r.extremes and (r.dims or r.unit_dims) and (r.entities or r.conditions) \
                and not r.projections and all(d.col.column or d.col.table not in {e[0] for e in r.entities}
                                              for d in r.dims):
            # "open orders by priority", "customers per segment", "suppliers per nation": how many rows in
            # each group (a group that is a table is counted by its rows, named by its label)
            table = r.entities[0][0] if r.entities else next(
                (c.table for c in r.conditions if c.kind == "filter"), None)
            if any(not d.col.column and (d.col.table == table or len(r.entities) > 1) for d in r.dims):
                table = None                     # a table grouping needs one other thing counted
            if table is not None:
                self.r = r = replace(r, measures=r.measures + (self._rows_or_own_amount(table),),
                                     entities=tuple(e for e in r.entities if e[0] != table))
        if r.extremes and not (r.measures or r.projections or r.limit or r.orders or r.dims) \
                and len(r.entities) == 1 and (r.words[:1] == ("what",) or min(p for _d, _t, p in r.extremes) == 0) \
                and all(t[0] == "column" and t[1].table == r.entities[0][0] and r.entities[0][1] > pos
                        for _desc, t, pos in r.extremes):
            # "What is the minimum retail price of a product?": the value asked for, not the product
            self.r = replace(r, entities=())
            return self._scalar_extreme()
        if r.measures or any(t[1][0] in ("metric", "table", "measure") for t in r.extremes):
            return self._aggregate()
        if r.extremes and not self._subject() and not r.projections:
            return self._scalar_extreme()
        if (r.dims or r.unit_dims) and not (r.entities or r.projections or r.conditions or r.extremes or r.orders
                                            or r.periods or r.limit) and _starts_with_grouping(r.words):
            # "by ship mode" alone: a grouping of nothing (usually a follow-up asked without its question)
            raise NotUnderstood("Grouped by what it names, but nothing is counted or measured.", ())
        return self._listing()


def own_amount(info: TableInfo) -> str | None:
    """The one amount column named after its table ('charge amount' of charges, 'payment amount' of
    payments): what the table's noun means as a quantity ("lab charges per year" adds the charges up).
    """
    amounts = set(word_list("amount_words"))
    own = tuple(stem(w) for w in info.words)
    found = [c for c in info.numeric if c not in info.keys and len(info.column_words.get(c, ())) == len(own) + 1
             and tuple(stem(w) for w in info.column_words[c][:-1]) == own and info.column_words[c][-1] in amounts]
    return found[0] if len(found) == 1 else None


def _starts_with_grouping(stems: tuple[str, ...]) -> bool:
    """'by ship mode', 'per region': the question opens with a grouping word (not 'list each ...')."""
    from nl2sql.planner.vocabulary import cue_index

    cues = cue_index().get(stems[:1], ())
    return any(c.kind in ("group", "grain") for c in cues) and not any(c.kind == "list" for c in cues)


def _sums_column(sql: str, column: str, dialect: str) -> bool:
    """Whether a metric is ``SUM(column)``.

    >>> _sums_column("SUM(kwh_used)", "kwh_used", "duckdb"), _sums_column("AVG(amt)", "amt", "duckdb")
    (True, False)
    """
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:  # an unreadable metric is reported by the compiler
        return False
    return isinstance(tree, exp.Sum) and isinstance(tree.this, exp.Column) and tree.this.name.lower() == column.lower()
