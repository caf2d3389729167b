"""What a follow-up's edit means against the previous frame, settled before it applies: a count of "them" or
"those", a phrase that names both a column and a metric, an amount named "instead" after a count."""

from __future__ import annotations

from dataclasses import replace

from catalog_semantics.text import stem, words

from nl2sql.planner.conversation_rows import count_them, rows_of
from nl2sql.planner.edit_conditions import edit_values
from nl2sql.planner.edit_measures import amount_instead
from nl2sql.planner.edits import Edit, GroupEdit
from nl2sql.planner.joins import JoinGraph, up_from
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import QuerySpec
from nl2sql.planner.told_dates import own_date
from nl2sql.planner.words import phrases


def settle_edit(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph,
                question: str = "") -> tuple[QuerySpec, Edit]:
    """What an edit that could say two things means against this frame: a count of "them" or "those", a phrase
    that names both a column and a metric, an amount named "instead" after a count, rows asked for inside a
    value of the grouping ("which countries in ASIA")."""
    edit = drill_down(spec, edit, graph, question)
    spec = filters_replaced(spec, edit)
    if edit.fn == "count" and (edit.groups or edit.grains) and not edit.values and not spec.measures:
        # "how many of them are there per country?" after a list: the listed rows counted, then grouped
        counted = count_them(spec, replace(edit, groups=(), grains=(), regroup=False), lex, graph)
        if counted is not None:
            spec, edit = counted, replace(edit, fn=None, anaphora=False)
    elif edit.fn == "count" and edit.anaphora and edit.values and not spec.measures:
        # "how many of them are contractors": the listed rows narrowed by the value, then counted
        spec, edit = edit_values(spec, edit.values, lex), replace(edit, values=())
    elif edit.fn == "count" and edit.anaphora and (edit.values or edit.filters) and rows_of(spec, lex):
        # "how many of those are urgent?" after a count of orders: the same count, narrowed (not a new filter
        # instead of the previous one, as "and urgent ones?" would be)
        edit = replace(edit, fn=None, replacing=False)
    elif edit.fn == "count" and edit.filters and spec.measures and not rows_of(spec, lex) \
            and {f.table for f in edit.filters} == {spec.base}:
        # "how many poor reviews did each hotel get?" after their average score: those rows counted instead
        edit = replace(edit, fn=None, count_of=spec.base)
        named = dated_by_name(spec, lex, graph)
        if named is not None:       # "late delivery rate in 1996" dated by receipt: a count of items is not
            raise NotUnderstood("The period was dated by the previous measure's name; say which date to count by.",
                                (named,))
    if edit.columns and edit.metric is not None:
        # a phrase that names a column and a metric ("units in stock"): the metric beside a measure, the
        # column beside a list of rows
        edit = replace(edit, columns=()) if spec.measures and (spec.dims or not rows_of(spec, lex)) \
            else replace(edit, metric=None)
    amount = amount_instead(spec, edit, lex)
    if amount is not None:      # "show their outstanding reserves instead" after a count: that amount, summed
        edit = replace(edit, columns=(), measure_col=(amount, "sum"))
    return spec, edit


def filters_replaced(spec: QuerySpec, edit: Edit) -> QuerySpec:
    """"returned items instead of late ones": the named filter after "instead of" goes (declined when the previous
    question had no such filter); "returned items instead" after late items: the one named filter of the new one's
    table goes (a new filter said "instead" stands in for the old, never beside it)."""
    named = {c.filter_name for c in spec.conditions if c.kind == "filter" and not c.negated}
    gone = {f.name for f in edit.replaced_filters}
    if gone - named:
        raise NotUnderstood("The follow-up replaces a filter the previous question did not have.",
                            tuple(sorted(gone - named)))
    if not gone and edit.regroup and len(edit.filters) == 1 and not edit.negated_filters:
        same = [c for c in spec.conditions if c.kind == "filter" and not c.negated and c.table == edit.filters[0].table]
        gone = {c.filter_name for c in same} if len(same) == 1 else set()
    return replace(spec, conditions=tuple(c for c in spec.conditions
                                          if not (c.kind == "filter" and not c.negated and c.filter_name in gone)))


def drill_down(spec: QuerySpec, edit: Edit, graph: JoinGraph, question: str) -> Edit:
    """"which countries in ASIA ..." after revenue by region: the rows named before the value (each belonging to
    one row of the value's table) become the grouping, filtered by the value; the grouping the value pins to one
    row gives way. Only when the follow-up asks for rows (vocabulary ``followup.row_questions``) and the previous
    answer is grouped by the value's column ("only suppliers from JAPAN" narrows, as before)."""
    said = tuple(stem(w) for w in words(question))
    if edit.groups or edit.grains or len(edit.values) != 1 or edit.values[0].negated or not edit.values[0].via \
            or not any(said[:len(p)] == p for p in phrases("followup", "row_questions")):
        return edit
    value, rows = edit.values[0], edit.values[0].via or ""
    cols = {(c.table, (c.column or "").lower()) for c in value.concepts}
    if len(cols) != 1 or not any((d.col.table, d.col.column.lower()) in cols for d in spec.dims if d.grain is None):
        return edit
    table = next(iter(cols))[0]
    if rows == table or any(d.col.table == rows for d in spec.dims) or not up_from(graph, rows, table):
        return edit
    group = GroupEdit((Concept("table", rows),), None, rows)
    return replace(edit, groups=(group,), values=(replace(value, via=None),))


def dated_by_name(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> str | None:
    """The word of a measured metric's name that names the date the frame's period is on, when the rows would
    not be dated so on their own ("delivery" of "late delivery rate in 1996": received in 1996, where line items
    have no date of their own; not "review" of "average review score" on reviews dated by review date)."""
    from nl2sql.planner.assemble import _verb_of

    own = own_date(lex, graph, spec.base)
    dated = {(c.col.table, c.col.column.lower()) for c in spec.conditions
             if c.kind == "range" and c.col is not None} - {own}
    names = [lex.metrics[m.metric] for m in spec.measures if m.kind == "metric" and m.metric in lex.metrics]
    for w in (w for metric in names for phrase in (metric.name, *metric.synonyms) for w in words(phrase)):
        if {(t, c.lower()) for t, c in lex.date_names.get(_verb_of(stem(w)), ())} & dated:
            return w
    return None
