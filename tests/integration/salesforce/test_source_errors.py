"""The Salesforce source's sessions and failures against the Salesforce emulator (issue 11): session
renewal, revoked grants, field and object validation, limits, retries, expired query locators."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commsync.adapters.local.file_secrets import FileSecrets
from commsync.errors import IntegrationError, MailboxError, TransientError
from emulators.salesforce import Fault, SalesforceConfig, SalesforceEmulator
from tests.integration.salesforce.support import (
    T0,
    connected_secrets,
    open_source,
    prepare,
    seed_org,
    sync,
)

pytestmark = pytest.mark.integration


def test_an_expired_session_mid_sync_is_renewed_once_transparently(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN 450 cases (three batches) and a session that expires after describe and the first batch
    created = [emu.put("Case", {"Subject": f"Case {n}"}, at=T0 + timedelta(seconds=n)) for n in range(450)]
    emu.faults.fail_next(Fault.SESSION_EXPIRED, after=2)

    # WHEN it syncs
    synced = sync(open_source(emu, secrets, "Case", query_batch_size=200), None)

    # THEN every case came exactly once, after one renewal by the refresh token
    assert [c.item_key for c in synced.changes if c.kind == "upsert"] == created
    assert emu.stats["fault:session_expired"] == 1
    assert emu.stats["issued:refresh_token"] == 2  # opening, then the renewal


def test_a_revoked_refresh_token_is_an_integration_error(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    emu.revoke_refresh_tokens()

    with pytest.raises(IntegrationError, match="invalid_grant"):
        open_source(emu, secrets, "Case")


def test_a_revoked_grant_mid_sync_is_an_integration_error(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN an open source whose user's access is revoked (sessions die with the grant)
    for n in range(600):
        emu.put("Case", {"Subject": f"Case {n}"}, at=T0 + timedelta(seconds=n))
    source = open_source(emu, secrets, "Case", query_batch_size=200)
    (folder,) = source.folders(None).folders
    pages = source.changes(folder, None, 200)
    next(pages)
    emu.revoke_refresh_tokens()

    # WHEN the sync reads on (the batch after the first may already be read ahead, issue 20)
    # THEN the renewal fails and says so
    with pytest.raises(IntegrationError, match="invalid_grant"):
        list(pages)


def test_an_unknown_configured_field_fails_naming_the_option_and_the_field(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    source = open_source(emu, secrets, "Case", property_fields="Case.Status, Case.Priorty")

    with pytest.raises(IntegrationError, match=r"options\.property_fields: Case has no field 'Priorty'"):
        source.folders(None)


def test_an_unknown_object_is_a_mailbox_error(emu: SalesforceEmulator, secrets: FileSecrets) -> None:
    source = open_source(emu, secrets, "Complaint__c")

    with pytest.raises(MailboxError, match=r"(?i)no object .complaint__c."):
        source.folders(None)


def test_request_limit_exceeded_is_transient_and_reports_the_usage(
    emu: SalesforceEmulator, secrets: FileSecrets, tmp_path: Path
) -> None:
    # GIVEN an org whose next call hits the daily allocation
    seed_org(emu)
    source = open_source(emu, secrets, "Case")
    (folder,) = source.folders(None).folders
    emu.faults.fail_next(Fault.RATE_LIMIT)

    # WHEN the query is sent THEN it is a transient failure, never a disabling one
    with pytest.raises(TransientError, match="REQUEST_LIMIT_EXCEEDED"):
        list(source.changes(folder, None, 200))
    assert source.client.api_usage is not None and source.client.api_usage[1] == 100_000


def test_an_exhausted_daily_allocation_is_transient(tmp_path: Path) -> None:
    emu = SalesforceEmulator(SalesforceConfig(api_requests_per_day=1))
    prepare(emu)
    with emu.serving():
        source = open_source(emu, connected_secrets(emu, tmp_path), "Case")
        source.folders(None)  # the one allowed call

        with pytest.raises(TransientError, match="daily API request limit"):
            sync(source, None)


def test_an_unavailable_server_is_retried_while_time_allows(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    seed_org(emu)
    emu.faults.fail_next(Fault.UNAVAILABLE)

    synced = sync(open_source(emu, secrets, "Case"), None)

    assert len([c for c in synced.changes if c.kind == "upsert"]) == 3
    assert emu.stats["fault:unavailable"] == 1


def test_an_expired_query_locator_restarts_the_query_from_the_mark(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN 450 cases and a poller that pauses 20 minutes after the first batch (the cursor dies)
    now = [datetime.now(UTC)]
    emu.clock = lambda: now[0]
    created = [emu.put("Case", {"Subject": f"Case {n}"}, at=T0 + timedelta(seconds=n)) for n in range(450)]
    source = open_source(emu, secrets, "Case", query_batch_size=200)
    (folder,) = source.folders(None).folders
    pages = source.changes(folder, None, 200)
    first = next(pages)
    now[0] += timedelta(minutes=20)

    # WHEN it goes on THEN the query restarts from the mark: nothing lost, nothing repeated
    rest = [c for page in pages for c in page.changes if c.kind == "upsert"]
    assert [c.item_key for c in first.changes + rest] == created
