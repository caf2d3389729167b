"""Checks before any answer about ties at a cut: a ranking of groups that can only tie, and the tie-break.

A top N ranked on a measure may cut through tied rows. The answer orders them deterministically and says so
(``tie_break``): by the first grouping's label, lowest first, on every engine. Which tied row comes first is
arbitrary; following the order one engine happens to return ties in (SQLite: by the grouped key) would match
that engine's plain query, not tell the user anything, so the rule is the same everywhere and the note names it.

When the catalog sampled every value of a column (fewer than its sampling cap) and there are as many different
values as the table has rows, each value names one row. "Which hometown is most common among teachers", grouped
by such a column and ranked by the number of those rows, ties every group at one: any value shown first would be
an arbitrary pick that looks like a finding, so the question is declined. (A filter keeps every value unique, so
it cannot break the tie either.)
"""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.describe import business_name
from nl2sql.planner.joins import JoinGraph
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import ColRef, Order, QuerySpec

# below the catalog readers' value cap (sqlalchemy_reader value_limit): a full list of the column's values
_FULL_SAMPLE = 50


def _unique_in_data(col: ColRef, lex: Lexicon) -> bool:
    """Whether every row of the column's table holds a different value of it, as far as the catalog knows."""
    info = lex.tables.get(col.table)
    column = info.table.column(col.column) if info is not None else None
    rows = info.table.row_count if info is not None else None
    if column is None or rows is None or not 2 <= rows < _FULL_SAMPLE:
        return False
    return len(set(column.sample_values)) == rows


def no_rank_of_unique_values(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """A top N of the groups of a column whose every value is one row, ranked by how many rows each has: all tie."""
    if spec.limit is None or len(spec.dims) != 1 or not spec.order or spec.order[0].measure is None:
        return spec, ()
    ranked = spec.measures[spec.order[0].measure]
    dim = spec.dims[0].col
    if ranked.kind != "rows" or ranked.table != dim.table or dim.via or spec.dims[0].grain \
            or not _unique_in_data(dim, lex):
        return spec, ()
    name = business_name(lex.tables[dim.table], dim.column)
    raise NotUnderstood(f"Every {name} occurs once in the data, so every group has one row and none ranks first.",
                        (name,))


def tie_break(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """A top N ranked on a measure may cut through tied rows: the first grouping orders them
    (deterministically, instead of the database's arbitrary order), and the answer says so."""
    if spec.limit is None or not spec.dims or not spec.order or spec.order[-1].measure is None:
        return spec, ()
    dim = spec.dims[0]
    if any(o.dim is not None or o.col is not None and o.col in dim.keys for o in spec.order):
        return spec, ()
    name = business_name(lex.tables[dim.col.table], dim.col.column)
    return replace(spec, order=spec.order + (Order(desc=False, dim=0),)), \
        (f"rows tied at the cut are ordered by {name}",)
