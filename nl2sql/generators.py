"""The generators behind one seam: ``generate(question, history, linked) -> candidates``.

verified → a checked question→SQL pair (trusted); offline → the deterministic planner; llm → the model
writes SQL from the rendered context, one or several candidates. The pipeline iterates over a tuple of
``Generator`` values without naming them. Each returns abstaining candidates rather than raising when it
has nothing to say; LLM transport failures raise ``LlmUnavailable``/``LlmReplyError``. A generator that can
take an error back (the LLM) also has ``repair(candidate, error) -> candidates``.

The verified and offline generators live here; the seam is ``nl2sql.generator_seam`` and the LLM generator
``nl2sql.llm.generator`` (its request and reply in ``nl2sql.llm.request`` and ``nl2sql.llm.reply``), all
importable from here as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from catalog_semantics.linking import LinkedSchema
from catalog_semantics.model import SemanticModel, VerifiedQuery
from catalog_semantics.question import QuestionWords
from nl2sql.answer import Candidate, GeneratorName
from nl2sql.generator_seam import Generator, History, Repairable
from nl2sql.llm.generator import LlmGenerator
from nl2sql.llm.reply import generate_llm, read_reply
from nl2sql.llm.request import LlmRequest, build_llm_request, repair_request, repair_text
from nl2sql.verified import match_verified

__all__ = [
    "Generator",
    "GeneratorFn",
    "History",
    "LlmGenerator",
    "LlmRequest",
    "OfflineGenerator",
    "Repairable",
    "VerifiedGenerator",
    "build_llm_request",
    "generate_llm",
    "generate_offline",
    "generate_verified",
    "read_reply",
    "repair_request",
    "repair_text",
]


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


def offline_words(question: str) -> QuestionWords:
    """The question's words as the offline planner reads them (its word forms): the pipeline links these, and
    the planner reads the same words back from ``LinkedSchema.question_words`` instead of splitting the text."""
    from nl2sql.planner.tokens import read_question

    return read_question(question)


def generate_offline(question: str | QuestionWords, model: SemanticModel, history: History = ()) -> Candidate:
    from nl2sql.planner.turns import plan_turn

    # A follow-up ("and in 1997?") is read as an edit of the previous turn's frame (nl2sql/planner/turns.py).
    columns: Literal["helpful", "asked"] = "helpful" if model.answer_columns == "helpful" else "asked"
    return plan_turn(question, model, history, columns=columns)


@dataclass(frozen=True)
class VerifiedGenerator:
    model: SemanticModel
    extra: tuple[VerifiedQuery, ...] = ()
    name: GeneratorName = "verified"

    def generate(self, question: str, history: History, linked: LinkedSchema) -> tuple[Candidate, ...]:
        return (generate_verified(question, self.model, self.extra),)


@dataclass(frozen=True)
class OfflineGenerator:
    """The deterministic planner. It reads the question's words linking read (``linked.question_words``,
    when they are this question's) and matches them against its own lexicon, whose exact-phrase matching it
    keeps for precision; linking's scored tables and columns are not used."""

    model: SemanticModel
    name: GeneratorName = "offline"

    def generate(self, question: str, history: History, linked: LinkedSchema) -> tuple[Candidate, ...]:
        words = linked.question_words
        read = words if words is not None and words.text == question else question
        return (generate_offline(read, self.model, history),)


GeneratorFn = Callable[[str], Candidate]
