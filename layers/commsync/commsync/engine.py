"""The ports bundle that every service receives; built by adapters.aws or adapters.local."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

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
