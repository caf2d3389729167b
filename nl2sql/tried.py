"""What the generators tried for one question, kept in order, and the ``Answer`` it makes when none answered.

The pipeline hands each generator's outcome here unless it ends the question (a result to present); what is
kept is what a clarifying question, a failure or an abstention reports: every attempt, the tables linked,
the context the model saw, and the tokens spent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from nl2sql.answer import Answer, Attempt, Candidate
from nl2sql.errors import GuardRejected, UserFacingError
from nl2sql.generator_seam import Generator
from nl2sql.outcomes import abstained, clarify, failed

@dataclass
class Tried:
    """One question's record, filled as its generators are tried (``attempts`` is appended to by the runner)."""

    question: str
    linked_tables: tuple[str, ...]
    attempts: list[Attempt] = field(default_factory=list)
    abstentions: list[Candidate] = field(default_factory=list)
    refusal: GuardRejected | None = None         # a guard refusal outranks any other failure
    failure: UserFacingError | None = None
    context: str | None = None                   # the schema context the latest LLM generator rendered

    def saw(self, generator: Generator) -> None:
        self.context = getattr(generator, "context", None) or self.context

    def note(self, outcome: Candidate | UserFacingError) -> None:
        """An outcome that does not end the question: an abstention, a refusal or another failure."""
        if isinstance(outcome, Candidate):
            if outcome.generator != "verified":  # "no verified question matches" says nothing to the user
                self.abstentions.append(outcome)
        elif isinstance(outcome, GuardRejected):
            self.refusal = outcome
        else:
            self.failure = outcome

    def clarify(self, asking: Candidate) -> Answer:
        """Ask instead of guessing: more than one reading, several schemas, or the model asked back."""
        self.attempts.append(Attempt(asking.generator, None, "clarify", asking.clarification))
        return clarify(self.question, asking, attempts=tuple(self.attempts), linked_tables=self.linked_tables)

    def unanswered(self, made: Sequence[Generator], *, llm_configured: bool) -> Answer:
        """No generator answered: the refusal or failure that stopped one, else the abstentions."""
        stop = self.refusal if self.refusal is not None else self.failure
        if stop is None:
            return abstained(self.question, self.abstentions, attempts=tuple(self.attempts),
                             linked_tables=self.linked_tables, llm_configured=llm_configured)
        def spent(k: str) -> int:
            return sum(getattr(g, k, 0) for g in made)
        return replace(failed(self.question, stop), attempts=tuple(self.attempts), linked_tables=self.linked_tables,
                       prompt_tokens=spent("prompt_tokens"), completion_tokens=spent("completion_tokens"),
                       cached_tokens=spent("cached_tokens"), reasoning_tokens=spent("reasoning_tokens"))
