"""exchangelib's retry policy, bounded by the invocation's time (docs/architecture.md#sources and
#failure-classes).

exchangelib's FaultTolerance treats HTTP 401 as "server busy" and may wait an hour in total;
FailFast gives up on the first ErrorServerBusy. We want the middle: honour the server's
BackOffMilliseconds (or Retry-After) while the wait still fits in the time left, never
retry bad credentials, and hand any longer wait to the next poll as a TransientError.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests
from exchangelib.errors import RateLimitError, UnauthorizedError
from exchangelib.protocol import FaultTolerance

# When the server names no back-off, start here and double (exchangelib does the doubling).
FALLBACK_BACKOFF_SECONDS = 2.0


class Deadline(FaultTolerance):  # type: ignore[misc]
    def __init__(self, seconds_left: Callable[[], float]) -> None:
        super().__init__(max_wait=0)
        self._seconds_left = seconds_left

    @property
    def max_wait(self) -> float:
        return max(0.0, self._seconds_left())

    @max_wait.setter
    def max_wait(self, value: float) -> None:
        # FaultTolerance.__init__ assigns it; the real bound is computed from the clock.
        return None

    def seconds_left(self) -> float:
        return self._seconds_left()

    def back_off(self, seconds: float | None) -> None:
        wait = FALLBACK_BACKOFF_SECONDS if seconds is None else float(seconds)
        if wait > self.max_wait:
            # Longer than the invocation has left: give the wait to the next poll instead.
            raise RateLimitError("server asked to back off longer than the time left", wait=wait)
        super().back_off(wait)

    def raise_response_errors(self, response: Any) -> Any:
        if response.status_code == 401:
            # Never "busy": wrong, expired or revoked credentials must fail fast
            # (docs/architecture.md#failure-classes).
            raise UnauthorizedError(f"the server refused the credentials (HTTP 401 from {response.url})")
        return super().raise_response_errors(response)


def seconds_left_until(deadline_monotonic: float) -> Callable[[], float]:
    return lambda: deadline_monotonic - time.monotonic()


def once_more_after_a_read_timeout(
    post: Callable[..., requests.Response], seconds_left: Callable[[], float], timeout: float
) -> Callable[..., requests.Response]:
    """A session's `post` that sends a request once more when its answer timed out.

    exchangelib turns a read timeout into ErrorTimeoutExpired and, with one session (ours),
    re-raises it at once, so one slow answer ended the whole poll (issue 16). The retry goes
    through the session again, so NTLM authenticates the new connection afresh. Every EWS
    call we make only reads (SyncFolderItems with the same SyncState, GetItem, GetAttachment),
    so sending it again is safe. A failure to connect (DNS, refused) is not retried: the next
    try would fail alike, and sources/network.py names it. Only when a whole second wait fits
    in the time left.
    """

    def post_with_one_retry(*args: Any, **kwargs: Any) -> requests.Response:
        try:
            return post(*args, **kwargs)
        except requests.exceptions.ReadTimeout:
            if seconds_left() < timeout:
                raise
            return post(*args, **kwargs)

    return post_with_one_retry
