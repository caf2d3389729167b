"""The LLM on Model Serving with the workspace's OAuth credentials: a fresh token per request, never another host.

The workspace is a local stand-in (OIDC + client-credentials tokens that expire at once, so the SDK
refreshes them) that forwards ``/serving-endpoints/*`` to the local OpenAI-compatible stub, which records
the Authorization header of each chat request.
"""

from __future__ import annotations

import os

import pytest

pytest.importorskip("databricks.sdk")

from nl2sql.adapters.databricks_config import DatabricksAuth
from nl2sql.adapters.databricks_serving import serving_llm
from nl2sql.errors import ConfigError
from nl2sql.ports import Message
from tests.databricks_workspace_stub import WorkspaceStub
from tests.llm_stub import StubLlmServer


@pytest.fixture
def m2m_env(monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike[str]) -> None:
    for name in list(os.environ):
        if name.startswith(("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))


def test_model_serving_gets_a_refreshed_token_each_request(m2m_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with StubLlmServer(responder=lambda body: "```sql\nSELECT 1\n```") as llm, \
            WorkspaceStub("A", "cid-A", "sec-A", expires_in=1, serving_upstream=llm.url) as workspace:
        monkeypatch.setenv("DATABRICKS_HOST", workspace.host)
        monkeypatch.setenv("DATABRICKS_CLIENT_ID", "cid-A")
        monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", "sec-A")
        monkeypatch.setenv("DATABRICKS_DISABLE_ASYNC_TOKEN_REFRESH", "true")
        client = serving_llm(DatabricksAuth(), base_url=None, model="databricks-llama", max_retries=0)
        for _ in range(3):
            assert "SELECT 1" in client.complete([Message("user", "how many?")]).text
        seen = [r.headers.get("authorization", "") for r in llm.requests]
        assert len(seen) == 3 and len(set(seen)) == 3                   # a new token each time (they expire at once)
        assert all(h.removeprefix("Bearer ") in workspace.issued for h in seen)
        assert "sec-A" not in repr(client)


def test_credentials_are_not_sent_to_another_host(m2m_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with StubLlmServer() as llm, WorkspaceStub("A", "cid-A", "sec-A") as workspace:
        monkeypatch.setenv("DATABRICKS_HOST", workspace.host)
        monkeypatch.setenv("DATABRICKS_CLIENT_ID", "cid-A")
        monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", "sec-A")
        with pytest.raises(ConfigError, match="never sent to another host"):
            serving_llm(DatabricksAuth(), base_url=llm.url, model="m")
        assert llm.requests == [] and workspace.issued == []


def test_wiring_builds_the_serving_llm_from_settings(m2m_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from nl2sql.settings import Settings
    from nl2sql.wiring import build_llm

    with StubLlmServer(responder=lambda body: "```sql\nSELECT 2\n```") as llm, \
            WorkspaceStub("A", "cid-A", "sec-A", serving_upstream=llm.url) as workspace:
        monkeypatch.setenv("DATABRICKS_HOST", workspace.host)
        monkeypatch.setenv("DATABRICKS_CLIENT_ID", "cid-A")
        monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", "sec-A")
        client = build_llm(Settings.from_env({"NL2SQL_LLM_DATABRICKS_AUTH": "true", "NL2SQL_LLM_MODEL": "ep"}))
        assert client is not None and "SELECT 2" in client.complete([Message("user", "q")]).text
        assert llm.requests[0].headers["authorization"] == f"Bearer {workspace.issued[-1]}"
        assert llm.requests[0].body["model"] == "ep"
