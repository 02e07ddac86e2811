"""Object describes kept across polls in this process, for `describe_cache_seconds`.

Every describe is one request against the org's rolling 24-hour API allocation (PROTOCOLS.md 3,
"Limits"), and a poll needs one per object plus one per parent object of relationship fields,
while an org's schema changes rarely. A field deleted within the cache time is still caught: the
query then answers INVALID_FIELD, and the source forgets the scope's describes and describes
again, which names the missing field as a fresh describe would (source.py).

A scope is (integration, grant, instance URL, API version): describe answers depend on the user's
field-level security, so two integrations never share one, and a reconnect (a new grant) starts
afresh (session_cache.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from commsync.sources.salesforce.schema import ObjectSchema

# The longest describe_cache_seconds allows: an older entry serves no one and is dropped.
OLDEST = 86_400.0


class Scope(NamedTuple):
    integration: str
    grant: str
    instance_url: str
    api_version: str


class DescribeCache:
    """Thread-safe; two polls describing the same object at once both describe (harmless)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._entries: dict[tuple[Scope, str], tuple[ObjectSchema, float]] = {}
        self._lock = threading.Lock()

    def get(self, scope: Scope, object_name: str, max_age: float) -> ObjectSchema | None:
        with self._lock:
            found = self._entries.get((scope, object_name.lower()))
        if found is None or self.clock() - found[1] >= max_age:
            return None
        return found[0]

    def put(self, scope: Scope, object_name: str, schema: ObjectSchema) -> None:
        now = self.clock()
        with self._lock:
            # Scopes of past grants or sessions are never asked for again: bound the memory.
            for key in [key for key, (_, at) in self._entries.items() if now - at >= OLDEST]:
                del self._entries[key]
            self._entries[(scope, object_name.lower())] = (schema, now)

    def forget(self, scope: Scope) -> None:
        """Drop every describe of the scope: a field the query named is gone, and it may be a
        parent object's."""
        with self._lock:
            for key in [key for key in self._entries if key[0] == scope]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


DESCRIBES = DescribeCache()
"""The process-wide cache the poller's sources share (tests pass their own)."""
