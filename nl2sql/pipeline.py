"""The question-to-answer pipeline: validate → link → values → generate → guard → run → vote → Answer.

Linking is on the conversation (``link_conversation``); ``values`` reads the values of the shortlisted tables
the model has none for, and links again with them (``lazy_values``: bounded, cached, scoped, never fatal).
``Assistant.ask`` never raises for something a user can act on: refusals, abstentions, LLM outages and
warehouse errors come back as an ``Answer`` with a status and a friendly message. Generators are tried in
order behind one seam (``generator_seam.Generator``), each by ``generator_run.run_generator``: it may propose
several candidates, all guarded and run, and the result most of them agree on is the answer
(``candidates.choose``); a generator that can repair (the LLM) gets the guard or warehouse error back, at most
``max_repairs`` times. What did not answer is kept in ``tried.Tried``, which makes the Answer when none did. The only state the
assistant keeps is the question it last could not answer per conversation (``nl2sql.unanswered``, behind a
lock), so one instance serves many threads at once.
"""

from __future__ import annotations

import datetime
import logging
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from catalog_semantics.model import SemanticModel
from catalog_semantics.scope import Principal, scope_model, split_schema_choice, visible_queries, within
from nl2sql import audit, tracing
from nl2sql.answer import Answer, Candidate, GeneratorName
from nl2sql.errors import ConfigError, QuestionError, UserFacingError
from nl2sql.generator_run import run_generator
from nl2sql.generators import Generator, History, LlmGenerator, OfflineGenerator, VerifiedGenerator, offline_words
from nl2sql.llm.followup import link_conversation
from nl2sql.llm.inputs import LlmInputs
from nl2sql.lazy_values import LazyValues
from nl2sql.guard import policy_for_model
from nl2sql.outcomes import NO_LLM_HINT, answered, failed, present, schema_choices
from nl2sql.ports import LlmClient, Warehouse
from nl2sql.query_tags import tagged
from nl2sql.running import Ran, Runner, Timer
from nl2sql.tried import Tried
from nl2sql.settings import Settings
from nl2sql.unanswered import KEEP, UnansweredMemory
from nl2sql.llm.question_values import QuestionValues
from nl2sql.llm.value_index import CachedValueIndex

if TYPE_CHECKING:
    from nl2sql.feedback import FeedbackStore

log = logging.getLogger(__name__)

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
        examples: Sequence[tuple[str, str]] = (),
        value_index: CachedValueIndex | None = None,
        scope: tuple[str, ...] | None = None,
        remember_unanswered: bool = True,
    ) -> None:
        """``examples``: extra (question, sql) pairs for few-shot selection beside the verified queries (the
        eval's train split). ``value_index``: one already read for this warehouse (shared across principals).
        ``scope``: the catalogs, schemas or tables questions are asked across (NL2SQL_SCOPE; ``within``)."""
        self.settings = settings or Settings()
        self.warehouse = warehouse
        self.full_model = model
        self.principal = principal
        self.scope = scope
        self.model = scope_model(within(model, scope), principal)
        self.llm = llm
        self.feedback = feedback
        self.examples = tuple(examples)
        self.policy = policy_for_model(self.model, max_rows=self.settings.max_rows, dialect=warehouse.dialect)
        self.lazy_values = LazyValues(warehouse, self.policy, self.settings)   # the shortlist's values, when lacking
        # Distinct text values of the whole model, read on first LLM use and shared by every principal's
        # assistant (hits on tables a principal may not read are dropped in ``LlmInputs.hints``); above the size,
        # those of each question's shortlisted tables, through ``lazy_values`` (``llm/question_values.py``).
        self._values = value_index or CachedValueIndex(model, warehouse, self.settings.resolved_data_dir())
        values = QuestionValues(self._values, self.lazy_values,
                                per_question=self._values.tables > self.settings.value_index_whole_up_to)
        self.llm_inputs = LlmInputs(self.model, self.settings, feedback=feedback, examples=self.examples,
                                 values=values)
        # Off where the caller passes unanswered turns itself and one assistant serves many users (the app):
        # two users with the same history must never see each other's questions.
        self.remember_unanswered = remember_unanswered
        self._unanswered = UnansweredMemory(KEEP if remember_unanswered else 0)

    @classmethod
    def from_settings(cls, settings: Settings, *, principal: Principal | None = None,
                      remember_unanswered: bool = True) -> Assistant:
        from nl2sql.wiring import build_assistant_parts

        parts = build_assistant_parts(settings)
        if principal is None and settings.allowed_table_names() is not None:
            principal = Principal.of(settings.principal or "configured user", settings.allowed_table_names())
        return cls(parts.model, parts.warehouse, settings, llm=parts.llm, feedback=parts.feedback, principal=principal,
                   scope=settings.scope_patterns(), remember_unanswered=remember_unanswered)

    @classmethod
    def from_env(cls, *, principal: Principal | None = None) -> Assistant:
        return cls.from_settings(Settings.from_env(), principal=principal)

    def for_principal(self, principal: Principal | None) -> Assistant:
        """The same warehouse, model and LLM, seen by another principal."""
        return Assistant(
            self.full_model, self.warehouse, self.settings, llm=self.llm, feedback=self.feedback, principal=principal,
            examples=self.examples, value_index=self._values, scope=self.scope,
        )

    def with_scope(self, scope: tuple[str, ...] | None, *, within_current: bool = False) -> Assistant:
        """The same warehouse and principal, asking across another scope (ConfigError when it names no table);
        ``within_current``: a part of the current scope rather than of the whole warehouse."""
        return Assistant(
            self.model if within_current else self.full_model, self.warehouse, self.settings, llm=self.llm,
            feedback=self.feedback, principal=self.principal, examples=self.examples, value_index=self._values,
            scope=scope, remember_unanswered=self.remember_unanswered,
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
        """Answer ``question``; ``history``: the conversation's earlier (question, sql) pairs, oldest first (a
        None SQL marks a question that was not answered). A question this assistant could not answer is
        remembered for the history it came with and added to that history on the next ask."""
        timer = Timer()
        start = time.perf_counter()
        text = question if isinstance(question, str) else ""
        question_id = uuid.uuid4().hex[:12]   # one id for the audit record and the warehouse's query tags
        try:
            text = validate_question(text, self.settings.max_question_chars)
            with tagged(question_id=question_id), tracing.question_trace(       # query_tags; MLflow trace
                    text, enabled=self.settings.mlflow_tracing, data_dir=self.settings.resolved_data_dir()) as record:
                who = self.principal.name if self.principal else ""
                turns = self._unanswered.recall(who, history or ())     # + the question left unanswered, if any
                answer = self._answer(text, turns, tuple(generators or self.generator_order()), timer)
                self._unanswered.note(who, history or (), answer)
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
                   question_id=question_id, secrets=(self.settings.llm_api_key,))
        return answer

    @property
    def runner(self) -> Runner:
        """Guards and runs this assistant's candidates (its policy, warehouse and limits)."""
        return Runner(self.policy, self.warehouse, self.settings)

    def generators(self, order: Sequence[GeneratorName]) -> tuple[Generator, ...]:
        """The generators to try for one question, in order; built per question (the LLM one keeps the
        conversation for its repairs)."""
        made: list[Generator] = []
        for name in order:
            if name == "verified":
                extra = self.feedback.verified_queries() if self.feedback is not None else ()
                made.append(VerifiedGenerator(self.model, tuple(visible_queries(extra, self.model))))
            elif name == "offline":
                made.append(OfflineGenerator(self.model))
            elif name == "llm" and self.llm is not None:
                made.append(LlmGenerator(
                    self.llm, self.model, render=self.llm_inputs.render, max_rows=self.settings.max_rows,
                    candidates=self.settings.llm_candidates, max_retries=self.settings.max_repairs,
                    scrub_values=not self.settings.send_data_to_llm, hints=self.llm_inputs.hints,
                    today=lambda: datetime.date.today().isoformat(), examples=self.llm_inputs.examples,
                ))
        return tuple(made)

    def _answer(self, question: str, history: History, order: tuple[GeneratorName, ...], timer: Timer) -> Answer:
        """The steps after validation: schema choice → link → each generator in order (run_generator) → the
        first result presented, or a question back, or what stopped them (``Tried``)."""
        if "llm" in order and self.llm is None and self.settings.generator == "llm":
            raise ConfigError("No language model is configured.", hint=NO_LLM_HINT)
        asked, schema = split_schema_choice(question)
        if schema is not None and not history:          # a schema choice (schema_choices): ask within it
            return self.with_scope((f"{schema}.*",), within_current=True)._answer(asked, history, order, timer)
        with timer.step("link"):                # the question's words are read once, for linking and the planner
            linked = link_conversation(self.model, offline_words(question) if "offline" in order else question,
                                       history)
        with timer.step("values"):                      # read for the shortlisted tables only, then linked again
            linked = self.lazy_values.relink(self.model, question, history, linked).linked
        tried = Tried(question, tuple(t.name for t in linked.tables))
        made = self.generators(order)
        for generator in made:
            if linked.ties and not history and generator.name != "verified":   # several schemas fit: ask which
                return tried.clarify(schema_choices(question, linked.ties))
            outcome = run_generator(generator, question, history, linked, tried.attempts, timer, runner=self.runner,
                                    selection=self.settings.llm_selection)
            tried.saw(generator)
            if isinstance(outcome, Ran):
                return self._present(outcome, tried, timer)
            if isinstance(outcome, Candidate) and outcome.clarifies:  # more than one reading, or the model asked
                return tried.clarify(outcome)
            tried.note(outcome)
        return tried.unanswered(made, llm_configured=self.llm is not None)

    def _present(self, ran: Ran, tried: Tried, timer: Timer) -> Answer:
        """The answer: the result that ran, with its explanation, chart and the record of what was tried."""
        with timer.step("present"):
            explanation, chart = present(ran.checked, ran.result, self.model)
        return answered(tried.question, ran.candidate, ran.checked, ran.result, explanation=explanation, chart=chart,
                        attempts=tuple(tried.attempts), linked_tables=tried.linked_tables, context=tried.context,
                        model=self.model, probe=self.runner.probe if self.settings.answer_notes else None)
