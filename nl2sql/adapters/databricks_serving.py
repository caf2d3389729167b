"""The LLM on Databricks Model Serving, authenticated with the workspace's own (refreshed) credentials.

Model Serving speaks the OpenAI chat API at ``https://<host>/serving-endpoints``. A service principal's
OAuth token expires within the hour, so a static ``OPENAI_API_KEY`` does not do: each request gets fresh
headers from databricks-sdk (``DatabricksAuth.headers``) through an ``httpx.Auth`` hook on the openai
client's own HTTP client. (The SDK's ``serving_endpoints.get_open_ai_client()`` does the same but is
deprecated in favour of the separate ``databricks-openai`` package; this keeps our retries and error
mapping from ``OpenAiLlm``.) The credentials go only to the host they were issued for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from collections.abc import Generator
from urllib.parse import urlsplit

import openai

# The HTTP library the installed openai client is built on (httpx, renamed httpx2 in newer releases). Types
# come from httpx2, which the openai that pyproject.toml resolves to installs; httpx is only a run-time fallback.
if TYPE_CHECKING:
    import httpx2 as httpx
else:
    try:
        import httpx2 as httpx
    except ImportError:  # pragma: no cover - older openai
        import httpx

from nl2sql.adapters.databricks_config import DatabricksAuth
from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.errors import ConfigError

if TYPE_CHECKING:
    from nl2sql.settings import Settings


class _SdkAuth(httpx.Auth):
    """Sets the Authorization header of every request from the SDK (which refreshes expiring tokens)."""

    def __init__(self, auth: DatabricksAuth) -> None:
        self._auth = auth

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, Any, None]:
        request.headers.update(self._auth.headers())
        yield request


def serving_llm(auth: DatabricksAuth, *, base_url: str | None, model: str, timeout_s: float = 60.0,
                max_retries: int = 2, temperature: float = 0.0) -> OpenAiLlm:
    """An ``OpenAiLlm`` whose key is the workspace's current token; ``base_url`` must be on the same host."""
    url = (base_url or f"{auth.host}/serving-endpoints").rstrip("/")
    if _origin(url) != _origin(auth.host):
        raise ConfigError(f"OPENAI_BASE_URL ({_origin(url)}) is not the Databricks workspace the credentials are for "
                          f"({_origin(auth.host)}); they are never sent to another host.",
                          hint="Unset OPENAI_BASE_URL (Model Serving of DATABRICKS_HOST is used) or set "
                               "OPENAI_API_KEY for that endpoint and NL2SQL_LLM_DATABRICKS_AUTH=false.")
    llm = OpenAiLlm(base_url=url, api_key="databricks-sdk", model=model, timeout_s=timeout_s,
                    max_retries=max_retries, temperature=temperature)
    # The placeholder key is replaced on every request by the hook.
    llm._client = openai.OpenAI(base_url=url, api_key="databricks-sdk", timeout=timeout_s, max_retries=0,
                                http_client=httpx.Client(auth=_SdkAuth(auth), timeout=timeout_s))
    return llm


def serving_llm_from_settings(settings: "Settings", auth: DatabricksAuth) -> OpenAiLlm:
    return serving_llm(auth, base_url=settings.llm_base_url, model=settings.llm_model, timeout_s=settings.llm_timeout_s,
                       max_retries=settings.llm_max_retries, temperature=settings.llm_temperature)


def _origin(url: str) -> str:
    """Scheme-less host[:port] of a URL or bare host.

    >>> _origin("https://adb-1.2.azuredatabricks.net/serving-endpoints"), _origin("adb-1.2.azuredatabricks.net")
    ('adb-1.2.azuredatabricks.net', 'adb-1.2.azuredatabricks.net')
    """
    parts = urlsplit(url if "://" in url else "https://" + url)
    return (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
