"""Errors of the question-to-answer pipeline; the root lives in ``catalog_semantics.errors``."""

from __future__ import annotations

from dataclasses import dataclass

from catalog_semantics.errors import (  # re-exported (``X as X``): one hierarchy
    CatalogError as CatalogError,
    ConfigError as ConfigError,
    InternalError as InternalError,
    Nl2SqlError as Nl2SqlError,
    OverlayError as OverlayError,
    UserFacingError as UserFacingError,
)


@dataclass(frozen=True)
class Issue:
    """One reason the guard refused a query: a stable ``code`` and a sentence a business user can read."""

    code: str
    message: str
    detail: str | None = None                   # the offending name or SQL fragment, for data teams

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class QuestionError(UserFacingError):
    """The question itself cannot be used (empty, too long)."""

    code = "question"


class GuardRejected(UserFacingError):
    """The SQL is not a single read-only query over allowed tables; carries every issue found."""

    code = "refused"

    def __init__(self, issues: tuple[Issue, ...], *, sql: str | None = None) -> None:
        self.issues = tuple(issues)
        self.sql = sql
        lines = "; ".join(i.message for i in self.issues) or "The query was refused."
        super().__init__(
            f"This query was not run because it is not a safe read-only question: {lines}",
            hint="Try asking for the data you want to see rather than a change to make.",
        )


class AccessDenied(UserFacingError):
    """The question needs data this user may not read. Never names the hidden tables."""

    code = "access_denied"


class Abstained(UserFacingError):
    """No generator could answer with confidence; says what was not understood."""

    code = "abstained"

    def __init__(self, message: str, *, hint: str | None = None, unknown_words: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint=hint)
        self.unknown_words = unknown_words


class LlmUnavailable(UserFacingError):
    """The language model could not be reached, timed out or kept refusing (429/5xx)."""

    code = "llm_unavailable"


class LlmUnreachable(LlmUnavailable):
    """No connection could be opened to the language model's address (wrong OPENAI_BASE_URL, service down):
    a distinct code so front ends can say the model is not reachable without reading the message."""

    code = "llm_unreachable"


class LlmReplyError(UserFacingError):
    """The language model answered, but with nothing we could use as SQL."""

    code = "llm_reply"


class ExecutionFailed(UserFacingError):
    """The warehouse rejected or failed the query."""

    code = "execution_failed"


class QueryTimeout(ExecutionFailed):
    """The warehouse query ran past its time limit and was interrupted."""

    code = "timeout"


class UsageError(UserFacingError):
    """A command was given flags or arguments that cannot work together (the CLI exits 2)."""

    code = "usage"
