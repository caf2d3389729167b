"""Follow-ups about the previous rows read before ``conversation_rows.ROW_EDITS``: a column shown beside each
group of a ranking or breakdown ("show their country too"), a measure of the rows listed, in total ("how many
orders did those place in total"), and how many rows each group holds ("count them too"); and another value put
beside the one filtered on ("put phone orders next to them": a column each).
"""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.assemble import Assembler
from nl2sql.planner.conversation_rows import _same_named, reaches, rows_of
from nl2sql.planner.edit_conditions import _settle
from nl2sql.planner.followup import Edit
from nl2sql.planner.frame import Frame
from nl2sql.planner.joins import JoinGraph, up_from
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import ColRef, Dim, Measure, QuerySpec


def beside_groups(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec | None:
    """'show their country too' / 'add their account balance' after suppliers ranked by a measure: a column of
    each grouped row, or of the one row it belongs to (many-to-one), shown beside it; the groups stay the same,
    and so do the measure, the order and the top N. Only when the words add ("too", "add"): "what are their
    specialties?" asks for the attribute, and people answer it without the measure."""
    ranked = edit.limit is not None and bool(spec.limit) and (   # "make it the top 10 and show their region"
        edit.direction is None or bool(spec.order) and spec.order[0].desc == edit.direction)    # (the same end)
    rest = replace(edit, columns=(), scope=(), adding=False, anaphora=False, listing=False, plural_ref=False,
                   limit=None, direction=None if ranked else edit.direction)
    rows = [d for d in spec.dims if d.keys and d.grain is None]
    if not (spec.measures and edit.anaphora and (edit.adding or ranked) and len(rows) == 1 and rest.empty) or \
            not (edit.columns or len(edit.scope) == 1) or edit.columns and edit.scope:
        return None
    owner = rows[0].col.table
    named = [[ColRef(edit.scope[0], "")]] if edit.scope else \
        [[ColRef(c.table, c.column or "") for c in cs] for cs in edit.columns]
    refs: list[ColRef] = []
    for options in named:
        ok = [r for r in options if r.table == owner or up_from(graph, owner, r.table)]
        same = [_same_named(lex, owner, r.table, r.column) for r in options if r.column]
        if len(ok) != 1 and len([s for s in same if s]) != 1:
            return None
        ref = ok[0] if len(ok) == 1 else ColRef(owner, next(s for s in same if s))
        refs.append(replace(ref, via=owner if ref.table != owner else None))
    assembler = Assembler(Frame(), lex, graph)
    dims = spec.dims + tuple(d for d in (assembler._resolve_dim(Dim(r)) for r in refs) if d not in spec.dims)
    return replace(spec, dims=dims, limit=edit.limit if ranked else spec.limit)


def total_of_listed(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec | None:
    """'how many orders did those place in total' after a list of customers: the measure over the rows that
    belong to the listed ones (same conditions), one total. Without "in total" it could be one per row: not
    read so."""
    new = Measure("metric", edit.metric.table, metric=edit.metric.name) if edit.metric is not None else \
        Measure("rows", edit.count_of, "count") if edit.count_of is not None else None
    rest = replace(edit, metric=None, count_of=None, fn=None, anaphora=False, plural_ref=False, ungroup=False)
    listed = rows_of(spec, lex)
    if new is None or spec.measures or listed is None or not (edit.anaphora and edit.ungroup) \
            or edit.fn not in (None, "sum") or not rest.empty or new.table == listed:
        return None
    found = QuerySpec(new.table, measures=(new,), conditions=spec.conditions)
    return found if up_from(graph, new.table, listed) and reaches(found, new.table, graph) else None


def count_beside(spec: QuerySpec, edit: Edit, lex: Lexicon, graph: JoinGraph) -> QuerySpec | None:
    """'count them too' after a breakdown of the rows' own measures: how many rows each group holds, shown beside
    (only when the words add: "how many of them" alone counts a list, ``conversation_rows.count_them``)."""
    if edit.fn != "count" or not edit.adding or not replace(edit, fn=None, adding=False, anaphora=False).empty:
        return None
    if not (spec.dims and spec.measures and all(m.table == spec.base for m in spec.measures)) or spec.having \
            or spec.setop is not None:
        return None
    return replace(spec, measures=(*spec.measures, Measure("rows", spec.base, "count")))


def values_beside(spec: QuerySpec, edit: Edit, lex: Lexicon) -> tuple[QuerySpec, Edit]:
    """'put phone orders next to them' after web orders per month: the measure once per value of the column the
    previous answer filtered on (one column each, as two years side by side are), the filter widened to both;
    the value edit is spent. Unchanged when the edit adds no one value of a column filtered on one value."""
    values = [v for v in edit.values if not v.negated and not v.kept]     # "include e-audiobooks too": either
    if not (edit.adding and len(values) == 1 == len(edit.values) and spec.dims and len(spec.measures) == 1) \
            or spec.limit is not None or any(m.only or m.hidden for m in spec.measures):
        return spec, edit
    concept = _settle(values[0].concepts, spec, lex)
    same = [c for c in spec.conditions if c.kind == "in" and not c.negated and c.col is not None and len(c.values) == 1
            and (c.col.table, c.col.column) == (concept.table, concept.column or "")]
    if len(same) != 1 or concept.value in same[0].values:
        return spec, edit
    old = same[0]
    new = replace(old, values=(concept.value,), text=values[0].text)
    both = replace(old, values=old.values + (concept.value,), text=f"{old.text} and {new.text}")
    measures = tuple(replace(spec.measures[0], only=(side,), suffix=str(side.values[0]).lower()) for side in (old, new))
    order = tuple(o for o in spec.order if o.measure is None)
    return replace(spec, measures=measures, order=order,
                   conditions=tuple(both if c is old else c for c in spec.conditions)), replace(edit, values=())
