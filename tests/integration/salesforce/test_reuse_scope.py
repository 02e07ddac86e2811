"""Whose sessions and describes the caches hand out: never another integration's (two orgs, two
integrations, one process), one renewal for concurrent polls, and the local runner's process-wide
caches at work."""

from __future__ import annotations

import threading

import pytest

from commsync.adapters.local.file_secrets import FileSecrets
from commsync.errors import IntegrationError
from commsync.local_mode import run_once
from commsync.models import Integration, Mailbox
from commsync.services.poll import PollStatus
from commsync.sources.salesforce import SalesforceSource
from emulators.salesforce import SalesforceEmulator
from tests.integration.salesforce.support import (
    CONSUMER_KEY,
    CONSUMER_SECRET,
    T0,
    Caches,
    integration,
    seed_org,
    sync,
)
from tests.integration.salesforce.world import World, connect

pytestmark = pytest.mark.integration

GLOBEX_USER, GLOBEX_PASSWORD = "sync@globex.example", "Globex-Sync-2024!"  # test credential


def _globex(emu: SalesforceEmulator, secrets: FileSecrets) -> Integration:
    """A second org on the same emulator (so the same instance URL), connected as its own user."""
    emu.add_user(GLOBEX_USER, GLOBEX_PASSWORD, org="Globex")
    refresh = emu.refresh_token_for(GLOBEX_USER, CONSUMER_KEY)
    secrets.put("globex-salesforce", {"client_secret": CONSUMER_SECRET, "refresh_token": refresh})
    acme = integration(emu, {})
    return acme.model_copy(update={"project": "globex", "secret": "globex-salesforce"})


def _poll(crm: Integration, secrets: FileSecrets, caches: Caches, **options: str) -> list[str]:
    crm = crm.model_copy(update={"options": {**crm.options, **options}})
    mailbox = Mailbox(integration=crm.key, address="Case")
    source = SalesforceSource.open(
        crm, mailbox, secrets, lambda: 30.0, sessions=caches.sessions, describes=caches.describes
    )
    try:
        return [c.item_key for c in sync(source, None).changes if c.kind == "upsert"]
    finally:
        source.close()


def test_two_integrations_on_two_orgs_never_share_a_session_or_a_describe(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN Acme's org with three cases and Globex's with one, whose admin deleted Case.Priority
    acme_cases = seed_org(emu)["Case"]
    globex = _globex(emu, secrets)
    globex_case = emu.put("Case", {"Subject": "Pallet damaged"}, at=T0, org="Globex")
    emu.delete_field("Case", "Priority", org="Globex")
    acme, caches = integration(emu, {}), Caches()

    # WHEN both sync through one process's caches, twice
    first = (_poll(acme, secrets, caches), _poll(globex, secrets, caches))
    tokens_then = emu.stats["op:token"]
    second = (_poll(acme, secrets, caches), _poll(globex, secrets, caches))

    # THEN each read its own org's records with its own session, renewed once per integration
    assert first == second == (acme_cases, [globex_case])
    assert (tokens_then, emu.stats["op:token"]) == (2, 2)

    # AND a field in Acme's cached describe does not pass Globex's check: Globex's own describe
    # (which lacks it) refuses the option before any query is sent
    _poll(acme, secrets, caches, property_fields="Case.Priority")
    queries = emu.stats["op:query"]
    with pytest.raises(IntegrationError, match=r"options\.property_fields: Case has no field 'Priority'"):
        _poll(globex, secrets, caches, property_fields="Case.Priority")
    assert emu.stats["op:query"] == queries


def test_concurrent_polls_of_one_integration_renew_the_session_once(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN four threads that open sources of one integration at the same moment, on empty caches
    seed_org(emu)
    caches, crm = Caches(), integration(emu, {})
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def open_one(address: str) -> None:
        mailbox = Mailbox(integration=crm.key, address=address)
        start.wait()
        try:
            opened = SalesforceSource.open(
                crm, mailbox, secrets, lambda: 30.0, sessions=caches.sessions, describes=caches.describes
            )
            opened.close()
        except BaseException as exc:
            failures.append(exc)  # reported by the assertion below

    threads = [threading.Thread(target=open_one, args=(a,)) for a in ("Case", "EmailMessage") * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # THEN one of them renewed the session and the others waited for it
    assert failures == []
    assert emu.stats["op:token"] == 1


def test_the_local_runner_reuses_the_session_and_describes_between_runs(world: World) -> None:
    # GIVEN an org connected through the API and synced once by local mode
    seed_org(world.emu)
    connect(world)
    run_once(world.local.runtime)
    world.emu.stats.reset()

    # WHEN local mode syncs again with nothing changed
    outcomes = run_once(world.local.runtime)

    # THEN both objects are done with one query each, and neither a token request nor a describe
    assert {o.status for o in outcomes.values()} == {PollStatus.DONE}
    assert (world.emu.stats["op:token"], world.emu.stats["op:describe"]) == (0, 0)
    assert world.emu.stats["op:query"] == 2
