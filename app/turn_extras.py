"""What the app works out once per answer besides the pipeline's own presentation (which already carries
the notes, in ``Answer.notes``): follow-ups a deterministic generator answers, and a 'did you mean' question."""

from __future__ import annotations

import logging

from nl2sql.answer import Answer
from nl2sql.generators import generate_offline, generate_verified
from nl2sql.pipeline import Assistant
from nl2sql.present.didyoumean import did_you_mean
from nl2sql.present.followups import keep_answerable

log = logging.getLogger(__name__)


def extras(assistant: Assistant, answer: Answer) -> tuple[tuple[str, ...], str | None]:
    """(follow-ups, did-you-mean) for one answer; never fatal."""
    try:
        if answer.ok and answer.sql:
            return keep_answerable(answer.followups, lambda q: answerable(assistant, q)), None
        if answer.status == "abstained" and answer.interpretation:
            unknown = tuple(w.strip() for w in answer.interpretation.split(","))
            fixed = did_you_mean(answer.question, unknown, assistant.model)
            return (), fixed if fixed and answerable(assistant, fixed) else None
    except Exception:
        log.exception("could not work out notes and suggestions")
    return (), None


def answerable(assistant: Assistant, question: str) -> bool:
    """A verified query or the offline engine answers it (no LLM call, nothing run)."""
    for candidate in (generate_verified(question, assistant.model), generate_offline(question, assistant.model)):
        if not candidate.abstained and not candidate.clarifies:
            return True
    return False

