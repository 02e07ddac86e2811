"""Everything one emulator holds: orgs, connected apps, grants, cursors, usage, faults, counters."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from emulators.salesforce.config import ConnectedAppConfig, OrgConfig, SalesforceConfig, UserConfig
from emulators.salesforce.faults import Faults
from emulators.salesforce.grants import Grants
from emulators.salesforce.ids import IdFactory
from emulators.salesforce.store import Org
from emulators.stats import Stats


@dataclass
class Cursor:
    org_id: str
    object_name: str
    rows: list[dict[str, Any]]
    used_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


class SalesforceState:
    def __init__(self, config: SalesforceConfig) -> None:
        self.config = config
        self.clock: Callable[[], datetime] = _now
        self._ids = IdFactory()
        self.orgs = [Org(org, self._ids, self.now) for org in config.orgs]
        self.apps: dict[str, ConnectedAppConfig] = {a.consumer_key: a for a in config.connected_apps}
        self.grants = Grants()
        self.faults = Faults()
        self.stats = Stats()
        self.usage: Counter[str] = Counter()  # org id -> API calls counted against the allocation
        self._cursors: dict[str, Cursor] = {}
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self.clock()

    def add_org(self, config: OrgConfig) -> Org:
        org = Org(config, self._ids, self.now)
        self.orgs.append(org)
        return org

    def session_lifetime(self) -> timedelta:
        return timedelta(seconds=self.config.session_seconds)

    def find_user(self, username: str) -> tuple[Org, UserConfig] | None:
        for org in self.orgs:
            user = org.users.get(username.strip().lower())
            if user is not None:
                return org, user
        return None

    def org(self, org_id: str) -> Org | None:
        return next((o for o in self.orgs if o.id == org_id), None)

    def open_cursor(self, org: Org, object_name: str, rows: list[dict[str, Any]]) -> str:
        # Query locators look like 01gD0000002HU6KIAW; ours are random so they cannot be guessed.
        locator = "01g" + secrets.token_hex(8)
        with self._lock:
            self._cursors[locator] = Cursor(org.id, object_name, rows, self.now())
        return locator

    def cursor(self, locator: str, org: Org) -> Cursor | None:
        idle = timedelta(seconds=self.config.cursor_idle_seconds)
        now = self.now()
        with self._lock:
            cursor = self._cursors.get(locator)
            if cursor is None or cursor.org_id != org.id or now - cursor.used_at > idle:
                self._cursors.pop(locator, None)
                return None
            cursor.used_at = now
            return cursor

    def drop_cursors(self) -> None:
        with self._lock:
            self._cursors.clear()

    def close_cursor(self, locator: str) -> None:
        with self._lock:
            self._cursors.pop(locator, None)

    def count_api_call(self, org: Org) -> tuple[int, bool]:
        """(usage after this call, whether it was within the allocation)."""
        with self._lock:
            used = self.usage[org.id]
            if used >= self.config.api_requests_per_day:
                return used, False
            self.usage[org.id] = used + 1
            return used + 1, True
