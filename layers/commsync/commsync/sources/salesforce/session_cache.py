"""Salesforce sessions kept across polls in this process (a warm Lambda container, the local runner).

PROTOCOLS.md 3: a token response has no `expires_in`; a session lives per the org's session
policy (timed out by inactivity) and Salesforce answers 401 INVALID_SESSION_ID once it is dead.
Renewing it on every poll costs a token request per poll and object, so a session is reused until
Salesforce refuses it (client.py then renews it once and repeats the call) or until the
integration's `session_reuse_seconds` have passed.

An entry is keyed by the integration and holds a SHA-256 digest of the refresh token it was
renewed from, never the token: a reconnect (a new refresh token in the secret) no longer matches,
so no session outlives the consent it came from. `grant` names the consent across the rotations
our own renewals cause; the describe cache keys on it, so a reconnect as another user (other
field-level security) never sees the old user's describes.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def digest(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    access_token: str = field(repr=False)
    instance_url: str
    refresh_digest: str  # of the refresh token stored after the renewal (rotation changes it)
    grant: str  # the first refresh token's digest of this consent; kept across our own rotations
    renewed_at: float = 0.0  # the cache's clock


@dataclass(frozen=True)
class Renewed:
    """What a renewal returns: the new session, and the digest of the refresh token stored after
    it (different from the one it was renewed from when the connected app rotates them)."""

    access_token: str = field(repr=False)
    instance_url: str
    refresh_digest: str


class SessionCache:
    """Thread-safe: concurrent polls of one integration (the local API's resync beside the sync
    loop) wait for one renewal instead of each sending their own."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._entries: dict[str, Session] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def session(
        self,
        integration: str,
        refresh_digest: str | None,
        max_age: float,
        renew: Callable[[], Renewed],
        refused: str | None = None,
    ) -> Session:
        """The cached session if it came from this refresh token, is younger than `max_age` and is
        not `refused` (the access token Salesforce just answered 401 to); else `renew()`."""
        with self._lock_for(integration):
            entry = self._entries.get(integration)
            if entry is not None and self._usable(entry, refresh_digest, max_age, refused):
                return entry
            renewed = renew()
            # Our own renewal rotated the token: still the same consent. Anything else is a new one.
            same = entry is not None and refresh_digest is not None and entry.refresh_digest == refresh_digest
            grant = entry.grant if same and entry is not None else (refresh_digest or renewed.refresh_digest)
            fresh = Session(
                renewed.access_token, renewed.instance_url, renewed.refresh_digest, grant, self.clock()
            )
            self._entries[integration] = fresh
            return fresh

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()

    def _usable(
        self, entry: Session, refresh_digest: str | None, max_age: float, refused: str | None
    ) -> bool:
        return (
            refresh_digest is not None
            and entry.refresh_digest == refresh_digest
            and entry.access_token != refused
            and self.clock() - entry.renewed_at < max_age
        )

    def _lock_for(self, integration: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(integration, threading.Lock())


SESSIONS = SessionCache()
"""The process-wide cache the poller's sources share (tests pass their own)."""
