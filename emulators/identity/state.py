"""Everything the endpoints share: directory, signing key, grants, settings, clock, counters."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from emulators.identity.config import IdentityConfig
from emulators.identity.directory import Directory
from emulators.identity.faults import Faults
from emulators.identity.grants import GrantStore
from emulators.identity.keys import SigningKey


@dataclass(frozen=True)
class SignInSession:
    """The browser's signed-in state (a cookie), so `prompt=none` can answer without a form."""

    tenant: str
    upn: str
    auth_time: int


@dataclass
class IdentityState:
    settings: IdentityConfig
    directory: Directory
    key: SigningKey
    grants: GrantStore = field(default_factory=GrantStore)
    clock: Callable[[], float] = time.time
    issued: Counter[str] = field(default_factory=Counter)
    sessions: dict[str, SignInSession] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return self.clock()

    def count(self, grant_type: str) -> None:
        with self._lock:
            self.issued[grant_type] += 1
