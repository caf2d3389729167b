"""Scrub secrets (API keys, tokens, passwords) from text before it is logged, shown or sent to a model.

Two layers: patterns that recognise credentials by shape (``sk-...``, ``dapi...``, ``Bearer ...``,
``password=...``, ``user:pass@host``), and the exact secret values the caller knows (the configured key),
which catch keys of any shape. Short values (under ``MIN_SECRET_CHARS``) are ignored: replacing every
``"ab"`` in a message would destroy it without protecting anything.

>>> redact("auth failed for key sk-proj-abcdefghijklmnop1234 at https://bob:hunter22@db.example.com/x")
'auth failed for key *** at https://bob:***@db.example.com/x'
>>> redact("token=my-own-secret-value; retry", secrets=["my-own-secret-value"])
'token=***; retry'
>>> redact("401 for Bearer dapi0123456789abcdef; echoed dapi01234567 dose9a8b7c6d, kept: dosefaced dapi12")
'401 for Bearer ***; echoed *** ***, kept: dosefaced dapi12'
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "***"
MIN_SECRET_CHARS = 4

# Each pattern's group 1 (when present) is kept, so a reader still sees *what* was hidden. Each pattern
# comes with lower-case literals one of which any match must contain: texts without them (most prompts)
# skip the regex, which keeps redaction cheap on long schema contexts.
_PATTERNS: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    # URL credentials: postgresql://user:pa55@host -> postgresql://user:***@host
    (("://",), re.compile(r"([a-z][a-z0-9+.\-]*://[^\s:/@]+:)[^\s@/]+(?=@)", re.IGNORECASE)),
    # Authorization headers: "Bearer eyJ..." / "Basic dXNlcjpw..."
    (("bearer", "basic"), re.compile(r"(\b(?:bearer|basic)\s+)[A-Za-z0-9\-._~+/]{8,}=*", re.IGNORECASE)),
    # key=value / key: value / "key": "value" for names that hold credentials (api_key=, password=, ...)
    (
        ("key", "token", "secret", "passw", "pwd"),
        re.compile(
            r"""(\b(?:api[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|client[_-]?secret|secret|"""
            r"""token|password|passwd|pwd)["']?\s*[:=]\s*["']?)[^\s"'&,;)}\]]+""",
            re.IGNORECASE,
        ),
    ),
    (("sk-",), re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}")),                 # OpenAI (sk-..., sk-proj-..., sk-svcacct-...)
    (("dapi",), re.compile(r"\bdapi[A-Za-z0-9\-]{16,}")),                # Databricks personal access tokens
    (("dose",), re.compile(r"\bdose[A-Za-z0-9\-]{16,}")),                # Databricks OAuth secrets
    # Databricks tokens are hex: a shorter hex run with a digit is a token the driver echoed cut short (8+ chars,
    # as the Databricks adapters always masked); the digit keeps words like "dosefaced" in a schema readable.
    (("dapi", "dose"), re.compile(r"\b(?:dapi|dose)(?=[a-f0-9]*[0-9])[a-f0-9]{8,}(?:-[0-9]+)?\b")),
    (("gh",), re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}")),             # GitHub tokens
    (("xox",), re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}")),          # Slack tokens
    (("akia",), re.compile(r"\bAKIA[0-9A-Z]{16}\b")),                     # AWS access key ids
    (("aiza",), re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}")),                # Google API keys
    (("eyj",), re.compile(r"\beyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]+")),  # JWTs
)


def _mask(match: re.Match[str]) -> str:
    kept = match.group(1) if match.re.groups else ""
    return f"{kept}{MASK}"


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Return ``text`` with every known secret value and every credential-shaped string replaced by ``***``."""
    if not text:
        return text
    # Longest first, so a secret that contains another is hidden whole.
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    lowered = text.lower()
    for hints, pattern in _PATTERNS:
        if any(h in lowered for h in hints):
            text = pattern.sub(_mask, text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs the rendered message and traceback of every record it sees.

    Attach it to *handlers* (``handler.addFilter(RedactingFilter([key]))``): filters on a logger do not
    see records propagated from its children. ``install`` does this for the root logger's handlers.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def install(secrets: Iterable[str | None] = (), logger: logging.Logger | None = None) -> RedactingFilter:
    """Add one ``RedactingFilter`` to each handler of ``logger`` (the root logger by default); returns it."""
    target = logger or logging.getLogger()
    flt = RedactingFilter(secrets)
    for handler in target.handlers:
        handler.addFilter(flt)
    return flt
