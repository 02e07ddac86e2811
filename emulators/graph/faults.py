"""Injected faults per mailbox: throttling (429), outages (503), any Graph error, delays.

Rules apply to requests (and $batch sub-requests) whose target mailbox they name; `fail_next`
fails a counted number of requests and then the mailbox behaves again.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from emulators.graph.errors import GraphError

_MESSAGES = {
    401: ("InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."),
    429: ("ApplicationThrottled", "Application is over its IncomingBandwidth limit."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry later."),
    504: ("GatewayTimeout", "The gateway timed out."),
}


@dataclass(frozen=True)
class Injection:
    delay_seconds: float = 0.0
    error: GraphError | None = None


@dataclass
class _Rule:
    throttle_ratio: float
    retry_after: float
    delay_seconds: float
    status: int | None
    rng: random.Random


def fault(status: int, retry_after: float | None = 1.0, code: str | None = None) -> GraphError:
    default_code, message = _MESSAGES.get(status, ("ErrorInternalServerError", "An internal error occurred."))
    wait = retry_after if status in (429, 503, 504) else None
    return GraphError(status, code or default_code, message, wait)


class Faults:
    """`emu.faults`: thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: dict[str, _Rule] = {}
        self._pending: dict[str, list[GraphError]] = {}
        # Some Graph servers name every header in lower case, `retry-after` too (RFC 9110 allows
        # it; microsoft-graph-docs issue 22152): set this to answer $batch sub-requests that way.
        self.lowercase_batch_headers = False

    def set(
        self,
        mailbox: str,
        *,
        throttle_ratio: float = 0.0,
        retry_after: float = 1.0,
        delay_seconds: float = 0.0,
        status: int | None = None,
        seed: int = 0,
    ) -> None:
        """Throttle a share of requests (429 + Retry-After), delay each, or fail each with `status`."""
        if not 0.0 <= throttle_ratio <= 1.0:
            raise ValueError("throttle_ratio must be between 0 and 1")
        with self._lock:
            rng = random.Random(seed)  # noqa: S311 - reproducible test traffic, not security
            self._rules[mailbox.lower()] = _Rule(throttle_ratio, retry_after, delay_seconds, status, rng)

    def fail_next(
        self, mailbox: str, count: int, status: int = 429, retry_after: float = 1.0, code: str | None = None
    ) -> None:
        with self._lock:
            self._pending.setdefault(mailbox.lower(), []).extend([fault(status, retry_after, code)] * count)

    def clear(self, mailbox: str | None = None) -> None:
        with self._lock:
            if mailbox is None:
                self._rules.clear()
                self._pending.clear()
            else:
                self._rules.pop(mailbox.lower(), None)
                self._pending.pop(mailbox.lower(), None)

    def decide(self, mailbox: str) -> Injection | None:
        key = mailbox.lower()
        with self._lock:
            rule, pending = self._rules.get(key), self._pending.get(key)
            delay = rule.delay_seconds if rule else 0.0
            if pending:
                return Injection(delay, pending.pop(0))
            if rule is None:
                return None
            if rule.throttle_ratio and rule.rng.random() < rule.throttle_ratio:
                return Injection(delay, fault(429, rule.retry_after))
            if rule.status is not None:
                return Injection(delay, fault(rule.status, rule.retry_after))
            return Injection(delay) if delay else None
