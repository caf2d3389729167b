"""Where a Databricks connection's settings come from: arguments, a URL, the environment, ~/.databrickscfg.

Follows the Databricks SDK's unified configuration: values given explicitly win, then the environment
(``DATABRICKS_HOST``, ``DATABRICKS_TOKEN``, ``DATABRICKS_CLIENT_ID``/``_SECRET``, ``DATABRICKS_WAREHOUSE_ID``,
...), then the profile of the config file (``DATABRICKS_CONFIG_PROFILE`` or ``DEFAULT``; file
``DATABRICKS_CONFIG_FILE`` or ``~/.databrickscfg``) for whatever is still unset. The file is parsed here
with ``configparser``; nothing connects (OAuth is handed to databricks-sdk, imported only when used). The token is kept out of ``repr`` and of every message.
"""

from __future__ import annotations

import configparser
import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from nl2sql.errors import ConfigError

# config field -> environment variable (SDK names where the SDK has one)
ENV_VARS: dict[str, str] = {
    "host": "DATABRICKS_HOST",
    "token": "DATABRICKS_TOKEN",
    "http_path": "DATABRICKS_HTTP_PATH",
    "warehouse_id": "DATABRICKS_WAREHOUSE_ID",
    "catalog": "DATABRICKS_CATALOG",
    "schema": "DATABRICKS_SCHEMA",
    "client_id": "DATABRICKS_CLIENT_ID",
    "client_secret": "DATABRICKS_CLIENT_SECRET",
    "auth_type": "DATABRICKS_AUTH_TYPE",
}
# config field -> key in a ~/.databrickscfg profile
PROFILE_KEYS: dict[str, str] = {
    "host": "host", "token": "token", "http_path": "http_path", "warehouse_id": "warehouse_id",
    "catalog": "catalog", "schema": "schema", "client_id": "client_id", "client_secret": "client_secret",
    "auth_type": "auth_type",
}
SECRET_FIELDS = ("token", "client_secret")
_TOKEN_SHAPES = re.compile(r"\b(dapi|dose)[A-Za-z0-9\-]{8,}|\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]{8,}=*")


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Driver text without the configured secrets nor anything shaped like a Databricks token or auth header.

    >>> scrub("401 for Bearer dapi0123456789abcdef and my-secret-value", ("my-secret-value",))
    '401 for *** and ***'
    """
    for secret in secrets:
        text = text.replace(secret, "***")
    return _TOKEN_SHAPES.sub("***", text)


@dataclass(frozen=True)
class DatabricksConfig:
    """Plain connection values; ``server_hostname`` and ``resolved_http_path`` are what the connector wants."""

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

    @property
    def server_hostname(self) -> str:
        """The host without scheme or trailing slash: ``adb-123.4.azuredatabricks.net``."""
        if not self.host:
            raise ConfigError(
                "No Databricks workspace is configured.",
                hint="Set DATABRICKS_HOST (e.g. adb-1234567890123456.7.azuredatabricks.net) or a ~/.databrickscfg profile.",
            )
        host = self.host.strip()
        for prefix in ("https://", "http://"):
            if host.lower().startswith(prefix):
                host = host[len(prefix):]
        return host.rstrip("/")

    @property
    def resolved_http_path(self) -> str:
        """The SQL warehouse's HTTP path, built from its id when only the id is known."""
        if self.http_path:
            return self.http_path if self.http_path.startswith("/") else "/" + self.http_path
        if self.warehouse_id:
            return f"/sql/1.0/warehouses/{self.warehouse_id}"
        raise ConfigError(
            "No Databricks SQL warehouse is configured.",
            hint="Set DATABRICKS_HTTP_PATH (from the warehouse's Connection details) or DATABRICKS_WAREHOUSE_ID.",
        )

    @property
    def serving_endpoints_url(self) -> str:
        """The OpenAI-compatible base URL of the workspace's Model Serving (same token)."""
        return f"https://{self.server_hostname}/serving-endpoints"

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(v for v in (self.token, self.client_secret) if v)

    def merged_with(self, fallback: "DatabricksConfig") -> "DatabricksConfig":
        """Fill this config's unset fields from ``fallback``."""
        return replace(self, **{f.name: getattr(fallback, f.name) for f in fields(self)
                                if getattr(self, f.name) in (None, "") and getattr(fallback, f.name)})


def load_config(env: Mapping[str, str] | None = None, profile: str | None = None,
                config_file: str | Path | None = None) -> DatabricksConfig:
    """The SDK's precedence: environment first, then the config-file profile for what is still unset."""
    env = os.environ if env is None else env
    from_env = DatabricksConfig(**{name: (env.get(var) or "").strip() or None for name, var in ENV_VARS.items()})
    profile = profile or (env.get("DATABRICKS_CONFIG_PROFILE") or "").strip() or None
    path = Path(config_file or env.get("DATABRICKS_CONFIG_FILE") or Path.home() / ".databrickscfg").expanduser()
    from_file = read_profile(path, profile)
    return replace(from_env.merged_with(from_file), profile=profile)


def read_profile(path: Path, profile: str | None) -> DatabricksConfig:
    """One profile of a ``.databrickscfg`` INI file; a named profile that is missing is an error."""
    if not path.exists():
        if profile:
            raise ConfigError(f"The Databricks profile {profile!r} was requested but {path} does not exist.")
        return DatabricksConfig()
    parser = configparser.ConfigParser(interpolation=None, default_section="__none__")
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as e:
        raise ConfigError(f"{path} is not a valid Databricks config file ({type(e).__name__}).") from None
    name = profile or "DEFAULT"
    if not parser.has_section(name):
        if profile:
            raise ConfigError(f"The Databricks profile {profile!r} is not in {path}.",
                              hint=f"Profiles there: {', '.join(parser.sections()) or 'none'}.")
        return DatabricksConfig()
    section = parser[name]
    values = {fld: (section.get(key) or "").strip() or None for fld, key in PROFILE_KEYS.items()}
    return DatabricksConfig(**values, profile=profile)


def parse_url(url: str) -> DatabricksConfig:
    """``databricks://token:<TOKEN>@<host>?http_path=...&catalog=...&schema=...`` (the SQLAlchemy form).

    The host may be left out (``databricks://?warehouse_id=...``) and come from the environment.

    >>> c = parse_url("databricks://token:dapiX@adb-1.2.azuredatabricks.net?http_path=/sql/1.0/warehouses/ab&catalog=samples&schema=tpch")
    >>> (c.server_hostname, c.resolved_http_path, c.catalog, c.schema, c.token)
    ('adb-1.2.azuredatabricks.net', '/sql/1.0/warehouses/ab', 'samples', 'tpch', 'dapiX')
    """
    parts = urlsplit(url)
    if parts.scheme.split("+")[0] != "databricks":
        raise ConfigError("A Databricks URL starts with databricks://", hint="e.g. databricks://token:<TOKEN>@<host>?http_path=<path>")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"http_path", "warehouse_id", "catalog", "schema", "profile"}
    if unknown:
        raise ConfigError(f"Unknown Databricks URL option(s): {', '.join(sorted(unknown))}.",
                          hint="Known: http_path, warehouse_id, catalog, schema, profile.")
    token = unquote(parts.password) if parts.password else None
    return DatabricksConfig(host=parts.hostname or None, token=token, http_path=query.get("http_path"),
                            warehouse_id=query.get("warehouse_id"), catalog=query.get("catalog"),
                            schema=query.get("schema"), profile=query.get("profile"))


def oauth_credentials_provider(config: DatabricksConfig) -> Callable[..., Any]:
    """OAuth (or any non-token auth) through databricks-sdk's unified configuration, when it is installed."""
    try:
        from databricks.sdk.core import Config
    except ImportError:
        raise ConfigError("No Databricks token is configured, and OAuth needs the databricks-sdk package.",
                          hint="Set DATABRICKS_TOKEN, or pip install databricks-sdk and configure a ~/.databrickscfg profile.") from None
    sdk_args = {k: v for k, v in {"host": config.host, "profile": config.profile, "client_id": config.client_id,
                                  "client_secret": config.client_secret, "auth_type": config.auth_type}.items() if v}
    try:
        sdk_config = Config(**sdk_args)
    except Exception as e:  # noqa: BLE001 - the SDK raises ValueError and its own errors when nothing is configured
        raise ConfigError(f"No usable Databricks credentials: {scrub(str(e), config.secrets)[:500]}",
                          hint="Set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or a "
                               "~/.databrickscfg profile.") from None
    return lambda: sdk_config.authenticate
