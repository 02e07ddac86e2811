"""The one Logger, Metrics and Tracer, and a log filter that keeps secrets out of every record.

Powertools' Tracer imports the X-Ray SDK, which builds two botocore clients at import (about
0.1 s of every cold start, measured by `make bench`), even when tracing is disabled. So the
real Tracer exists only where something is traced: in Lambda with tracing on. Elsewhere (local
mode, tests, PassThrough deployments) an untraced stand-in leaves functions as they are.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics

from commsync.settings import tracing_enabled

SERVICE = "commsync"
_F = TypeVar("_F", bound=Callable[..., Any])


class Tracing(Protocol):
    def capture_lambda_handler(self, function: _F) -> _F: ...
    def capture_method(self, function: _F) -> _F: ...


class Untraced:
    """The two Tracer decorators the handlers use, doing nothing."""

    def capture_lambda_handler(self, function: _F) -> _F:
        return function

    def capture_method(self, function: _F) -> _F:
        return function


def _tracer() -> Tracing:
    if not tracing_enabled():
        return Untraced()
    from aws_lambda_powertools import Tracer

    return cast(Tracing, Tracer(service=SERVICE))


logger = Logger(service=SERVICE)
metrics = Metrics(namespace=SERVICE, service=SERVICE)
tracer = _tracer()

_PATTERNS = [
    # Authorization headers and bearer tokens, as HTTP and OAuth libraries log them at DEBUG.
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(bearer|basic|ntlm|negotiate)?\s*[^\s\"',}]+"),
    re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"),
    # key=value and "key": "value" pairs whose key names a secret.
    re.compile(
        r"(?i)([\"']?(?:password|passwd|secret|client_secret|refresh_token|access_token|token|api_key)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
    ),
]
REDACTED = "***"


def redact(text: str, known: frozenset[str] = frozenset()) -> str:
    for secret in known:
        if secret:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED if m.lastindex else REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Masks secrets in every record of the commsync logger, whoever formats it."""

    def __init__(self) -> None:
        super().__init__()
        self._known: set[str] = set()

    def remember(self, secret: str) -> None:
        """Values read from the secrets port are masked wherever they would appear."""
        if len(secret) >= 4:
            self._known.add(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        known = frozenset(self._known)
        message = record.getMessage()
        cleaned = redact(message, known)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        # `extra=` values become record attributes and reach the JSON output too.
        for name, value in list(record.__dict__.items()):
            if name not in _STANDARD_ATTRIBUTES:
                record.__dict__[name] = _redact_value(value, known)
        return True


_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


def _redact_value(value: object, known: frozenset[str]) -> object:
    if isinstance(value, str):
        return redact(value, known)
    if isinstance(value, dict):
        return {k: _redact_value(v, known) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v, known) for v in value]
    return value


redacting_filter = RedactingFilter()
logger.addFilter(redacting_filter)
for _handler in logger.handlers:
    _handler.addFilter(redacting_filter)


def _install_record_redaction() -> None:
    """Mask secrets in the records of every logger, ours and the libraries' (exchangelib logs whole
    requests at DEBUG, OAuth libraries log token bodies), whatever handler later formats them.

    A record factory is the one hook that sees each record before any handler: a filter on our
    logger would miss records that third-party loggers send to the root logger's handlers.
    """
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        # A malformed message (bad %-args) must not break the caller's logging call.
        with contextlib.suppress(Exception):
            redacting_filter.filter(record)
        return record

    logging.setLogRecordFactory(factory)


_install_record_redaction()
