"""Edits of the previous frame's measure: another metric or aggregate instead ("average instead", "units in
stock instead"), or one beside it ("put revenue next to it"). Used by ``conversation.apply_edit``.
"""

from __future__ import annotations

from dataclasses import replace

import sqlglot
from sqlglot import exp

from nl2sql.planner.conversation_rows import _same_named, reaches
from nl2sql.planner.edit_dates import date_column
from nl2sql.planner.edits import Edit
from nl2sql.planner.frame_amounts import _counts_rows as counts_rows_sql
from nl2sql.planner.joins import JoinGraph
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import ColRef, Dim, Measure, Order, QuerySpec
from nl2sql.planner.words import word_list


def _picked_by_old(spec: QuerySpec, new: Measure, adding: bool) -> None:
    """'how many orders did each of them place' after 'customers with more than 500,000 in revenue': the rows were
    picked by the measure the follow-up replaces; its test cannot hold the new one (declined)."""
    if spec.having and not adding:
        raise NotUnderstood("Those rows were picked by the previous measure; ask about them by name, or add the new "
                            "measure beside it.", (new.metric or new.table,))


def edit_measure(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec:
    if edit.metric is not None and (edit.ranked and [(m.kind, m.metric) for m in spec.measures] == [
            ("metric", edit.metric.name)] or not edit.adding and _restates_count(spec, edit.metric, lex)):
        edit = replace(edit, metric=None)   # "which one owes the most" (ranked by it); "now just seat enrollments"
    new: Measure | None = None
    if edit.metric is not None:
        new = Measure("metric", edit.metric.table, metric=edit.metric.name)
    elif edit.measure_col is not None:
        concept, fn = edit.measure_col
        if concept.table != spec.base and not reaches(replace(spec, conditions=(), dims=(
                Dim(ColRef(concept.table, concept.column or "")),)), spec.base, graph):
            # "their average account balance" of suppliers, where the words first found the customers'
            same = _same_named(lex, spec.base, concept.table, concept.column or "")
            concept = replace(concept, table=spec.base, column=same) if same else concept
        info = lex.tables[concept.table]
        if fn in ("sum", "avg", "median") and (concept.column not in info.numeric or concept.column in info.keys):
            raise NotUnderstood("That aggregate needs a numeric column.", (concept.column or "",))
        new = Measure("agg", concept.table, fn, col=ColRef(concept.table, concept.column or ""))
    elif edit.count_of is not None and not edit.per_previous:
        # "what about the number of orders?" instead of revenue; "put the number of orders next to it" beside it
        new = Measure("rows", edit.count_of, "count")
    if new is not None:
        adding = edit.adding or edit.adding_if_same and _fits_beside(spec, new, graph, lex)
        swapped = _swap_measure(spec, new, adding, graph, lex)
        # "how many of them made a booking": a period of the rows referred to stays theirs
        return swapped if adding or edit.anaphora else _redated(spec, swapped, lex, graph)
    if edit.fn is None:
        return spec
    if edit.rank_of and not any((d.col.table, d.col.column) in {(c.table, c.column or "") for c in edit.rank_of}
                                or d.col.table in {c.table for c in edit.rank_of if c.kind == "table"} for d in spec.dims):
        raise NotUnderstood("The previous answer is not grouped by what the follow-up ranks.",
                            tuple(c.column or c.table for c in edit.rank_of))
    if edit.rank_grain and not any((d.grain or "").replace("_start", "") == edit.rank_grain for d in spec.dims):
        raise NotUnderstood("The previous answer is not a series by that period.", (edit.rank_grain,))
    if edit.ranked and not edit.plural_ref and spec.dims and spec.measures and not spec.limit:
        # "which one is highest" after a breakdown: the first group by the measure ("which of those are
        # the biggest" may name an attribute of the rows instead: not read so)
        return replace(spec, order=(Order(edit.fn == "max", measure=0),), limit=1)
    if edit.fn in ("max", "min") and spec.order and spec.order[0].measure is not None and spec.limit:
        # "and the least?" after "which region had the most revenue": the other end of the ranking
        return replace(spec, order=(replace(spec.order[0], desc=edit.fn == "max"),) + spec.order[1:])
    aggs = [a for a in (_as_aggregate(m, lex) for m in spec.measures)
            if a is not None and a.kind == "agg" and a.col is not None]
    if len(spec.measures) != 1 or not aggs or edit.fn == "count" or aggs[0].col is None:
        raise NotUnderstood("I cannot apply that aggregate to the previous measure.", (edit.fn,))
    m, col = aggs[0], aggs[0].col
    info = lex.tables[col.table]
    if edit.fn in ("sum", "avg", "median") and (col.column not in info.numeric or col.column in info.keys):
        raise NotUnderstood("That aggregate needs a numeric measure.", (edit.fn,))
    return replace(spec, measures=(replace(m, fn=edit.fn),))


def _swap_measure(spec: QuerySpec, new: Measure, adding: bool, graph: JoinGraph, lex: Lexicon) -> QuerySpec:
    """The new measure instead of the previous one (or beside it, for "next to it")."""
    _picked_by_old(spec, new, adding)
    if adding:
        if not _fits_beside(spec, new, graph, lex):
            raise NotUnderstood("I can only put a measure of the same rows beside the previous one.", ())
        if new.table != spec.base:
            # "put their order count next to it" beside revenue of line items: each order counted once
            new = Measure("rows", new.table, "count")
        if any(_same_measure(m, new, lex) for m in spec.measures):
            # "put the number of appointments next to it" beside that very count: the words meant another
            # measure than the one shown (the answer they followed was not this one)
            raise NotUnderstood("That measure is already in the answer.", (new.metric or new.table,))
        return replace(spec, measures=spec.measures + (new,))
    if len(spec.measures) != 1 or not reaches(spec, new.table, graph):
        raise NotUnderstood("I can only swap one measure for another whose rows reach the same filters "
                            "and groupings.", (new.metric or new.table,))
    # the ranking by the measure stays first (a tie-break by name after it stays after it)
    order = tuple(o for o in spec.order if o.measure is None or o.measure == 0)
    return replace(spec, base=new.table, measures=(new,), order=order)


def _fits_beside(spec: QuerySpec, new: Measure, graph: JoinGraph, lex: Lexicon) -> bool:
    """Whether a measure can stand beside the previous ones: of the same rows, or a count of rows they reach."""
    other = replace(spec, conditions=(), dims=(Dim(ColRef(new.table, "")),))
    return bool(spec.measures) and (new.table == spec.base or _counts(new, lex) and reaches(other, spec.base, graph))


def _redated(old: QuerySpec, new: QuerySpec, lex: Lexicon, graph: JoinGraph) -> QuerySpec:
    """'show the average daily rate instead' after rentals by pickup date in 2024: a period on the date the
    previous rows were dated by when none was named moves to the date the new measure's rows are dated by, as
    the new measure asked on its own would be (a date the question named stays; not said of "them", whose
    period says which rows they are)."""
    ranges = [c for c in new.conditions if c.kind == "range" and c.col is not None]
    if old.base == new.base or len({c.col for c in ranges}) != 1:
        return new
    try:
        was, now = date_column(old, lex, graph, ""), date_column(new, lex, graph, "")
    except NotUnderstood:
        return new
    if ranges[0].col != was or now == was:
        return new
    return replace(new, conditions=tuple(replace(c, col=now, table=now.table) if c in ranges else c
                                         for c in new.conditions))


def _same_measure(a: Measure, b: Measure, lex: Lexicon) -> bool:
    """Whether two measures compute the same number (a count of the same rows, one aggregate of one column)."""
    if _counts(a, lex) and _counts(b, lex):
        return a.table == b.table
    x, y = _as_aggregate(a, lex), _as_aggregate(b, lex)
    return x is not None and y is not None and (x.kind, x.fn, x.col, x.metric) == (y.kind, y.fn, y.col, y.metric)


def _counts(m: Measure, lex: Lexicon) -> bool:
    """Whether the measure counts the rows of its table (a count, or a metric that is COUNT(*))."""
    return m.kind == "rows" or (m.kind == "metric" and m.metric in lex.metrics
                                 and counts_rows_sql(lex.metrics[m.metric].sql))


def _as_aggregate(m: Measure, lex: Lexicon) -> Measure | None:
    """A metric that is one aggregate of one column (SUM(l_quantity)) as that aggregate, so that another
    aggregate of the same column can replace it ("and the average?")."""
    if m.kind != "metric":
        return m
    try:
        node = sqlglot.parse_one(lex.metrics[m.metric].sql, read=lex.dialect)
    except (sqlglot.errors.SqlglotError, KeyError):
        return None
    fn = next((name for kind, name in ((exp.Sum, "sum"), (exp.Avg, "avg"), (exp.Min, "min"), (exp.Max, "max"))
               if isinstance(node, kind)), None)
    if fn is None or not isinstance(node.this, exp.Column) or m.table not in lex.tables:
        return None
    column = next((c.name for c in lex.tables[m.table].table.columns if c.name.lower() == node.this.name.lower()),
                  None)
    return Measure("agg", m.table, fn, col=ColRef(m.table, column)) if column else None


def amount_instead(spec: QuerySpec, edit: Edit, lex: Lexicon) -> Concept | None:
    """The one column named with "instead" (or added: "add the amount recovered") after a measure by groups, when
    it is an amount of the measured rows (shown as currency, or named with an amount word): the new measure is its
    total."""
    if not ((edit.regroup or edit.adding) and spec.measures and spec.dims and len(edit.columns) == 1) \
            or edit.metric is not None or edit.measure_col is not None or edit.groups or edit.grains:
        return None
    mine = [c for c in edit.columns[0] if c.table == spec.base and c.column]
    if len(mine) != 1:
        return None
    info, col = lex.tables[spec.base], mine[0].column or ""
    fmt = next((c.format for c in info.table.columns if c.name == col), None)
    if col not in info.numeric or col in info.keys or not (
            fmt == "currency" or set(info.column_words.get(col, ())) & set(word_list("amount_words"))):
        return None
    return mine[0]


def _restates_count(spec: QuerySpec, metric: Concept, lex: Lexicon) -> bool:
    """Whether a metric that counts its table's rows ("number of enrollments") names what the spec's one measure
    counts already (the enrollments' rows), so a follow-up saying it only names the rows again."""
    return len(spec.measures) == 1 and (spec.measures[0].kind, spec.measures[0].fn) == ("rows", "count") \
        and spec.measures[0].table == metric.table and (m := lex.metrics.get(metric.name)) is not None \
        and counts_rows_sql(m.sql)
