"""Who is asking, from the headers Databricks Apps forward with each request (a pure function, no I/O).

With user authorization enabled for the app, the platform's proxy adds ``X-Forwarded-Access-Token`` (the
signed-in user's OAuth token, scoped to the app's declared scopes) and identity headers
(``X-Forwarded-Email``, ``X-Forwarded-Preferred-Username``, ``X-Forwarded-User``). Queries and catalog reads
then run with that token, so Unity Catalog's grants, row filters and column masks apply to that user. Without
the token, everything runs as the app's own service principal (``DATABRICKS_CLIENT_ID``/``_SECRET``).
The token is kept out of ``repr``; caches key on its SHA-256, never on the token itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal
from collections.abc import Mapping

TOKEN_HEADER = "x-forwarded-access-token"
EMAIL_HEADER = "x-forwarded-email"
USERNAME_HEADER = "x-forwarded-preferred-username"
USER_HEADER = "x-forwarded-user"


@dataclass(frozen=True)
class RequestIdentity:
    """The asking user (``kind="user"``, with their token) or the app's own identity (``kind="app"``)."""

    kind: Literal["user", "app"]
    email: str | None = None
    username: str | None = None
    user_id: str | None = None
    token: str | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """What the sidebar and the query tags show."""
        if self.kind == "app":
            return "the app's service principal"
        return self.email or self.username or self.user_id or "a signed-in user"

    @property
    def token_key(self) -> str | None:
        """SHA-256 of the token: a cache key that is not the secret."""
        return hashlib.sha256(self.token.encode()).hexdigest() if self.token else None


def identity_from_headers(headers: Mapping[str, str]) -> RequestIdentity:
    """The request's identity; header names in any case.

    >>> identity_from_headers({"X-Forwarded-Access-Token": "eyJ", "X-Forwarded-Email": "ana@example.com"}).name
    'ana@example.com'
    >>> identity_from_headers({"X-Forwarded-Email": "ana@example.com"}).kind
    'app'
    >>> "eyJ" in repr(identity_from_headers({"x-forwarded-access-token": "eyJ"}))
    False
    """
    lower = {str(k).lower(): str(v).strip() for k, v in headers.items() if v is not None}
    token = lower.get(TOKEN_HEADER) or None
    if not token:
        return RequestIdentity("app")
    return RequestIdentity("user", email=lower.get(EMAIL_HEADER) or None, username=lower.get(USERNAME_HEADER) or None,
                           user_id=lower.get(USER_HEADER) or None, token=token)
