"""The ports bundle that every service receives; built by adapters.aws or adapters.local."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from commsync.models import Integration
from commsync.models.common import utc_now
from commsync.ports import BlobStore, Notifier, SecretStore, StateStore, WorkQueue


@dataclass(frozen=True)
class DisablePolicy:
    """When a repeating integration or mailbox failure disables it (docs/architecture.md#failure-classes):
    after this many
    consecutive failed polls, spanning at least this long."""

    after_failures: int = 3
    after_minutes: float = 30.0


@dataclass
class Engine:
    state: StateStore
    blobs: BlobStore
    queue: WorkQueue
    notifier: Notifier
    secrets: SecretStore
    ai_unit_quota: int = 0
    disable_policy: DisablePolicy = field(default_factory=DisablePolicy)
    clock: Callable[[], datetime] = field(default=utc_now)
    # How long a warm poller reuses an integration it read (issue 17: an idle poll reads one
    # thing, its mailbox's state). 0, the default, reads it every time (the API, local mode).
    integration_max_age: float = 0.0
    _integrations: dict[str, tuple[float, Integration | None]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def integration(self, key: str) -> Integration | None:
        """The integration, from the warm container's cache while younger than its max age.
        Stale by at most that long: a disable elsewhere stops this container's polls that late."""
        if self.integration_max_age <= 0:
            return self.state.get_integration(key)
        with self._lock:
            cached = self._integrations.get(key)
        if cached is not None and time.monotonic() - cached[0] < self.integration_max_age:
            return cached[1]
        found = self.state.get_integration(key)
        with self._lock:
            self._integrations[key] = (time.monotonic(), found)
        return found

    def forget_integration(self, key: str) -> None:
        with self._lock:
            self._integrations.pop(key, None)
