"""The HTTP side: `/v1.0/...` GETs and `POST /v1.0/$batch`, bearer tokens checked on each request.

"Validate tokens": the token must be signed by the identity platform, unexpired, and issued for
the resource `https://graph.microsoft.com`; app-only tokens carry `roles`, delegated ones `scp`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from emulators.graph.api import GraphApi
from emulators.graph.batch import run_batch
from emulators.graph.errors import GraphError, bad_request, invalid_token
from emulators.graph.exchange import Caller, Reply, Request
from emulators.server import EmulatorHandler

AUDIENCE = "https://graph.microsoft.com"
Verifier = Callable[[str, str], dict[str, Any] | None]
_CHALLENGE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'client_id="00000003-0000-0000-c000-000000000000"'
)


def caller_from(claims: dict[str, Any]) -> Caller:
    app_id = str(claims.get("appid") or claims.get("azp") or "")
    if "scp" in claims:
        user = str(claims.get("upn") or claims.get("preferred_username") or "").lower()
        return Caller(app_id, frozenset(str(claims["scp"]).split()), user)
    return Caller(app_id, frozenset(str(r) for r in claims.get("roles", [])))


class GraphHandler(EmulatorHandler):
    server_version = "Microsoft-IIS/10.0"
    api: ClassVar[GraphApi]
    verify: ClassVar[staticmethod[[str, str], dict[str, Any] | None]]
    base: ClassVar[str]

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        self.api.stats.count("http_requests")
        body = self._read_body()
        parts = urlsplit(self.path)
        try:
            if not parts.path.startswith("/v1.0/"):
                raise bad_request("Invalid version.")
            request = Request(
                method=method,
                path=unquote(parts.path[len("/v1.0") :]),
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                headers={k.lower(): v for k, v in self.headers.items()},
                caller=self._caller(),
                base_url=f"{self.base}/v1.0",
            )
        except GraphError as error:
            self.api.stats.count(f"status:{error.status}")
            extra = [("WWW-Authenticate", _CHALLENGE)] if error.status == 401 else []
            self._reply(Reply(error.status, error.body(), "application/json", error.headers() + extra))
            return
        if request.path.lower() == "/$batch":
            reply = run_batch(self.api, request, body) if method == "POST" else _not_allowed()
        else:
            reply = self.api.handle(request)
        self._reply(reply)

    def _caller(self) -> Caller:
        header = self.headers.get("Authorization") or ""
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            raise invalid_token("Access token is empty.")
        claims = self.verify(header[7:].strip(), AUDIENCE)
        if claims is None:
            self.api.stats.count("auth_failures")
            raise invalid_token("Access token has expired or is not valid for this resource.")
        return caller_from(claims)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _reply(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("request-id", "00000000-0000-0000-0000-000000000000")
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


def _not_allowed() -> Reply:
    return Reply.error(GraphError(405, "ErrorInvalidRequest", "The OData request is not supported."))
