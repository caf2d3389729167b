"""The generators behind one seam: ``generate(question, history, linked) -> candidates``.

verified → a checked question→SQL pair (trusted); offline → the deterministic planner; llm → the model
writes SQL from the rendered context, one or several candidates. The pipeline iterates over a tuple of
``Generator`` values without naming them. Each returns abstaining candidates rather than raising when it
has nothing to say; LLM transport failures raise ``LlmUnavailable``/``LlmReplyError``. A generator that can
take an error back (the LLM) also has ``repair(candidate, error) -> candidates``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol, TypedDict

from catalog_semantics.linking import LinkedSchema
from catalog_semantics.model import SemanticModel, VerifiedQuery
from catalog_semantics.question import QuestionWords
from nl2sql.answer import Attempt, Candidate, GeneratorName
from nl2sql.errors import GuardRejected, LlmReplyError, LlmUnavailable, UserFacingError
from nl2sql.ports import Completion, LlmClient, Message, complete_many, complete_sample
from nl2sql.verified import match_verified

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


class _ReplyTokens(TypedDict):
    """What every candidate read from one LLM reply carries (``Candidate`` fields of the same names)."""
    prompt_tokens: int
    completion_tokens: int
    reply: str


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


@dataclass(frozen=True)
class LlmRequest:
    """Everything the LLM generator sends, kept so repairs can extend the same conversation."""

    messages: tuple[Message, ...]
    context: str


def build_llm_request(
    question: str,
    model: SemanticModel,
    *,
    context: str,
    max_rows: int,
    history: History = (),
    hints: str = "",
    today: str | None = None,
    examples: str = "",
) -> LlmRequest:
    from nl2sql.llm.prompt import build_messages
    from nl2sql.llm.prompt_schema import names_text

    messages = build_messages(
        question,
        context,
        dialect=model.dialect,
        max_rows=max_rows,
        instructions=model.instructions,
        history=tuple(history),
        hints=hints,
        today=today,
        names=names_text(model),
        examples=examples,
    )
    return LlmRequest(tuple(messages), context)


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


class LlmGenerator:
    """The model writes ``candidates`` queries per question; one instance per question (it keeps the
    conversation, so ``repair`` can continue it). Unusable replies (cut, no SQL) are dropped and recorded in
    ``attempts``; when every reply was unusable the model is asked again, within ``max_retries``."""

    name: GeneratorName = "llm"

    def __init__(self, llm: LlmClient, model: SemanticModel, *, render: Callable[[LinkedSchema], str],
                 max_rows: int, candidates: int = 1, max_retries: int = 2, scrub_values: bool = False,
                 hints: Callable[[str, LinkedSchema], str] = lambda question, linked: "",
                 today: Callable[[], str | None] = lambda: None,
                 examples: Callable[[str], str] = lambda question: "") -> None:
        self.llm, self.model, self.render, self.hints, self.today = llm, model, render, hints, today
        self.examples = examples
        self.max_rows, self.candidates = max_rows, max(1, candidates)
        self.retries_left, self.scrub_values = max(0, max_retries), scrub_values
        self.attempts: list[Attempt] = []
        self.prompt_tokens = self.completion_tokens = self.cached_tokens = self.reasoning_tokens = 0
        self.request: LlmRequest | None = None
        self.first: LlmRequest | None = None
        self.context: str | None = None
        self._origin: dict[int, tuple[Message, ...]] = {}         # id(completion) -> the messages that asked it
        self._asked: dict[str, tuple[Message, ...]] = {}          # a candidate's SQL -> the messages that asked it
        self._first_texts: tuple[str, ...] = ()                  # the first request's choices, in order
        self._drawn = 0                                          # samples drawn for this question so far
        self._past = 0                                           # choice indexes used, on a server replaying them

    def generate(self, question: str, history: History, linked: LinkedSchema) -> tuple[Candidate, ...]:
        self.context = self.render(linked)
        self.request = build_llm_request(question, self.model, context=self.context, max_rows=self.max_rows,
                                         history=history, hints=self.hints(question, linked), today=self.today(),
                                         examples=self.examples(question))
        self.first = self.request
        self._drawn = self.candidates
        return self._ask(self.candidates)

    def more(self, k: int) -> tuple[Candidate, ...]:
        """``k`` more samples of the question's first request, for a vote without a clear lead (adaptive
        consistency), asked with another way of working (``prompt_sampling.with_approach``) so the request is
        not one a cache or a deterministic server has answered. A server that draws each choice by its index
        alone sends the first request's choices again, in order: those are not new samples, so they are asked
        past the first request's choices instead. Cut or unreadable replies are recorded and dropped."""
        from nl2sql.llm.prompt_sampling import with_approach

        assert self.first is not None
        if k <= 0:
            return ()
        messages = with_approach(self.first.messages, self._drawn)
        got = list(complete_many(self.llm, messages, k)) if k > 1 else []
        replayed = len(got) > 1 and tuple(c.text for c in got) == self._first_texts[:len(got)]
        if replayed:
            for c in got:
                self._count(c)
            past = self._past or len(self._first_texts)           # choices already drawn by their index
            got = list(complete_many(self.llm, messages, past + k))[past:]
            self._past = past + len(got)
        self._origin.update({id(c): messages for c in got})
        while len(got) < k:                          # a server that sends fewer choices than asked
            self._drawn += 1
            varied = with_approach(self.first.messages, self._drawn)
            got.append(complete_sample(self.llm, varied, self._drawn))
            self._origin[id(got[-1])] = varied
        self._drawn += 1
        return tuple(self._read(got)[0])

    def repair(self, candidate: Candidate, error: str, *, from_start: bool = False) -> tuple[Candidate, ...]:
        """The failed query and its error go back to the model; one corrected candidate comes back.
        ``from_start``: continue the request that candidate came from (one of several candidates), not the
        latest repair."""
        from nl2sql.llm.prompt import build_repair_messages

        assert self.request is not None and self.first is not None
        if self.retries_left <= 0:
            return ()
        self.retries_left -= 1
        base = self._asked.get(candidate.sql or "", self.first.messages) if from_start else self.request.messages
        messages = build_repair_messages(base, candidate.sql or "", error, scrub_values=self.scrub_values)
        self.request = LlmRequest(messages, self.request.context)
        return self._ask(1)

    def _ask(self, n: int) -> tuple[Candidate, ...]:
        """``n`` replies read as candidates. Samples cut at the length limit are asked for again once, shorter,
        so they still vote; when no reply at all was usable the model is asked again, within the retries."""
        from nl2sql.llm.prompt import build_retry_messages

        assert self.request is not None
        while True:
            completions = self._replies(self.request.messages, n, vary_prompt=True)
            if self.request is self.first and not self._first_texts:
                self._first_texts = tuple(c.text for c in completions)
            kept, last = self._read(completions)
            cut = [c for c in completions if c.finish_reason == "length"]
            if kept and cut and n > 1 and self.retries_left > 0:
                self.retries_left -= 1
                for origin in dict.fromkeys(self._origin[id(c)] for c in cut):    # one retry per request cut
                    again = build_retry_messages(origin, "", cut_off=True)
                    count = sum(self._origin[id(c)] is origin for c in cut)
                    kept += self._read(self._replies(again, count, vary_prompt=False, first=len(completions)))[0]
            if kept or last is None:
                return tuple(kept)
            if self.retries_left <= 0:
                raise last[1]
            self.retries_left -= 1
            self.request = LlmRequest(build_retry_messages(self.request.messages, last[0].text,
                                                           cut_off=last[0].finish_reason == "length"),
                                      self.request.context)
            n = 1

    def _replies(self, messages: tuple[Message, ...], n: int, *, vary_prompt: bool,
                 first: int = 0) -> tuple[Completion, ...]:
        """``n`` replies to ``messages``: one request with the API's ``n``, then, for what it did not give, one
        request a sample, each different (its own seed, temperature and, with ``vary_prompt``, approach:
        ``prompt_sampling.with_approach``), since a server may answer identical requests identically.

        ``n`` choices that are all the same text, from a server never seen to vary its choices (the client's
        ``choices_vary``), are taken as one reply (a server that copies one answer into every choice), and
        sampling goes on; when a differently made request also brings that same text back, the model is sure
        and sampling stops there. ``first``: sample indexes already used for this question.
        """
        from nl2sql.llm.prompt_sampling import with_approach

        got = list(complete_many(self.llm, messages, n))
        self._origin.update({id(c): messages for c in got})
        if n <= 1:
            return tuple(got)
        copies = len(got) > 1 and len({c.text for c in got}) == 1 and not getattr(self.llm, "choices_vary", False)
        if copies:
            for dropped in got[1:]:               # usage comes with the first choice; count any all the same
                self._count(dropped)
            got = got[:1]
        index = first
        while len(got) < n:
            index += 1
            varied = with_approach(messages, index) if vary_prompt else messages
            reply = complete_sample(self.llm, varied, index)
            self._origin[id(reply)] = varied
            got.append(reply)
            if copies and len(got) == 2 and reply.text == got[0].text:
                break
        return tuple(got)

    def select(self, a: tuple[str, Sequence[Sequence[object]]],
               b: tuple[str, Sequence[Sequence[object]]]) -> int | None:
        """Ask the model which of two queries with different results answers the question (``a``/``b``: sql,
        rows): 0, 1, or None when it could not be asked or its reply is no clear choice (the vote stands)."""
        from nl2sql.llm.prompt_sampling import build_selection_messages, selection_choice

        assert self.first is not None
        messages = build_selection_messages(self.first.messages, a, b, show_values=not self.scrub_values)
        try:
            completion = self.llm.complete(messages)
        except (LlmReplyError, LlmUnavailable):
            return None
        self._count(completion)
        return None if completion.finish_reason == "length" else selection_choice(completion.text)

    def _read(self, completions: Sequence[Completion]) -> tuple[list[Candidate], tuple[Completion, LlmReplyError] | None]:
        """The usable replies as candidates; each unusable one is recorded as an attempt (``cut`` or ``error``)."""
        kept: list[Candidate] = []
        last: tuple[Completion, LlmReplyError] | None = None
        for completion in completions:
            self._count(completion)
            try:
                kept.append(read_reply(completion, self.model.dialect))
                if kept[-1].sql and id(completion) in self._origin:
                    self._asked.setdefault(kept[-1].sql or "", self._origin[id(completion)])
            except LlmReplyError as e:
                outcome = "cut" if completion.finish_reason == "length" else "error"
                self.attempts.append(Attempt("llm", None, outcome, e.message))
                last = (completion, e)
        return kept, last

    def _count(self, completion: Completion) -> None:
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        self.cached_tokens += completion.cached_tokens
        self.reasoning_tokens += completion.reasoning_tokens

    def with_tokens(self, candidate: Candidate) -> Candidate:
        """``candidate`` carrying every token this question cost (all candidates, retries and repairs)."""
        return replace(candidate, prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens,
                       cached_tokens=self.cached_tokens, reasoning_tokens=self.reasoning_tokens)


def repair_text(error: UserFacingError) -> str:
    """What the model is told went wrong: every guard issue, or the warehouse's own words."""
    if isinstance(error, GuardRejected):
        return "; ".join(f"{i.code}: {i.message}" + (f" ({i.detail})" if i.detail else "") for i in error.issues)
    return " ".join(p for p in (error.message, error.hint) if p)


def repair_request(request: LlmRequest, bad_sql: str, error: str, *, scrub_values: bool = False) -> LlmRequest:
    """The conversation so far plus the failed SQL and its error; ``scrub_values`` masks quoted data."""
    from nl2sql.llm.prompt import build_repair_messages

    messages = build_repair_messages(request.messages, bad_sql, error, scrub_values=scrub_values)
    return LlmRequest(tuple(messages), request.context)


GeneratorFn = Callable[[str], Candidate]
