"""`commsync serve`: the management API on 127.0.0.1, through the same Powertools app as on AWS.

Each HTTP request becomes an API Gateway REST proxy event (resource `/{proxy+}`, stage
`local`) and the app's answer becomes the HTTP response, so routes, validation, errors and
permissions behave exactly as behind API Gateway. The server also serves the signed local
attachment URLs (`/_blobs/...`, api/links.py), which on AWS are presigned S3 URLs.
"""

from __future__ import annotations

import base64
import json
import queue
import time
import uuid
from collections.abc import Callable
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from commsync.api.context import Authenticator
from commsync.api.errors import ApiError, BadRequest, TooLarge
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


def _as_result(error: ApiError) -> dict[str, Any]:
    body = {"error": error.code, "message": error.message}
    return {
        "statusCode": error.status.value,
        "headers": {"Content-Type": "application/json", "Connection": "close"},
        "body": json.dumps(body),
    }


class _LocalContext(LambdaContext):
    """The few Lambda context attributes anything might read, for a process that is no Lambda."""

    _function_name = "commsync-serve"
    _function_version = "$LATEST"
    _invoked_function_arn = "arn:aws:lambda:local:000000000000:function:commsync-serve"
    _memory_limit_in_mb = 0
    _aws_request_id = "local"


_CONTEXT = _LocalContext()


class ApiServer(ThreadingHTTPServer):
    """One thread per request; each borrows an app of its own from a pool (issue 16).

    A Powertools resolver keeps the current event on itself, so two requests must never share
    one; the pool grows to the peak concurrency and keeps its apps for the next requests.
    """

    daemon_threads = True

    def __init__(self, port: int, host: str = LOOPBACK) -> None:
        # `--host 0.0.0.0` (issue 23) for a container or a VM; loopback unless asked.
        super().__init__((host, port), _Handler)
        # Set once the port is known (the app's links and OAuth redirect URIs name it).
        self.app_factory: Callable[[], APIGatewayRestResolver] | None = None
        self.authenticate: Authenticator = _nobody
        self.links: LocalLinks | None = None
        self._apps: queue.SimpleQueue[APIGatewayRestResolver] = queue.SimpleQueue()

    @property
    def url(self) -> str:
        host = str(self.server_address[0])
        # A wildcard bind is reached through loopback from this machine.
        shown = LOOPBACK if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host  # noqa: S104
        return f"http://{shown}:{self.server_address[1]}"

    def resolve(self, event: dict[str, Any]) -> dict[str, Any]:
        try:
            app = self._apps.get_nowait()
        except queue.Empty:
            if self.app_factory is None:
                raise RuntimeError("the server has no app yet") from None
            app = self.app_factory()
        try:
            return app.resolve(event, _CONTEXT)
        finally:
            self._apps.put(app)


def _nobody(_event: dict[str, Any]) -> None:
    return None


def body_length(headers: Message) -> int | ApiError:
    """The declared body length, or the error that refuses the request before its body is read."""
    if headers.get("Transfer-Encoding"):
        return BadRequest("send the body with a Content-Length, not chunked")
    declared = headers.get_all("Content-Length") or []
    if not declared:
        return 0
    if len(set(declared)) != 1 or not declared[0].strip().isdigit():
        return BadRequest("Content-Length must be one non-negative integer")
    length = int(declared[0])
    if length > MAX_BODY:
        return TooLarge(f"the body is larger than {MAX_BODY} bytes")
    return length


class _Handler(BaseHTTPRequestHandler):
    server: ApiServer
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in separate writes: with Nagle's algorithm on, each
    # answer on a kept-alive connection waited for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        if urlsplit(self.path).path.startswith(LOCAL_PREFIX):
            self._blob()
        else:
            self._api()

    def do_POST(self) -> None:
        self._api()

    do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_POST

    def _api(self) -> None:
        length = body_length(self.headers)
        if isinstance(length, ApiError):
            self.close_connection = True  # the body was not read: the connection cannot be reused
            self._send(*from_result(_as_result(length)))
            return
        headers = list(self.headers.items())
        event = to_event(self.command, self.path, headers, b"", self.client_address[0])
        if length and self.server.authenticate(event) is None:
            # Authenticate before reading a body: a caller without a valid token gets the app's
            # answer to the bare request (401, or a public route's), and the body is never read.
            self.close_connection = True
        elif length:
            event = to_event(
                self.command, self.path, headers, self.rfile.read(length), self.client_address[0]
            )
        try:
            result = self.server.resolve(event)
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
        if self.close_connection:
            self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # What the stdlib refuses itself (a request line too long, a malformed one) gets our
        # error body too, not its HTML page (issue 16).
        self.close_connection = True
        error = {
            "error": HTTPStatus(code).phrase.lower().replace(" ", "_"),
            "message": message or explain or "",
        }
        self._send(code, [("Content-Type", "application/json")], json.dumps(error).encode())

    def log_message(self, format: str, *args: Any) -> None:
        # The stdlib logs the request line, whose query may hold an OAuth code, state or a
        # signature: log the path only. A refused request line may have left neither set.
        path = urlsplit(getattr(self, "path", "") or "").path
        logger.debug("serve", extra={"method": getattr(self, "command", None), "path": path})
