"""The Outlook service's per-mailbox concurrency limit: at most 4 requests in flight per app and
mailbox; the next one gets 429 "Application is over its MailboxConcurrency limit."
(graph/throttling-limits, Outlook service limits; PROTOCOLS.md section 2)."""

from __future__ import annotations

import threading
from collections import Counter

from emulators.graph.errors import mailbox_concurrency

MAILBOX_CONCURRENCY = 4


class Concurrency:
    def __init__(self, limit: int = MAILBOX_CONCURRENCY, retry_after: float = 1.0) -> None:
        self.limit = limit
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()

    def acquire(self, key: str, count: int = 1) -> None:
        """Take `count` slots for (app, mailbox) `key`, or raise the 429 Graph sends."""
        with self._lock:
            if self._in_flight[key] + count > self.limit:
                raise mailbox_concurrency(self.retry_after)
            self._in_flight[key] += count
            self.peak[key] = max(self.peak[key], self._in_flight[key])

    def release(self, key: str, count: int = 1) -> None:
        with self._lock:
            self._in_flight[key] -= count
            if self._in_flight[key] <= 0:
                del self._in_flight[key]
