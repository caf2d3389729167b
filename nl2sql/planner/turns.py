"""A question asked in a conversation: read on its own, or as an edit of the previous turn's frame.

A follow-up is an edit when its words say so ("and in 1997?", "top 3 instead", "break that down by ship
mode") or when it cannot be read on its own; the previous frame is recovered by reading the earlier
turns again and is used only when it compiles to the SQL the user was shown (see ``conversation``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from catalog_semantics.model import SemanticModel
from nl2sql.answer import Candidate
from nl2sql.planner import answer_spec, compile_spec, plan_spec
from nl2sql.planner.conversation import MAX_TURNS, apply_edit, same_query
from nl2sql.planner.followup import read_edit
from nl2sql.planner.joins import join_graph
from nl2sql.planner.lexicon import lexicon_for
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import QuerySpec

Columns = Literal["helpful", "asked"]
Read = tuple[QuerySpec, list[str], float]


def plan_turn(question: str, model: SemanticModel, history: Sequence[tuple[str, str]] = (), *,
              dialect: str | None = None, columns: Columns = "asked") -> Candidate:
    """Answer a question that may lean on the previous turns (``history`` as (question, sql) pairs)."""
    if not history:
        return answer_spec(lambda: plan_spec(question, model), model, dialect=dialect, columns=columns)
    previous = previous_frame(history, model, dialect=dialect, columns=columns)
    return answer_spec(lambda: read_turn(question, model, previous), model, dialect=dialect, columns=columns)


def read_turn(question: str, model: SemanticModel, previous: QuerySpec | None) -> Read:
    """The frame of one turn: the follow-up's edit of ``previous`` when its words ask for one or the
    question cannot be read alone; otherwise the question's own reading."""
    try:
        alone: Read | NotUnderstood = plan_spec(question, model)
    except NotUnderstood as e:
        alone = e
    if previous is None:
        if isinstance(alone, NotUnderstood):
            raise alone
        return alone
    lex = lexicon_for(model)
    try:
        edit = read_edit(question, lex)
    except NotUnderstood as e:
        if isinstance(alone, NotUnderstood):
            raise alone from e
        return alone
    if edit.empty or not (edit.marked or isinstance(alone, NotUnderstood)):
        if isinstance(alone, NotUnderstood):
            raise alone
        return alone
    spec = apply_edit(previous, edit, lex, join_graph(model), question)
    return spec, ["follow-up: the previous question, changed"], 0.8


def previous_frame(history: Sequence[tuple[str, str]], model: SemanticModel, *, dialect: str | None,
                   columns: Columns) -> QuerySpec | None:
    """The last turn's frame, read again turn by turn; None when it is not what the user was shown."""
    frame: QuerySpec | None = None
    for question, _sql in list(history)[-MAX_TURNS:]:
        try:
            frame = read_turn(question, model, frame)[0]
        except NotUnderstood:
            frame = None
    if frame is None:
        return None
    try:
        sql = compile_spec(frame, model, dialect=dialect, columns=columns)
    except NotUnderstood:
        return None
    shown = history[-1][1]
    return frame if not shown or same_query(sql, shown, dialect or model.dialect) else None
