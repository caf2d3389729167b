"""Turn what happened to a question into the ``Answer`` a user reads: answered, abstained or failed.

Every user-facing outcome carries a sentence and, where useful, what to try next. Presentation (the
explanation from the SQL's syntax tree and the chart from the result's shape) is never fatal: an answer
without a chart is still an answer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from catalog_semantics.linking import Reading
from catalog_semantics.model import SemanticModel
from nl2sql.answer import Answer, Attempt, Candidate, Choice
from nl2sql.errors import GuardRejected, UserFacingError
from nl2sql.guard import CheckedSql
from nl2sql.ports import ResultTable
from nl2sql.present.notes import Probe

log = logging.getLogger(__name__)

NO_LLM_HINT = (
    "To answer other questions, configure a language model: set OPENAI_API_KEY "
    "(and OPENAI_BASE_URL for Azure, Databricks Model Serving, vLLM or Ollama)."
)
# What the person asking reads when no language model is connected; the settings go to ``admin_hint``.
NO_LLM_USER_HINT = "An administrator can connect a language model so that more kinds of questions get answered."
REPHRASE_HINT = "Try naming a measure and how to break it down, e.g. 'revenue by region in 1996'."


def present(checked: CheckedSql, result: ResultTable, model: SemanticModel) -> tuple[str | None, dict[str, Any] | None]:
    """Explanation from the SQL's syntax tree and a chart from the result's shape; never fatal."""
    from nl2sql.chart import choose_chart
    from nl2sql.explain import explain_sql

    explanation = chart = None
    try:
        explanation = explain_sql(checked.sql, dialect=checked.dialect, model=model)
    except Exception:
        log.exception("could not explain SQL")
    try:
        chart = choose_chart(result.columns, result.rows)
    except Exception:
        log.exception("could not choose a chart")
    return explanation, chart


def answered(
    question: str,
    candidate: Candidate,
    checked: CheckedSql,
    result: ResultTable,
    *,
    explanation: str | None,
    chart: dict[str, Any] | None,
    attempts: tuple[Attempt, ...],
    linked_tables: tuple[str, ...],
    context: str | None,
    model: SemanticModel | None = None,
    probe: Probe | None = None,
) -> Answer:
    """``probe`` runs a read-only query for the notes that need one more look at the data (none without it)."""
    from nl2sql.chart import retitle
    from nl2sql.present.presentation import present_result

    if not result.truncated and probe is not None and _cut_by_cap(candidate, checked, len(result.rows), probe):
        result = replace(result, truncated=True)
    shown = present_result(checked.sql, checked.dialect, model, result.columns, result.rows,
                           truncated=result.truncated, probe=probe, question=question)
    # The result in a sentence is what a business user reads first; the method stays in interpretation.
    message = shown.summary or candidate.interpretation or explanation or "Here is the result."
    if result.truncated and not shown.summary:
        message += f" Showing the first {len(result.rows):,} rows."
    elif not result.rows and not shown.summary:
        message += " No rows matched."
    return Answer(
        question=question,
        status="answered",
        sql=checked.sql,
        columns=result.columns,
        rows=result.rows,
        truncated=result.truncated,
        generator=candidate.generator,
        trusted=candidate.trusted,
        confidence=candidate.confidence,
        interpretation=candidate.interpretation,
        message=message,
        tables=checked.tables,
        context=context,
        linked_tables=linked_tables,
        attempts=attempts,
        prompt_tokens=candidate.prompt_tokens,
        completion_tokens=candidate.completion_tokens,
        cached_tokens=candidate.cached_tokens,
        reasoning_tokens=candidate.reasoning_tokens,
        explanation=explanation,
        chart=retitle(chart, dict(zip(result.columns, shown.labels)), dict(zip(result.columns, shown.units))),
        notes=tuple(dict.fromkeys((*candidate.notes, *shown.notes))),
        summary=shown.summary,
        column_labels=shown.labels,
        column_units=shown.units,
        followups=shown.followups,
    )


def _cut_by_cap(candidate: Candidate, checked: CheckedSql, shown: int, probe: Probe) -> bool:
    """Did the guard's row cap (not the question's own LIMIT) cut this result? The cap is a LIMIT in the SQL,
    so the warehouse never sees the rows past it: when as many rows came back as the cap, count them once."""
    import sqlglot

    from nl2sql.guard.limit import current_limit

    if checked.limit is None or shown != checked.limit or not candidate.sql:
        return False
    try:
        has, own = current_limit(sqlglot.parse_one(candidate.sql, read=checked.dialect))
        if has and (own is None or own <= checked.limit):
            return False
        tree = sqlglot.parse_one(checked.sql, read=checked.dialect)
        tree.set("limit", None)
        count = f"SELECT COUNT(*) FROM ({tree.sql(dialect=checked.dialect)}) AS capped"
        return int(probe(count)[0][0]) > shown
    except Exception:                               # a note is a courtesy: never fail the answer for it
        log.exception("could not tell whether the row cap cut the result")
        return False


def abstained(
    question: str,
    abstentions: Sequence[Candidate],
    *,
    attempts: tuple[Attempt, ...],
    linked_tables: tuple[str, ...],
    llm_configured: bool,
) -> Answer:
    """No generator was confident. The latest reason says most (an LLM's, when one was asked); the tokens
    the model spent saying so are still reported."""
    reason = next((c.abstain_reason for c in reversed(abstentions) if c.abstain_reason), None)
    spent = [c for c in abstentions if c.generator == "llm"]
    unknown = next((c.unknown_words for c in abstentions if c.unknown_words), ())
    return Answer(
        question=question,
        status="abstained",
        message=reason or "I could not answer this question with confidence.",
        hint=REPHRASE_HINT if llm_configured else f"{REPHRASE_HINT} {NO_LLM_USER_HINT}",
        admin_hint=None if llm_configured else NO_LLM_HINT,
        error_code="abstained",
        attempts=attempts,
        linked_tables=linked_tables,
        interpretation=", ".join(unknown) or None,
        prompt_tokens=sum(c.prompt_tokens for c in spent),
        completion_tokens=sum(c.completion_tokens for c in spent),
        cached_tokens=sum(c.cached_tokens for c in spent),
        reasoning_tokens=sum(c.reasoning_tokens for c in spent),
    )


def schema_choices(question: str, ties: Sequence[Reading]) -> Candidate:
    """Several schemas fit the question equally well (linking's ties): ask which, one choice per schema.

    Each choice asks the question again naming its schema, which linking then prefers.

    >>> c = schema_choices("How many employees?", (Reading("hr", ("hr.employees",)), Reading("ops", ("staff",))))
    >>> [(x.label, x.question) for x in c.choices]
    [('hr: hr.employees', 'How many employees (schema hr)?'), ('ops: staff', 'How many employees (schema ops)?')]
    """
    asked = question.strip().rstrip("?.! ")
    choices = tuple(Choice(f"{r.schema}: {', '.join(r.tables[:3])}", f"{asked} (schema {r.schema})?") for r in ties)
    return Candidate("none", None, choices=choices,
                     clarification="Several schemas hold what this question asks about. Which one did you mean?")


def clarify(
    question: str,
    candidate: Candidate,
    *,
    attempts: tuple[Attempt, ...],
    linked_tables: tuple[str, ...],
) -> Answer:
    """A generator found more than one reading (or the model asked back): ask instead of guessing."""
    message = candidate.clarification or "This question can be read more than one way. Which did you mean?"
    return Answer(
        question=question,
        status="clarify",
        message=message,
        generator=candidate.generator,
        error_code="clarify",
        choices=candidate.choices,
        attempts=attempts,
        linked_tables=linked_tables,
        prompt_tokens=candidate.prompt_tokens,
        completion_tokens=candidate.completion_tokens,
        cached_tokens=candidate.cached_tokens,
        reasoning_tokens=candidate.reasoning_tokens,
    )


def failed(question: str, error: UserFacingError) -> Answer:
    """A refusal (the guard, or access) or an error, with the error's own sentence and hint."""
    refused = isinstance(error, GuardRejected) or error.code == "access_denied"
    return Answer(
        question=question,
        status="refused" if refused else "error",
        sql=None,
        message=error.message,
        hint=error.hint,
        error_code=error.code,
        issues=getattr(error, "issues", ()),
    )


def history_turn(answer: Answer) -> tuple[str, str | None] | None:
    """The (question, reply) pair a conversation carries for ``answer``: the SQL that ran, the model's own
    question back (so the next question is read as the answer to it), or None for a question not understood
    (a follow-up builds on it, not on the turn before); None for turns that carry nothing.

    >>> history_turn(Answer("q", "answered", sql="SELECT 1")), history_turn(Answer("q", "error"))
    (('q', 'SELECT 1'), None)
    >>> history_turn(Answer("revenue by colour", "abstained"))
    ('revenue by colour', None)
    >>> history_turn(Answer("Top customers?", "clarify", generator="llm", message="By revenue or by orders?"))
    ('Top customers?', 'By revenue or by orders?')
    """
    if answer.status == "answered" and answer.sql:
        return (answer.question, answer.sql)
    if answer.status == "clarify" and answer.generator == "llm" and answer.message and not answer.choices:
        return (answer.question, answer.message)
    if answer.status == "abstained":
        return (answer.question, None)
    return None
