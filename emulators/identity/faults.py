"""Injected faults at the token endpoint: throttling, outages and timeouts, as Entra answers them
(`temporarily_unavailable` with Retry-After; a gateway timeout). Counted or standing; thread-safe.
"""

from __future__ import annotations

import threading
import time

from emulators.identity.errors import AadError

# --fault KIND (fault_options.py) -> what the token endpoint answers.
FAULT_KINDS = {
    "throttle": "429 temporarily_unavailable (AADSTS50196) with Retry-After `seconds` (default 1)",
    "unavailable": "503 temporarily_unavailable (AADSTS90033) with Retry-After",
    "timeout": "the token request hangs `seconds` (default 30), then 504",
    "token_expiry": "access tokens live `seconds` (default 5) instead of the configured lifetime",
}


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[tuple[str, float]] = []
        self._standing: tuple[str, float] | None = None

    def fail_next(self, kind: str, count: int = 1, seconds: float = 1.0) -> None:
        with self._lock:
            self._pending.extend([(kind, seconds)] * count)

    def always(self, kind: str | None, seconds: float = 1.0) -> None:
        with self._lock:
            self._standing = (kind, seconds) if kind else None

    def take(self) -> tuple[AadError, float] | None:
        """The error for this token request and its Retry-After, after any hang; None: proceed."""
        with self._lock:
            found = self._pending.pop(0) if self._pending else self._standing
        if found is None:
            return None
        kind, seconds = found
        if kind == "timeout":
            time.sleep(seconds)
            return AadError("temporarily_unavailable", 90033, "The gateway timed out.", 504), 0.0
        if kind == "throttle":
            message = "The request was throttled: too many requests for this client. Retry later."
            return AadError("temporarily_unavailable", 50196, message, 429), seconds
        message = "A transient error has occurred. Please try again."
        return AadError("temporarily_unavailable", 90033, message, 503), seconds
