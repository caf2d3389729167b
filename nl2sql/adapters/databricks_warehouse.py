"""The Databricks SQL warehouse: runs guarded SQL through ``databricks-sql-connector`` and reads Unity Catalog.

Public connector API only: ``databricks.sql.connect`` (host + HTTP path, a ``credentials_provider`` from
databricks-sdk's unified auth, default catalog and schema), ``cursor.execute`` (with ``query_tags``) /
``fetchmany_arrow`` / ``cancel`` and the metadata calls ``cursor.tables`` / ``cursor.columns``.

Three time limits, each a setting: opening a connection (``connect_timeout_s``; the connector alone would
retry for up to 900 s), waiting for a pooled connection (``pool_timeout_s``, SQLAlchemy's ``QueuePool``)
and each statement (cancelled from a timer thread, so the warehouse stops the work, plus a server-side
``STATEMENT_TIMEOUT`` set per session where the server knows it). The token never appears in a message:
driver text is scrubbed first.

Size (~365 lines, over the ~300 aim): it is one class, the ``Warehouse`` port over one pool, one catalog cache
and one set of credentials; what needs none of that state lives beside it (``databricks_connection``: pool and
time limits; ``databricks_statements``: text, results and errors of a statement; ``databricks_metadata``: the
catalog readers' port; ``databricks_config``: where settings and credentials come from).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar
from collections.abc import Callable, Mapping

from catalog_semantics.adapters.unity_bulk import BulkOptions, BulkScope, catalog_version, read_versioned, sample_tables
from catalog_semantics.adapters.unity_source import PagedSource
from catalog_semantics.adapters.unity_cache import TtlCache, VersionedCache
from catalog_semantics.adapters.unity_reader import ReadOptions, UnityScope, read_unity_catalog
from nl2sql.adapters.databricks_connection import (BearerToken, WarehouseLimits, WarehouseUnreachable,
                                                   checkout, close_quietly, connect_within, make_pool,
                                                   set_statement_timeout)
from nl2sql.adapters.databricks_statements import as_arrow, cancel_cursor, connection_lost
from nl2sql.adapters.databricks_statements import error_text as error_text  # re-exported
from nl2sql.adapters.databricks_statements import refuse_variable_substitution as refuse_variable_substitution  # re-exported
from nl2sql.adapters.databricks_config import (DatabricksAuth, DatabricksConfig, http_path_for, load_config,
                                               parse_url, server_hostname)
from nl2sql.errors import ConfigError, ExecutionFailed, InternalError, QueryTimeout
from nl2sql.ports import ResultTable
from nl2sql.redact import redact

if TYPE_CHECKING:
    import pyarrow as pa

    from catalog_semantics.model import Catalog
    from nl2sql.guard import CheckedSql

log = logging.getLogger(__name__)
T = TypeVar("T")

DIALECTS = ("databricks", "spark")          # sqlglot dialects this warehouse runs


class DatabricksWarehouse:
    """A Databricks SQL warehouse (or any HiveServer2 endpoint the connector reaches, such as Spark in tests).

    Credentials: ``auth`` (databricks-sdk's unified auth; host and HTTP path may come from it), or a
    connector ``credentials_provider`` with an explicit host (tests), or a ``token`` for that host.
    """

    dialect = "databricks"

    def __init__(self, host: str | None = None, *, http_path: str | None = None, warehouse_id: str | None = None,
                 token: str | None = None, credentials_provider: Callable[..., Any] | None = None,
                 auth: DatabricksAuth | None = None, catalog: str | None = None, schema: str | None = None,
                 tables: tuple[str, ...] = (), name: str | None = None, catalog_ttl_s: float = 600.0,
                 read_options: ReadOptions = ReadOptions(), max_connections: int | None = None,
                 limits: WarehouseLimits = WarehouseLimits(), connect_args: Mapping[str, Any] | None = None,
                 principal: str | None = None, scope: BulkScope | None = None,
                 bulk_options: BulkOptions = BulkOptions()) -> None:
        if auth is None and credentials_provider is None:
            if token is None:
                raise ConfigError("No Databricks credentials are configured.",
                                  hint="Set DATABRICKS_TOKEN (a personal access token), DATABRICKS_CLIENT_ID and "
                                       "DATABRICKS_CLIENT_SECRET, or a ~/.databrickscfg profile.")
            credentials_provider = BearerToken(token)    # an explicit token for an explicit host: nothing to resolve
        self._auth = auth
        self._credentials_provider = credentials_provider
        self._host, self._http_path, self._warehouse_id = host, http_path, warehouse_id
        self._secrets = tuple(s for s in (token,) if s)
        self._connect_args = dict(connect_args or {})
        self._catalog, self._schema, self._tables = catalog, schema, tuple(tables)
        self.principal = principal
        self._name = name
        self._read_options = read_options
        self._catalog_cache: TtlCache[Catalog] = TtlCache(catalog_ttl_s)
        # A scope of whole catalogs or several schemas: read in pages within a budget, refreshed in the background.
        self.bulk_scope, self.bulk_options = scope, bulk_options
        self._bulk_cache: VersionedCache[Catalog] | None = None if scope is None else VersionedCache(
            lambda: read_versioned(self.metadata_source(), scope, bulk_options),
            lambda: catalog_version(self.metadata_source(), scope, bulk_options), ttl_s=catalog_ttl_s)
        self._sampled: dict[tuple[str | None, str], Any] = {}
        if max_connections is not None:
            limits = WarehouseLimits(max(1, max_connections), limits.connect_timeout_s, limits.pool_timeout_s,
                                     limits.statement_timeout_s)
        self.limits = limits
        self._pool = make_pool(self._connect, limits)

    # ----- construction at the edge -----
    @classmethod
    def from_config(cls, config: DatabricksConfig, **kwargs: Any) -> "DatabricksWarehouse":
        """Host and credentials from databricks-sdk's unified auth (resolved on first use), SQL values from ``config``."""
        if config.scope and "scope" not in kwargs:
            kwargs["scope"] = BulkScope.parse(config.scope)
        return cls(config.host, http_path=config.http_path, warehouse_id=config.warehouse_id,
                   auth=DatabricksAuth(config), catalog=config.catalog, schema=config.schema, **kwargs)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None, profile: str | None = None,
                         **kwargs: Any) -> "DatabricksWarehouse":
        """DATABRICKS_HTTP_PATH/_CATALOG/_SCHEMA here; host and credentials as every Databricks tool resolves them."""
        return cls.from_config(load_config(env, profile), **kwargs)

    @classmethod
    def from_url(cls, url: str, env: Mapping[str, str] | None = None, *, defaults: DatabricksConfig | None = None,
                 **kwargs: Any) -> "DatabricksWarehouse":
        """``databricks://token:<TOKEN>@<host>?http_path=...&catalog=...&schema=...``; values the URL leaves out come
        from ``defaults`` (the wiring passes the ones in ``Settings``), else as ``from_environment``."""
        given, from_env = parse_url(url), defaults if defaults is not None else load_config(env)
        merged = DatabricksConfig(**{**{k: v for k, v in vars(from_env).items() if v},
                                     **{k: v for k, v in vars(given).items() if v}})
        return cls.from_config(merged, **kwargs)

    def for_user(self, token: str, principal: str | None = None) -> "DatabricksWarehouse":
        """The same warehouse, queried with a user's own (forwarded) token: their grants, row filters and masks apply.

        The user's token goes only to this warehouse's host; it gets its own connection pool and catalog cache.
        """
        if not token:
            raise ConfigError("The forwarded user token is empty.")
        return DatabricksWarehouse(self._host or self.server_hostname, http_path=self.http_path,
                                   credentials_provider=BearerToken(token), catalog=self.catalog, schema=self.schema,
                                   tables=self._tables, catalog_ttl_s=self._catalog_cache.ttl_s,
                                   read_options=self._read_options, limits=self.limits, connect_args=self._connect_args,
                                   principal=principal, scope=self.bulk_scope, bulk_options=self.bulk_options)

    # ----- where it is -----
    @property
    def catalog(self) -> str | None:
        """The default catalog: given, else from the profile the SDK chose (resolved on first use)."""
        if self._catalog is None and self._auth is not None:
            self._catalog = self._auth.profile_value("catalog")
        return self._catalog

    @property
    def schema(self) -> str | None:
        if self._schema is None and self._auth is not None:
            self._schema = self._auth.profile_value("schema")
        return self._schema

    @property
    def _scope(self) -> UnityScope:
        return UnityScope(self.catalog, self.schema, self._tables)

    @property
    def server_hostname(self) -> str:
        if self._host:
            return server_hostname(self._host)
        assert self._auth is not None
        return server_hostname(self._auth.host)

    @property
    def http_path(self) -> str:
        if not (self._http_path or self._warehouse_id) and self._auth is not None:
            from_profile = self._auth.profile_value("http_path")
            return http_path_for(from_profile, self._auth.config.warehouse_id)
        return http_path_for(self._http_path, self._warehouse_id)

    @property
    def name(self) -> str:
        if self._name is None:
            scope = f" ({self._catalog}.{self._schema})" if self._catalog and self._schema else ""
            try:
                self._name = f"Databricks {self.server_hostname}{scope}"
            except ConfigError:
                return f"Databricks{scope}"
        return self._name

    # ----- the Warehouse port -----
    def run(self, checked: "CheckedSql", *, max_rows: int | None, timeout_s: float,
            tags: Mapping[str, str] | None = None) -> ResultTable:
        table, truncated, elapsed_ms = self.run_arrow(checked, max_rows=max_rows, timeout_s=timeout_s, tags=tags)
        columns = [c.to_pylist() for c in table.columns]
        return ResultTable(columns=tuple(table.column_names), rows=tuple(zip(*columns)) if columns else (),
                           truncated=truncated, elapsed_ms=elapsed_ms)

    def run_arrow(self, checked: "CheckedSql", *, max_rows: int | None, timeout_s: float,
                  tags: Mapping[str, str] | None = None) -> tuple["pa.Table", bool, float]:
        """The result as an Arrow table (at most ``max_rows`` rows), whether rows were cut, and milliseconds taken."""
        if checked.dialect not in DIALECTS:
            raise InternalError(f"SQL checked for {checked.dialect!r} sent to a Databricks warehouse.")
        refuse_variable_substitution(checked.sql)
        started = time.perf_counter()
        query_tags = self.query_tags(tags)

        def fetch(cursor: Any) -> "pa.Table":
            cursor.execute(checked.sql, query_tags=query_tags)
            batch = cursor.fetchall_arrow() if max_rows is None else cursor.fetchmany_arrow(max_rows + 1)
            return as_arrow(batch, cursor.description)

        table = self._with_cursor(fetch, timeout_s=timeout_s)
        truncated = max_rows is not None and table.num_rows > max_rows
        if truncated:
            table = table.slice(0, max_rows)
        return table, truncated, (time.perf_counter() - started) * 1000

    def query_tags(self, tags: Mapping[str, str] | None = None) -> dict[str, str]:
        """Tags the warehouse records with each statement (query history, system tables): app, principal, the
        question id and generator the pipeline set (``nl2sql.query_tags``), and extras."""
        from nl2sql.query_tags import current_tags

        out = {"app": "lakehouse-nl2sql"}
        if self.principal:
            out["principal"] = self.principal
        out.update(current_tags())
        out.update({k: str(v) for k, v in (tags or {}).items() if v is not None})
        return out

    def read_catalog(self) -> "Catalog":
        """The scope's tables, columns, comments, keys, tags and sample values; cached for ``catalog_ttl_s``.

        With a bulk ``scope`` (whole catalogs, several schemas): no sample values (``sample_values`` reads them
        for shortlisted tables), and a stale catalog is served while a background refresh checks its version.
        """
        if self._bulk_cache is not None:
            return self._bulk_cache.get()
        return self._catalog_cache.get(lambda: read_unity_catalog(self.metadata_source(), self._scope, self._read_options))

    def refresh_catalog(self) -> "Catalog":
        if self._bulk_cache is not None:
            return self._bulk_cache.refresh()
        return self._catalog_cache.refresh(lambda: read_unity_catalog(self.metadata_source(), self._scope, self._read_options))

    @property
    def catalog_version(self) -> str | None:
        """The version of the bulk-read catalog now served (None for a single-schema scope)."""
        return None if self._bulk_cache is None else self._bulk_cache.version

    def sample_values(self, tables: tuple[str, ...]) -> "Catalog":
        """The current catalog with sample values of ``tables`` (a question's shortlist), each table read once per
        catalog version; masked columns are never read."""
        catalog = self.read_catalog()
        version = self.catalog_version
        missing = tuple(n for n in tables if (version, n.lower()) not in self._sampled)
        if missing:
            self._sampled = {k: v for k, v in self._sampled.items() if k[0] == version}   # older versions go
            for table in sample_tables(self.metadata_source(), catalog, missing, self._read_options).tables:
                for key in {table.name.lower(), table.qualified_name.lower()} & {n.lower() for n in missing}:
                    self._sampled[(version, key)] = table
        sampled = {t.qualified_name: t for n in tables if (t := self._sampled.get((version, n.lower())))}
        return replace(catalog, tables=tuple(sampled.get(t.qualified_name, t) for t in catalog.tables))

    def metadata_source(self) -> PagedSource:
        from nl2sql.adapters.databricks_metadata import ConnectorMetadata

        return ConnectorMetadata(self._with_cursor)

    def close(self) -> None:
        """Close the pooled connections; the warehouse stays usable (a new statement reconnects)."""
        self._pool.dispose()

    def __repr__(self) -> str:
        return f"DatabricksWarehouse(host={self._host!r}, catalog={self._catalog!r}, schema={self._schema!r})"

    # ----- connection and statements -----
    def _connect(self) -> Any:
        """A new connection within ``connect_timeout_s``, session settings applied."""
        return connect_within(self._open_connection, self.limits.connect_timeout_s, self._safe_host())

    def _open_connection(self) -> Any:
        from databricks import sql

        limit = self.limits.connect_timeout_s
        args: dict[str, Any] = {"catalog": self.catalog, "schema": self.schema, "user_agent_entry": "lakehouse-nl2sql",
                                "_retry_stop_after_attempts_duration": max(1.0, limit),
                                "_socket_timeout": max(limit, 60.0)}
        try:
            args.update(server_hostname=self.server_hostname, http_path=self.http_path,
                        credentials_provider=self._credentials_provider or self._auth_provider())
            args.update(self._connect_args)
            connection = sql.connect(**args)
        except ConfigError:
            raise
        except Exception as e:
            raise WarehouseUnreachable(f"Could not connect to the Databricks SQL warehouse: {self._scrub(e)}",
                                       hint="Check the host, HTTP path and credentials, and that the warehouse is running "
                                            f"(connecting waits up to NL2SQL_DATABRICKS_CONNECT_TIMEOUT_S = {limit:g} s).") from None
        set_statement_timeout(connection, self.limits.statement_timeout_s)
        self._ensure_namespace(connection)
        return connection

    def _auth_provider(self) -> Callable[[], Callable[[], dict[str, str]]]:
        assert self._auth is not None
        self._auth.limit_seconds(self.limits.connect_timeout_s)
        return self._auth.credentials_provider

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
        except Exception as e:
            close_quietly(connection)
            raise ConfigError(f"The default catalog and schema {self.catalog or ''}.{self.schema or ''} could not be "
                              f"selected: {self._scrub(e)}", hint="Check DATABRICKS_CATALOG and DATABRICKS_SCHEMA.") from None
        finally:
            close_quietly(cursor)

    def _with_cursor(self, work: Callable[[Any], T], *, timeout_s: float | None) -> T:
        """Run ``work(cursor)`` on a pooled connection under the time limit; reconnect once if it was dropped."""
        from databricks.sql import exc

        for attempt in (1, 2):
            connection = checkout(self._pool, self.limits)
            broken = False
            fired = threading.Event()
            timer = None
            cursor = None
            try:
                cursor = connection.cursor()
                if timeout_s:
                    timer = threading.Timer(timeout_s, cancel_cursor, (cursor, fired))
                    timer.daemon = True
                    timer.start()
                return work(cursor)
            except exc.Error as e:
                if fired.is_set():
                    raise QueryTimeout(f"The query ran longer than {timeout_s:g} seconds and was cancelled.",
                                       hint="Ask for less data (a shorter period, fewer groups) or raise "
                                            "NL2SQL_QUERY_TIMEOUT_S.") from None
                broken = connection_lost(e)
                if attempt == 1 and broken:
                    log.info("Databricks connection lost; reconnecting once")
                    continue
                raise ExecutionFailed(f"The warehouse could not run this query: {self._scrub(e)}") from None
            finally:
                if timer:
                    timer.cancel()
                if cursor is not None:
                    close_quietly(cursor)
                if broken:
                    connection.invalidate()
                connection.close()                  # back to the pool (or discarded when invalidated)
        raise AssertionError("unreachable")

    def _safe_host(self) -> str:
        try:
            return self.server_hostname
        except ConfigError:
            return "(unresolved host)"

    def _scrub(self, error: BaseException) -> str:
        """The driver's message without secrets, and without the server's Java stack trace."""
        text = re.split(r"\n\s*at |\n\tat ", error_text(error), maxsplit=1)[0].strip()
        return redact(text, self._secrets)[:1000]
