"""Graph's error shape: `{"error": {"code", "message", "innerError": {"date", "request-id", ...}}}`.

Every failure the emulator returns goes through `GraphError`, so clients see what Microsoft
Graph sends: the HTTP status, Graph's own error code and a one-line message.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime


class GraphError(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.retry_after = retry_after

    def body(self, client_request_id: str | None = None) -> bytes:
        request_id = str(uuid.uuid4())
        inner = {
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "request-id": request_id,
            "client-request-id": client_request_id or request_id,
        }
        error = {"code": self.code, "message": self.message, "innerError": inner}
        return json.dumps({"error": error}).encode()

    def headers(self) -> list[tuple[str, str]]:
        if self.retry_after is None:
            return []
        # RFC 9110 delay-seconds: a whole number.
        return [("Retry-After", str(max(1, round(self.retry_after))))]


def bad_request(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def not_found(message: str = "The specified object was not found in the store.") -> GraphError:
    return GraphError(404, "ErrorItemNotFound", message)


def invalid_user(address: str) -> GraphError:
    return GraphError(404, "ErrorInvalidUser", f"The requested user '{address}' is invalid.")


def access_denied() -> GraphError:
    return GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")


def invalid_token(message: str = "Access token validation failure. Invalid audience.") -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", message)


def sync_state_not_found() -> GraphError:
    return GraphError(
        410,
        "syncStateNotFound",
        "The sync state generation is not found. "
        "The delta token is expired and data must be synchronized again.",
    )


def mailbox_concurrency(retry_after: float) -> GraphError:
    return GraphError(
        429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", retry_after
    )
