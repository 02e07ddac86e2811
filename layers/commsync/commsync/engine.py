"""The ports bundle that every service receives; built by adapters.aws or adapters.local."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from commsync.models.common import utc_now
from commsync.ports import BlobStore, Notifier, SecretStore, StateStore, WorkQueue


@dataclass
class Engine:
    state: StateStore
    blobs: BlobStore
    queue: WorkQueue
    notifier: Notifier
    secrets: SecretStore
    ai_unit_quota: int = 0
    clock: Callable[[], datetime] = field(default=utc_now)
