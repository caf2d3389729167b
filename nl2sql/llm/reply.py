"""One reply from the model read as a candidate: SQL, the model's abstention, or its question back.

A reply that is none of these (cut at the length limit, or prose without SQL) raises ``LlmReplyError``.
"""

from __future__ import annotations

from typing import TypedDict

from nl2sql.answer import Candidate
from nl2sql.errors import LlmReplyError
from nl2sql.llm.request import LlmRequest
from nl2sql.ports import Completion, LlmClient


class _ReplyTokens(TypedDict):
    """What every candidate read from one LLM reply carries (``Candidate`` fields of the same names)."""
    prompt_tokens: int
    completion_tokens: int
    reply: str


def read_reply(completion: Completion, dialect: str) -> Candidate:
    """One reply as a candidate: SQL, the model's abstention, or its question back.

    Raises ``LlmReplyError`` for a reply that is none of these (cut at the length limit, or prose without SQL);
    a cut reply is never read for SQL, since a cut query can still parse ("SELECT … FROM customer c").
    """
    from nl2sql.llm.extract import abstention_reason, clarifying_question, extract_sql

    tokens = _ReplyTokens(prompt_tokens=completion.prompt_tokens, completion_tokens=completion.completion_tokens,
                  reply=completion.text)
    if completion.finish_reason == "length" or ("truncated", "true") in completion.extra:
        raise LlmReplyError("The language model's reply was cut off at the length limit.")
    reason = abstention_reason(completion.text)
    if reason is not None:  # the model says the data cannot answer this: an abstention, not a fault
        return Candidate("llm", None, abstain_reason=f"The language model could not answer: {reason}", **tokens)
    try:
        sql = extract_sql(completion.text, dialect=dialect)
    except LlmReplyError:
        asked = clarifying_question(completion.text)
        if asked is None:
            raise
        return Candidate("llm", None, clarification=asked, **tokens)
    return Candidate("llm", sql, confidence=0.5, **tokens)


def generate_llm(request: LlmRequest, llm: LlmClient, dialect: str) -> tuple[Candidate, Completion]:
    """One reply to ``request`` read as a candidate (kept for callers of the single-reply path)."""
    completion = llm.complete(request.messages)
    return read_reply(completion, dialect), completion
