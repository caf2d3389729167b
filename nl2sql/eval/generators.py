"""What produces the SQL being scored, behind one small protocol: ``predict(example) -> Prediction``.

- ``gold``: the gold SQL itself (an oracle that must score 100%: a check on the harness).
- ``predictions``: a file with one SQL per line in dataset order (the format Spider's evaluator takes;
  text after a tab is ignored, as there), so any other system's output is scored the same way.
- ``offline`` / ``verified`` / ``llm``: the product's own ``Assistant.ask`` with only that generator, so
  what the harness measures is what users get (guard, repairs, linking included).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol
from collections.abc import Callable

from nl2sql.errors import ConfigError
from nl2sql.eval.dataset import DatabaseSource, Dataset, Example

if TYPE_CHECKING:
    from nl2sql.pipeline import Assistant

GeneratorKind = Literal["gold", "predictions", "offline", "verified", "llm"]
Outcome = Literal["sql", "abstained", "refused", "sql_error", "timeout"]


@dataclass(frozen=True)
class Prediction:
    """A generator's output for one question; ``outcome`` says whether there is SQL to score."""

    sql: str | None
    outcome: Outcome = "sql"
    reason: str | None = None
    generate_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0                            # of prompt_tokens, from the provider's prompt cache
    reasoning_tokens: int = 0                         # of completion_tokens, spent thinking
    linked_tables: tuple[str, ...] | None = None      # None: the generator does no schema linking
    generator: str = ""


class Generator(Protocol):
    @property
    def name(self) -> str: ...

    def predict(self, example: Example) -> Prediction: ...


class GoldGenerator:
    name = "gold"

    def predict(self, example: Example) -> Prediction:
        if not example.gold_sql:
            return Prediction(None, "abstained", "The gold answer is an abstention.", generator="gold")
        return Prediction(example.gold_sql, generator="gold")


class PredictionsFile:
    """One prediction per line, aligned with the dataset's questions; a blank line is an abstention."""

    name = "predictions"

    def __init__(self, path: str | Path, dataset: Dataset) -> None:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        if lines and lines[-1].strip() == "" and len(lines) == len(dataset.examples) + 1:
            lines = lines[:-1]
        if len(lines) != len(dataset.examples):
            raise ConfigError(
                f"The predictions file {path} has {len(lines)} lines but the dataset has "
                f"{len(dataset.examples)} questions; it needs one SQL per line, in the dataset's order."
            )
        # Spider's evaluator strips each line and keeps the text before the first tab.
        self._by_id = {e.id: line.strip().split("\t")[0] for e, line in zip(dataset.examples, lines)}

    def predict(self, example: Example) -> Prediction:
        sql = self._by_id.get(example.id, "")
        if not sql:
            return Prediction(None, "abstained", "The predictions file has no SQL for this question.",
                              generator="predictions")
        return Prediction(sql, generator="predictions")


AssistantFactory = Callable[[DatabaseSource], "Assistant"]


class AssistantGenerator:
    """The product's ``Assistant`` restricted to one generator; one assistant per database, built lazily."""

    def __init__(self, kind: Literal["offline", "verified", "llm"], dataset: Dataset,
                 build_assistant: AssistantFactory, *, row_cap: int | None = None) -> None:
        self.name = kind
        self.row_cap = row_cap          # the assistant's max_rows, lifted for scoring
        self._dataset = dataset
        self._build = build_assistant
        self._assistants: dict[str, Assistant] = {}
        self._lock = threading.Lock()

    def _assistant(self, db_id: str) -> Assistant:
        with self._lock:
            if db_id not in self._assistants:
                self._assistants[db_id] = self._build(self._dataset.databases[db_id])
            return self._assistants[db_id]

    def predict(self, example: Example) -> Prediction:
        assistant = self._assistant(example.db_id)
        question = example.question if not example.evidence else f"{example.question} Hint: {example.evidence}"
        start = time.perf_counter()
        answer = assistant.ask(question, generators=(self.name,))
        elapsed = (time.perf_counter() - start) * 1000
        base = Prediction(
            None,
            generate_ms=elapsed,
            prompt_tokens=answer.prompt_tokens,
            completion_tokens=answer.completion_tokens,
            cached_tokens=answer.cached_tokens,
            reasoning_tokens=answer.reasoning_tokens,
            linked_tables=tuple(answer.linked_tables),
            generator=self.name,
        )
        if answer.status == "answered":
            return replace(base, sql=_without_lifted_cap(answer.sql, self.row_cap))
        last_sql = next((a.sql for a in reversed(answer.attempts) if a.sql), None)
        if answer.status == "refused":
            return replace(base, sql=last_sql, outcome="refused", reason=answer.message)
        # a clarifying question is not an answer: scored like an abstention (as the CLI exits 4 for both)
        if answer.status in ("abstained", "clarify") or answer.error_code in ("llm_unavailable", "llm_unreachable", "config", "question"):
            return replace(base, sql=last_sql, outcome="abstained", reason=answer.message)
        outcome: Outcome = "timeout" if answer.error_code == "timeout" else "sql_error"
        return replace(base, sql=last_sql, outcome=outcome, reason=answer.message)


def _without_lifted_cap(sql: str | None, cap: int | None) -> str | None:
    """Drop the ``LIMIT <cap>`` the guard appended for the lifted row cap, so reports show the query the
    generator wrote; it changes no verdict (scoring caps rows at the same number).

    >>> _without_lifted_cap("SELECT a FROM t LIMIT 2000000", 2000000), _without_lifted_cap("SELECT 1 LIMIT 5", 2000000)
    ('SELECT a FROM t', 'SELECT 1 LIMIT 5')
    """
    suffix = f" LIMIT {cap}"
    if sql is not None and cap is not None and sql.rstrip().endswith(suffix):
        return sql.rstrip()[: -len(suffix)]
    return sql
