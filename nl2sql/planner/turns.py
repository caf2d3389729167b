"""A question asked in a conversation: read on its own, or as an edit of the previous turn's frame.

A follow-up is an edit when its words say so ("and in 1997?", "top 3 instead", "break that down by ship
mode") or when it cannot be read on its own; the previous frame is recovered by reading the earlier
turns again and is used only when it compiles to the SQL the user was shown (see ``conversation``).

A history entry with no SQL (None or "") is a turn that was not answered. When the last turn is one the
engine could not read (a real data question), a follow-up edit of it is declined: the user builds on that
question, and editing the answered turn before it would answer something else. A turn declined as out of
scope (why, forecast, a change of data, a period relative to today) stays transparent: the follow-up
continues from the last answered turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from catalog_semantics.model import SemanticModel
from catalog_semantics.question import QuestionWords
from nl2sql.answer import Candidate
from nl2sql.planner import answer_spec, checked_sql, plan_spec, unusable_hint, with_short_years
from nl2sql.planner.checks import check_question, check_relative_period
from nl2sql.planner.conversation import MAX_TURNS, apply_edit, same_query
from nl2sql.planner.conversation_share import as_share
from nl2sql.planner.defaults import edited_default
from nl2sql.planner.edit_items import _stems
from nl2sql.planner.evidence import with_evidence
from nl2sql.planner.conversation_rows import drop_filter, drop_named_filter
from nl2sql.planner.filter_values import idiom_opener
from nl2sql.planner.followup import Edit, NotAnEdit, after_unfilter, is_fragment, is_marked, named_unfilter
from nl2sql.planner.followup import goes_on_unasked, ranked_end, read_edit, starts_as_followup
from nl2sql.planner.followup_checks import check_followup
from nl2sql.planner.joins import join_graph
from nl2sql.planner.lexicon import Lexicon, lexicon_for
from nl2sql.planner.matching import matched
from nl2sql.planner.polarity import polar_end
from nl2sql.planner.reflected import check_reflected
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import QuerySpec
from nl2sql.planner.tokens import question_words
from nl2sql.planner.turns_refs import _plural_ref, refers_back
from nl2sql.planner.words import phrases, word_list

Columns = Literal["helpful", "asked"]
Read = tuple[QuerySpec, list[str], float]
Turns = Sequence[tuple[str, str | None]]
_EDITED = "follow-up: "         # the note every edit of the previous frame carries (``read_turn``)


def plan_turn(question: str | QuestionWords, model: SemanticModel, history: Turns = (), *,
              dialect: str | None = None, columns: Columns = "asked") -> Candidate:
    """Answer a question (or its words, as linking read them) that may lean on the previous turns (``history``
    as (question, sql) pairs; a None or empty SQL marks a turn that was not answered)."""
    words = with_short_years(question_words(question), history)   # "and 98" after a question about 1997: 1998
    hinted = with_evidence(words.text, model)    # BIRD's "Hint: ...": named filters and synonyms, or declined
    if hinted.unusable:
        return unusable_hint(hinted.unusable, model)
    if hinted.question != words.text:
        words, model = question_words(hinted.question), hinted.model
    question = words.text
    pending = unanswered_last(history)
    answered = [(q, sql) for q, sql in history if sql]      # unanswered turns have no frame to recover
    previous = previous_frame(answered, model, dialect=dialect, columns=columns) if answered else None
    if pending is not None:
        return answer_spec(lambda: _after_unanswered(words, model, previous, pending), model, dialect=dialect,
                           columns=columns, question=question)
    if previous is None and (refers_back(question) or names_earlier_rows(words, lexicon_for(model))):
        return answer_spec(lambda: _no_context(question), model, dialect=dialect, columns=columns)
    if not answered:
        return answer_spec(lambda: _alone(words, model), model, dialect=dialect, columns=columns,
                           question=question)
    return answer_spec(lambda: read_turn(words, model, previous), model, dialect=dialect, columns=columns,
                       question=question)


def _alone(words: QuestionWords, model: SemanticModel) -> Read:
    """A question read on its own; one that opens as a follow-up ("only for express parcels") and, alone,
    measures nothing is a fragment of a question that is not there: declined, not listed."""
    read = plan_spec(words, model)
    if not read[0].measures and starts_as_followup(words.text):
        raise NotUnderstood("This reads as a follow-up, but there is no earlier answer to change; ask it in full.",
                            ())
    return read


def read_turn(question: str | QuestionWords, model: SemanticModel, previous: QuerySpec | None) -> Read:
    """The frame of one turn: the follow-up's edit of ``previous`` when its words ask for one or the
    question cannot be read alone; otherwise the question's own reading."""
    words = question_words(question)
    lex = lexicon_for(model)
    if previous is not None:
        words, previous, dropped = _unfiltered(words, previous, lex)
        if dropped is not None:
            return dropped
    question = words.text
    question = ranked_end(question, previous) if previous is not None else question    # "and the worst five?"
    question = polar_end(question, previous) if previous is not None else question     # "which mode did worst?"
    question = _same_period_unsaid(question) if previous is not None else question     # "... that year?"
    shared = as_share(question, previous, lex) if previous is not None else None
    if shared is not None:                             # "as a share of all lines", "as a rate instead"
        return shared, [_EDITED + "the previous count, as a share of all the rows"], 0.8
    edit, why = _edit_of(question, lex) if previous is not None else (None, None)
    if not (edit is not None and (edit.widen or edit.adding and (
            edit.columns or edit.count_of or edit.metric or edit.measure_col))):
        # "add their account balance" shows a column, "drop the year" widens the period (every word of both read
        # as an edit); "add a customer", "drop the orders table" are declined
        check_question(words)
    try:
        alone: Read | NotUnderstood = plan_spec(words, model)
    except NotUnderstood as e:
        alone = e
    if previous is None:
        if isinstance(alone, NotUnderstood):
            raise alone
        return _alone(words, model)
    # a fragment read alone ("by ship mode" as a list of ship modes) loses the measure: edit instead
    fragment = isinstance(alone, NotUnderstood) or (bool(previous.measures) and not alone[0].measures)
    if edit is not None and edit.acts and (edit.marked or fragment):
        spec = edited_default(previous, apply_edit(previous, edit, lex, join_graph(model), question), words, lex)
        check_followup(question, edit, previous, spec, lex)
        check_reflected(idiom_opener(matched(words, lex)), spec, lex, join_graph(model), previous)
        return spec, [_EDITED + "the previous question, changed"], 0.8
    if isinstance(alone, NotUnderstood):
        raise alone
    if isinstance(why, NotAnEdit) or _leans_on(question, previous, alone, edit):
        reason = why.reason if why else "It does not say what to change."
        raise NotUnderstood("This reads as a follow-up, but I could not tell how it changes the previous "
                            f"question. {reason}", why.words if why else ())
    return alone


def _unfiltered(words: QuestionWords, previous: QuerySpec, lex: Lexicon) -> tuple[QuestionWords, QuerySpec, Read | None]:
    """'drop the filter (and show 1994)', 'drop the segment filter (and show it by quarter)': the previous frame
    without that filter, and the rest of the follow-up to read as its edit (or the answer, when nothing is left)."""
    rest = after_unfilter(words.text)
    if rest is not None:
        previous = drop_filter(previous)
        if not rest:
            return words, previous, (previous, [_EDITED + "the previous question, without its filter"], 0.8)
        words = question_words(rest)
    named = named_unfilter(words.text)
    if named is not None:
        previous = drop_named_filter(previous, named[0], lex)
        if not named[1]:
            return words, previous, (previous, [_EDITED + "the previous question, without that filter"], 0.8)
        words = question_words(named[1])
    return words, previous, None


def _same_period_unsaid(question: str) -> str:
    """The follow-up without the words that name the period already in place ("that year": it stays); "same"
    stands in for them, so that what is left still reads as a follow-up ("quantity sold in those years").

    >>> _same_period_unsaid("how many orders did those place that year?")
    'how many orders did those place same ?'
    """
    for phrase in sorted(word_list("followup", "same_period"), key=len, reverse=True):
        question = re.sub(rf"(?i)\b{re.escape(phrase)}\b", " same ", question)
    return re.sub(r"\s+", " ", question).strip()


def unanswered_last(history: Turns) -> str | None:
    """The last turn's question when it was not answered and was not declined as out of scope; turns declined so
    are looked past, back to the last answered one (a question not understood before them still stands).

    >>> unanswered_last([("revenue by region", "SELECT 1"), ("revenue by colour", None)])
    'revenue by colour'
    >>> unanswered_last([("revenue by region", "SELECT 1"), ("revenue by colour", None), ("why so low?", None)])
    'revenue by colour'
    >>> unanswered_last([("why did revenue drop?", None)]), unanswered_last([("revenue", "SELECT 1")])
    (None, None)
    """
    for question, sql in reversed(history):
        if sql:
            return None
        if not out_of_scope(question):
            return question
    return None


def out_of_scope(question: str) -> bool:
    """Whether the planner declines the question whatever the data holds: a change of data, a cause, a
    forecast (vocabulary.yaml ``future``), a period relative to today."""
    said = f" {' '.join(question_words(question).plain)} "
    # "add their total value": a turn that adds to the previous answer (followup.adding) is no change of data
    adds = any(said.startswith(f" {phrase} ") for phrase in word_list("followup", "adding"))
    try:
        if not adds:
            check_question(question)
        check_relative_period(question)
    except NotUnderstood:
        return True
    return any(f" {phrase} " in said for phrase in word_list("future"))


def _after_unanswered(words: QuestionWords, model: SemanticModel, previous: QuerySpec | None, pending: str) -> Read:
    """A turn right after one the engine could not answer: a complete question is read as usual; one that
    leans on an earlier answer would lean on the unanswered one, whose frame there is none of."""
    unanswered = NotUnderstood(f"I could not answer the previous question (‘{pending}’), so I cannot tell what "
                               "this one changes; ask it in full.", ())
    question = words.text
    if refers_back(question) or is_fragment(question) or names_earlier_rows(words, lexicon_for(model)) \
            or goes_on_unasked(question, lexicon_for(model)) or _plural_ref(words):   # "... per month", "are they"
        raise unanswered
    try:
        read = read_turn(words, model, previous)
    except NotUnderstood as e:
        if is_marked(question) or starts_as_followup(question):
            raise unanswered from e
        raise
    if any(note.startswith(_EDITED) for note in read[1]):
        raise unanswered
    return read


def _edit_of(question: str, lex: Lexicon) -> tuple[Edit | None, NotUnderstood | None]:
    try:
        return read_edit(question, lex), None
    except NotUnderstood as e:
        return None, e


def names_earlier_rows(question: str | QuestionWords, lex: Lexicon) -> bool:
    """Whether the question names rows as ones already shown ("what commission rate do those brokers get?"):
    a plural reference (``followup.plural_refs``) right before a table's noun.

    Read alone, the question would answer about every broker; the rows meant are an earlier answer's.
    """
    items = matched(question, lex)
    # "what's their average account balance?": a possessive with nothing named before it to own what follows
    owner = next((k for k, it in enumerate(items) if _stems(it) in phrases("followup", "possessive_refs")), None)
    return any(_stems(it) in phrases("followup", "plural_refs") and any(c.kind == "table" for c in nxt.concepts)
               for it, nxt in zip(items, items[1:])) or (owner is not None and not any(
                   it.concepts for it in items[:owner]))


def _no_context(question: str) -> Read:
    raise NotUnderstood("This refers to an earlier answer that I do not have; ask it in full.",
                        tuple(w for w in ("that", "those", "them", "these") if w in question.lower().split()))


def _leans_on(question: str, previous: QuerySpec, alone: Read, edit: Edit | None) -> bool:
    """A follow-up that points at the previous answer ("which of those ...") or that says it is one
    ("what about customers?") and, read alone, drops the measure would be answered out of context."""
    said = question_words(question).stems
    stems = {(w,) for w in said}
    marked = edit.marked if edit is not None else is_marked(question)
    # "split by customer class, all accounts" after a measure: a regrouping of it, not a new count of rows
    regrouped = _opens_with_grouping(said) and bool(previous.measures) \
        and all(m.kind == "rows" for m in alone[0].measures)
    # a turn that says it continues ("as a share of ...") but reads only alone, losing the previous filters or
    # period: the answer would drop what the conversation narrowed to
    kept = {(c.kind, c.col, c.filter_name) for c in alone[0].conditions}
    drops = edit is None and any((c.kind, c.col, c.filter_name) not in kept for c in previous.conditions)
    return bool(stems & phrases("anaphora")) or regrouped \
        or (marked and bool(previous.measures) and (not alone[0].measures or drops))


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
