"""Whether the local sync loop is running, for `commsync serve`'s /health (issue 16).

The loop survives every failing tick (another process holding the store lock, a bug in one
poll) and tries again at the next; until a tick succeeds again, or when the thread is gone,
/health says `degraded` with the reason instead of a silent `ok`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class LoopHealth:
    # False for `serve --no-sync`: no loop was asked for, so its absence is no problem.
    expected: bool = False
    thread: threading.Thread | None = None
    _error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def tick_failed(self, reason: str) -> None:
        with self._lock:
            self._error = reason

    def tick_succeeded(self) -> None:
        with self._lock:
            self._error = None

    def problem(self) -> str | None:
        """None when all is well, else the reason in plain words."""
        if not self.expected:
            return None
        if self.thread is None or not self.thread.is_alive():
            return "the sync loop is not running; restart commsync serve"
        with self._lock:
            error = self._error
        return f"the last sync tick failed and is retried every tick: {error}" if error else None
