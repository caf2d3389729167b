"""The candidates' stage of the pipeline: each candidate guarded and run, failed ones repaired, the result most
agree on chosen (``nl2sql.llm.candidates.choose``), and the step timer the pipeline's trace spans hang on.

Kept apart from ``pipeline`` so that module reads as the sequence of steps; ``Runner`` holds no state of its
own beyond the guard policy, warehouse and settings of the assistant that made it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from nl2sql import tracing
from nl2sql.answer import Attempt, Candidate
from nl2sql.errors import ExecutionFailed, GuardRejected, LlmReplyError, QueryTimeout, UserFacingError
from nl2sql.guard import CheckedSql, GuardPolicy, check
from nl2sql.llm.candidates import Ballot, choose, decided, overruled, runner_up, settled
from nl2sql.ports import ResultTable, Warehouse
from nl2sql.query_tags import tagged
from nl2sql.settings import Settings

log = logging.getLogger("nl2sql.pipeline")     # the pipeline's own logger: its records keep their name


@dataclass
class Timer:
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
class Ran:
    candidate: Candidate
    checked: CheckedSql
    result: ResultTable


@dataclass(frozen=True)
class Runner:
    """Guards and runs candidates for one assistant (its policy, warehouse and limits)."""

    policy: GuardPolicy
    warehouse: Warehouse
    settings: Settings

    def run_all(self, candidates: Sequence[Candidate], attempts: list[Attempt],
                 timer: Timer) -> tuple[list[tuple[int, Ran]], UserFacingError | None]:
        """Guard and run every candidate that has SQL; record each failure as an attempt."""
        ran: list[tuple[int, Ran]] = []
        last: UserFacingError | None = None
        for i, candidate in enumerate(candidates):
            if candidate.sql is None:
                continue
            try:
                ran.append((i, self.guard_and_run(candidate, timer)))
            except QueryTimeout as e:
                attempts.append(Attempt(candidate.generator, candidate.sql, "timeout", e.message))
                last = e
            except GuardRejected as e:
                attempts.append(Attempt(candidate.generator, candidate.sql, "refused", e.message))
                log.warning("%s SQL refused by the guard: %s", candidate.generator, [i.code for i in e.issues])
                last = e
            except ExecutionFailed as e:
                attempts.append(Attempt(candidate.generator, candidate.sql, "error", e.message))
                last = e
        return ran, last

    def repair_failed(self, candidates: Sequence[Candidate], ran: list[tuple[int, Ran]], repair: Any,
                       attempts: list[Attempt], timer: Timer) -> list[tuple[int, Ran]]:
        """Among several candidates, the ones the guard or the warehouse refused get one repair each (while the
        generator has repairs left), so they vote with a query that runs instead of not voting at all."""
        ran_at = {i for i, _ in ran}
        more: list[tuple[int, Ran]] = []
        for i, candidate in enumerate(candidates):
            if i in ran_at or candidate.sql is None:
                continue
            failure = next((a for a in reversed(attempts) if a.sql == candidate.sql and a.outcome in ("refused",
                                                                                                     "error")), None)
            if failure is None:
                continue
            try:
                with timer.step("llm"):
                    fixed = repair(candidate, failure.error or "", from_start=True)
            except LlmReplyError:
                continue
            if not fixed:
                break                            # no repairs left
            got, _ = self.run_all(fixed[:1], attempts, timer)
            more += [(i, r) for _, r in got]
        return more

    def widen(self, ran: list[tuple[int, Ran]], drawn: int, more: Callable[[int], Sequence[Candidate]],
              attempts: list[Attempt], timer: Timer, evidence: Sequence[str] = (),
              question: str = "") -> list[tuple[int, Ran]]:
        """While the vote is not decided (``candidates.decided``), more samples (``more(k)``, the generator's),
        up to ``settings.llm_max_candidates`` drawn in all (0: three times the first ``drawn``), in rounds of half the
        first count; each is guarded and run (never repaired) and the ones that ran join the vote. Returns them,
        indexed after the ``drawn`` first candidates."""
        cap = self.settings.llm_max_candidates or 3 * drawn
        step = max(1, (drawn + 1) // 2)
        added: list[tuple[int, Ran]] = []
        while drawn < cap:
            everyone = ran + added
            ballots = _ballots(everyone)
            if ballots and decided(ballots, choose(ballots, evidence, question)):
                break
            k = min(step, cap - drawn)
            with timer.step("llm"):
                extra = list(more(k))
            got, _ = self.run_all(extra, attempts, timer)
            added += [(drawn + i, r) for i, r in got]
            evidence = [*evidence, *(c.sql for c in extra if c.sql)]
            drawn += k
        return added

    def vote(self, ran: list[tuple[int, Ran]], attempts: list[Attempt], total: Callable[[Candidate], Candidate],
              evidence: Sequence[str] = (), select: Callable[..., int | None] | None = None,
              question: str = "") -> Ran:
        """The candidate whose result has the most votes (candidates.choose: agreeing ballots, second preferences,
        with the ``question`` results nested in it and its fit to the question's words;
        ties by its stated rule); ``evidence`` is every query written for the question, for the tie rule's
        centrality. ``select``: asked to choose between the two leading results when the vote has no clear lead
        (its None keeps the vote)."""
        if len(ran) == 1:
            winner = ran[0][1]
            attempts.append(Attempt(winner.candidate.generator, winner.checked.sql, "ran"))
        else:
            ballots = _ballots(ran)
            verdict = choose(ballots, evidence, question)
            other = runner_up(ballots, verdict) if select is not None and not settled(ballots, verdict) else None
            chose = ""
            if select is not None and other is not None:
                first, second = ran[verdict.winner][1], ran[other][1]
                if select((first.checked.sql, first.result.rows), (second.checked.sql, second.result.rows)) == 1:
                    verdict = overruled(ballots, verdict, other)
                    chose = " Asked to choose between the two leading results, the model chose this one."
            for (_, r), reason in zip(ran, verdict.reasons):
                outcome = "ran" if reason is None else "agreed" if reason.startswith("same") else "outvoted"
                attempts.append(Attempt(r.candidate.generator, r.checked.sql, outcome, reason))
            winner = ran[verdict.winner][1]
            agreeing = verdict.support[verdict.winner]
            if not chose and verdict.basis:          # another result was returned more often
                chose = f" {verdict.basis}"
            note = f"{agreeing} of {len(ran)} candidate queries that ran returned this result.{chose}"
            winner = replace(winner, candidate=replace(winner.candidate, notes=(*winner.candidate.notes, note)))
        return replace(winner, candidate=total(winner.candidate))

    def guard_and_run(self, candidate: Candidate, timer: Timer) -> Ran:
        assert candidate.sql is not None
        with timer.step("guard"):
            checked = check(candidate.sql, self.policy)
        with timer.step("run"), tagged(generator=candidate.generator):
            result = self.warehouse.run(
                checked, max_rows=self.settings.max_rows, timeout_s=self.settings.query_timeout_s
            )
        return Ran(candidate, checked, result)

    def probe(self, sql: str) -> Sequence[Sequence[Any]]:
        """A note's extra look at the data: the same guard, row cap and time limit as an answer."""
        with tagged(generator="notes"):
            return self.warehouse.run(check(sql, self.policy), max_rows=self.settings.max_rows,
                                      timeout_s=self.settings.query_timeout_s).rows


def _ballots(ran: Sequence[tuple[int, Ran]]) -> list[Ballot]:
    """What the vote reads of each candidate that ran: its sample position, SQL, rows and column names."""
    return [Ballot(i, r.candidate.sql or r.checked.sql, r.result.rows, tuple(r.result.columns)) for i, r in ran]
