"""'how many orders did those place that year?' after a top N: a new measure of the rows the previous answer
ranked in, kept by their key.

The previous top N picked its rows by its own measure; ranked by the new one they would be other rows. So the
rows stay the ones shown: ``key IN (the previous ranking's keys, cut at N)``, a condition of kind ``among``
whose value is the previous frame with its groups shown by key (``compile_terms`` compiles it as a subquery).
The new measure is then taken per row as before, with the previous conditions and period.
"""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.edits import Edit
from nl2sql.planner.spec import Condition, Dim, Order, QuerySpec


def among_previous(spec: QuerySpec, edit: Edit, only: bool = False) -> QuerySpec | None:
    """The previous top N with its cut made a condition on its rows' key, when the follow-up measures "those"
    anew, or asks which of them meet a condition ("of those, which ones are in BUILDING?"; ``only``: "only
    BUILDING" asks for the top N of those instead); None when it does not apply (not a top N of one entity
    grouped by its key, or neither)."""
    measured = edit.metric is not None or edit.measure_col is not None
    narrowed = edit.plural_ref and not only and bool(edit.values or edit.filters or edit.compares)
    if spec.limit is None or not spec.order or spec.order[0].measure is None or not edit.anaphora \
            or edit.adding or not (measured or narrowed) or len(spec.dims) != 1 \
            or spec.setop is not None or spec.having:
        return None
    dim = spec.dims[0]
    if dim.grain is not None or len(dim.keys) != 1:
        return None
    key = dim.keys[0]
    order = tuple(Order(o.desc, col=spec.dims[o.dim].col) if o.dim is not None else o for o in spec.order)
    if not any(o.col == dim.col for o in order):
        # the tie-break the answer shown had (checks.tie_break), also when the turn is read again without it
        order += (Order(False, col=dim.col),)
    ranked = replace(spec, dims=(Dim(key, keys=(dim.col,)),), measures=tuple(replace(m, hidden=True)
                                                                             for m in spec.measures),
                     order=order, projections=(), helpers=())
    among = Condition("among", key.table, key, "in", (ranked,), text=f"the {spec.limit} shown before")
    # which of them meet a condition keep the ranking they were shown in (its tie-break too); a new measure drops
    # the old order
    shown = spec.order if any(o.dim is not None for o in spec.order) else spec.order + (Order(False, dim=0),)
    return replace(spec, limit=None, order=() if measured else shown, conditions=spec.conditions + (among,))
