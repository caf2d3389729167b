"""Where a Databricks connection's settings and credentials come from: databricks-sdk's unified auth.

Host and credentials are resolved by databricks-sdk's ``Config`` and by nothing else, so this tool agrees
with the Databricks CLI, Terraform and every SDK on the same inputs: explicit values (a URL), then the
environment (``DATABRICKS_HOST``, ``DATABRICKS_TOKEN``, ``DATABRICKS_CLIENT_ID``/``_SECRET``,
``DATABRICKS_AUTH_TYPE``, ``DATABRICKS_CONFIG_PROFILE``, ...), then ONE profile of ``~/.databrickscfg``
(``[__settings__] default_profile`` honoured) and only when nothing else configured a host or credentials.
Profiles are never merged, so a profile's token cannot travel to another workspace's host. PAT, OAuth
M2M (as Databricks Apps inject), OAuth U2M (``databricks auth login``; ``external-browser``), Azure and GCP
all come from the SDK, which also refreshes expiring OAuth tokens.

Only the SQL-specific values the SDK does not know are read here: ``DATABRICKS_HTTP_PATH``,
``DATABRICKS_CATALOG``, ``DATABRICKS_SCHEMA`` (and the same keys in the profile the SDK chose). The SDK
``Config`` is built lazily (it may contact the workspace to discover OAuth endpoints) and its secrets
never reach ``repr`` or a message.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from nl2sql.errors import ConfigError
from nl2sql.redact import redact

if TYPE_CHECKING:
    from databricks.sdk.core import Config

# nl2sql-only values (the SDK has no attribute for them) -> environment variable
SQL_ENV_VARS: dict[str, str] = {
    "http_path": "DATABRICKS_HTTP_PATH",
    "catalog": "DATABRICKS_CATALOG",
    "schema": "DATABRICKS_SCHEMA",
}
# The connector's own name for its browser login, and the SDK's name for the same OAuth U2M flow.
AUTH_TYPE_ALIASES = {"databricks-oauth": "external-browser"}


def server_hostname(host: str) -> str:
    """The host without scheme or trailing slash, as the SQL connector wants it.

    >>> server_hostname("https://adb-123.4.azuredatabricks.net/")
    'adb-123.4.azuredatabricks.net'
    """
    host = host.strip()
    for prefix in ("https://", "http://"):
        if host.lower().startswith(prefix):
            host = host[len(prefix):]
    return host.rstrip("/")


@dataclass(frozen=True)
class DatabricksConfig:
    """Values given explicitly (a URL, arguments, the SQL-only environment variables); the SDK resolves the rest."""

    host: str | None = None
    http_path: str | None = None
    warehouse_id: str | None = None
    token: str | None = field(default=None, repr=False)
    catalog: str | None = None
    schema: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    auth_type: str | None = None
    profile: str | None = None
    config_file: str | None = None
    scope: str | None = None            # whole catalogs / several schemas: "main" or "main.sales,main.hr"

    @property
    def server_hostname(self) -> str:
        if not self.host:
            raise ConfigError(
                "No Databricks workspace is configured.",
                hint="Set DATABRICKS_HOST (e.g. adb-1234567890123456.7.azuredatabricks.net) or a ~/.databrickscfg profile.",
            )
        return server_hostname(self.host)

    @property
    def resolved_http_path(self) -> str:
        """The SQL warehouse's HTTP path, built from its id when only the id is known."""
        return http_path_for(self.http_path, self.warehouse_id)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(v for v in (self.token, self.client_secret) if v)

    def sdk_arguments(self) -> dict[str, str]:
        """The explicit values databricks-sdk's ``Config`` takes (unset ones are left to the SDK)."""
        auth_type = AUTH_TYPE_ALIASES.get(self.auth_type or "", self.auth_type)
        given = {"host": self.host, "token": self.token, "client_id": self.client_id,
                 "client_secret": self.client_secret, "auth_type": auth_type, "profile": self.profile,
                 "config_file": self.config_file, "warehouse_id": self.warehouse_id}
        return {k: v for k, v in given.items() if v}


def env_auth_type(env: Mapping[str, str]) -> dict[str, str]:
    """``DATABRICKS_AUTH_TYPE`` from the environment as an explicit SDK argument, when it is the connector's name
    for a flow the SDK names otherwise (the SDK itself would reject ``databricks-oauth``); else nothing, and
    the SDK reads the variable itself.

    >>> env_auth_type({"DATABRICKS_AUTH_TYPE": " databricks-oauth"}), env_auth_type({"DATABRICKS_AUTH_TYPE": "pat"})
    ({'auth_type': 'external-browser'}, {})
    """
    value = (env.get("DATABRICKS_AUTH_TYPE") or "").strip()
    return {"auth_type": AUTH_TYPE_ALIASES[value]} if value in AUTH_TYPE_ALIASES else {}


def http_path_for(http_path: str | None, warehouse_id: str | None) -> str:
    """``/sql/1.0/warehouses/<id>`` from an id, or the given path with a leading slash.

    >>> http_path_for(None, "ab12"), http_path_for("sql/1.0/warehouses/x", None)
    ('/sql/1.0/warehouses/ab12', '/sql/1.0/warehouses/x')
    """
    if http_path:
        return http_path if http_path.startswith("/") else "/" + http_path
    if warehouse_id:
        return f"/sql/1.0/warehouses/{warehouse_id}"
    raise ConfigError(
        "No Databricks SQL warehouse is configured.",
        hint="Set DATABRICKS_HTTP_PATH (from the warehouse's Connection details) or DATABRICKS_WAREHOUSE_ID.",
    )


def load_config(env: Mapping[str, str] | None = None, profile: str | None = None) -> DatabricksConfig:
    """The SQL-only values from the environment; host and credentials are left to the SDK (``DatabricksAuth``)."""
    env = os.environ if env is None else env
    values = {name: (env.get(var) or "").strip() or None for name, var in SQL_ENV_VARS.items()}
    return DatabricksConfig(**values, profile=profile)


def parse_url(url: str) -> DatabricksConfig:
    """``databricks://token:<TOKEN>@<host>?http_path=...&catalog=...&schema=...`` (the SQLAlchemy form).

    The host may be left out (``databricks://?warehouse_id=...``) and come from the SDK's resolution.

    >>> c = parse_url("databricks://token:dapiX@adb-1.2.azuredatabricks.net?http_path=/sql/1.0/warehouses/ab&catalog=samples&schema=tpch")
    >>> (c.server_hostname, c.resolved_http_path, c.catalog, c.schema, c.token)
    ('adb-1.2.azuredatabricks.net', '/sql/1.0/warehouses/ab', 'samples', 'tpch', 'dapiX')
    """
    parts = urlsplit(url)
    if parts.scheme.split("+")[0] != "databricks":
        raise ConfigError("A Databricks URL starts with databricks://", hint="e.g. databricks://token:<TOKEN>@<host>?http_path=<path>")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    known = {"http_path", "warehouse_id", "catalog", "schema", "profile", "auth_type", "scope"}
    unknown = set(query) - known
    if unknown:
        raise ConfigError(f"Unknown Databricks URL option(s): {', '.join(sorted(unknown))}.",
                          hint=f"Known: {', '.join(sorted(known))}.")
    token = unquote(parts.password) if parts.password else None
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return DatabricksConfig(host=host or None, token=token, http_path=query.get("http_path"),
                            warehouse_id=query.get("warehouse_id"), catalog=query.get("catalog"),
                            schema=query.get("schema"), profile=query.get("profile"), auth_type=query.get("auth_type"),
                            scope=query.get("scope"))


class DatabricksAuth:
    """databricks-sdk's ``Config`` for the given explicit values, built on first use and shared.

    One instance serves the SQL connector (``credentials_provider``) and Model Serving (``bearer_token``);
    every call asks the SDK for fresh headers, so an OAuth token is refreshed before it expires.
    """

    def __init__(self, given: DatabricksConfig = DatabricksConfig(), timeout_s: float = 30.0,
                 env: Mapping[str, str] | None = None) -> None:
        self._given = given
        self._env = env
        self._lock = threading.Lock()
        self._config: Config | None = None
        self._timeout_s = timeout_s             # the SDK's own default retries for 300 s

    def limit_seconds(self, seconds: float) -> None:
        """Bound the SDK's own HTTP calls (host metadata, OAuth endpoints, tokens) made while building."""
        self._timeout_s = seconds

    @property
    def config(self) -> "Config":
        with self._lock:
            if self._config is None:
                self._config = self._build()
            return self._config

    def _build(self) -> "Config":
        try:
            from databricks.sdk.core import Config
        except ImportError:
            raise ConfigError("Databricks needs the databricks-sdk package.",
                              hint="pip install 'lakehouse-nl2sql[databricks]'") from None
        try:
            seconds = max(1, int(self._timeout_s))
            arguments: dict[str, Any] = {**env_auth_type(os.environ if self._env is None else self._env), **self._given.sdk_arguments()}
            return Config(**arguments, retry_timeout_seconds=seconds, http_timeout_seconds=seconds)
        except Exception as e:
            raise ConfigError(f"No usable Databricks credentials: {redact(str(e), self._given.secrets)[:500]}",
                              hint="Set DATABRICKS_HOST and DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and "
                                   "DATABRICKS_CLIENT_SECRET, or run `databricks auth login` for a ~/.databrickscfg "
                                   "profile (DATABRICKS_CONFIG_PROFILE).") from None

    @property
    def host(self) -> str:
        """The workspace URL the credentials were issued for (``https://...``)."""
        host = self.config.host
        if not host:
            raise ConfigError("No Databricks workspace is configured.",
                              hint="Set DATABRICKS_HOST or a ~/.databrickscfg profile with a host.")
        return host.rstrip("/")

    @property
    def auth_type(self) -> str:
        return str(self.config.auth_type)

    def profile_value(self, key: str) -> str | None:
        """A key of the profile the SDK loaded (``http_path``, ``catalog``, ``schema``), else None.

        The SDK copies every key of the one profile it chose onto its ``Config`` (and none when it used no
        profile), so such values always come from the same profile as the host and credentials. An explicit
        host without an explicit profile means no profile is read, so nothing is resolved to learn that.
        """
        if self._given.host and not self._given.profile:
            return None
        value = getattr(self.config, key, None) if key not in ("config", "host") else None
        return value.strip() or None if isinstance(value, str) else None

    def headers(self) -> dict[str, str]:
        """Fresh authentication headers (the SDK refreshes an expiring OAuth token here)."""
        try:
            return dict(self.config.authenticate())
        except ConfigError:
            raise
        except Exception as e:
            raise ConfigError(f"Databricks credentials could not be refreshed: {redact(str(e), self._given.secrets)[:300]}",
                              hint="Check the service principal or run `databricks auth login` again.") from None

    def bearer_token(self) -> str:
        """The current access token, for clients that take a key rather than headers (Model Serving)."""
        value = self.headers().get("Authorization", "")
        kind, _, token = value.partition(" ")
        if kind.lower() != "bearer" or not token:
            raise ConfigError(f"Databricks {self.auth_type} credentials give no bearer token for Model Serving.")
        return token

    def credentials_provider(self) -> Callable[[], dict[str, str]]:
        """The connector's ``credentials_provider`` protocol: called per connection, returns a header factory."""
        return self.headers

    def __repr__(self) -> str:
        return f"DatabricksAuth(host={self._given.host!r}, profile={self._given.profile!r})"


def sdk_summary(config: Any) -> tuple[str | None, str | None]:
    """(host, auth_type) of an SDK ``Config``, the pair the configuration tests compare."""
    return (config.host.rstrip("/") if config.host else None, config.auth_type)
