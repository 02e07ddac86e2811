"""Graph's answers -> the failure classes of docs/architecture.md#failure-classes, each rule once, with its
reason.

Graph errors are `{"error": {"code", "message", "innerError"}}`; the HTTP status says most,
the code says the rest (graph/errors).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import requests

from commsync.errors import CommsyncError, IntegrationError, MailboxError, TransientError

READ_PERMISSIONS = {"Mail.Read", "Mail.ReadWrite"}
# 404 codes that mean the mailbox itself is missing or cannot be reached over REST.
_MISSING_MAILBOX = {"ErrorInvalidUser", "ResourceNotFound", "MailboxNotEnabledForRESTAPI", "UserNotFound"}


class GraphGone(Exception):
    """410: the delta or skip token is expired or unknown; the folder must be synced again."""


class GraphNotFound(Exception):
    """404 for an object inside the mailbox (a folder or message deleted meanwhile)."""


def error_of(response: requests.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error", {})
        return str(error.get("code", "")), str(error.get("message", "")).splitlines()[0][:300]
    except (ValueError, AttributeError, IndexError):
        return "", ""


def classify(response: requests.Response, access_token: str | None) -> Exception:
    """The exception for a failed response; GraphGone and GraphNotFound are the caller's to handle."""
    code, message = error_of(response)
    return classify_status(response.status_code, code, message, retry_after(response), access_token)


def classify_answer(status: int, body: Any, access_token: str | None) -> Exception:
    """The same for one answer inside a $batch response."""
    error = body.get("error", {}) if isinstance(body, dict) else {}
    code, message = str(error.get("code", "")), str(error.get("message", ""))[:300]
    return classify_status(status, code, message, None, access_token)


def classify_status(
    status: int, code: str, message: str, wait: float | None, access_token: str | None
) -> Exception:
    said = f"HTTP {status} {code}: {message}".strip()
    if status == 410:
        return GraphGone(said)
    if status == 401:
        return IntegrationError(
            f"Microsoft Graph refused the access token ({said}); check the app registration, "
            "its secret or certificate, or reconnect the account, then re-enable"
        )
    if status == 403:
        return _forbidden(said, access_token)
    if status == 404:
        if code in _MISSING_MAILBOX:
            return MailboxError(f"the mailbox does not exist or has no Exchange Online licence ({said})")
        return GraphNotFound(said)
    if status in (429, 503, 504) or status >= 500:
        return TransientError(f"Microsoft Graph is busy or unavailable ({said})", wait)
    return IntegrationError(f"Microsoft Graph rejected a request ({said}); check the integration's endpoint")


def _forbidden(said: str, access_token: str | None) -> CommsyncError:
    claims = unverified_claims(access_token)
    granted = set(claims.get("roles", [])) | set(str(claims.get("scp", "")).split())
    if claims and not granted & READ_PERMISSIONS:
        # Every mailbox would fail the same way: the app (or the user's consent) lacks Mail.Read.
        delegated = "scp" in claims
        kind = (
            "delegated scope Mail.Read" if delegated else "application permission Mail.Read (admin consent)"
        )
        return IntegrationError(f"the token carries no {kind}; grant it, then re-enable ({said})")
    return MailboxError(
        "access to this mailbox is denied (an application access policy, or a delegated user "
        f"reading a mailbox that is not theirs); grant access, then re-enable ({said})"
    )


def unverified_claims(access_token: str | None) -> dict[str, Any]:
    """The token's claims, read (not verified: the server did that) to explain a 403."""
    try:
        payload = (access_token or "").split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def retry_after(response: requests.Response | None, headers: dict[str, str] | None = None) -> float | None:
    value = (headers or {}).get("Retry-After") if response is None else response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
