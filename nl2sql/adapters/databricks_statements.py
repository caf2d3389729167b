"""A statement on a Databricks (or Spark) endpoint: the text the server must not see (``${…}`` substitution),
the result as Arrow, the cancel at the time limit, the driver error's text, and whether an error means
the connection is gone. Used by ``databricks_warehouse``; no state of its own.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from nl2sql.errors import GuardRejected, Issue

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger(__name__)


def refuse_variable_substitution(sql: str) -> None:
    """Refuse SQL text holding ``${`` anywhere, string literals included.

    Spark, and Databricks runtimes with it, replace ``${env:NAME}``, ``${system:prop}``, ``${hiveconf:key}`` and
    ``${spark.conf}`` in the statement text before parsing it, so a harmless-looking literal would read the
    server's environment (tokens, cloud keys) or configuration. The replacement happens on the raw text, below
    any syntax tree, so this check is on the text the warehouse receives.
    """
    if "${" in sql:
        raise GuardRejected((Issue(
            "variable_substitution",
            "The query contains ${…}, which the warehouse would replace with its own settings or environment.",
            "${"),), sql=sql)


def as_arrow(batch: Any, description: Any) -> "pa.Table":
    """An Arrow table; the connector hands back a plain column table when the server sent rows column-wise."""
    import pyarrow as pa

    if isinstance(batch, pa.Table):
        return batch
    names = list(getattr(batch, "column_names", None) or [d[0] for d in description or ()])
    columns = list(getattr(batch, "column_table", None) or [[] for _ in names])
    return pa.Table.from_arrays([pa.array(c) for c in columns], names=names)


def cancel_cursor(cursor: Any, fired: threading.Event) -> None:
    fired.set()
    try:
        cursor.cancel()
    except Exception as e:
        log.debug("cancel after timeout failed: %s", type(e).__name__)


def error_text(error: BaseException) -> str:
    """The driver error's text; its type name when it has none (the connector's ``str()`` can fail on a
    server error that came without a message)."""
    try:
        text = str(error)
    except Exception:
        text = ""
    return text or str(getattr(error, "message", "") or "") or type(error).__name__


def connection_lost(error: BaseException) -> bool:
    from databricks.sql import exc

    text = error_text(error).lower()
    return isinstance(error, exc.RequestError) or "invalid sessionhandle" in text or "session is closed" in text \
        or "connection is closed" in text or "cursor is closed" in text
