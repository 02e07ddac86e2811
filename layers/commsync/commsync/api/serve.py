"""`commsync serve`: the management API on 127.0.0.1, through the same Powertools app as on AWS.

Each HTTP request becomes an API Gateway REST proxy event (resource `/{proxy+}`, stage
`local`) and the app's answer becomes the HTTP response, so routes, validation, errors and
permissions behave exactly as behind API Gateway. The server also serves the signed local
attachment URLs (`/_blobs/...`, api/links.py), which on AWS are presigned S3 URLs.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from commsync.api.links import LOCAL_PREFIX, LocalLinks
from commsync.observability import logger

LOOPBACK = "127.0.0.1"
# API Gateway's own limit on a request payload; larger bodies never reach the function there.
MAX_BODY = 10 * 1024 * 1024


def to_event(
    method: str, target: str, headers: list[tuple[str, str]], body: bytes, client: str
) -> dict[str, Any]:
    parts = urlsplit(target)
    path = unquote(parts.path) or "/"
    multi_query = parse_qs(parts.query, keep_blank_values=True)
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        multi_headers.setdefault(name, []).append(value)
    text: str | None = None
    encoded = False
    if body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode("ascii"), True
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {k: v[-1] for k, v in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": path,
            "stage": "local",
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": client},
            "domainName": multi_headers.get("Host", [LOOPBACK])[-1],
            "apiId": "local",
            "accountId": "local",
            "protocol": "HTTP/1.1",
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


def from_result(result: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(name, str(v)) for v in values if (name, str(v)) not in headers]
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
    return int(result["statusCode"]), headers, body


class _LocalContext(LambdaContext):
    """The few Lambda context attributes anything might read, for a process that is no Lambda."""

    _function_name = "commsync-serve"
    _function_version = "$LATEST"
    _invoked_function_arn = "arn:aws:lambda:local:000000000000:function:commsync-serve"
    _memory_limit_in_mb = 0
    _aws_request_id = "local"


_CONTEXT = _LocalContext()


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, host: str = LOOPBACK) -> None:
        # `--host 0.0.0.0` (issue 23) for a container or a VM; loopback unless asked.
        super().__init__((host, port), _Handler)
        # Set once the port is known (the app's links and OAuth redirect URIs name it).
        self.app: APIGatewayRestResolver | None = None
        self.links: LocalLinks | None = None
        # The resolver keeps the current event on itself: one request at a time through it.
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host = str(self.server_address[0])
        # A wildcard bind is reached through loopback from this machine.
        shown = LOOPBACK if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host  # noqa: S104
        return f"http://{shown}:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: ApiServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if urlsplit(self.path).path.startswith(LOCAL_PREFIX):
            self._blob()
        else:
            self._api()

    def do_POST(self) -> None:
        self._api()

    do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_POST

    def _api(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, [("Content-Type", "application/json")], b'{"error":"too_large"}')
            return
        body = self.rfile.read(length) if length else b""
        event = to_event(self.command, self.path, list(self.headers.items()), body, self.client_address[0])
        app = self.server.app
        try:
            if app is None:
                raise RuntimeError("the server has no app yet")
            with self.server.lock:
                result = app.resolve(event, _CONTEXT)
        except Exception:
            logger.exception("serve: the app failed")
            self._send(500, [("Content-Type", "application/json")], b'{"error":"internal_error"}')
            return
        self._send(*from_result(result))

    def _blob(self) -> None:
        parts = urlsplit(self.path)
        key = unquote(parts.path[len(LOCAL_PREFIX) :])
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        links = self.server.links
        path = links.path(key) if links else None
        if (
            links is None
            or path is None
            or not links.verify(key, query.get("expires", ""), query.get("signature", ""))
        ):
            self._send(403, [("Content-Type", "application/json")], b'{"error":"forbidden"}')
            return
        self._send(200, [("Content-Type", "application/octet-stream")], path.read_bytes())

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        self.send_response(status, phrase)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # The stdlib logs the request line, whose query may hold an OAuth code, state or a
        # signature: log the path only.
        logger.debug("serve", extra={"method": self.command, "path": urlsplit(self.path).path})
