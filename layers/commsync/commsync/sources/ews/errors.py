"""exchangelib's errors -> the failure classes of docs/architecture.md#failure-classes, each rule once,
with its reason."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from exchangelib import errors as ews

from commsync.errors import CommsyncError, IntegrationError, MailboxError, TransientError
from commsync.sources.network import unreachable

# The mailbox is missing or this account may not open it: only that mailbox is affected.
_MAILBOX = {
    ews.ErrorNonExistentMailbox: "the mailbox does not exist on the server (deleted, renamed or mistyped)",
    ews.ErrorImpersonateUserDenied: (
        "the service account may not impersonate this mailbox: grant it the ApplicationImpersonation role "
        "(or an app-only EWS permission), then re-enable"
    ),
    ews.ErrorAccessDenied: (
        "the service account has no access to this mailbox: grant it Full Access (delegate) or "
        "ApplicationImpersonation, then re-enable"
    ),
    ews.ErrorMailboxStoreUnavailable: "the mailbox database is not available",
    ews.ErrorFolderNotFound: "a folder of the mailbox cannot be found",
}
# Worth retrying on the next poll: the server is busy, moving or briefly down.
_TRANSIENT = (
    ews.ErrorServerBusy,
    ews.RateLimitError,
    ews.ErrorTimeoutExpired,
    ews.ErrorInternalServerTransientError,
    ews.ErrorInternalServerError,
    ews.ErrorTooManyObjectsOpened,
    ews.ErrorExceededConnectionCount,
    ews.ErrorMailboxMoveInProgress,
    ews.ErrorConnectionFailed,
    ews.CASError,
    requests.ConnectionError,
    requests.Timeout,
)


def classify(exc: BaseException, endpoint: str | None = None) -> CommsyncError:
    if isinstance(exc, CommsyncError):
        return exc
    # exchangelib re-raises DNS, refused and timeout as ErrorTimeoutExpired: name the host and
    # the cause underneath (issue 16), not the wrapper's type.
    network = unreachable("the Exchange server", exc, endpoint)
    if network is not None:
        return network
    if isinstance(exc, ews.UnauthorizedError):
        return IntegrationError(
            "the Exchange server refused the credentials: check the service account's user name and "
            "password (or the app's secret), then re-enable"
        )
    for cls, words in _MAILBOX.items():
        if isinstance(exc, cls):
            return MailboxError(f"{words} ({type(exc).__name__})")
    if isinstance(exc, _TRANSIENT):
        back_off = getattr(exc, "back_off", None) or getattr(exc, "wait", None)
        return TransientError(f"the Exchange server is busy or unreachable: {type(exc).__name__}", back_off)
    if isinstance(exc, ssl.SSLError | requests.exceptions.SSLError) or _mentions_tls(exc):
        return IntegrationError(
            f"TLS with the Exchange server failed (check the endpoint, options.ca_bundle and "
            f"options.ciphers): {_first_line(exc)}"
        )
    if isinstance(exc, ews.RedirectError | ews.MalformedResponseError | ews.TransportError):
        # Wrong endpoint URL, a proxy page instead of EWS, or TLS trouble: the integration's setup.
        return IntegrationError(f"the endpoint does not answer as Exchange Web Services: {_first_line(exc)}")
    if isinstance(exc, ews.EWSError):
        return TransientError(f"Exchange returned {type(exc).__name__}: {_first_line(exc)}")
    raise exc


def _mentions_tls(exc: BaseException) -> bool:
    # exchangelib re-raises TLS failures as a plain TransportError carrying the SSL message.
    text = str(exc)
    return "SSL" in text or "CERTIFICATE" in text.upper()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


@contextmanager
def translated(endpoint: str | None = None) -> Iterator[None]:
    try:
        yield
    except (ews.EWSError, requests.RequestException, ssl.SSLError) as exc:
        raise classify(exc, endpoint) from exc
