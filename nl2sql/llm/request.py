"""One request to the model: the messages for a question, and the same conversation extended by a repair.

``LlmRequest`` keeps the messages sent so a repair (the failed SQL and its error) continues that conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog_semantics.model import SemanticModel
from nl2sql.errors import GuardRejected, UserFacingError
from nl2sql.generator_seam import History
from nl2sql.ports import Message


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
    hints: str = "",
    today: str | None = None,
    examples: str = "",
) -> LlmRequest:
    from nl2sql.llm.prompt import build_messages
    from nl2sql.llm.prompt_schema import names_text

    messages = build_messages(
        question,
        context,
        dialect=model.dialect,
        max_rows=max_rows,
        instructions=model.instructions,
        history=tuple(history),
        hints=hints,
        today=today,
        names=names_text(model),
        examples=examples,
    )
    return LlmRequest(tuple(messages), context)


def repair_text(error: UserFacingError) -> str:
    """What the model is told went wrong: every guard issue, or the warehouse's own words."""
    if isinstance(error, GuardRejected):
        return "; ".join(f"{i.code}: {i.message}" + (f" ({i.detail})" if i.detail else "") for i in error.issues)
    return " ".join(p for p in (error.message, error.hint) if p)


def repair_request(request: LlmRequest, bad_sql: str, error: str, *, scrub_values: bool = False) -> LlmRequest:
    """The conversation so far plus the failed SQL and its error; ``scrub_values`` masks quoted data."""
    from nl2sql.llm.prompt import build_repair_messages

    messages = build_repair_messages(request.messages, bad_sql, error, scrub_values=scrub_values)
    return LlmRequest(tuple(messages), request.context)
