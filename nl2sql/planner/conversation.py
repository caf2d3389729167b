"""A conversation's frames: each turn's ``QuerySpec``, a follow-up applied as an edit of the one before.

``history`` stays what ``Assistant.ask`` takes, (question, sql) pairs. The previous frame is recovered by
reading the earlier questions again, turn by turn, and kept only when it compiles to the SQL the user
was shown (ignoring the row cap the guard adds): an answer that came from elsewhere (a verified query,
the LLM) has no frame to edit, and the follow-up is then read on its own.
"""

from __future__ import annotations

from dataclasses import replace


from nl2sql.planner.assemble import Assembler
from nl2sql.planner.conversation_among import among_previous
from nl2sql.planner.conversation_beside import beside_groups, count_beside, total_of_listed, values_beside
from nl2sql.planner.conversation_rows import ROW_EDITS, reaches
from nl2sql.planner.conversation_which import which_rows
from nl2sql.planner.conversation_scope import check_scope, settle_scope
from nl2sql.planner.conversation_settle import settle_edit
from nl2sql.planner.same_query import same_query as same_query
from nl2sql.planner.edit_conditions import (
    edit_beside,
    edit_values,
    edit_versus,
    edit_window,
    filter_columns,
    unpinned,
)
from nl2sql.planner.edit_dates import date_column
from nl2sql.planner.edit_measures import edit_measure
from nl2sql.planner.filter_values import filter_value, same_column_tests
from nl2sql.planner.followup import Edit, GroupEdit
from nl2sql.planner.joins import JoinGraph, up_from
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.frame import Frame
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import ColRef, Condition, Dim, Having, Order, QuerySpec, grain_date
from nl2sql.planner.words import phrases, word_list

MAX_TURNS = 6          # earlier turns than this are not read again (a conversation rarely leans further back)

def _apply(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph, question: str) -> QuerySpec:
    spec, edit = settle_edit(spec, settle_scope(spec, edit, graph), lex, graph, question)
    for about_rows in (beside_groups, total_of_listed, count_beside, *ROW_EDITS):  # "list them", "which of those ...", "same for suppliers"
        found = about_rows(spec, edit, lex, graph)
        if found is not None:
            return found
    spec = among_previous(spec, edit, _says_only(question)) or spec      # "how many orders did those place?"
    _check_edit(spec, edit, graph, question)
    if edit.ungroup and spec.dims and edit.window is None and not (edit.groups or edit.grains):
        # "and overall?" after a breakdown: the one number, not the groups (the period stays)
        spec = replace(spec, dims=(), order=(), limit=None, having=())
        edit = replace(edit, widen=False)
    dropped = unpinned(spec, edit.unpin)          # "do that for all regions": the filter on regions goes
    spec = replace(spec, conditions=tuple(c for c in spec.conditions if c not in dropped))
    spec = edit_versus(edit_window(spec, edit, lex, graph, question), edit)
    spec, edit = edit_beside(*values_beside(spec, edit, lex), lex, graph)
    spec = edit_values(spec, edit.values, lex, graph)
    spec = _edit_compares(spec, edit)
    spec = _edit_filters(spec, edit, lex, graph)
    spec = _edit_groups(spec, edit, lex, graph, question)
    if edit.having is not None:
        op, number = edit.having
        # "only orders above 1000" may compare each order, not the measure: only "those above ..." is read
        if len(spec.measures) != 1 or not spec.dims or spec.limit is not None or edit.scope:
            raise NotUnderstood("I can only compare the measure of a breakdown, group by group.", (f"{number:g}",))
        spec = replace(spec, having=spec.having + (Having(0, op, (number,)),))
    spec = edit_measure(spec, edit, lex, graph)
    return _edit_limit(which_rows(spec, edit, question, lex), edit)


def _check_edit(spec: QuerySpec, edit: Edit, graph: JoinGraph, question: str) -> None:
    """Refuse an edit this frame cannot take without changing which rows it is about."""
    if edit.empty:
        raise NotUnderstood("The follow-up does not say what to change.", ())
    if spec.limit is not None and spec.order and edit.anaphora and not edit.adding \
            and (edit.metric is not None or edit.measure_col is not None):
        # "how many orders did that account place?" after the top account by value: ranked by the new measure
        # it would be another account; keeping that one needs its name, which the frame does not have
        raise NotUnderstood("Those rows were picked by the previous measure; ask about them by name.",
                            tuple(w for w in word_list("anaphora") if w in question.lower().split()))
    check_scope(spec, edit, graph)
    if spec.limit is not None and edit.plural_ref and not _says_only(question) and (
            edit.values or edit.filters or edit.negated_filters or edit.compares or edit.window is not None):
        # "which of those are in EUROPE?" after a top 5 asks among those five; a filter before the cut would
        # rank other rows in (which "only EUROPE", "only ones in JAPAN" ask for)
        raise NotUnderstood(f"Those are the first {spec.limit} rows; I cannot narrow them down without changing "
                            "which rows are kept. Ask for the condition on its own (\"only ...\").", ("those",))


def _edit_compares(spec: QuerySpec, edit: Edit) -> QuerySpec:
    """A column equal to a number ("parts of size 50") or compared with one ("size above 40"): it replaces its old ones."""
    for concept, number, op in edit.compares:
        ref = ColRef(concept.table, concept.column or "")
        kept = tuple(c for c in spec.conditions if c.col != ref)
        spec = replace(spec, conditions=kept + (Condition("compare", ref.table, ref, op, (number,),
                                                          text=f"{concept.column} {op} {number:g}"),))
    return spec


def _edit_limit(spec: QuerySpec, edit: Edit) -> QuerySpec:
    """A new N for a ranking ("top 10 instead"), with its direction when the edit says one; every row again when
    the edit names every one of the rows ranked ("gross margin for every rep instead" after the top rep)."""
    named = {c.table for c in edit.unpin}
    if edit.all_rows and edit.limit is None and spec.limit is not None and any(d.col.table in named for d in spec.dims):
        spec = replace(spec, limit=None, order=spec.order[:1])      # (the cut's tie-break goes with it)
    if edit.limit is not None:
        if not spec.order and edit.groups and len(spec.measures) == 1:     # "top 2 cities": ranked by the measure
            spec = replace(spec, order=(Order(edit.direction is not False, measure=0),))
        if not spec.order:
            raise NotUnderstood("The previous answer is not a ranking, so there is no N to change.",
                                (str(edit.limit),))
        spec = replace(spec, limit=edit.limit)
        if edit.direction is not None and spec.order[0].measure is not None:
            spec = replace(spec, order=(replace(spec.order[0], desc=edit.direction),) + spec.order[1:])
    if edit.end is not None:
        if spec.limit is None or not spec.order or spec.order[0].measure is None:
            raise NotUnderstood("The previous answer is not a top N, so there is no other end to show.", ())
        spec = replace(spec, order=(replace(spec.order[0], desc=edit.end),) + spec.order[1:])
    return spec


def _says_only(question: str) -> bool:
    """Whether the follow-up opens with a word that adds a filter to the question ("only ...", "just ...").

    >>> _says_only("only those in JAPAN"), _says_only("which of those are in EUROPE?")
    (True, False)
    """
    from nl2sql.planner.tokens import question_words

    return any(s in {p[0] for p in phrases("followup", "narrowing")} for s in question_words(question).stems[:2])


def apply_edit(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph, question: str) -> QuerySpec:
    """The previous frame with the follow-up's changes; raises ``NotUnderstood`` when they do not fit, or
    when nothing changed (an edit no step could apply must not answer the previous question again)."""
    new = _apply(spec, edit, lex, graph, question)
    if new == spec and edit.direction is None and not edit.order_by:     # "sort it highest first" may re-say
        raise NotUnderstood("I could not tell how this changes the previous question.", ())
    return new


def _edit_filters(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec:
    """Named filters added ("only urgent orders"), replacing the previous one ("and late items?"), or
    negated ("without urgent orders", "items with no discount": the positive one goes)."""
    moved: dict[str, Condition] = {}
    for f in edit.negated_filters + edit.filters:
        if not _reaches_all(replace(spec, conditions=(Condition("filter", f.table),), dims=()), spec.base, graph):
            # "how many of them have a negative balance" after suppliers, the filter being on customers' balance:
            # the rows' own column of that name, as a first question reads it (else declined)
            on_rows = Assembler(Frame(), lex, graph)._filter_on(spec.base, Condition(
                "filter", f.table, filter_name=f.name, negated=f in edit.negated_filters, text=f.name))
            if on_rows is None:
                raise NotUnderstood("The follow-up's condition is about rows the previous question was not about.",
                                    (f.name,))
            moved[f.name] = replace(on_rows, filter_name=f.name)       # its name, as the question said it
        # the same filter said the other way round goes (never both: they contradict)
        spec = replace(spec, conditions=tuple(c for c in spec.conditions if not (
            c.kind == "filter" and c.filter_name == f.name and c.negated != (f in edit.negated_filters))))
    for f in edit.negated_filters:
        kept = tuple(c for c in spec.conditions if not (c.kind == "filter" and c.filter_name == f.name))
        spec = replace(spec, conditions=kept + (moved.get(f.name) or Condition(
            "filter", f.table, filter_name=f.name, negated=True, text=f"not {f.name}"),))
    for f in edit.filters:
        if edit.replacing:       # "and late items?" after returned items: the new filter instead
            columns = filter_columns(lex, f.name)
            # "what about the suspended ones?" after active residential accounts: when a previous filter tests
            # the same column (status), only it gives way; the others (residential) still hold
            clash = {c.filter_name for c in spec.conditions if c.kind == "filter" and not c.negated
                     and c.table == f.table and columns & filter_columns(lex, c.filter_name or "")}
            spec = replace(spec, conditions=tuple(c for c in spec.conditions if not (
                (c.kind == "filter" and not c.negated and c.table == f.table
                 and (not clash or c.filter_name in clash)) or
                (c.kind in ("in", "compare") and not c.negated and c.col is not None and c.table == f.table
                 and c.col.column.lower() in columns))))
        # "open orders", then "only fulfilled ones": one value of the status column stands in for another
        gone = same_column_tests(spec.conditions, f, lex)
        spec = replace(spec, conditions=tuple(c for c in spec.conditions if c not in gone))
        if f.name in moved:
            spec = replace(spec, conditions=spec.conditions + (moved[f.name],))
        elif not any(c.kind == "filter" and c.filter_name == f.name for c in spec.conditions):
            spec = replace(spec, conditions=spec.conditions + (Condition("filter", f.table, filter_name=f.name,
                                                                         text=f.name),))
    return spec


def _edit_groups(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph, question: str) -> QuerySpec:
    named = {(c.table, c.column or "") for c in edit.instead_of}
    grouped = any((d.col.table, d.col.column) in named or (d.col.table, "") in named for d in spec.dims)
    if (grouped or edit.instead_of_grains) and not (edit.groups or edit.grains):
        # "the top 3 products rather than families": the rows named take the replaced grouping's place
        if len(edit.scope) != 1:
            raise NotUnderstood("The follow-up names the grouping it replaces, not what to put in its place.",
                                tuple(c.column or c.table for c in edit.instead_of) + edit.instead_of_grains)
        edit = replace(edit, groups=(GroupEdit((Concept("table", edit.scope[0]),), None, edit.scope[0]),))
    if not (edit.groups or edit.grains):
        return spec
    if not spec.measures:
        raise NotUnderstood("The previous answer is a list; there is no measure to break down.",
                            tuple(g.text for g in edit.groups) + edit.grains)
    assembler = Assembler(Frame(), lex, graph)
    dims = [] if edit.regroup and not (edit.instead_of or edit.instead_of_grains) else list(_unpinned(spec, edit, lex))
    for g in edit.groups:
        dim = assembler._resolve_dim(Dim(_group_ref(g)))
        if not edit.adding:      # "by region" after "by nation": a coarser grouping rolls the finer one up
            dims = [d for d in dims if not (d in spec.dims and _rolls_up(d, dim, graph))]
        said_again = dim.col.via is None and any((d.col.table, d.col.column, d.grain) == (dim.col.table, dim.col.column,
                                                                                        dim.grain) for d in dims)
        if dim not in dims and not said_again:      # "per region" after "by customer region": the same one
            dims.append(dim)
    for grain in edit.grains:
        ranges = [c.col for c in spec.conditions if c.kind == "range" and c.col]
        col = ranges[0] if ranges else (None if edit.dated else grain_date(spec)) or date_column(spec, lex, graph, question)
        if edit.dated and ranges and date_column(spec, lex, graph, question) != col:
            # "by year shipped" when the period is on another date: the period and the grain disagree
            raise NotUnderstood("The period is on another date than the one named.", (grain,))
        if grain == "quarter":
            # a quarter by its first day: quarters of several years stay apart, and every conversation set
            # written for this engine (four authors) shows a follow-up's quarters so
            grain = "quarter_start"
        # "by quarter" after "by month": another grain of the same date replaces the previous one (a month
        # already decides its quarter); grains named together in this follow-up stay together
        dims = [d for d in dims if not (d.grain and d.col == col and d in spec.dims)]
        dims.append(Dim(col, grain=grain, name=grain.replace("_start", "")))
    if edit.grains and spec.limit is None and dims:
        # a series over time reads in time order, whatever the previous grouping was ranked by (then by the
        # other groupings, as a first question's series does)
        timed = [i for i, d in enumerate(dims) if d.grain]
        rest = [i for i in range(len(dims)) if i not in timed]
        return replace(spec, dims=tuple(dims), order=tuple(Order(False, dim=i) for i in timed + rest))
    if edit.instead_of_grains and not any(d.grain for d in dims) and spec.limit is None:
        return replace(spec, dims=tuple(dims), order=(Order(True, measure=0),))   # no series left: ranked
    return replace(spec, dims=tuple(dims))


def _unpinned(spec: QuerySpec, edit: Edit, lex: Lexicon) -> tuple[Dim, ...]:
    """The previous groupings a new one is added to: without the one named as replaced ("per region instead
    of segment"), and without one its filter pins to a single value ("just EUROPE", then "split that by
    country": a column of one value says nothing in every row)."""
    named = {(c.table, c.column or "") for c in edit.instead_of}     # a table names its label's grouping
    kept = tuple(d for d in spec.dims if (d.col.table, d.col.column) not in named and (d.col.table, "") not in named
                 and (d.grain or "").replace("_start", "") not in edit.instead_of_grains)
    if (named or edit.instead_of_grains) and len(kept) == len(spec.dims):
        raise NotUnderstood("The follow-up replaces a grouping the previous answer does not have.",
                            tuple(c.column or c.table for c in edit.instead_of) + edit.instead_of_grains)
    pinned = {(c.col.table, c.col.column) for c in spec.conditions
              if c.kind == "in" and not c.negated and c.col is not None and len(c.values) == 1}
    # a named filter that tests one stored value pins its column as that value would ("personal training")
    pinned |= {(v.table, v.column or "") for c in spec.conditions if c.kind == "filter" and not c.negated
               and (v := filter_value(Concept("filter", c.table, name=c.filter_name), lex)) is not None}
    return tuple(d for d in kept if d.grain is not None or (d.col.table, d.col.column) not in pinned)


def _rolls_up(finer: Dim, coarser: Dim, graph: JoinGraph) -> bool:
    """Whether each group of ``finer`` is one row (grouped by its key) whose table reaches ``coarser``'s
    many-to-one: added beside it, the coarser grouping would split nothing (a grouping by a plain column,
    such as a type, is not one row, and another grouping may split it)."""
    if finer.grain is not None or coarser.grain is not None or finer.col.table == coarser.col.table \
            or not finer.keys:
        return False
    return up_from(graph, finer.col.table, coarser.col.table, coarser.col.via)


def _group_ref(g: GroupEdit) -> ColRef:
    cols = [c for c in g.concepts if c.kind == "column"]
    tables = [c for c in g.concepts if c.kind == "table"]
    if len({(c.table, c.column) for c in cols}) == 1 and not tables:
        return ColRef(cols[0].table, cols[0].column or "", g.via)
    if len({c.table for c in tables}) == 1:
        return ColRef(tables[0].table, "", g.via)
    raise NotUnderstood("I could not tell what to break the answer down by.", (g.text,))


def _reaches_all(spec: QuerySpec, base: str, graph: JoinGraph) -> bool:
    return reaches(spec, base, graph)
