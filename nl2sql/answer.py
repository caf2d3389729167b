"""What a question gets back: the values the UI, the CLI, dashboards and the eval harness all read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from nl2sql.errors import Issue

if TYPE_CHECKING:
    import pandas as pd

GeneratorName = Literal["verified", "offline", "llm", "none"]
Status = Literal["answered", "abstained", "refused", "error", "clarify"]


@dataclass(frozen=True)
class Choice:
    """One reading of an ambiguous question, offered back to the user instead of a guess.

    ``label`` says the reading in a sentence ("revenue of orders placed in 1996"); ``question`` is the
    question that picks it when asked next (the app turns each choice into a button that asks it).
    """

    label: str
    question: str


@dataclass(frozen=True)
class Candidate:
    """A generator's proposal: SQL with its interpretation, or an abstention with its reason."""

    generator: GeneratorName
    sql: str | None
    confidence: float = 0.0
    interpretation: str | None = None            # plain words: "revenue = SUM(...) · by region · 1996"
    abstain_reason: str | None = None
    unknown_words: tuple[str, ...] = ()
    trusted: bool = False                        # a verified query a person checked
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0                       # of prompt_tokens, served from the provider's prompt cache
    reasoning_tokens: int = 0                    # of completion_tokens, spent thinking by a reasoning model
    reply: str | None = None                     # raw LLM reply (for the eval harness and debugging)
    # A clarifying question instead of SQL: the readings to choose from (offline engine) and/or the
    # model's own question (LLM). Either makes the Answer status "clarify"; neither is ever run.
    choices: tuple[Choice, ...] = ()
    clarification: str | None = None
    notes: tuple[str, ...] = ()                  # what the user should know (ties broken, partial periods)

    @property
    def abstained(self) -> bool:
        return self.sql is None

    @property
    def clarifies(self) -> bool:
        return self.sql is None and (bool(self.choices) or self.clarification is not None)


@dataclass(frozen=True)
class Attempt:
    """One try at answering: what was generated, and what became of it."""

    generator: GeneratorName
    sql: str | None
    outcome: str                                 # "ran", "refused", "error", "abstained"
    error: str | None = None


@dataclass(frozen=True)
class Answer:
    question: str
    status: Status
    sql: str | None = None                       # the guarded SQL that actually ran
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    truncated: bool = False
    generator: GeneratorName = "none"
    trusted: bool = False
    confidence: float = 0.0
    interpretation: str | None = None
    message: str | None = None                   # a sentence for a business user (always set)
    hint: str | None = None                      # what the person asking can do next (no setting names)
    admin_hint: str | None = None                # for whoever runs the assistant: which setting would help
    error_code: str | None = None
    issues: tuple[Issue, ...] = ()               # guard issues when refused
    tables: tuple[str, ...] = ()                 # tables the SQL read
    context: str | None = None                   # prompt context shown to the LLM (if any)
    linked_tables: tuple[str, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0                       # of prompt_tokens, served from the provider's prompt cache
    reasoning_tokens: int = 0                    # of completion_tokens, spent thinking by a reasoning model
    explanation: str | None = None               # derived from the SQL's syntax tree, never from the LLM
    chart: dict[str, Any] | None = None          # Vega-Lite spec chosen from the result's shape
    choices: tuple[Choice, ...] = ()             # status "clarify": the readings to pick from
    notes: tuple[str, ...] = ()                  # what the user should know about this answer
    summary: str | None = None                   # the result in one sentence, from the rows and the SQL
    column_labels: tuple[str, ...] = ()          # business name of each column ("revenue", "order month")
    column_units: tuple[str, ...] = ()           # unit of each column: currency, percent, count, month, ...
    followups: tuple[str, ...] = ()              # suggested next questions (candidates; see nl2sql.present)

    @property
    def ok(self) -> bool:
        return self.status == "answered"

    @property
    def dataframe(self) -> "pd.DataFrame":
        """The rows with numeric dtypes: decimals become floats, so pandas can sum and plot them."""
        import decimal

        import pandas as pd

        from nl2sql.ports import _unique

        frame = pd.DataFrame(list(self.rows), columns=_unique(self.columns))
        for i, name in enumerate(frame.columns):
            if any(isinstance(row[i], decimal.Decimal) for row in self.rows):
                frame[name] = pd.to_numeric(frame[name].map(lambda v: None if v is None else float(v)))
        return frame

    @property
    def formatted(self) -> "pd.DataFrame":
        """A display copy: business column names, values as text in their unit ($1,234.50, 63.3%, Mar 1996)."""
        import pandas as pd

        from nl2sql.present.formats import format_value
        from nl2sql.ports import _unique

        units = self.column_units if len(self.column_units) == len(self.columns) else ("text",) * len(self.columns)
        labels = self.column_labels if len(self.column_labels) == len(self.columns) else self.columns
        names = _unique(tuple(label[:1].upper() + label[1:] for label in labels))
        return pd.DataFrame([[format_value(v, u) if v is not None else "" for v, u in zip(row, units)]
                             for row in self.rows], columns=names)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the CLI's ``--json``); values that JSON lacks become strings."""
        return {
            "question": self.question,
            "status": self.status,
            "sql": self.sql,
            "columns": list(self.columns),
            "rows": [[_jsonable(v) for v in row] for row in self.rows],
            "truncated": self.truncated,
            "generator": self.generator,
            "trusted": self.trusted,
            "confidence": self.confidence,
            "interpretation": self.interpretation,
            "message": self.message,
            "hint": self.hint,
            "admin_hint": self.admin_hint,
            "error_code": self.error_code,
            "issues": [i.as_dict() for i in self.issues],
            "tables": list(self.tables),
            "linked_tables": list(self.linked_tables),
            "attempts": [a.__dict__ for a in self.attempts],
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cached_tokens": self.cached_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "explanation": self.explanation,
            "chart": self.chart,
            "choices": [{"label": c.label, "question": c.question} for c in self.choices],
            "notes": list(self.notes),
            "summary": self.summary,
            "column_labels": list(self.column_labels),
            "column_units": list(self.column_units),
            "followups": list(self.followups),
        }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    try:
        import decimal

        if isinstance(value, decimal.Decimal):
            return float(value)
    except Exception:  # pragma: no cover
        pass
    return str(value)
