"""The HTTP server every emulator runs on: threaded, HTTP/1.1 keep-alive, loopback only.

Keep-alive matters: NTLM authenticates a TCP connection, not a request (MS-NTHT), so an
emulator that closed connections would make exchangelib re-handshake on every call.
"""

from __future__ import annotations

import signal
import ssl
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from urllib.parse import parse_qsl

from emulators.tls import TlsFiles

LOOPBACK = "127.0.0.1"
# A form body larger than this is refused (413) before it is read.
MAX_FORM_BYTES = 1 << 20


@dataclass(frozen=True)
class HttpResponse:
    """What an endpoint hands back to the HTTP handler: status, headers, body."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def with_header(self, name: str, value: str) -> HttpResponse:
        return HttpResponse(self.status, self.body, [*self.headers, (name, value)])


class EmulatorHandler(BaseHTTPRequestHandler):
    """What every emulator's handler shares: keep-alive, no Nagle stall, no request logging."""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes; with Nagle on, each response then waits ~40 ms for
    # the client's delayed ACK (measured by `make bench`: an idle poll took 1 s instead of 64 ms).
    disable_nagle_algorithm = True
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        """Silent: request lines are noise in tests, and queries and headers carry codes and tokens."""

    def read_form(self, too_large: HttpResponse) -> dict[str, str] | None:
        """The urlencoded body; None after answering `too_large` when it exceeds MAX_FORM_BYTES."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_FORM_BYTES:
            self.send(too_large)
            return None
        raw = self.rfile.read(length).decode("utf-8", "replace")
        return dict(parse_qsl(raw, keep_blank_values=True))

    def send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    @property
    def base_url(self) -> str:
        server = self.server
        assert isinstance(server, EmulatorServer)
        return server.url


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, handler: type[BaseHTTPRequestHandler], tls: TlsFiles | None = None) -> None:
        super().__init__((LOOPBACK, port), handler)
        self.tls = tls
        if tls is not None:
            # The handshake runs on the handler's thread at first read, never in the accept loop.
            self.socket = tls.server_context().wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that drops a connection or aborts a TLS handshake is normal traffic, not a fault.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | ssl.SSLError | TimeoutError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{LOOPBACK}:{self.server_address[1]}"


def serve_until_terminated(server: EmulatorServer) -> None:
    """The console script's loop: announce the address (INTERFACES.md), stop cleanly on SIGTERM."""

    def _stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return, so it must run off the main thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    print(f"listening on {server.url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.stdout.flush()


@contextmanager
def running(server: EmulatorServer) -> Iterator[EmulatorServer]:
    """Run a server on a background thread for the duration of a block (tests, demo, bench)."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
