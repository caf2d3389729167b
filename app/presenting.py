"""What the app says about an answer, as pure functions of an ``Answer`` (no Streamlit here, so tests read it).

No SQL and no prompt text: the words about the SQL come from ``Answer.explanation``, derived from the
query's syntax tree by ``nl2sql.explain``.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import Any

from nl2sql.answer import Answer, Choice
from nl2sql.feedback import Rating
from nl2sql.outcomes import history_turn

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
# Sidebar words for who answers, by the generator order (no engine or policy names).
SOURCE_WORDS: dict[str, str] = {
    "verified": "questions verified by your data team",
    "offline": "the built-in question engine",
    "llm": "a language model",
}
GENERATOR_LABELS: dict[str, str] = {
    "verified": "Trusted verified query (checked by a person)",
    "offline": "Offline engine (deterministic, no language model)",
    "llm": "Language model",
    "none": "Not answered",
}


MAX_ECHO_CHARS = 300          # a pasted essay is echoed clipped; the full text is still what was asked
LLM_DOWN = ("The language model could not be reached, so this question could not be answered by it. "
            "Verified questions and the built-in offline engine still work.")
LLM_DOWN_HINT = ("Ask whoever runs this app to check the OPENAI_BASE_URL setting (the language model's address) "
                 "and that the service is up; meanwhile try one of the example questions.")


@dataclass
class Turn:
    """One question of a conversation and what came back; ``rating`` once the user gave feedback.

    ``notes`` (ties, partial periods, why a result is empty), ``followups`` (checked to be answerable) and
    ``did_you_mean`` are worked out once when the answer arrives, not on every redraw.
    """

    id: int
    question: str
    answer: Answer
    feedback_id: int | None = None
    rating: Rating | None = None
    notes: tuple[str, ...] = ()
    followups: tuple[str, ...] = ()
    did_you_mean: str | None = None


def turn_to_dict(turn: Turn) -> dict[str, Any]:
    answer = {k: v for k, v in turn.answer.to_dict().items() if k != "context"}   # the prompt context stays out
    return {"id": turn.id, "question": turn.question, "answer": answer, "rating": turn.rating,
            "feedback_id": turn.feedback_id, "notes": list(turn.notes), "followups": list(turn.followups),
            "did_you_mean": turn.did_you_mean}


def turn_from_dict(data: dict[str, Any]) -> Turn:
    from nl2sql.conversations import answer_from_dict

    return Turn(id=int(data["id"]), question=str(data["question"]), answer=answer_from_dict(data["answer"]),
                feedback_id=data.get("feedback_id"), rating=data.get("rating"), notes=tuple(data.get("notes") or ()),
                followups=tuple(data.get("followups") or ()), did_you_mean=data.get("did_you_mean"))


def headline(answer: Answer) -> str:
    """The result in one sentence (from the rows and the SQL), else what was computed."""
    if answer.summary:
        return answer.summary
    first = (answer.explanation or "").strip().splitlines()
    text = first[0] if first else (answer.message or "Here is the result.")
    if not answer.rows:
        text += " No rows matched."
    return text


def choice_text(choice: Choice) -> str:
    """A clarify button's text: the question it asks, capitalised.

    >>> choice_text(Choice("revenue = SUM(x) · by region · sorted by revenue lowest first", "lowest regions by revenue"))
    'Lowest regions by revenue'
    """
    text = choice.question.strip() or choice.label
    return text[:1].upper() + text[1:]


def clip(question: str, limit: int = MAX_ECHO_CHARS) -> str:
    """A question as echoed in the conversation: long ones clipped with an ellipsis.

    >>> clip("x" * 5000)[-20:], len(clip("x" * 5000)) < 400, clip("short")
    ('… (5,000 characters)', True, 'short')
    """
    return question if len(question) <= limit else f"{question[:limit].rstrip()}… ({len(question):,} characters)"


def llm_down(answer: Answer) -> bool:
    """No connection to the LLM could be opened (the adapter's own code; not: it was busy or answered badly)."""
    return answer.error_code == "llm_unreachable"


def failure_text(answer: Answer) -> tuple[str, str]:
    """(what happened, what to try) for an answer that is not ``answered``, in a business user's words."""
    if llm_down(answer):
        return LLM_DOWN, LLM_DOWN_HINT
    message = answer.message or "The question could not be answered."
    hint = answer.hint or WHAT_TO_TRY.get(answer.error_code or answer.status, WHAT_TO_TRY["internal"])
    return message, hint


def generator_label(answer: Answer, llm_model: str | None) -> str:
    label = GENERATOR_LABELS.get(answer.generator, answer.generator)
    return f"{label} ({llm_model})" if answer.generator == "llm" and llm_model else label


def sources(order: tuple[str, ...]) -> str:
    """How questions get answered, in words: "questions verified by your data team, then the built-in …"."""
    return ", then ".join(SOURCE_WORDS.get(g, g) for g in order)


def history(turns: list[Turn]) -> tuple[tuple[str, str | None], ...]:
    """What the conversation carries into the next question, oldest first: each answered question with its
    SQL, each question the model asked back (so the next question is read as the reply to it), and each
    question not understood, with None (a follow-up to it is not read as one to the turn before)."""
    return tuple(turn for t in turns if (turn := history_turn(t.answer)) is not None)


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
