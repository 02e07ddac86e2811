"""Sessions and describes reused across polls (the API-call budget): a warm process polls the same
objects again and again, and every describe counts against the org's daily API allocation.

Each poll opens a source as the poller does. The caches are the test's own, on a clock it moves;
the emulator counts token requests (`op:token`, not counted against the allocation) and the calls
that are (`api_usage()`, per org).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from commsync.adapters.local.file_secrets import FileSecrets
from commsync.errors import IntegrationError
from emulators.salesforce import SalesforceEmulator
from tests.integration.salesforce.support import (
    CONSUMER_KEY,
    SECRET_NAME,
    USER,
    Caches,
    Synced,
    connected_secrets,
    open_source,
    prepare,
    seed_org,
    sync,
)

pytestmark = pytest.mark.integration

NOW = datetime(2024, 3, 4, 8, 0, 20, tzinfo=UTC)
POLL_INTERVAL = timedelta(minutes=5)


class Poller:
    """Polls one object every five minutes of the emulator's (and the source's) clock."""

    def __init__(self, emu: SalesforceEmulator, secrets: FileSecrets, caches: Caches, address: str) -> None:
        self.emu, self.secrets, self.caches, self.address = emu, secrets, caches, address
        self.now = NOW
        self.token: str | None = None
        emu.clock = lambda: self.now

    def poll(self, **options: Any) -> Synced:
        source = open_source(
            self.emu, self.secrets, self.address, clock=lambda: self.now, caches=self.caches, **options
        )
        try:
            synced = sync(source, self.token)
        finally:
            source.close()
        self.token = synced.token
        return synced

    def idle_poll_cost(self, **options: Any) -> tuple[int, int, int]:
        """(token requests, describes, API calls against the allocation) of a poll after five quiet
        minutes: what an idle object costs each time it is due."""
        self.now += POLL_INTERVAL
        self.caches.now += POLL_INTERVAL.total_seconds()
        self.emu.stats.reset()
        used = self.emu.api_usage()
        synced = self.poll(**options)
        assert not synced.changes
        return self.emu.stats["op:token"], self.emu.stats["op:describe"], self.emu.api_usage() - used


def test_an_idle_poll_sends_no_token_request_and_no_describe(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN a synced object with a parent field (Case.Account.Name: a second describe)
    seed_org(emu)
    poller = Poller(emu, secrets, Caches(), "Case")
    fields = {"property_fields": "Case.Status, Case.Account.Name"}
    assert len(poller.poll(**fields).changes) == 3

    # WHEN it polls again and again with nothing changed
    costs = [poller.idle_poll_cost(**fields) for _ in range(3)]

    # THEN the session and both describes are the first poll's: a query and a getDeleted each time
    assert costs == [(0, 0, 2)] * 3


def test_without_reuse_each_idle_poll_renews_and_describes(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN the behaviour before the caches (both set to 0: every poll anew)
    seed_org(emu)
    poller = Poller(emu, secrets, Caches(), "Case")
    fields = {"property_fields": "Case.Status, Case.Account.Name", "session_reuse_seconds": 0}
    poller.poll(describe_cache_seconds=0, **fields)

    # WHEN it polls idle THEN a token request, two describes, a query and a getDeleted each time
    assert poller.idle_poll_cost(describe_cache_seconds=0, **fields) == (1, 2, 4)


def test_an_expired_session_is_renewed_once_and_the_poll_succeeds(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN a synced object, then the org kills every session (timeout, admin, password change)
    ids = seed_org(emu)
    poller = Poller(emu, secrets, Caches(), "Case")
    poller.poll()
    emu.expire_sessions()
    emu.put("Case", {"Id": ids["Case"][0], "Status": "Closed"}, at=NOW)

    # WHEN the next two polls run
    emu.stats.reset()
    first = poller.poll()
    renewals_then = emu.stats["op:token"]
    second = poller.poll()

    # THEN the first answer 401 renews the session once and the poll goes on; the next reuses it
    assert [c.item_key for c in first.changes] == [ids["Case"][0]]
    assert second.changes == []
    assert renewals_then == 1
    assert emu.stats["op:token"] == 1
    assert emu.stats["op:describe"] == 0


def test_a_session_is_renewed_after_its_reuse_time(emu: SalesforceEmulator, secrets: FileSecrets) -> None:
    seed_org(emu)
    caches = Caches()
    poller = Poller(emu, secrets, caches, "Case")
    poller.poll(session_reuse_seconds=600)
    emu.stats.reset()

    poller.poll(session_reuse_seconds=600)
    caches.now += 600
    poller.poll(session_reuse_seconds=600)

    assert emu.stats["op:token"] == 1  # not within the 600 s, once after them


def test_a_describe_is_read_again_after_describe_cache_seconds(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN a synced object whose describe is kept for an hour
    seed_org(emu)
    caches = Caches()
    poller = Poller(emu, secrets, caches, "Case")
    poller.poll()
    emu.stats.reset()

    # WHEN it polls just before the hour is up, then just after (the cache's clock moves, no sleep)
    caches.now += 3599
    poller.poll()
    before = emu.stats["op:describe"]
    caches.now += 1
    poller.poll()

    # THEN only the poll after the hour describes the object again
    assert (before, emu.stats["op:describe"]) == (0, 1)


def test_a_field_deleted_within_the_describe_time_is_reported_as_without_the_cache(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN a synced object whose configured property field an admin then deletes
    seed_org(emu)
    poller = Poller(emu, secrets, Caches(), "Case")
    fields = {"property_fields": "Case.Status, Case.Priority"}
    poller.poll(**fields)
    emu.delete_field("Case", "Priority")
    emu.stats.reset()

    # WHEN the next poll runs on the cached describe (its query answers INVALID_FIELD)
    with pytest.raises(IntegrationError) as failed:
        poller.poll(**fields)

    # THEN it fails naming the option and the field, after describing afresh once
    expected = r"options\.property_fields: Case has no field 'Priority'"
    failed.match(expected)
    assert (emu.stats["op:query"], emu.stats["op:describe"]) == (1, 1)
    # AND the poll after that fails the same way on the fresh describe, without querying
    with pytest.raises(IntegrationError, match=expected):
        poller.poll(**fields)
    assert (emu.stats["op:query"], emu.stats["op:describe"]) == (1, 1)


def test_a_rotated_refresh_token_keeps_the_session_and_the_describes(tmp_path: Path) -> None:
    # GIVEN a connected app that rotates refresh tokens on every renewal
    emu = SalesforceEmulator()
    prepare(emu, rotate_refresh_tokens=True)
    with emu.serving():
        secrets = connected_secrets(emu, tmp_path)
        first_token = secrets.get(SECRET_NAME)["refresh_token"].get_secret_value()
        seed_org(emu)
        poller = Poller(emu, secrets, Caches(), "Case")
        poller.poll()
        emu.stats.reset()

        # WHEN it polls again
        poller.poll()

    # THEN the renewal stored a new refresh token, and the session and describe came along with it
    assert secrets.get(SECRET_NAME)["refresh_token"].get_secret_value() != first_token
    assert (emu.stats["op:token"], emu.stats["op:describe"]) == (0, 0)


def test_a_reconnect_starts_a_new_session_and_describes_again(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN a synced object, then the user connects again (the callback stores a new refresh token)
    seed_org(emu)
    poller = Poller(emu, secrets, Caches(), "Case")
    poller.poll()
    secrets.put(SECRET_NAME, {"refresh_token": emu.refresh_token_for(USER, CONSUMER_KEY)})
    emu.stats.reset()

    # WHEN it polls THEN nothing of the old consent is used
    poller.poll()
    assert (emu.stats["op:token"], emu.stats["op:describe"]) == (1, 1)
