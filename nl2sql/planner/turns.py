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
from nl2sql.planner import answer_spec, checked_sql, plan_spec
from nl2sql.planner.checks import check_question
from nl2sql.planner.conversation import MAX_TURNS, apply_edit, same_query
from nl2sql.planner.defaults import edited_default
from nl2sql.planner.edit_items import _stems
from nl2sql.planner.conversation_rows import drop_filter, drop_named_filter
from nl2sql.planner.followup import (
    Edit,
    NotAnEdit,
    after_unfilter,
    is_marked,
    named_unfilter,
    read_edit,
    starts_as_followup,
)
from nl2sql.planner.followup_checks import check_followup
from nl2sql.planner.joins import join_graph
from nl2sql.planner.lexicon import Lexicon, lexicon_for
from nl2sql.planner.matching import match_items
from nl2sql.planner.reflected import check_reflected
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import QuerySpec
from nl2sql.planner.tokens import tokenize
from nl2sql.planner.words import phrases

Columns = Literal["helpful", "asked"]
Read = tuple[QuerySpec, list[str], float]


def plan_turn(question: str, model: SemanticModel, history: Sequence[tuple[str, str]] = (), *,
              dialect: str | None = None, columns: Columns = "asked") -> Candidate:
    """Answer a question that may lean on the previous turns (``history`` as (question, sql) pairs)."""
    previous = previous_frame(history, model, dialect=dialect, columns=columns) if history else None
    if previous is None and (refers_back(question) or names_earlier_rows(question, lexicon_for(model))):
        return answer_spec(lambda: _no_context(question), model, dialect=dialect, columns=columns)
    if not history:
        return answer_spec(lambda: _alone(question, model), model, dialect=dialect, columns=columns,
                           question=question)
    return answer_spec(lambda: read_turn(question, model, previous), model, dialect=dialect, columns=columns,
                       question=question)


def _alone(question: str, model: SemanticModel) -> Read:
    """A question read on its own; one that opens as a follow-up ("only for express parcels") and, alone,
    measures nothing is a fragment of a question that is not there: declined, not listed."""
    read = plan_spec(question, model)
    if not read[0].measures and starts_as_followup(question):
        raise NotUnderstood("This reads as a follow-up, but there is no earlier answer to change; ask it in full.",
                            ())
    return read


def read_turn(question: str, model: SemanticModel, previous: QuerySpec | None) -> Read:
    """The frame of one turn: the follow-up's edit of ``previous`` when its words ask for one or the
    question cannot be read alone; otherwise the question's own reading."""
    rest = after_unfilter(question) if previous is not None else None
    if previous is not None and rest is not None:      # "drop the filter (and show 1994)"
        previous = drop_filter(previous)
        if not rest:
            return previous, ["follow-up: the previous question, without its filter"], 0.8
        question = rest
    lex = lexicon_for(model)
    named = named_unfilter(question) if previous is not None else None
    if previous is not None and named is not None:     # "drop the segment filter"
        spec = drop_named_filter(previous, named, lex)
        return spec, ["follow-up: the previous question, without that filter"], 0.8
    edit, why = _edit_of(question, lex) if previous is not None else (None, None)
    if not (edit is not None and (edit.widen or edit.adding and (
            edit.columns or edit.count_of or edit.metric or edit.measure_col))):
        # "add their account balance" shows a column, "drop the year" widens the period (every word of both read
        # as an edit); "add a customer", "drop the orders table" are declined
        check_question(question)
    try:
        alone: Read | NotUnderstood = plan_spec(question, model)
    except NotUnderstood as e:
        alone = e
    if previous is None:
        if isinstance(alone, NotUnderstood):
            raise alone
        return _alone(question, model)
    # a fragment read alone ("by ship mode" as a list of ship modes) loses the measure: edit instead
    fragment = isinstance(alone, NotUnderstood) or (bool(previous.measures) and not alone[0].measures)
    if edit is not None and edit.acts and (edit.marked or fragment):
        spec = edited_default(previous, apply_edit(previous, edit, lex, join_graph(model), question), question, lex)
        check_followup(question, edit, previous, spec, lex)
        check_reflected(match_items(tokenize(question), lex), spec, lex, join_graph(model), previous)
        return spec, ["follow-up: the previous question, changed"], 0.8
    if isinstance(alone, NotUnderstood):
        raise alone
    if isinstance(why, NotAnEdit) or _leans_on(question, previous, alone, edit):
        reason = why.reason if why else "It does not say what to change."
        raise NotUnderstood("This reads as a follow-up, but I could not tell how it changes the previous "
                            f"question. {reason}", why.words if why else ())
    return alone


def _edit_of(question: str, lex: Lexicon) -> tuple[Edit | None, NotUnderstood | None]:
    try:
        return read_edit(question, lex), None
    except NotUnderstood as e:
        return None, e


def refers_back(question: str) -> bool:
    """Whether the question only makes sense about an earlier answer (vocabulary.yaml ``context_only``).

    >>> refers_back("how many invoices is that?"), refers_back("which of those has the most parts?")
    (True, True)
    >>> refers_back("how many invoices are open?")
    False
    """
    from catalog_semantics.text import stem, words

    stems = tuple(stem(w) for w in words(question))
    return any(stems[n:n + len(p)] == p for p in phrases("context_only") for n in range(len(stems)))


def names_earlier_rows(question: str, lex: Lexicon) -> bool:
    """Whether the question names rows as ones already shown ("what commission rate do those brokers get?"):
    a plural reference (``followup.plural_refs``) right before a table's noun.

    Read alone, the question would answer about every broker; the rows meant are an earlier answer's.
    """
    items = match_items(tokenize(question), lex)
    return any(_stems(it) in phrases("followup", "plural_refs") and any(c.kind == "table" for c in nxt.concepts)
               for it, nxt in zip(items, items[1:]))


def _no_context(question: str) -> Read:
    raise NotUnderstood("This refers to an earlier answer that I do not have; ask it in full.",
                        tuple(w for w in ("that", "those", "them", "these") if w in question.lower().split()))


def _leans_on(question: str, previous: QuerySpec, alone: Read, edit: Edit | None) -> bool:
    """A follow-up that points at the previous answer ("which of those ...") or that says it is one
    ("what about customers?") and, read alone, drops the measure would be answered out of context."""
    from catalog_semantics.text import stem, words

    said = tuple(stem(w) for w in words(question))
    stems = {(w,) for w in said}
    marked = edit.marked if edit is not None else is_marked(question)
    # "split by customer class, all accounts" after a measure: a regrouping of it, not a new count of rows
    regrouped = _opens_with_grouping(said) and bool(previous.measures) \
        and all(m.kind == "rows" for m in alone[0].measures)
    return bool(stems & phrases("anaphora")) or regrouped \
        or (marked and bool(previous.measures) and not alone[0].measures)


def _opens_with_grouping(stems: tuple[str, ...]) -> bool:
    """'by region', 'split by class', 'broken down by year': the turn opens with a grouping phrase.

    >>> _opens_with_grouping(("split", "by", "class")), _opens_with_grouping(("list", "each", "region"))
    (True, False)
    """
    from nl2sql.planner.vocabulary import cue_index

    cues = [c for n in (3, 2, 1) for c in cue_index().get(stems[:n], ())]
    return any(c.kind in ("group", "grain") for c in cues) and not any(c.kind == "list" for c in cues)


def previous_frame(history: Sequence[tuple[str, str]], model: SemanticModel, *, dialect: str | None,
                   columns: Columns) -> QuerySpec | None:
    """The last turn's frame, read again turn by turn; None when it is not what the user was shown."""
    frame: QuerySpec | None = None
    for question, _sql in list(history)[-MAX_TURNS:]:
        try:
            frame = read_turn(question, model, frame)[0]
        except NotUnderstood:
            frame = None
    if frame is None or frame.setop is not None:      # no edit knows both sides of a set operation yet
        return None
    try:
        frame, _notes, sql = checked_sql(frame, model, dialect=dialect, columns=columns)
    except NotUnderstood:
        return None
    shown = history[-1][1]
    return frame if not shown or same_query(sql, shown, dialect or model.dialect) else None
