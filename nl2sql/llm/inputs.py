"""What the LLM generator is given beside the question, from one assistant's model, settings and stores: the
schema context for the linked tables, few-shot examples chosen by similarity, and hints (synonyms, values
the question names).

One per assistant: the model as the LLM's schema is built on first use and kept; a small model's value index is
shared by every principal's assistant over the same warehouse, a big one's is built per question from its
shortlisted tables (``question_values.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from catalog_semantics.linking import LinkedSchema
from catalog_semantics.model import SemanticModel
from catalog_semantics.scope import visible_queries
from nl2sql.llm.examples import pool_of, render_examples, select_examples
from nl2sql.llm.prompt_schema import llm_view, question_hints, schema_context
from nl2sql.llm.question_values import QuestionValues
from nl2sql.settings import Settings

if TYPE_CHECKING:
    from nl2sql.feedback import FeedbackStore


class LlmInputs:
    """``render``, ``examples`` and ``hints`` for the LLM generator of one assistant (``model``: as that
    assistant's principal sees it; ``examples``: extra (question, sql) pairs beside the verified queries)."""

    def __init__(self, model: SemanticModel, settings: Settings, *, feedback: FeedbackStore | None,
                 examples: Sequence[tuple[str, str]], values: QuestionValues) -> None:
        self.model, self.settings, self.feedback = model, settings, feedback
        self.extra_examples = tuple(examples)
        self._values = values
        self._llm_view: SemanticModel | None = None     # the model as the LLM's schema, built on first use

    def render(self, linked: LinkedSchema) -> str:
        # Instructions go in the system message (prompt.py), not twice; synonyms go in the hints.
        if self._llm_view is None:
            self._llm_view = llm_view(self.model)
        return schema_context(self._llm_view, linked, budget_tokens=self.settings.context_token_budget,
                              include_values=self.settings.send_data_to_llm)

    def examples(self, question: str) -> str:
        """Few-shot examples by similarity from the verified queries (overlay and promoted) and ``examples``."""
        promoted = self.feedback.verified_queries() if self.feedback is not None else ()
        verified = (*self.model.verified_queries, *visible_queries(promoted, self.model))
        pool = pool_of([*((v.question, v.sql) for v in verified), *self.extra_examples])
        return render_examples(select_examples(question, pool, self.model))

    def hints(self, question: str, linked: LinkedSchema) -> str:
        # Hits on tables this principal may not read are dropped: a small model's value index covers all of it.
        visible = {t.name.lower() for t in self.model.tables}
        hits = tuple(h for h in self._values.hits(self.model, question, linked) if h.table.lower() in visible) \
            if self.settings.send_data_to_llm else ()
        return question_hints(self.model, question, linked, include_values=self.settings.send_data_to_llm,
                              value_hits=hits)
