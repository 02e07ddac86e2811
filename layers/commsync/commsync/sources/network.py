"""Why a server could not be reached, in plain words and naming the host (issue 16, item 6).

Client libraries wrap the socket error several times (requests -> urllib3 -> socket, and
exchangelib re-raises all of them as ErrorTimeoutExpired), and keeping only the outer type's
name told the user "ErrorTimeoutExpired" for a mistyped host name. This walks the chain down to
the cause: DNS, refused, TLS verification, or a timeout.

An `unreachable` error is transient for the poll that meets it; services/failures.py escalates
it to an integration failure when it persists and the endpoint never answered (a mistyped
endpoint), while an endpoint that answered before stays transient (an outage).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit

import requests
from urllib3 import exceptions as urllib3_errors

from commsync.errors import CommsyncError, IntegrationError, TransientError

# How an unreachable failure's message begins: services/failures.py keys its escalation on it.
UNREACHABLE = "unreachable: "

_FIXES = {
    "DNS": "the host name does not resolve; check the endpoint's host name",
    "refused": "the host refuses connections on that port; check the endpoint's host and port",
    "timeout": "no answer in time; check the endpoint, a firewall or proxy in between",
}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what caused it, and what it wraps (urllib3 keeps it in `reason`)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        wrapped += [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
        todo += [w for w in wrapped if isinstance(w, BaseException)]


def cause_of(exc: BaseException) -> str | None:
    """ "DNS", "refused", "TLS verify: <reason>" or "timeout", or None when it is none of them."""
    found: str | None = None
    for error in _chain(exc):
        if isinstance(error, socket.gaierror | urllib3_errors.NameResolutionError):
            return "DNS"
        if isinstance(error, ssl.SSLCertVerificationError):
            return f"TLS verify: {error.verify_message or error.reason or 'certificate not trusted'}"
        if isinstance(error, ConnectionRefusedError):
            return "refused"
        is_timeout = isinstance(
            error, TimeoutError | socket.timeout | requests.Timeout | urllib3_errors.TimeoutError
        )
        if is_timeout or "timed out" in str(error):
            found = found or "timeout"  # keep looking: a DNS failure may hide behind a timeout
    return found


def host_of(exc: BaseException, fallback: str | None = None) -> str:
    for error in _chain(exc):
        request = getattr(error, "request", None)
        url = getattr(request, "url", None)
        if isinstance(url, str) and urlsplit(url).hostname:
            return str(urlsplit(url).hostname)
        host = getattr(getattr(error, "conn", None), "host", None) or getattr(
            getattr(error, "pool", None), "host", None
        )
        if isinstance(host, str) and host:
            return host
    return (urlsplit(fallback).hostname or fallback) if fallback else "the server"


def unreachable(service: str, exc: BaseException, endpoint: str | None = None) -> CommsyncError | None:
    """The error to raise for a network failure, or None when `exc` is not one.

    TLS verification is the integration's setup (a CA bundle, a wrong host) and fails at once;
    the others are `unreachable` and transient for now.
    """
    cause = cause_of(exc)
    if cause is None:
        return None
    host = host_of(exc, endpoint)
    if cause.startswith("TLS verify"):
        return IntegrationError(
            f"cannot reach {service} at {host}: {cause}; check the endpoint and options.ca_bundle, "
            "then re-enable"
        )
    return TransientError(f"{UNREACHABLE}{service} at {host}: {cause}: {_FIXES[cause]}")
