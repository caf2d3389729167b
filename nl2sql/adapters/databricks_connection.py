"""Connections to a Databricks SQL warehouse, each step within its time limit.

The connector has no connect-only limit (its socket timeout also bounds every later request, and its retry
budget defaults to 900 s), so ``connect_within`` opens the connection in a helper thread and the caller stops
waiting at the limit with a typed error naming the setting; the connector's own retry budget and socket
timeout are set near the same limit so the helper ends soon after. Waiting for a pooled connection is
bounded by SQLAlchemy's ``QueuePool``; each session gets a server-side ``STATEMENT_TIMEOUT``.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable

from nl2sql.errors import ExecutionFailed

log = logging.getLogger(__name__)


class WarehouseUnreachable(ExecutionFailed):
    """No connection to the warehouse within the configured time (stopped, unreachable or silent)."""

    code = "warehouse_unreachable"


@dataclass(frozen=True)
class WarehouseLimits:
    """The connection pool's size and the time limits around connecting (statements get theirs per call)."""

    max_connections: int = 4
    connect_timeout_s: float = 30.0        # NL2SQL_DATABRICKS_CONNECT_TIMEOUT_S
    pool_timeout_s: float = 30.0           # NL2SQL_DATABRICKS_POOL_TIMEOUT_S
    statement_timeout_s: float | None = None   # server-side STATEMENT_TIMEOUT per session; None: not set


class BearerToken:
    """A connector ``credentials_provider`` for a token handed to us per request (a Databricks App user's).

    There is nothing for the SDK to resolve: the platform issued this token for this workspace and
    refreshes it by sending a new one with each request.
    """

    def __init__(self, token: str) -> None:
        self._headers = {"Authorization": f"Bearer {token}"}

    def auth_type(self) -> str:
        return "pat"

    def __call__(self) -> Callable[[], dict[str, str]]:
        return lambda: dict(self._headers)

    def __repr__(self) -> str:
        return "BearerToken(***)"


def make_pool(creator: Callable[[], Any], limits: WarehouseLimits) -> Any:
    """SQLAlchemy's ``QueuePool`` over raw connector connections: at most ``max_connections``, bounded wait.

    ``reset_on_return=None``: a read-only SQL session has no transaction to roll back (and the connector's
    rollback raises). Connections the server dropped are invalidated by ``_with_cursor``.
    """
    from sqlalchemy.pool import QueuePool

    return QueuePool(creator, pool_size=limits.max_connections, max_overflow=0, timeout=limits.pool_timeout_s,
                     reset_on_return=None)


def connect_within(open_connection: Callable[[], Any], limit_s: float, where: str) -> Any:
    """``open_connection()`` if it returns within ``limit_s`` seconds, else ``WarehouseUnreachable``."""
    done: Future[Any] = Future()

    def attempt() -> None:
        try:
            done.set_result(open_connection())
        except BaseException as e:
            done.set_exception(e)

    threading.Thread(target=attempt, name="databricks-connect", daemon=True).start()
    try:
        return done.result(timeout=limit_s)
    except TimeoutError:
        done.add_done_callback(_close_if_opened)
        raise WarehouseUnreachable(
            f"The Databricks SQL warehouse at {where} did not answer within {limit_s:g} seconds.",
            hint="Check that the warehouse is running and reachable (host, HTTP path), or raise "
                 "NL2SQL_DATABRICKS_CONNECT_TIMEOUT_S.") from None


def checkout(pool: Any, limits: WarehouseLimits) -> Any:
    """A pooled connection; waiting for one is bounded by ``pool_timeout_s``."""
    from sqlalchemy import exc as sa_exc

    try:
        return pool.connect()
    except sa_exc.TimeoutError:
        raise WarehouseUnreachable(
            f"All {limits.max_connections} connections to the warehouse stayed busy for {limits.pool_timeout_s:g} seconds.",
            hint="Try again shortly, or raise NL2SQL_DATABRICKS_MAX_CONNECTIONS or NL2SQL_DATABRICKS_POOL_TIMEOUT_S.") from None


def set_statement_timeout(connection: Any, seconds: float | None) -> None:
    """The server-side backstop for the statement time limit, where the server knows ``STATEMENT_TIMEOUT``.

    Databricks SQL warehouses do; open-source Spark keeps any ``SET key = value`` as a plain setting, and a
    server that refuses it still gets the client-side cancel.
    """
    if not seconds:
        return
    cursor = connection.cursor()
    try:
        cursor.execute(f"SET STATEMENT_TIMEOUT = {max(1, int(seconds))}")
    except Exception as e:
        log.debug("STATEMENT_TIMEOUT not set: %s", type(e).__name__)
    finally:
        close_quietly(cursor)


def _close_if_opened(done: Future[Any]) -> None:
    """A connection that arrived after its caller gave up is closed, not leaked."""
    if done.exception() is None:
        close_quietly(done.result())


def close_quietly(cursor: Any) -> None:
    try:
        cursor.close()
    except Exception:
        pass
