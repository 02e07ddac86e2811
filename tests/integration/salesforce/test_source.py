"""The Salesforce source through requests against the Salesforce emulator (issue 11): backfill and
mapping, incremental sync by (SystemModstamp, Id), start time, deletions. Failures:
test_salesforce_source_errors.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest

from commsync.adapters.local.file_secrets import FileSecrets
from commsync.cleaning.build import Origin, clean
from commsync.models.comment import Comment
from commsync.ports import Change
from emulators.salesforce import SalesforceConfig, SalesforceEmulator
from emulators.salesforce.config import FieldConfig, ObjectConfig, OrgConfig
from emulators.tls import self_signed
from tests.integration.salesforce.support import (
    T0,
    connected_secrets,
    open_source,
    prepare,
    seed_org,
    sync,
)

pytestmark = pytest.mark.integration


def _mime(change: Change) -> Message:
    assert change.mime is not None
    return message_from_bytes(change.mime)


def _comment(change: Change, folder: str) -> Comment:
    assert change.mime is not None
    origin = Origin(
        "acme/crm", "salesforce", "acme-cases", folder.lower(), folder, properties=change.properties
    )
    return clean(change.mime, origin, datetime.now(UTC)).comment


def test_backfill_maps_email_messages_to_emails_threaded_under_their_case(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN three cases, each with the customer's email and the agent's HTML reply
    ids = seed_org(emu)

    # WHEN EmailMessage is synced from the start, and Case too
    emails = sync(open_source(emu, secrets, "EmailMessage", property_fields="EmailMessage.Status"), None)
    cases = sync(open_source(emu, secrets, "case"), None)

    # THEN every email is an upsert keyed by its record id, oldest first
    assert [c.item_key for c in emails.changes if c.kind == "upsert"] == sorted(ids["EmailMessage"])
    customer, reply = _comment(emails.changes[0], "EmailMessage"), _comment(emails.changes[1], "EmailMessage")
    message = customer.messages[0]
    assert (message.from_, message.to, message.cc) == (
        "Buyer 0 <buyer0@contoso.example>",
        ["support@acme.example"],
        ["finance@contoso.example", "audit@contoso.example"],
    )
    assert message.subject.text == "Invoice INV-2400 charged twice"
    assert message.sent_at == T0 - timedelta(minutes=1)
    assert "charged twice for INV-2400" in message.body.text
    # AND the Message-ID is the email's own, so the same email synced from a mailbox is one comment
    assert _mime(emails.changes[0])["Message-ID"] == "<CAF0x9Q@mail.contoso.example>"
    assert customer.user_properties["string:Salesforce Parent Id"] == ids["Case"][0]
    assert customer.user_properties["string:Direction"] == "incoming"
    assert customer.user_properties["string:Status"] == "Read"
    assert customer.user_properties["string:Salesforce URL"] == f"{emu.url}/{ids['EmailMessage'][0]}"
    # AND the HTML-only reply has text, and both emails thread under the case's own comment
    assert reply.messages[0].body.text.startswith("Dear Buyer 0,")
    case_comment = _comment(cases.changes[0], "Case")
    assert reply.thread_id == case_comment.id == customer.thread_id
    assert case_comment.messages[0].subject.text == "Invoice INV-2400 charged twice"
    assert "Please refund one." in case_comment.messages[0].body.text


def test_other_objects_map_by_configured_fields_with_numbers_as_number_properties(tmp_path: Path) -> None:
    # GIVEN a custom object with a title, a rich text body and a rating
    feedback = ObjectConfig(
        label="Feedback",
        fields=[
            FieldConfig(name="Title__c", type="string"),
            FieldConfig(name="Body__c", type="textarea"),
            FieldConfig(name="Rating__c", type="double"),
            FieldConfig(name="Email__c", type="email"),
        ],
        records=[
            {
                "Title__c": "Great support",
                "Body__c": "The refund came within a day.",
                "Rating__c": 4.5,
                "Email__c": "buyer0@contoso.example",
                "SystemModstamp": "2024-03-02T10:00:00Z",
            }
        ],
    )
    emu = SalesforceEmulator(
        SalesforceConfig(orgs=[OrgConfig(name="Acme", objects={"Feedback__c": feedback})])
    )
    prepare(emu)
    with emu.serving():
        source = open_source(
            emu,
            connected_secrets(emu, tmp_path),
            "feedback__c",
            subject_fields="Feedback__c.Title__c",
            body_fields="Feedback__c.Body__c",
            from_fields="Feedback__c.Email__c",
            property_fields="Feedback__c.Rating__c",
        )
        (change,) = sync(source, None).changes

    comment = _comment(change, "Feedback__c")
    assert comment.messages[0].from_ == "buyer0@contoso.example"
    assert (comment.messages[0].subject.text, comment.messages[0].body.text) == (
        "Great support",
        "The refund came within a day.",
    )
    assert comment.user_properties["number:Rating__c"] == 4.5
    assert comment.user_properties["string:Salesforce Object"] == "Feedback__c"


def test_equal_timestamps_across_a_page_boundary_are_neither_skipped_nor_repeated(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN 250 cases saved in one transaction (one SystemModstamp), then three later ones
    same = [emu.put("Case", {"Subject": f"Bulk {n}"}, at=T0) for n in range(250)]
    later = [emu.put("Case", {"Subject": f"Later {n}"}, at=T0 + timedelta(seconds=n + 1)) for n in range(3)]

    # WHEN the poll stops after its first page of 200 (its token stored), and the next poll resumes
    first = sync(open_source(emu, secrets, "Case", query_batch_size=200), None, max_pages=1)
    rest = sync(open_source(emu, secrets, "Case", query_batch_size=200), first.token)

    # THEN the first page had 200 of the equal ones, the resumed poll the other 50 and the later three
    keys = [c.item_key for c in first.changes + rest.changes]
    assert len(first.changes) == 200
    assert keys == sorted(same) + later
    # AND another poll finds nothing new
    assert [
        c for c in sync(open_source(emu, secrets, "Case"), rest.token).changes if c.kind == "upsert"
    ] == []


def test_more_equal_timestamps_than_one_query_limit_are_read_by_id(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN twelve cases with one timestamp and a source whose queries take five rows at most
    same = [emu.put("Case", {"Subject": f"Mass update {n}"}, at=T0) for n in range(12)]
    after = emu.put("Case", {"Subject": "Afterwards"}, at=T0 + timedelta(minutes=1))
    source = open_source(emu, secrets, "Case", bulk_above_records=0)  # REST only: no COUNT()
    source.query_limit = 5

    # WHEN it syncs
    synced = sync(source, None)

    # THEN each record came once, in (SystemModstamp, Id) order, and the sync did not loop: a first
    # chunk, two by Id within the timestamp (the second one short), one past the timestamp
    assert [c.item_key for c in synced.changes if c.kind == "upsert"] == [*sorted(same), after]
    assert emu.stats["op:query"] == 4


def test_incremental_sync_returns_changed_and_new_records_only(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN a synced org
    ids = seed_org(emu)
    done = sync(open_source(emu, secrets, "Case"), None)
    assert len([c for c in done.changes if c.kind == "upsert"]) == 3

    # WHEN a case is escalated and a new one arrives
    emu.put("Case", {"Id": ids["Case"][1], "Status": "Escalated"}, at=T0 + timedelta(hours=2))
    new = emu.put("Case", {"Subject": "Login fails after reset"}, at=T0 + timedelta(hours=3))
    emu.stats.reset()
    again = sync(open_source(emu, secrets, "Case"), done.token)

    # THEN only those two come, in order, with one query (the describe is the first poll's)
    assert [c.item_key for c in again.changes if c.kind == "upsert"] == [ids["Case"][1], new]
    assert (emu.stats["op:describe"], emu.stats["op:query"]) == (0, 1)


def test_start_time_skips_records_that_have_not_changed_since(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    emu.put("Case", {"Subject": "Old"}, at=T0)
    recent = emu.put("Case", {"Subject": "Recent"}, at=T0 + timedelta(days=2))

    synced = sync(open_source(emu, secrets, "Case", start_time=T0 + timedelta(days=1)), None)

    assert [c.item_key for c in synced.changes if c.kind == "upsert"] == [recent]


def test_deletions_arrive_through_get_deleted(emu: SalesforceEmulator, secrets: FileSecrets) -> None:
    # GIVEN a synced object, on a clock the test moves
    now = [datetime(2024, 3, 4, 8, 0, 20, tzinfo=UTC)]
    emu.clock = lambda: now[0]
    ids = seed_org(emu)
    first = sync(open_source(emu, secrets, "Case", clock=emu.clock), None)

    # WHEN a case is deleted and, two minutes later, the object is polled
    emu.delete("Case", ids["Case"][0], at=now[0] + timedelta(seconds=30))
    now[0] += timedelta(minutes=2)
    second = sync(open_source(emu, secrets, "Case", clock=emu.clock), first.token)

    # THEN the deletion is a delete change for that record, and it is reported once
    assert [(c.kind, c.item_key) for c in second.changes] == [("delete", ids["Case"][0])]
    now[0] += timedelta(minutes=2)
    third = sync(open_source(emu, secrets, "Case", clock=emu.clock), second.token)
    assert third.changes == []


def test_non_ascii_text_survives_and_line_breaks_cannot_forge_headers(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN an email with accents in names, subject and body, and a subject carrying a line break
    emu.put(
        "EmailMessage",
        {
            "FromAddress": "zoe.muller@kunde.example",
            "FromName": "Zoë Müller",
            "ToAddress": "support@acme.example",
            "Subject": "Grüße: Rechnung 4711\r\nBcc: attacker@evil.example",
            "TextBody": "Sehr geehrte Damen und Herren,\n\ndie Rechnung über 120 € ist doppelt.\n\nZoë\n",
            "MessageDate": "2024-03-05T08:00:00Z",
        },
        at=T0,
    )

    (change,) = sync(open_source(emu, secrets, "EmailMessage"), None).changes

    comment = _comment(change, "EmailMessage")
    message = comment.messages[0]
    assert message.from_ == "Zoë Müller <zoe.muller@kunde.example>"
    assert message.subject.text == "Grüße: Rechnung 4711 Bcc: attacker@evil.example"
    assert message.bcc == [] and "über 120 €" in message.body.text
    assert _mime(change)["Bcc"] is None


def test_https_with_the_integrations_ca_bundle_over_the_environments(tmp_path: Path) -> None:
    # GIVEN the org served over HTTPS with a certificate only options.ca_bundle trusts
    # (REQUESTS_CA_BUNDLE, if set, names other CAs)
    tls = self_signed(tmp_path / "tls")
    emu = SalesforceEmulator()
    prepare(emu)
    seed_org(emu)
    with emu.serving(tls=tls):
        assert emu.url is not None and emu.url.startswith("https://")
        source = open_source(
            emu,
            connected_secrets(emu, tmp_path),
            "Case",
            ca_bundle=str(tls.cert),
            allow_insecure_loopback=False,
        )

        synced = sync(source, None)

    assert len([c for c in synced.changes if c.kind == "upsert"]) == 3
