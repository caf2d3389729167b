"""The one seam every generator sits behind: ``generate(question, history, linked) -> candidates``.

Kept apart from the generators themselves so the LLM generator (``nl2sql.llm.generator``) and the
deterministic ones (``nl2sql.generators``) can both name it without importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from catalog_semantics.linking import LinkedSchema
from nl2sql.answer import Candidate, GeneratorName

# (question, sql that answered it, or the model's question back; None for a turn that was not answered),
# oldest first
History = Sequence[tuple[str, str | None]]


class Generator(Protocol):
    """What the pipeline asks for candidates. ``attempts`` lists what it tried and dropped on the way."""

    @property
    def name(self) -> GeneratorName: ...           # read-only: generators are frozen dataclasses

    def generate(self, question: str, history: History, linked: LinkedSchema) -> tuple[Candidate, ...]: ...


class Repairable(Protocol):
    def repair(self, candidate: Candidate, error: str, *, from_start: bool = False) -> tuple[Candidate, ...]: ...
