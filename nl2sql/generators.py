"""The three generators behind one shape: question in, ``Candidate`` out.

verified → a checked question→SQL pair (trusted); offline → the deterministic planner; llm → the model
writes SQL from the rendered context. Each returns an abstaining Candidate rather than raising when it
has nothing to say; LLM transport failures raise ``LlmUnavailable``/``LlmReplyError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from catalog_semantics.model import SemanticModel, VerifiedQuery
from nl2sql.answer import Candidate
from nl2sql.errors import GuardRejected, LlmReplyError, UserFacingError
from nl2sql.ports import Completion, LlmClient, Message
from nl2sql.verified import match_verified

History = Sequence[tuple[str, str]]  # (question, sql that answered it), oldest first


def generate_verified(question: str, model: SemanticModel, extra: Iterable[VerifiedQuery] = ()) -> Candidate:
    match = match_verified(question, (*extra, *model.verified_queries))
    if match is None:
        return Candidate("verified", None, abstain_reason="No verified question matches.")
    return Candidate(
        "verified",
        match.query.sql,
        confidence=1.0,
        interpretation=f"Verified answer to “{match.query.question}”",
        trusted=True,
    )


def generate_offline(question: str, model: SemanticModel, history: History = ()) -> Candidate:
    from nl2sql.planner.turns import plan_turn

    # A follow-up ("and in 1997?") is read as an edit of the previous turn's frame (nl2sql/planner/turns.py).
    columns = "helpful" if model.answer_columns == "helpful" else "asked"
    return plan_turn(question, model, history, columns=columns)


@dataclass(frozen=True)
class LlmRequest:
    """Everything the LLM generator sends, kept so repairs can extend the same conversation."""

    messages: tuple[Message, ...]
    context: str


def build_llm_request(
    question: str,
    model: SemanticModel,
    *,
    context: str,
    max_rows: int,
    history: History = (),
) -> LlmRequest:
    from nl2sql.prompt import build_messages

    messages = build_messages(
        question,
        context,
        dialect=model.dialect,
        max_rows=max_rows,
        instructions=model.instructions,
        history=tuple(history),
    )
    return LlmRequest(tuple(messages), context)


def generate_llm(request: LlmRequest, llm: LlmClient, dialect: str) -> tuple[Candidate, Completion]:
    from nl2sql.extract import abstention_reason, extract_sql

    completion = llm.complete(request.messages)
    if ("truncated", "true") in completion.extra:
        # A cut-off reply can still parse ("SELECT 1, 1, …"); never run what the model did not finish.
        raise LlmReplyError("The language model's reply was too long and was cut off.")
    reason = abstention_reason(completion.text)
    if reason is not None:  # the model says the data cannot answer this: an abstention, not a fault
        declined = Candidate("llm", None, abstain_reason=f"The language model could not answer: {reason}",
                             prompt_tokens=completion.prompt_tokens,
                             completion_tokens=completion.completion_tokens, reply=completion.text)
        return declined, completion
    sql = extract_sql(completion.text, dialect=dialect)
    candidate = Candidate(
        "llm",
        sql,
        confidence=0.5,
        interpretation=None,
        prompt_tokens=completion.prompt_tokens,
        completion_tokens=completion.completion_tokens,
        reply=completion.text,
    )
    return candidate, completion


def repair_text(error: UserFacingError) -> str:
    """What the model is told went wrong: every guard issue, or the warehouse's own words."""
    if isinstance(error, GuardRejected):
        return "; ".join(f"{i.code}: {i.message}" + (f" ({i.detail})" if i.detail else "") for i in error.issues)
    return " ".join(p for p in (error.message, error.hint) if p)


def repair_request(request: LlmRequest, bad_sql: str, error: str, *, scrub_values: bool = False) -> LlmRequest:
    """The conversation so far plus the failed SQL and its error; ``scrub_values`` masks quoted data."""
    from nl2sql.prompt import build_repair_messages

    messages = build_repair_messages(request.messages, bad_sql, error, scrub_values=scrub_values)
    return LlmRequest(tuple(messages), request.context)


GeneratorFn = Callable[[str], Candidate]
