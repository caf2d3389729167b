"""Our Databricks host and credentials resolution agrees with databricks-sdk's own ``Config``, case by case.

Each case is a temporary HOME (with or without a ``~/.databrickscfg``), a set of environment variables and
what the user gave us (a URL or a profile name). Our side is ``DatabricksAuth`` (what the warehouse and Model
Serving use); the SDK side is ``Config`` built from the same inputs the way any Databricks tool would. Both
must resolve the same host and auth type, or both refuse. Then the headers our side would send are checked
against the host: every token must have been issued for the host it goes to.

No network: the two workspaces are local stand-ins (tests/databricks_workspace_stub.py) serving OIDC
discovery and the client-credentials token endpoint, and OAuth U2M goes through a stand-in ``databricks`` CLI
(``databricks auth token --host``), as the SDK does after ``databricks auth login``.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import pytest

pytest.importorskip("databricks.sdk")

from databricks.sdk.core import Config

from nl2sql.adapters.databricks_config import DatabricksAuth, DatabricksConfig, parse_url
from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse
from nl2sql.errors import ConfigError
from tests.databricks_workspace_stub import WorkspaceStub

FAKE_CLI = """#!{python}
import json, sys
args = sys.argv[1:]
if "--host" not in args:
    sys.exit(1)                     # `databricks version` etc.: an old CLI, so the SDK falls back to --host
host = args[args.index("--host") + 1].rstrip("/")
print(json.dumps({{"access_token": "cli-" + host.rsplit(":", 1)[-1], "token_type": "Bearer",
                  "expiry": "2099-01-01T00:00:00"}}))
"""


@dataclass
class World:
    a: WorkspaceStub
    b: WorkspaceStub
    home: Path
    cli: Path
    files: dict[str, str] = field(default_factory=dict)

    def issuer(self, authorization: str) -> str | None:
        """Which workspace host a token was issued for (None: unknown token)."""
        token = authorization.partition(" ")[2]
        owners = {"dapiAAAAAAAAAAAAAAAAAAAA": self.a.host, "dapiBBBBBBBBBBBBBBBBBBBB": self.b.host,
                  "dapiENVBBBBBBBBBBBBBBBB": self.b.host, "dapiURLAAAAAAAAAAAAAAAA": self.a.host,
                  "u2m-B-cached": self.b.host}
        if token in owners:
            return owners[token]
        for stub in (self.a, self.b):
            if token in stub.issued or token == "cli-" + stub.host.rsplit(":", 1)[-1]:
                return stub.host
        return None


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("dbx")
    cli = root / "databricks-cli-standin"
    cli.write_text(FAKE_CLI.format(python=sys.executable))
    cli.chmod(cli.stat().st_mode | stat.S_IXUSR)
    with WorkspaceStub("A", "cid-A", "sec-A") as a, WorkspaceStub("B", "cid-B", "sec-B") as b:
        profiles = f"""
[DEFAULT]
host = {a.host}
token = dapiAAAAAAAAAAAAAAAAAAAA
warehouse_id = wa

[staging]
host = {b.host}
token = dapiBBBBBBBBBBBBBBBBBBBB
http_path = /sql/1.0/warehouses/wb
catalog = cat_b
schema = sch_b

[m2m]
host = {a.host}
client_id = cid-A
client_secret = sec-A

[u2m]
host = {b.host}

[cli]
host = {b.host}
auth_type = databricks-cli
databricks_cli_path = {cli}
"""
        files = {
            "plain": profiles,
            "settings": "[__settings__]\ndefault_profile = staging\n" + profiles,
            "no-default": profiles.split("[staging]", 1)[1].join(["[staging]", ""]),
        }
        yield World(a, b, root, cli, files)


@dataclass(frozen=True)
class Case:
    id: str
    file: str | None                          # key of World.files written to ~/.databrickscfg
    env: dict[str, str]                       # values may name {A}/{B}, the stand-ins' hosts
    given: str | None = None                  # a databricks:// URL, or None (environment and profiles only)
    sdk: dict[str, str] = field(default_factory=dict)   # the same inputs, as a Databricks tool gives them to Config
    expect: str | None = None                 # "A"/"B": the host the credentials go to; None: refused


A, B = "{A}", "{B}"
M2M_A = {"DATABRICKS_CLIENT_ID": "cid-A", "DATABRICKS_CLIENT_SECRET": "sec-A"}
CASES = (
    Case("default-profile", "plain", {}, expect="A"),
    Case("profile-from-env", "plain", {"DATABRICKS_CONFIG_PROFILE": "staging"}, expect="B"),
    # defect 1: a host for B in the environment must not pick up DEFAULT's token for A
    Case("env-host-B-with-default-profile-A", "plain", {"DATABRICKS_HOST": B}, expect=None),
    Case("env-host-and-token", "plain", {"DATABRICKS_HOST": B, "DATABRICKS_TOKEN": "dapiENVBBBBBBBBBBBBBBBB"}, expect="B"),
    # defect 2: Databricks Apps inject M2M credentials; a stale profile PAT must not win
    Case("apps-m2m-env-over-profile-pat", "plain", {"DATABRICKS_HOST": A, **M2M_A}, expect="A"),
    Case("m2m-env-no-file", None, {"DATABRICKS_HOST": B, "DATABRICKS_CLIENT_ID": "cid-B",
                                   "DATABRICKS_CLIENT_SECRET": "sec-B"}, expect="B"),
    # defect 3: [__settings__] default_profile
    Case("settings-default-profile", "settings", {}, expect="B"),
    Case("settings-overridden-by-env-profile", "settings", {"DATABRICKS_CONFIG_PROFILE": "DEFAULT"}, expect="A"),
    Case("settings-but-env-host", "settings", {"DATABRICKS_HOST": A}, expect=None),
    Case("m2m-profile-from-url", "plain", {}, given="databricks://?profile=m2m", sdk={"profile": "m2m"}, expect="A"),
    Case("u2m-cli-profile", "plain", {"DATABRICKS_CONFIG_PROFILE": "cli"}, expect="B"),
    Case("unknown-profile", "plain", {"DATABRICKS_CONFIG_PROFILE": "nope"}, expect=None),
    Case("no-default-section", "no-default", {}, expect=None),
    Case("no-default-section-named", "no-default", {"DATABRICKS_CONFIG_PROFILE": "staging"}, expect="B"),
    Case("env-only-no-file", None, {"DATABRICKS_HOST": A, "DATABRICKS_TOKEN": "dapiURLAAAAAAAAAAAAAAAA"}, expect="A"),
    Case("nothing", None, {}, expect=None),
    Case("url-token-and-host", "plain", {}, given="databricks://token:dapiURLAAAAAAAAAAAAAAAA@{a}",
         sdk={"host": "{a}", "token": "dapiURLAAAAAAAAAAAAAAAA"}, expect="A"),
    Case("url-host-B-only-with-default-profile-A", "plain", {}, given="databricks://{b}", sdk={"host": "{b}"}, expect=None),
    Case("url-profile-staging", "plain", {}, given="databricks://?profile=staging", sdk={"profile": "staging"}, expect="B"),
    Case("pat-auth-type-on-m2m-profile", "plain", {"DATABRICKS_CONFIG_PROFILE": "m2m", "DATABRICKS_AUTH_TYPE": "pat"},
         expect=None),
    Case("m2m-env-plus-pat-profile-conflict", "plain", {"DATABRICKS_HOST": A, "DATABRICKS_CONFIG_PROFILE": "staging",
                                                       **M2M_A}, expect=None),
    Case("config-file-env", None, {"DATABRICKS_CONFIG_FILE": "{HOME}/other.cfg", "DATABRICKS_CONFIG_PROFILE": "staging"},
         expect="B"),
    Case("wrong-client-for-host", None, {"DATABRICKS_HOST": A, "DATABRICKS_CLIENT_ID": "cid-B",
                                         "DATABRICKS_CLIENT_SECRET": "sec-B"}, expect=None),
    # defect 4: the connector's own name for OAuth U2M; the login was done before (the SDK's token cache)
    Case("u2m-browser-databricks-oauth", "plain", {}, given="databricks://?profile=u2m&auth_type=databricks-oauth",
         sdk={"profile": "u2m", "auth_type": "external-browser"}, expect="B"),
    # the same name as an environment variable, mapped like the URL form
    Case("u2m-browser-databricks-oauth-env", "plain", {"DATABRICKS_CONFIG_PROFILE": "u2m",
                                                      "DATABRICKS_AUTH_TYPE": "databricks-oauth"},
         sdk={"profile": "u2m", "auth_type": "external-browser"}, expect="B"),
    Case("m2m-profile-env-auth-type", "plain", {"DATABRICKS_CONFIG_PROFILE": "m2m", "DATABRICKS_AUTH_TYPE": "oauth-m2m"},
         expect="A"),
)


def _fill(text: str, world: World) -> str:
    """Placeholders: {A}/{B} the stand-ins' URLs, {a}/{b} their host:port (as a databricks:// URL holds them)."""
    text = text.replace("{a}", _netloc(world.a.host)).replace("{b}", _netloc(world.b.host))
    return text.replace(A, world.a.host).replace(B, world.b.host).replace("{HOME}", str(world.home / "home"))


@pytest.fixture
def in_world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    for name in list(os.environ):
        if name.startswith(("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_", "DATABRICKS")):
            monkeypatch.delenv(name)
    home = world.home / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")        # no real `databricks` or `az` CLI joins the chain
    return world


def _setup(case: Case, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    home = world.home / "home"
    cfg = home / ".databrickscfg"
    cfg.unlink(missing_ok=True)
    if case.file:
        cfg.write_text(world.files[case.file])
    (home / "other.cfg").write_text(world.files["plain"])
    for name, value in case.env.items():
        monkeypatch.setenv(name, _fill(value, world))
    if case.id.startswith("u2m-browser"):
        _cache_browser_login(world.b.host, "u2m")


def _cache_browser_login(host: str, profile: str) -> None:
    """What `external-browser` leaves after a login: a cached token for (host, client, scopes, profile), written by
    the SDK's own TokenCache, so resolving needs no browser."""
    import datetime as dt

    from databricks.sdk.oauth import OidcEndpoints, SessionCredentials, Token, TokenCache

    endpoints = OidcEndpoints(authorization_endpoint=f"{host}/oidc/v1/authorize", token_endpoint=f"{host}/oidc/v1/token")
    cache = TokenCache(host=host, oidc_endpoints=endpoints, client_id="databricks-cli", redirect_url="http://localhost:8020",
                       scopes=["all-apis", "offline_access"], profile=profile)
    token = Token(access_token="u2m-B-cached", token_type="Bearer", refresh_token="r",
                  expiry=dt.datetime.now() + dt.timedelta(days=1))
    cache.save(SessionCredentials(token, endpoints.token_endpoint, "databricks-cli"))


def _outcome(build: Any) -> tuple[str | None, str | None, str | None] | str:
    try:
        host, auth_type, headers = build()
    except (ConfigError, ValueError):
        return "refused"
    return host.rstrip("/"), auth_type, headers.get("Authorization")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_resolution_agrees_with_the_sdk_and_tokens_stay_with_their_host(
        case: Case, in_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world = in_world
    _setup(case, world, monkeypatch)
    given = parse_url(_fill(case.given, world)) if case.given else DatabricksConfig()

    # A bare host:port ({a}/{b}) is https to the SDK, so its best-effort host-metadata probe of the plain-http
    # stand-in can only fail; every second of budget there is one more retry's sleep, on both sides. Elsewhere the
    # stand-ins answer at once and the budget is a margin for a loaded machine.
    bare = (case.given or "") + "".join(case.sdk.values())
    budget = 1 if "{a}" in bare or "{b}" in bare else 2

    def ours() -> tuple[str, str, dict[str, str]]:
        auth = DatabricksAuth(given)
        auth.limit_seconds(budget)
        return auth.host, auth.auth_type, auth.headers()

    def sdk() -> tuple[str, str, dict[str, str]]:
        config = Config(**{k: _fill(v, world) for k, v in case.sdk.items()}, retry_timeout_seconds=budget,
                        http_timeout_seconds=budget)
        return config.host, config.auth_type, config.authenticate()

    mine, theirs = _outcome(ours), _outcome(sdk)
    assert (mine if isinstance(mine, str) else mine[:2]) == (theirs if isinstance(theirs, str) else theirs[:2])
    if case.expect is None:
        assert mine == "refused"
        return
    assert not isinstance(mine, str)
    host, _, authorization = mine
    assert _netloc(host) == _netloc(world.a.host if case.expect == "A" else world.b.host)
    issuer = world.issuer(authorization or "")
    assert issuer and _netloc(issuer) == _netloc(host), "a token went to a host it was not issued for"


def _netloc(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/")


def test_sql_values_come_from_the_same_profile_as_the_credentials(in_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world = in_world
    _setup(CASES[0], world, monkeypatch)
    warehouse = DatabricksWarehouse.from_environment()
    assert warehouse.http_path == "/sql/1.0/warehouses/wa"          # DEFAULT's warehouse_id
    monkeypatch.setenv("DATABRICKS_CONFIG_PROFILE", "staging")
    staging = DatabricksWarehouse.from_environment()
    assert (staging.server_hostname, staging.http_path) == (world.b.host.removeprefix("http://"), "/sql/1.0/warehouses/wb")
    assert (staging.catalog, staging.schema) == ("cat_b", "sch_b")
    assert (warehouse.catalog, warehouse.schema) == (None, None)      # DEFAULT names none; staging's are not borrowed
    monkeypatch.setenv("DATABRICKS_HTTP_PATH", "/sql/1.0/warehouses/env")
    assert DatabricksWarehouse.from_environment().http_path == "/sql/1.0/warehouses/env"


def test_connector_oauth_name_is_accepted_as_the_sdk_browser_login() -> None:
    """The connector's ``auth_type=databricks-oauth`` (issue defect 4) is the SDK's ``external-browser`` U2M flow."""
    config = parse_url("databricks://adb-1.2.azuredatabricks.net?auth_type=databricks-oauth&warehouse_id=w")
    assert config.sdk_arguments()["auth_type"] == "external-browser"
    warehouse = DatabricksWarehouse.from_config(config)          # nothing is resolved (or refused) before first use
    assert warehouse.server_hostname == "adb-1.2.azuredatabricks.net"


def test_m2m_token_is_refreshed_and_the_secret_never_shows(in_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world = in_world
    _setup(Case("m2m", None, {"DATABRICKS_HOST": A, **M2M_A, "DATABRICKS_DISABLE_ASYNC_TOKEN_REFRESH": "true"}),
           world, monkeypatch)
    world.a.expires_in = 1                                        # stale at once: every use asks for a new one
    try:
        auth = DatabricksAuth()
        first, second = auth.bearer_token(), auth.bearer_token()
    finally:
        world.a.expires_in = 3600
    assert first != second and {first, second} <= set(world.a.issued)
    assert "sec-A" not in repr(auth)
