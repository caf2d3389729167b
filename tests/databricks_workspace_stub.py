"""A local stand-in for a Databricks workspace's auth endpoints, so OAuth is tested without a network.

Serves what databricks-sdk asks a workspace while resolving credentials: ``/.well-known/databricks-config``
(host metadata naming the OIDC root), the OIDC discovery document and ``/oidc/v1/token`` (client credentials,
checked against the one service principal this workspace knows). Tokens it issues name the workspace
(``m2m-<name>-<n>``), so a test can tell which host a token belongs to; ``expires_in`` is settable so a
test can watch the SDK refresh. Every request is recorded with its Authorization header.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class WorkspaceStub:
    name: str
    client_id: str
    client_secret: str
    expires_in: int = 3600
    serving_upstream: str | None = None       # forward /serving-endpoints/* here (an OpenAI-compatible stub)
    issued: list[str] = field(default_factory=list)
    requests: list[tuple[str, str, str]] = field(default_factory=list)     # (method, path, authorization)
    _server: ThreadingHTTPServer | None = None

    @property
    def host(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> "WorkspaceStub":
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: dict[str, object] | None = None) -> None:
                data = json.dumps(body or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                stub.requests.append(("GET", self.path, self.headers.get("Authorization", "")))
                if self.path == "/.well-known/databricks-config":      # what a workspace host answers
                    self._reply(200, {"oidc_endpoint": f"{stub.host}/oidc", "workspace_id": str(len(stub.name) * 1001)})
                elif self.path.startswith("/oidc/.well-known/oauth-authorization-server"):
                    self._reply(200, {"authorization_endpoint": f"{stub.host}/oidc/v1/authorize",
                                      "token_endpoint": f"{stub.host}/oidc/v1/token"})
                else:
                    self._reply(404, {"error_code": "NOT_FOUND"})

            def do_POST(self) -> None:
                auth = self.headers.get("Authorization", "")
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                stub.requests.append(("POST", self.path, auth))
                if self.path.startswith("/serving-endpoints/") and stub.serving_upstream:
                    self._forward(body.encode(), auth)
                    return
                if self.path != "/oidc/v1/token":
                    self._reply(404)
                    return
                form = {k: v[-1] for k, v in parse_qs(body).items()}
                if auth.startswith("Basic "):
                    cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                else:
                    cid, secret = form.get("client_id", ""), form.get("client_secret", "")
                if (cid, secret) != (stub.client_id, stub.client_secret):
                    self._reply(401, {"error": "invalid_client"})
                    return
                token = f"m2m-{stub.name}-{len(stub.issued) + 1}"
                stub.issued.append(token)
                self._reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": stub.expires_in})

            def _forward(self, body: bytes, auth: str) -> None:
                import urllib.request

                assert stub.serving_upstream is not None
                url = stub.serving_upstream.rstrip("/") + self.path.removeprefix("/serving-endpoints")
                request = urllib.request.Request(url, data=body, method="POST", headers={
                    "Authorization": auth, "Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=30) as response:
                    data = response.read()
                self.send_response(response.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
