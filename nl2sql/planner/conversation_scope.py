"""The rows a follow-up names ("only orders from 1997", "card payments only"): they must be the previous frame's
own rows or reached from them; a noun that names two tables is the one the frame reaches."""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.conversation_rows import reaches
from nl2sql.planner.edits import Edit
from nl2sql.planner.joins import JoinGraph
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import ColRef, Dim, QuerySpec


def settle_scope(spec: QuerySpec, edit: Edit, graph: JoinGraph) -> Edit:
    """The edit with each noun that names several tables ("payments": claim and premium payments) settled to
    the one the previous rows are or reach; none or more than one is declined naming them."""
    scope = edit.scope
    for tables in edit.scope_choices:
        mine = [t for t in tables if _about(spec, t, graph)]
        if len(mine) != 1:
            raise NotUnderstood("The follow-up names rows that could be more than one thing.", tables)
        scope += (mine[0],)
    return replace(edit, scope=scope, scope_choices=())


def check_scope(spec: QuerySpec, edit: Edit, graph: JoinGraph) -> None:
    """'only orders from 1997': the rows the follow-up names must be the frame's own (or reached from them)."""
    for table in edit.scope:
        if not _about(spec, table, graph):
            raise NotUnderstood("The follow-up names rows the previous question was not about.", (table,))


def _about(spec: QuerySpec, table: str, graph: JoinGraph) -> bool:
    return reaches(replace(spec, conditions=(), dims=(Dim(ColRef(table, "")),)), spec.base, graph) \
        or any(m.table == table for m in spec.measures)
