"""One generator's run: its candidates generated, guarded and run, failed ones repaired, more drawn when the
vote is close, and the result most of them agree on chosen (``running.Runner``, ``llm.candidates.choose``).

The pipeline calls this once per generator, in order, until one answers, clarifies or stops with an error.
A generator's extra abilities (``repair``, ``more``, ``select``, ``with_tokens``, the ``attempts`` it dropped)
are used when it has them; the verified and offline generators have none.
"""

from __future__ import annotations

from collections.abc import Callable

from catalog_semantics.linking import LinkedSchema
from nl2sql.answer import Attempt, Candidate
from nl2sql.errors import LlmReplyError, LlmUnavailable, QueryTimeout, UserFacingError
from nl2sql.generator_seam import Generator, History
from nl2sql.llm.request import repair_text
from nl2sql.running import Ran, Runner, Timer


def run_generator(generator: Generator, question: str, history: History, linked: LinkedSchema,
                  attempts: list[Attempt], timer: Timer, *, runner: Runner,
                  selection: bool) -> Ran | Candidate | UserFacingError:
    """One generator: its candidates are guarded and run; the result most agree on wins (candidates.py);
    when none ran, the last error goes back to a generator that can repair, while it has tries left.
    Returns what ran, a clarifying or abstaining candidate, or the error that stopped it."""
    name = generator.name
    tracked = getattr(generator, "attempts", None)
    with timer.step(name):
        try:
            candidates = generator.generate(question, history, linked)
        except LlmReplyError as e:           # every reply unusable, even after asking again
            return e
        finally:
            if tracked:
                attempts.extend(tracked)
                tracked.clear()
    total: Callable[[Candidate], Candidate] = getattr(generator, "with_tokens", lambda c: c)
    asking = next((c for c in candidates if c.clarifies), None)
    if asking is not None and not any(c.sql for c in candidates):
        return total(asking)
    error: UserFacingError | None = None
    repair = getattr(generator, "repair", None)
    while True:
        ran, last = runner.run_all(candidates, attempts, timer)
        error = last or error
        if ran and len(candidates) > 1 and repair is not None:
            ran += runner.repair_failed(candidates, ran, repair, attempts, timer)
        more, drawn = getattr(generator, "more", None), getattr(generator, "candidates", len(candidates))
        if ran and drawn > 1 and more is not None:
            written = [a.sql for a in attempts if a.generator == name and a.sql and a.outcome != "ran"]
            try:
                ran += runner.widen(ran, drawn, more, attempts, timer,
                                    evidence=[*written, *(r.candidate.sql or "" for _, r in ran)], question=question)
            except (LlmReplyError, LlmUnavailable):
                pass                             # the samples drawn so far still vote
            finally:
                if tracked:
                    attempts.extend(tracked)
                    tracked.clear()
        if ran:
            written = [a.sql for a in attempts if a.generator == name and a.sql and a.outcome != "ran"]
            select = getattr(generator, "select", None) if selection else None
            return runner.vote(ran, attempts, total, evidence=[*written, *(r.candidate.sql or "" for _, r in ran)],
                               select=select, question=question)
        failed_one = next((c for c in reversed(candidates) if c.sql), None)
        if failed_one is None or repair is None or error is None or isinstance(error, QueryTimeout):
            break
        with timer.step(name):
            try:
                candidates = repair(failed_one, repair_text(error))
            except LlmReplyError as e:
                return e
            finally:
                if tracked:
                    attempts.extend(tracked)
                    tracked.clear()
        if not candidates:
            break
    if error is not None:
        return error
    abstention = next((c for c in candidates if c.abstained), Candidate(name, None))
    attempts.append(Attempt(name, None, "abstained", abstention.abstain_reason))
    return total(abstention)
