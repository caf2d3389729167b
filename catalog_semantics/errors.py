"""The one error hierarchy of the project, rooted here so both packages can share it.

Two audiences: a ``UserFacingError`` carries a sentence a business user can act on (and an optional
hint); anything else is our bug (``InternalError``) and is shown as a generic message. Messages never
contain secrets: adapters scrub driver text before wrapping it (see ``nl2sql.redact``).
"""

from __future__ import annotations


class Nl2SqlError(Exception):
    """Root of everything we raise."""


class InternalError(Nl2SqlError):
    """A bug in our code; log it with detail, show a generic message."""


class UserFacingError(Nl2SqlError):
    """Safe, actionable message for the UI; ``code`` is stable for scripts and tests."""

    code: str = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} {self.hint}"


class ConfigError(UserFacingError):
    """Missing or invalid settings (environment, overlay path, database path)."""

    code = "config"


class OverlayError(ConfigError):
    """The YAML overlay is malformed or names something the catalog lacks."""

    code = "overlay"


class CatalogError(UserFacingError):
    """The warehouse catalog could not be read."""

    code = "catalog"
