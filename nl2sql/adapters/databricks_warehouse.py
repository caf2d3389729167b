"""The Databricks SQL warehouse: runs guarded SQL through ``databricks-sql-connector`` and reads Unity Catalog.

Public connector API only: ``databricks.sql.connect`` (host + HTTP path, a token or a credentials
provider, default catalog and schema), ``cursor.execute`` / ``fetchmany_arrow`` / ``cancel`` and the
metadata calls ``cursor.tables`` / ``cursor.columns``. Connections are opened on first use and pooled
(``max_connections`` statements in flight at once); a connection the server dropped is replaced once. The time limit is
enforced by cancelling the statement from a timer thread (the warehouse then stops the work, unlike a
client-side socket timeout). The token never appears in a message: driver text is scrubbed first.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Mapping

from catalog_semantics.adapters.unity_cache import TtlCache
from catalog_semantics.adapters.unity_reader import MetadataSource, ReadOptions, UnityScope, read_unity_catalog
from catalog_semantics.errors import CatalogError
from nl2sql.adapters.databricks_config import DatabricksConfig, load_config, oauth_credentials_provider, parse_url, scrub
from nl2sql.errors import ConfigError, ExecutionFailed, GuardRejected, InternalError, Issue, QueryTimeout
from nl2sql.ports import ResultTable

if TYPE_CHECKING:
    import pyarrow as pa

    from catalog_semantics.model import Catalog
    from nl2sql.guard import CheckedSql

log = logging.getLogger(__name__)

DIALECTS = ("databricks", "spark")          # sqlglot dialects this warehouse runs


class DatabricksWarehouse:
    """A Databricks SQL warehouse (or any HiveServer2 endpoint the connector reaches, such as Spark in tests)."""

    dialect = "databricks"

    def __init__(self, host: str, *, http_path: str | None = None, warehouse_id: str | None = None,
                 token: str | None = None, credentials_provider: Callable[..., Any] | None = None,
                 catalog: str | None = None, schema: str | None = None, tables: tuple[str, ...] = (),
                 name: str | None = None, catalog_ttl_s: float = 600.0, read_options: ReadOptions = ReadOptions(),
                 max_connections: int = 4, connect_args: Mapping[str, Any] | None = None) -> None:
        self._config = DatabricksConfig(host=host, http_path=http_path, warehouse_id=warehouse_id, token=token,
                                        catalog=catalog, schema=schema)
        if token is None and credentials_provider is None:
            raise ConfigError("No Databricks credentials are configured.",
                              hint="Set DATABRICKS_TOKEN (a personal access token) or configure OAuth in a ~/.databrickscfg profile.")
        self._credentials_provider = credentials_provider
        self._connect_args = dict(connect_args or {})
        self.catalog, self.schema = catalog, schema
        self.name = name or f"Databricks {self._config.server_hostname}" + (f" ({catalog}.{schema})" if catalog and schema else "")
        self._scope = UnityScope(catalog, schema, tuple(tables))
        self._read_options = read_options
        self._catalog_cache: TtlCache[Catalog] = TtlCache(catalog_ttl_s)
        self._max_connections = max(1, max_connections)
        self._pool = threading.Condition()
        self._idle: list[Any] = []                  # open connections not in use, reused by the next statement
        self._open = 0                              # idle + in use

    # ----- construction at the edge -----
    @classmethod
    def from_config(cls, config: DatabricksConfig, **kwargs: Any) -> "DatabricksWarehouse":
        provider = None if config.token else oauth_credentials_provider(config)
        return cls(config.server_hostname, http_path=config.resolved_http_path, token=config.token,
                   credentials_provider=provider, catalog=config.catalog, schema=config.schema, **kwargs)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None, profile: str | None = None,
                         **kwargs: Any) -> "DatabricksWarehouse":
        """DATABRICKS_HOST, DATABRICKS_TOKEN, DATABRICKS_HTTP_PATH or _WAREHOUSE_ID, _CATALOG, _SCHEMA, profiles."""
        return cls.from_config(load_config(os.environ if env is None else env, profile), **kwargs)

    @classmethod
    def from_url(cls, url: str, env: Mapping[str, str] | None = None, **kwargs: Any) -> "DatabricksWarehouse":
        """``databricks://token:<TOKEN>@<host>?http_path=...&catalog=...&schema=...``; gaps filled from the environment."""
        given = parse_url(url)
        return cls.from_config(given.merged_with(load_config(os.environ if env is None else env, given.profile)), **kwargs)

    # ----- the Warehouse port -----
    def run(self, checked: "CheckedSql", *, max_rows: int | None, timeout_s: float) -> ResultTable:
        table, truncated, elapsed_ms = self.run_arrow(checked, max_rows=max_rows, timeout_s=timeout_s)
        columns = [c.to_pylist() for c in table.columns]
        return ResultTable(columns=tuple(table.column_names), rows=tuple(zip(*columns)) if columns else (),
                           truncated=truncated, elapsed_ms=elapsed_ms)

    def run_arrow(self, checked: "CheckedSql", *, max_rows: int | None, timeout_s: float) -> tuple["pa.Table", bool, float]:
        """The result as an Arrow table (at most ``max_rows`` rows), whether rows were cut, and milliseconds taken."""
        if checked.dialect not in DIALECTS:
            raise InternalError(f"SQL checked for {checked.dialect!r} sent to a Databricks warehouse.")
        refuse_variable_substitution(checked.sql)
        started = time.perf_counter()

        def fetch(cursor: Any) -> "pa.Table":
            cursor.execute(checked.sql)
            batch = cursor.fetchall_arrow() if max_rows is None else cursor.fetchmany_arrow(max_rows + 1)
            return _as_arrow(batch, cursor.description)

        table = self._with_cursor(fetch, timeout_s=timeout_s)
        truncated = max_rows is not None and table.num_rows > max_rows
        if truncated:
            table = table.slice(0, max_rows)
        return table, truncated, (time.perf_counter() - started) * 1000

    def read_catalog(self) -> "Catalog":
        """The scope's tables, columns, comments, keys, tags and sample values; cached for ``catalog_ttl_s``."""
        return self._catalog_cache.get(lambda: read_unity_catalog(self.metadata_source(), self._scope, self._read_options))

    def refresh_catalog(self) -> "Catalog":
        return self._catalog_cache.refresh(lambda: read_unity_catalog(self.metadata_source(), self._scope, self._read_options))

    def metadata_source(self) -> MetadataSource:
        return _ConnectorMetadata(self)

    def close(self) -> None:
        """Close the pooled connections not in use; the warehouse stays usable (a new statement reconnects)."""
        with self._pool:
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self._pool.notify_all()
        for connection in idle:
            _close_quietly(connection)

    def __repr__(self) -> str:
        return f"DatabricksWarehouse(host={self._config.server_hostname!r}, catalog={self.catalog!r}, schema={self.schema!r})"

    # ----- connection and statements -----
    def _connect(self) -> Any:
        from databricks import sql

        args: dict[str, Any] = {"server_hostname": self._config.server_hostname,
                                "http_path": self._config.resolved_http_path,
                                "catalog": self.catalog, "schema": self.schema,
                                "user_agent_entry": "lakehouse-nl2sql"}
        if self._credentials_provider is not None:
            args["credentials_provider"] = self._credentials_provider
        else:
            args["access_token"] = self._config.token
        args.update(self._connect_args)
        try:
            connection = sql.connect(**args)
        except Exception as e:  # noqa: BLE001 - any driver failure becomes our error, scrubbed
            raise ExecutionFailed(f"Could not connect to the Databricks SQL warehouse: {self._scrub(e)}",
                                  hint="Check the host, HTTP path and token, and that the warehouse is running.") from None
        self._ensure_namespace(connection)
        return connection

    def _ensure_namespace(self, connection: Any) -> None:
        """Make the default catalog and schema current where the server ignored the initial namespace.

        Databricks applies ``catalog``/``schema`` at session open; an older runtime or open-source Spark
        silently does not, and unqualified names would then resolve somewhere else.
        """
        if not (self.catalog or self.schema):
            return
        from catalog_semantics.adapters.unity_sql import qualified

        cursor = connection.cursor()
        try:
            cursor.execute("SELECT current_catalog() AS c, current_schema() AS s")
            current_catalog, current_schema = cursor.fetchone()
            wanted_catalog, wanted_schema = self.catalog or current_catalog, self.schema or current_schema
            if (str(current_catalog).lower(), str(current_schema).lower()) != (wanted_catalog.lower(), wanted_schema.lower()):
                cursor.execute(f"USE {qualified((wanted_catalog, wanted_schema))}")
        except Exception as e:  # noqa: BLE001
            _close_quietly(connection)
            raise ConfigError(f"The default catalog and schema {self.catalog or ''}.{self.schema or ''} could not be "
                              f"selected: {self._scrub(e)}", hint="Check DATABRICKS_CATALOG and DATABRICKS_SCHEMA.") from None
        finally:
            _close_quietly(cursor)

    def _with_cursor(self, work: Callable[[Any], Any], *, timeout_s: float | None) -> Any:
        """Run ``work(cursor)`` on a pooled connection under the time limit; reconnect once if it was dropped."""
        from databricks.sql import exc

        for attempt in (1, 2):
            connection = self._acquire()
            broken = False
            fired = threading.Event()
            timer = None
            cursor = None
            try:
                cursor = connection.cursor()
                if timeout_s:
                    timer = threading.Timer(timeout_s, _cancel, (cursor, fired))
                    timer.daemon = True
                    timer.start()
                return work(cursor)
            except exc.Error as e:
                if fired.is_set():
                    raise QueryTimeout(f"The query ran longer than {timeout_s:g} seconds and was cancelled.",
                                       hint="Ask for less data (a shorter period, fewer groups) or raise the time limit.") from None
                broken = _connection_lost(e)
                if attempt == 1 and broken:
                    log.info("Databricks connection lost; reconnecting once")
                    continue
                raise ExecutionFailed(f"The warehouse could not run this query: {self._scrub(e)}") from None
            finally:
                if timer:
                    timer.cancel()
                if cursor is not None:
                    _close_quietly(cursor)
                self._release(connection, broken=broken)
        raise AssertionError("unreachable")

    def _acquire(self) -> Any:
        """An idle connection, a new one while under ``max_connections``, else wait for one to come back."""
        with self._pool:
            while not self._idle and self._open >= self._max_connections:
                self._pool.wait()
            if self._idle:
                return self._idle.pop()
            self._open += 1
        try:
            return self._connect()
        except BaseException:
            with self._pool:
                self._open -= 1
                self._pool.notify()
            raise

    def _release(self, connection: Any, *, broken: bool) -> None:
        with self._pool:
            if broken:
                self._open -= 1
            else:
                self._idle.append(connection)
            self._pool.notify()
        if broken:
            _close_quietly(connection)

    def _scrub(self, error: BaseException) -> str:
        """The driver's message without secrets, and without the server's Java stack trace."""
        text = re.split(r"\n\s*at |\n\tat ", str(error), maxsplit=1)[0].strip()
        return scrub(text, self._config.secrets)[:1000]


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


def _as_arrow(batch: Any, description: Any) -> "pa.Table":
    """An Arrow table; the connector hands back a plain column table when the server sent rows column-wise."""
    import pyarrow as pa

    if isinstance(batch, pa.Table):
        return batch
    names = list(getattr(batch, "column_names", None) or [d[0] for d in description or ()])
    columns = list(getattr(batch, "column_table", None) or [[] for _ in names])
    return pa.Table.from_arrays([pa.array(c) for c in columns], names=names)


def _cancel(cursor: Any, fired: threading.Event) -> None:
    fired.set()
    try:
        cursor.cancel()
    except Exception as e:  # noqa: BLE001 - the statement may have just finished
        log.debug("cancel after timeout failed: %s", type(e).__name__)


def _close_quietly(cursor: Any) -> None:
    try:
        cursor.close()
    except Exception:  # noqa: BLE001
        pass


def _connection_lost(error: BaseException) -> bool:
    from databricks.sql import exc

    text = str(error).lower()
    return isinstance(error, exc.RequestError) or "invalid sessionhandle" in text or "session is closed" in text \
        or "connection is closed" in text or "cursor is closed" in text


class _ConnectorMetadata:
    """The reader's ``MetadataSource`` over the warehouse's connection; driver errors become ``CatalogError``."""

    def __init__(self, warehouse: DatabricksWarehouse, timeout_s: float = 120.0) -> None:
        self._warehouse = warehouse
        self._timeout_s = timeout_s

    def query(self, sql: str) -> list[dict[str, Any]]:
        if "${" in sql:                                     # a catalog name that Spark would substitute
            raise CatalogError("A catalog name contains ${, which the warehouse would substitute; it was not read.")
        return self._rows(lambda cursor: cursor.execute(sql))

    def list_tables(self, catalog: str | None, schema: str) -> list[dict[str, Any]]:
        return self._rows(lambda cursor: cursor.tables(catalog_name=catalog, schema_name=schema))

    def list_columns(self, catalog: str | None, schema: str, table: str) -> list[dict[str, Any]]:
        return self._rows(lambda cursor: cursor.columns(catalog_name=catalog, schema_name=schema, table_name=table))

    def _rows(self, call: Callable[[Any], Any]) -> list[dict[str, Any]]:
        def work(cursor: Any) -> list[dict[str, Any]]:
            call(cursor)
            if not cursor.description:                      # DDL and USE return no result set
                return []
            names = [d[0].lower() for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

        try:
            return self._warehouse._with_cursor(work, timeout_s=self._timeout_s)
        except ExecutionFailed as e:
            raise CatalogError("The Databricks catalog could not be read.", hint=e.message) from None
