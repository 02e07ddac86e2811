"""The HTTP side: POST /EWS/Exchange.asmx, authentication per connection, exact Content-Length.

HTTP/1.1 keep-alive matters twice: NTLM authenticates the connection (MS-NTHT), and exchangelib
takes a `Connection: close` response as a sign of a busy server and retries.
"""

from __future__ import annotations

import time
from typing import ClassVar

from emulators.ews.auth import Authenticator, Caller, Challenge, ConnectionAuth
from emulators.ews.service import Service
from emulators.server import EmulatorHandler

ENDPOINT = "/ews/exchange.asmx"


class EwsHandler(EmulatorHandler):
    server_version = "Microsoft-IIS/10.0"
    service: ClassVar[Service]
    authenticator: ClassVar[Authenticator]
    latency_seconds: ClassVar[float] = 0.0

    def setup(self) -> None:
        super().setup()
        self.connection_auth = ConnectionAuth()

    def do_GET(self) -> None:
        self._reply(405, b"", [("Allow", "POST")], content_type="text/plain")

    def do_POST(self) -> None:
        self.service.stats.count("http_requests")
        body = self._read_body()
        if self.latency_seconds:
            time.sleep(self.latency_seconds)  # a network round trip: this thread waits, the CPU does not
        if self.path.split("?")[0].lower() != ENDPOINT:
            self._reply(404, b"Not Found", content_type="text/plain")
            return
        header = self.headers.get("Authorization") or ""
        if header.lower().startswith("bearer ") and self.service.faults.token_expired():
            outcome: Caller | Challenge = self.authenticator.challenge("invalid_token")
        else:
            outcome = self.authenticator.authenticate(header or None, self.connection_auth)
        if isinstance(outcome, Challenge):
            self.service.stats.count("auth_challenges")
            headers = [("WWW-Authenticate", value) for value in outcome.values]
            self._reply(
                401, b"401 - Unauthorized: Access is denied due to invalid credentials.", headers, "text/html"
            )
            return
        self._serve(outcome, body)

    def _serve(self, caller: Caller, body: bytes) -> None:
        status, payload = self.service.handle(caller, body, self.headers.get("X-AnchorMailbox"))
        self._reply(status, payload)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        """RFC 9112 7.1: size line (hex, optional extensions), data, CRLF; a 0 chunk, trailers."""
        parts: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _reply(
        self,
        status: int,
        payload: bytes,
        headers: list[tuple[str, str]] | None = None,
        content_type: str = "text/xml; charset=utf-8",
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers or []:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
