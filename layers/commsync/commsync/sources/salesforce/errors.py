"""Salesforce's answers -> the failure classes of docs/architecture.md#failure-classes, each rule once,
with its reason.

REST API "Status Codes and Error Responses": errors are `[{"message": ..., "errorCode": ...}]`.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from commsync.errors import CommsyncError, IntegrationError, MailboxError, TransientError
from commsync.sources.network import unreachable


class SalesforceApiError(Exception):
    """A non-2xx REST answer, before classification: callers handle a few codes themselves
    (INVALID_QUERY_LOCATOR restarts a query, INVALID_REPLICATION_DATE restarts the delete window)."""

    def __init__(self, status: int, code: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after

    @classmethod
    def from_response(cls, response: requests.Response) -> SalesforceApiError:
        code, message = "UNKNOWN", response.reason or f"HTTP {response.status_code}"
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if isinstance(body, list) and body and isinstance(body[0], dict):
            code = str(body[0].get("errorCode", code))
            message = str(body[0].get("message", message))
        retry_after = response.headers.get("Retry-After", "")
        return cls(
            response.status_code, code, message[:500], float(retry_after) if retry_after.isdigit() else None
        )


# The connected app's user may not use the API or read the object: only a person can fix it.
_PERMISSION_CODES = {
    "INSUFFICIENT_ACCESS",
    "API_DISABLED_FOR_ORG",
    "API_CURRENTLY_DISABLED",
    "FUNCTIONALITY_NOT_ENABLED",
}


def classify(exc: SalesforceApiError, object_name: str) -> CommsyncError:
    if exc.code == "REQUEST_LIMIT_EXCEEDED":
        # The org's rolling 24-hour allocation is spent; it frees up by itself, so never disable.
        return TransientError(
            "Salesforce's daily API request limit for the org is used up (REQUEST_LIMIT_EXCEEDED); "
            "syncing resumes when the rolling 24-hour allocation frees up",
            exc.retry_after,
        )
    if exc.status in (429, 500, 502, 503, 504) or exc.code in {"SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"}:
        return TransientError(
            f"Salesforce is busy or unavailable: {exc.code} (HTTP {exc.status})", exc.retry_after
        )
    if exc.status == 401:
        return IntegrationError(
            f"Salesforce refused a fresh session ({exc.code}): check that the connected app and its user "
            "may use the API, then re-enable"
        )
    if exc.code == "INVALID_TYPE" or (exc.status == 404 and exc.code == "NOT_FOUND"):
        return MailboxError(
            f"Salesforce has no object {object_name!r} that this user can read: check the API name "
            f"(custom objects end in __c) and the user's object permissions ({exc.code})"
        )
    if exc.code == "INVALID_FIELD":
        return IntegrationError(f"Salesforce rejected a field of {object_name}: {exc.message}")
    if exc.code in _PERMISSION_CODES:
        return IntegrationError(f"Salesforce refused access ({exc.code}): {exc.message}")
    return IntegrationError(f"Salesforce answered {exc.code} (HTTP {exc.status}): {exc.message}")


@contextmanager
def translated(object_name: str) -> Iterator[None]:
    try:
        yield
    except SalesforceApiError as exc:
        raise classify(exc, object_name) from exc
    except (requests.ConnectionError, requests.Timeout) as exc:
        # DNS, refused, TLS verification or timeout, naming the host (issue 16).
        network = unreachable("Salesforce", exc)
        if network is not None:
            raise network from exc
        if isinstance(exc, requests.exceptions.SSLError):
            raise IntegrationError(
                "TLS with Salesforce failed (check the instance URL and options.ca_bundle): "
                f"{_first_line(exc)}"
            ) from exc
        raise TransientError(f"Salesforce is unreachable: {_first_line(exc)}") from exc
    except ssl.SSLError as exc:
        raise IntegrationError(f"TLS with Salesforce failed: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__
