"""Injected faults per mailbox: throttling, delay, any EWS error code; random (seeded) or counted."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Injection:
    """What to do to one request: wait, then answer with an error code (or proceed when None)."""

    delay_seconds: float = 0.0
    error: str | None = None
    back_off_ms: int = 500


@dataclass
class _Rule:
    throttle_ratio: float
    back_off_ms: int
    delay_seconds: float
    error: str | None
    rng: random.Random


class Faults:
    """`emu.faults`: thread-safe; rules apply to requests whose target mailbox they name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: dict[str, _Rule] = {}
        self._pending: dict[str, list[tuple[str, int]]] = {}
        self._expired_tokens: int | None = None  # bearer requests to refuse as expired; -1: all

    def set(
        self,
        mailbox: str,
        *,
        throttle_ratio: float = 0.0,
        back_off_ms: int = 500,
        delay_seconds: float = 0.0,
        error: str | None = None,
        seed: int = 0,
    ) -> None:
        """Throttle a share of requests (ErrorServerBusy), delay each, or fail each with `error`."""
        if not 0.0 <= throttle_ratio <= 1.0:
            raise ValueError("throttle_ratio must be between 0 and 1")
        with self._lock:
            self._rules[mailbox.lower()] = _Rule(
                throttle_ratio,
                back_off_ms,
                delay_seconds,
                error,
                random.Random(seed),  # noqa: S311
            )

    def fail_next(
        self, mailbox: str, count: int, error: str = "ErrorServerBusy", back_off_ms: int = 500
    ) -> None:
        """The next `count` requests for the mailbox fail with `error`, then it behaves again."""
        with self._lock:
            self._pending.setdefault(mailbox.lower(), []).extend([(error, back_off_ms)] * count)

    def expire_tokens(self, count: int | None = None) -> None:
        """The next `count` requests with a bearer token (None: every one) get the 401 Exchange
        Online sends for an expired token, `Bearer ... error="invalid_token"`."""
        with self._lock:
            self._expired_tokens = -1 if count is None else count

    def token_expired(self) -> bool:
        with self._lock:
            if not self._expired_tokens:
                return False
            if self._expired_tokens > 0:
                self._expired_tokens -= 1
            return True

    def clear(self, mailbox: str | None = None) -> None:
        with self._lock:
            if mailbox is None:
                self._rules.clear()
                self._pending.clear()
            else:
                self._rules.pop(mailbox.lower(), None)
                self._pending.pop(mailbox.lower(), None)

    def decide(self, mailbox: str | None) -> Injection | None:
        if mailbox is None:
            return None
        key = mailbox.lower()
        with self._lock:
            pending = self._pending.get(key)
            rule = self._rules.get(key)
            delay = rule.delay_seconds if rule else 0.0
            if pending:
                error, back_off_ms = pending.pop(0)
                return Injection(delay, error, back_off_ms)
            if rule is None:
                return None
            if rule.throttle_ratio and rule.rng.random() < rule.throttle_ratio:
                return Injection(delay, "ErrorServerBusy", rule.back_off_ms)
            if rule.error or delay:
                return Injection(delay, rule.error, rule.back_off_ms)
            return None
