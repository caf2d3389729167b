"""Each Databricks App user asks with their own permissions: a per-user assistant when their token is forwarded.

``for_request`` turns the shared assistant (the app's service principal) into the one for this request: when
the request carries ``X-Forwarded-Access-Token`` (user authorization enabled in ``app.yaml``), its warehouse
is the same SQL warehouse opened with the user's token and its semantic model is read through that
connection, so Unity Catalog grants, row filters and column masks are the user's. Assistants are cached by the
token's SHA-256 (a forwarded token is rotated by the platform; old entries are evicted and closed). The token
is never logged or shown. ``show_identity`` tells the user, in the sidebar, who is asking.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping

from catalog_semantics.scope import Principal
from nl2sql.adapters.databricks_identity import RequestIdentity, identity_from_headers
from nl2sql.pipeline import Assistant
from nl2sql.wiring import build_model

log = logging.getLogger("nl2sql.app")
MAX_USERS = 64                                  # assistants kept (one connection pool and catalog each)


class UserAssistants:
    """Per-user assistants derived from the app's, keyed by token hash, least recently used evicted."""

    def __init__(self, max_users: int = MAX_USERS) -> None:
        self._max = max_users
        self._lock = threading.Lock()
        self._by_key: OrderedDict[str, Assistant] = OrderedDict()

    def for_identity(self, base: Assistant, identity: RequestIdentity) -> Assistant:
        key = identity.token_key
        for_user = getattr(base.warehouse, "for_user", None)
        if key is None or identity.token is None or for_user is None:
            return base                          # the app's identity (or a warehouse with no per-user login)
        with self._lock:
            if key in self._by_key:
                self._by_key.move_to_end(key)
                return self._by_key[key]
        warehouse = for_user(identity.token, principal=identity.name)
        model = build_model(warehouse, base.settings.overlay_path)
        # The user is the principal (conversations, feedback and editor rights follow them); a table allowlist
        # configured for the app still applies on top of the user's own grants.
        allowed = base.principal.allowed_tables if base.principal else None
        assistant = Assistant(model, warehouse, base.settings, llm=base.llm, feedback=base.feedback,
                              principal=Principal(identity.name, allowed), remember_unanswered=False)
        with self._lock:
            self._by_key[key] = assistant
            while len(self._by_key) > self._max:
                _, old = self._by_key.popitem(last=False)
                close = getattr(old.warehouse, "close", None)
                if close:
                    close()
        log.info("opened the warehouse as %s", identity.name)
        return assistant


_USERS = UserAssistants()


def request_identity(headers: Mapping[str, str] | None = None) -> RequestIdentity:
    if headers is None:
        import streamlit as st

        headers = dict(st.context.headers or {})
    return identity_from_headers(headers)


def for_request(base: Assistant, headers: Mapping[str, str] | None = None) -> Assistant:
    """The assistant that answers this request: the user's own when Databricks forwarded their token."""
    return _USERS.for_identity(base, request_identity(headers))


def show_identity(assistant: Assistant, headers: Mapping[str, str] | None = None) -> None:
    """A sidebar line saying who is asking (or that queries run as the app's own identity), on Databricks."""
    import streamlit as st

    if getattr(assistant.warehouse, "for_user", None) is None:
        return
    identity = request_identity(headers)
    with st.sidebar:
        if identity.kind == "user":
            st.markdown(f"**Asking as:** {identity.name} (your own Databricks permissions)")
        else:
            st.caption("Queries run as the app's own identity (no user token was forwarded).")
