"""What the app says about an answer, as pure functions of an ``Answer`` (no Streamlit here, so tests read it).

No SQL and no prompt text: the words about the SQL come from ``Answer.explanation``, derived from the
query's syntax tree by ``nl2sql.explain``.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import Any

from nl2sql.answer import Answer

# Something to try for each kind of failure, when the failure itself carries no hint.
WHAT_TO_TRY: dict[str, str] = {
    "refused": "Ask for the data you want to see; this assistant only reads data, it never changes it.",
    "access_denied": "Ask about data you have access to, or ask your data team for access.",
    "abstained": "Name a measure and how to break it down, e.g. “revenue by region in 1996”.",
    "llm_unavailable": "Try again in a minute, or ask one of the example questions, which need no language model.",
    "llm_reply": "Rephrase the question, naming the measure and the breakdown you want.",
    "timeout": "Narrow the question (a year, a region, a top 10) so the query has less data to read.",
    "execution_failed": "Rephrase the question, or ask something simpler first.",
    "question": "Type a question in a sentence or two.",
    "config": "Ask whoever set up this app to check its settings.",
    "internal": "Please try again, or rephrase the question.",
}
GENERATOR_LABELS: dict[str, str] = {
    "verified": "Trusted verified query (checked by a person)",
    "offline": "Offline engine (deterministic, no language model)",
    "llm": "Language model",
    "none": "Not answered",
}


@dataclass
class Turn:
    """One question of a conversation and what came back; ``rating`` once the user gave feedback."""

    id: int
    question: str
    answer: Answer
    feedback_id: int | None = None
    rating: str | None = None


def headline(answer: Answer) -> str:
    """One plain sentence saying what was computed, plus what the row count means."""
    first = (answer.explanation or "").strip().splitlines()
    text = first[0] if first else (answer.message or "Here is the result.")
    if answer.truncated:
        text += f" Showing the first {len(answer.rows):,} rows."
    elif not answer.rows:
        text += " No rows matched."
    return text


def failure_text(answer: Answer) -> tuple[str, str]:
    """(what happened, what to try) for an answer that is not ``answered``."""
    message = answer.message or "The question could not be answered."
    hint = answer.hint or WHAT_TO_TRY.get(answer.error_code or answer.status, WHAT_TO_TRY["internal"])
    return message, hint


def generator_label(answer: Answer, llm_model: str | None) -> str:
    label = GENERATOR_LABELS.get(answer.generator, answer.generator)
    return f"{label} ({llm_model})" if answer.generator == "llm" and llm_model else label


def history(turns: list[Turn]) -> tuple[tuple[str, str], ...]:
    """Earlier answered questions with their SQL, oldest first, for follow-up questions."""
    return tuple((t.question, t.answer.sql) for t in turns if t.answer.ok and t.answer.sql)


def format_number(value: Any) -> str:
    """A metric card's value: thousands separators, at most two decimals.

    >>> format_number(1234567.891), format_number(42), format_number(None)
    ('1,234,567.89', '42', '—')
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, (float, decimal.Decimal)) and float(value).is_integer()):
        return f"{int(value):,}"
    if isinstance(value, (float, decimal.Decimal)):
        return f"{float(value):,.2f}"
    return str(value)


def answer_meta(answer: Answer) -> dict[str, Any]:
    """What the feedback store keeps about the answer a rating is for."""
    return {
        "status": answer.status,
        "generator": answer.generator,
        "trusted": answer.trusted,
        "rows": len(answer.rows),
        "error_code": answer.error_code,
        "total_ms": round(answer.timings_ms.get("total", 0.0), 1),
    }
