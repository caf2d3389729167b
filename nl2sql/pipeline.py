"""The question-to-answer pipeline: validate → link → generate → guard → run → Answer.

``Assistant.ask`` never raises for something a user can act on: refusals, abstentions, LLM outages and
warehouse errors come back as an ``Answer`` with a status and a friendly message. Only the LLM
generator is repaired (the warehouse or guard error goes back to the model), at most ``max_repairs``
times. The assistant holds no mutable state, so one instance serves many threads at once.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from catalog_semantics.linking import link
from catalog_semantics.model import SemanticModel
from catalog_semantics.render import render_context
from catalog_semantics.scope import Principal, scope_model, visible_queries
from nl2sql import audit, tracing
from nl2sql.answer import Answer, Attempt, Candidate, GeneratorName
from nl2sql.errors import (
    ConfigError,
    ExecutionFailed,
    GuardRejected,
    LlmReplyError,
    QueryTimeout,
    QuestionError,
    UserFacingError,
)
from nl2sql.generators import (
    History,
    build_llm_request,
    generate_llm,
    generate_offline,
    generate_verified,
    repair_request,
    repair_text,
)
from nl2sql.guard import CheckedSql, check, policy_for_model
from nl2sql.outcomes import NO_LLM_HINT, abstained, answered, clarify, failed, present
from nl2sql.ports import LlmClient, ResultTable, Warehouse
from nl2sql.query_tags import tagged
from nl2sql.settings import Settings

if TYPE_CHECKING:
    from nl2sql.feedback import FeedbackStore

log = logging.getLogger(__name__)

@dataclass
class _Timer:
    timings_ms: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            with tracing.step_span(name):                          # a span of the question's MLflow trace, if on
                yield
        finally:
            self.timings_ms[name] = self.timings_ms.get(name, 0.0) + (time.perf_counter() - start) * 1000


@dataclass(frozen=True)
class _Ran:
    candidate: Candidate
    checked: CheckedSql
    result: ResultTable


def validate_question(question: str, max_chars: int) -> str:
    """Strip a question and refuse empty or oversized ones with a sentence the user can act on."""
    cleaned = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", question or "").strip()
    if not cleaned:
        raise QuestionError("Please type a question.", hint="For example: revenue by region in 1996.")
    if len(cleaned) > max_chars:
        raise QuestionError(
            f"The question is too long ({len(cleaned):,} characters; the limit is {max_chars:,}).",
            hint="Ask one thing at a time, in a sentence or two.",
        )
    return cleaned


class Assistant:
    """Answers questions about one warehouse through its semantic model."""

    def __init__(
        self,
        model: SemanticModel,
        warehouse: Warehouse,
        settings: Settings | None = None,
        *,
        llm: LlmClient | None = None,
        feedback: FeedbackStore | None = None,
        principal: Principal | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.warehouse = warehouse
        self.full_model = model
        self.principal = principal
        self.model = scope_model(model, principal)
        self.llm = llm
        self.feedback = feedback
        self.policy = policy_for_model(self.model, max_rows=self.settings.max_rows, dialect=warehouse.dialect)

    @classmethod
    def from_settings(cls, settings: Settings, *, principal: Principal | None = None) -> Assistant:
        from nl2sql.wiring import build_assistant_parts

        parts = build_assistant_parts(settings)
        if principal is None and settings.allowed_table_names() is not None:
            principal = Principal.of(settings.principal or "configured user", settings.allowed_table_names())
        return cls(parts.model, parts.warehouse, settings, llm=parts.llm, feedback=parts.feedback, principal=principal)

    @classmethod
    def from_env(cls, *, principal: Principal | None = None) -> Assistant:
        return cls.from_settings(Settings.from_env(), principal=principal)

    def for_principal(self, principal: Principal | None) -> Assistant:
        """The same warehouse, model and LLM, seen by another principal."""
        return Assistant(
            self.full_model, self.warehouse, self.settings, llm=self.llm, feedback=self.feedback, principal=principal
        )

    def generator_order(self) -> tuple[GeneratorName, ...]:
        policy = self.settings.generator
        if policy == "offline":
            return ("verified", "offline")
        if policy == "llm":
            return ("verified", "llm")
        return ("verified", "offline", "llm") if self.llm is not None else ("verified", "offline")

    # ------------------------------------------------------------------ ask
    def ask(
        self,
        question: str,
        history: History | None = None,
        *,
        generators: Sequence[GeneratorName] | None = None,
    ) -> Answer:
        timer = _Timer()
        start = time.perf_counter()
        text = question if isinstance(question, str) else ""
        try:
            text = validate_question(text, self.settings.max_question_chars)
            with tagged(question_id=uuid.uuid4().hex[:12]), tracing.question_trace(       # query_tags; MLflow trace
                    text, enabled=self.settings.mlflow_tracing, data_dir=self.settings.resolved_data_dir()) as record:
                answer = self._answer(text, tuple(history or ()), tuple(generators or self.generator_order()), timer)
                record(answer)
        except UserFacingError as e:
            answer = failed(text, e)
        except Exception:  # a bug of ours: log it, show a generic sentence, never a traceback
            log.exception("internal error while answering a question")
            answer = Answer(
                question=text,
                status="error",
                error_code="internal",
                message="Something went wrong on our side while answering. Please try again or rephrase.",
            )
        timer.timings_ms["total"] = (time.perf_counter() - start) * 1000
        answer = replace(answer, timings_ms=dict(timer.timings_ms))
        audit.emit(answer, principal=self.principal.name if self.principal else self.settings.principal,
                   question_id=uuid.uuid4().hex, secrets=(self.settings.llm_api_key,))
        return answer

    def _answer(self, question: str, history: History, order: tuple[GeneratorName, ...], timer: _Timer) -> Answer:
        if "llm" in order and self.llm is None and self.settings.generator == "llm":
            raise ConfigError("No language model is configured.", hint=NO_LLM_HINT)
        with timer.step("link"):
            linked = link(self.model, question)
        linked_tables = tuple(t.name for t in linked.tables)
        attempts: list[Attempt] = []
        abstentions: list[Candidate] = []
        refusal: GuardRejected | None = None
        failure: UserFacingError | None = None
        context: str | None = None
        for generator in order:
            if generator == "llm":
                if self.llm is None:
                    continue
                with timer.step("render"):
                    # Instructions go in the system message (prompt.py), not twice.
                    context = render_context(
                        replace(self.model, instructions=()),
                        linked,
                        budget_tokens=self.settings.context_token_budget,
                        include_values=self.settings.send_data_to_llm,
                    )
                ran = self._run_llm(question, history, context, attempts, abstentions, timer)
            else:
                ran = self._run_deterministic(generator, question, history, attempts, abstentions, timer)
            if isinstance(ran, Candidate):  # more than one reading, or the model asked back: ask the user
                attempts.append(Attempt(ran.generator, None, "clarify", ran.clarification))
                return clarify(question, ran, attempts=tuple(attempts), linked_tables=linked_tables)
            if isinstance(ran, _Ran):
                attempts.append(Attempt(ran.candidate.generator, ran.checked.sql, "ran"))
                with timer.step("present"):
                    explanation, chart = present(ran.checked, ran.result, self.model)
                return answered(question, ran.candidate, ran.checked, ran.result, explanation=explanation,
                                chart=chart, attempts=tuple(attempts), linked_tables=linked_tables, context=context,
                                model=self.model)
            if isinstance(ran, GuardRejected):
                refusal = ran
            elif isinstance(ran, UserFacingError):
                failure = ran
        if refusal is not None or failure is not None:
            return replace(failed(question, refusal or failure), attempts=tuple(attempts), linked_tables=linked_tables)
        return abstained(question, abstentions, attempts=tuple(attempts), linked_tables=linked_tables,
                         llm_configured=self.llm is not None)

    def _run_deterministic(
        self,
        generator: GeneratorName,
        question: str,
        history: History,
        attempts: list[Attempt],
        abstentions: list[Candidate],
        timer: _Timer,
    ) -> _Ran | Candidate | UserFacingError | None:
        with timer.step(generator):
            if generator == "verified":
                extra = self.feedback.verified_queries() if self.feedback is not None else ()
                candidate = generate_verified(question, self.model, visible_queries(extra, self.model))
            else:
                candidate = generate_offline(question, self.model, history)
        if candidate.clarifies:
            return candidate
        if candidate.abstained:
            attempts.append(Attempt(generator, None, "abstained", candidate.abstain_reason))
            if generator != "verified":
                abstentions.append(candidate)
            return None
        try:
            return self._guard_and_run(candidate, timer)
        except GuardRejected as e:
            attempts.append(Attempt(generator, candidate.sql, "refused", e.message))
            log.warning("%s SQL refused by the guard: %s", generator, [i.code for i in e.issues])
            return e
        except ExecutionFailed as e:
            attempts.append(Attempt(generator, candidate.sql, "error", e.message))
            return e

    def _run_llm(
        self,
        question: str,
        history: History,
        context: str,
        attempts: list[Attempt],
        abstentions: list[Candidate],
        timer: _Timer,
    ) -> _Ran | Candidate | UserFacingError | None:
        assert self.llm is not None
        with timer.step("prompt"):
            request = build_llm_request(
                question, self.model, context=context, max_rows=self.settings.max_rows, history=history
            )
        last: UserFacingError | None = None
        tokens = [0, 0]
        for _ in range(1 + max(0, self.settings.max_repairs)):
            with timer.step("llm"):
                try:
                    candidate, completion = generate_llm(request, self.llm, self.model.dialect)
                except LlmReplyError as e:
                    attempts.append(Attempt("llm", None, "error", e.message))
                    last = e
                    request = repair_request(request, "", f"{e.message} Reply with one SQL query.")
                    continue
            tokens[0] += completion.prompt_tokens
            tokens[1] += completion.completion_tokens
            candidate = replace(candidate, prompt_tokens=tokens[0], completion_tokens=tokens[1])
            if candidate.clarifies:
                return candidate
            if candidate.abstained:
                attempts.append(Attempt("llm", None, "abstained", candidate.abstain_reason))
                abstentions.append(candidate)
                return None
            try:
                return self._guard_and_run(candidate, timer)
            except QueryTimeout as e:
                attempts.append(Attempt("llm", candidate.sql, "timeout", e.message))
                return e
            except (GuardRejected, ExecutionFailed) as e:
                outcome = "refused" if isinstance(e, GuardRejected) else "error"
                attempts.append(Attempt("llm", candidate.sql, outcome, e.message))
                last = e
                request = repair_request(
                    request, candidate.sql or "", repair_text(e), scrub_values=not self.settings.send_data_to_llm
                )
        assert last is not None
        return last

    def _guard_and_run(self, candidate: Candidate, timer: _Timer) -> _Ran:
        assert candidate.sql is not None
        with timer.step("guard"):
            checked = check(candidate.sql, self.policy)
        with timer.step("run"), tagged(generator=candidate.generator):
            result = self.warehouse.run(
                checked, max_rows=self.settings.max_rows, timeout_s=self.settings.query_timeout_s
            )
        return _Ran(candidate, checked, result)
