"""'which of the european ones have a negative balance?' after suppliers counted per region: a follow-up that
asks for rows of a count, listed (``which_rows``)."""

from __future__ import annotations

from nl2sql.planner.conversation_rows import _counted, _label_of
from nl2sql.planner.followup import Edit
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import QuerySpec
from nl2sql.planner.words import word_list


def which_rows(spec: QuerySpec, edit: Edit, question: str, lex: Lexicon) -> QuerySpec:
    """'which of the european ones have a negative balance?' after suppliers counted per region: the rows the
    count counted that meet the new conditions, listed by their label (a follow-up opened by a word that asks
    which rows, vocabulary ``which_rows``, that narrows and names no measure or grouping of its own)."""
    said = question.lower().split()[:1]
    table = spec.measures[0].table if _counted(spec) else None
    if not said or said[0] not in word_list("which_rows") or table is None or not edit.anaphora \
            or not (edit.values or edit.filters or edit.compares) or edit.metric or edit.count_of or edit.groups:
        return spec
    return QuerySpec(table, projections=_label_of(lex, table), conditions=spec.conditions,
                     default_filters=spec.default_filters if table == spec.base else ())
