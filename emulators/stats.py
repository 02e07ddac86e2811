"""Request counters, read by tests and benchmarks (`emu.stats.snapshot()`)."""

from __future__ import annotations

import threading
from collections import Counter


class Stats:
    """Thread-safe counters by key. Each emulator documents its keys (EWS: `http_requests`,
    `auth_challenges`, `faults`, `op:<Operation>`, `mailbox:<address>`; Salesforce: `api_calls`
    counted against the limit, `op:<name>`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def count(self, *keys: str) -> None:
        with self._lock:
            self._counts.update(keys)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def __getitem__(self, key: str) -> int:
        with self._lock:
            return self._counts[key]
