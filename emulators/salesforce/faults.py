"""Injected faults: the next N REST calls fail as Salesforce fails, then it behaves again."""

from __future__ import annotations

import threading
from enum import StrEnum

from emulators.salesforce.errors import ApiError, invalid_session, request_limit


class Fault(StrEnum):
    RATE_LIMIT = "rate_limit"  # 403 REQUEST_LIMIT_EXCEEDED
    SESSION_EXPIRED = "session_expired"  # 401 INVALID_SESSION_ID, and the session is gone
    UNAVAILABLE = "unavailable"  # 503 SERVER_UNAVAILABLE
    # The request hangs for `Faults.stall_seconds` (past a client's read timeout), then 503.
    TIMEOUT = "timeout"
    # Every open query locator is lost; the request itself then runs (nextRecordsUrl answers
    # INVALID_QUERY_LOCATOR, as after the cursor's idle timeout).
    LOCATOR_LOST = "locator_lost"


class Faults:
    """`emu.faults`: thread-safe; applies to REST data calls (query, describe, getDeleted), not OAuth."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []
        self._after = 0
        self._standing: Fault | None = None
        self.stall_seconds = 30.0

    def fail_next(self, fault: Fault, count: int = 1, *, after: int = 0) -> None:
        """The `count` calls that follow the next `after` successful ones fail with `fault`."""
        with self._lock:
            self._after = after
            self._pending.extend([fault] * count)

    def always(self, fault: Fault | None) -> None:
        """Every call fails with `fault` (None: none does) once no counted fault is pending."""
        with self._lock:
            self._standing = fault

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
            self._after = 0
            self._standing = None

    def take(self) -> Fault | None:
        with self._lock:
            if not self._pending:
                return self._standing
            if self._after > 0:
                self._after -= 1
                return None
            return self._pending.pop(0)


def error_for(fault: Fault) -> ApiError:
    if fault is Fault.RATE_LIMIT:
        return request_limit()
    if fault is Fault.SESSION_EXPIRED:
        return invalid_session()
    return ApiError(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later.")
