"""WorkQueue in process: local mode drains it in the same loop that fills it."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from commsync.models import PollJob


class MemoryQueue:
    def __init__(self) -> None:
        self._jobs: deque[PollJob] = deque()

    def send(self, jobs: Sequence[PollJob]) -> None:
        self._jobs.extend(jobs)

    def receive(self) -> PollJob | None:
        return self._jobs.popleft() if self._jobs else None

    def __len__(self) -> int:
        return len(self._jobs)
