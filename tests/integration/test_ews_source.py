"""The EWS source through real exchangelib against the EWS emulator on loopback (issue 4)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commsync.errors import FailureClass
from commsync.local_mode import run_once
from commsync.models import MailboxRef, SyncCounts
from commsync.services.poll import PollStatus
from emulators.ews import EwsEmulator
from tests.support.ews import KEY, SERVICE_PASSWORD, SERVICE_USER, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"
BOB = "bob@contoso.example"


def _mailbox_tree(root: Path) -> Path:
    """Ann's mailbox: Inbox with nested project folders, Sent Items, and a calendar-free tree."""
    data = root / "data"
    for n in range(6):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    for n in range(6, 9):
        write_eml(data, ANN, "Inbox/Projects/Alpha", f"{n}.eml", email_bytes(n))
    write_eml(data, ANN, "Sent Items", "9.eml", email_bytes(9, sender=f"Ann <{ANN}>"))
    write_eml(data, BOB, "Inbox", "10.eml", email_bytes(10))
    return data


def _emulator(data: Path, **kwargs: object) -> EwsEmulator:
    return EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD}, **kwargs)  # type: ignore[arg-type]


def _folders(world_comments: dict[str, dict[str, object]]) -> dict[str, str]:
    return {
        c["messages"][0]["subject"]["text"]: c["user_properties"]["string:Folder"]  # type: ignore[index]
        for c in world_comments.values()
    }


def test_backfill_syncs_every_mail_folder_with_its_path(tmp_path: Path) -> None:
    # GIVEN a mailbox with nested folders, read by NTLM impersonation
    with ews_world(tmp_path, _emulator(_mailbox_tree(tmp_path)), [ANN]) as world:
        # WHEN it syncs
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN every email is one comment carrying the folder path it was found in
        assert outcome.status is PollStatus.DONE, outcome.error
        folders = _folders(world.comments())
        assert len(folders) == 10
        assert folders["Order 1006 status"] == "Inbox/Projects/Alpha"
        assert folders["Order 1009 status"] == "Sent Items"
        assert outcome.counts.created == 10


def test_incremental_sync_sees_adds_and_moves_and_keeps_deleted_comments(tmp_path: Path) -> None:
    # GIVEN a synced mailbox
    emulator = _emulator(_mailbox_tree(tmp_path))
    with ews_world(tmp_path, emulator, [ANN]) as world:
        world.sync()
        before = world.comments()
        inbox = {i.message_id: i for i in emulator.store.items(ANN, "Inbox")}

        # WHEN an email arrives, one moves to Archive, one is deleted
        emulator.store.add(ANN, "Inbox", email_bytes(50))
        emulator.store.add_folder(ANN, "Archive")
        emulator.store.move(ANN, inbox["<order-1@northwind.example>"].id, "Archive")
        emulator.store.delete(ANN, inbox["<order-2@northwind.example>"].id)
        emulator.stats.reset()
        counts = world.sync()[f"{KEY}#{ANN}"].counts

        # THEN one comment is created, the moved one changes folder only, the deleted one stays
        after = world.comments()
        assert (counts.created, counts.updated) == (1, 1)
        assert len(after) == len(before) + 1
        folders = _folders(after)
        assert folders["Order 1001 status"] == "Archive"
        assert folders["Order 1002 status"] == "Inbox"
        moved = next(c for c in after.values() if c["messages"][0]["subject"]["text"] == "Order 1001 status")
        old = before[
            next(k for k, c in before.items() if c["messages"][0]["subject"]["text"] == "Order 1001 status")
        ]
        assert moved["messages"] == old["messages"] and moved["created_at"] == old["created_at"]


def test_an_idle_poll_costs_one_request_per_folder_and_fetches_nothing(tmp_path: Path) -> None:
    # GIVEN a synced mailbox with nothing new
    emulator = _emulator(_mailbox_tree(tmp_path))
    with ews_world(tmp_path, emulator, [ANN]) as world:
        world.sync()
        emulator.stats.reset()

        # WHEN it polls again
        world.sync()

        # THEN the folder tree costs one request, each mail folder one, and nothing is fetched
        ops = emulator.stats.snapshot()
        assert ops.get("op:GetItem", 0) == 0
        assert ops.get("op:SyncFolderHierarchy", 0) == 1
        mail_folders = 8  # Inbox, Projects, Alpha, Sent Items, Deleted Items, Drafts, Junk Email, Outbox
        assert ops.get("op:SyncFolderItems", 0) <= mail_folders


def test_pages_checkpoint_one_by_one_so_an_interrupted_backfill_resumes(tmp_path: Path) -> None:
    # GIVEN 40 emails in one folder, synced 5 per page
    data = tmp_path / "data"
    for n in range(40):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    emulator = _emulator(data)
    with ews_world(tmp_path, emulator, [ANN], page_size=5) as world:
        # WHEN the server starts failing every request once three pages of items are stored
        def fail_after_three_pages(_: MailboxRef, counts: SyncCounts) -> None:
            if counts.created == 15:
                emulator.faults.set(ANN, error="ErrorInternalServerError")

        first = run_once(world.runtime, fail_after_three_pages)
        assert first[f"{KEY}#{ANN}"].status is PollStatus.FAILED
        # 15, or 20 when the page read ahead (issue 20) had been fetched before the fault began
        stored = len(world.comments())
        assert stored in (15, 20)
        emulator.faults.clear(ANN)
        emulator.stats.reset()
        world.sync()

        # THEN the second run fetches only what the first did not store, and nothing is doubled
        assert len(world.comments()) == 40
        assert emulator.stats["op:GetItem"] == (40 - stored) // 5  # 5 per page
        assert world.outcomes[-1][f"{KEY}#{ANN}"].counts.created == 40 - stored


def test_a_rejected_sync_state_resyncs_the_folder_without_duplicates(tmp_path: Path) -> None:
    emulator = _emulator(_mailbox_tree(tmp_path))
    with ews_world(tmp_path, emulator, [ANN]) as world:
        world.sync()
        # GIVEN the server forgets every sync state of the mailbox
        emulator.store.invalidate_sync_states(ANN)
        emulator.store.add(ANN, "Inbox", email_bytes(77))

        # WHEN it polls
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN the folders resync: one new comment, the rest unchanged, none doubled
        assert outcome.status is PollStatus.DONE, outcome.error
        assert outcome.counts.created == 1
        assert len(world.comments()) == 11


def test_impersonation_denied_fails_only_that_mailbox_as_a_mailbox_error(tmp_path: Path) -> None:
    # GIVEN a service account withheld from Bob's mailbox
    emulator = _emulator(_mailbox_tree(tmp_path), deny={(SERVICE_USER, BOB)})
    with ews_world(tmp_path, emulator, [ANN, BOB]) as world:
        outcomes = world.sync()

        # THEN Ann syncs, Bob fails with a mailbox-class error that says what to grant
        assert outcomes[f"{KEY}#{ANN}"].status is PollStatus.DONE
        bob = outcomes[f"{KEY}#{BOB}"]
        assert bob.status is PollStatus.FAILED
        assert bob.failure_class is FailureClass.MAILBOX
        assert "impersonat" in (bob.error or "").lower()


def test_delegate_access_reads_the_mailbox_and_denial_is_a_mailbox_error(tmp_path: Path) -> None:
    emulator = _emulator(_mailbox_tree(tmp_path), deny={(SERVICE_USER, BOB)})
    with ews_world(tmp_path, emulator, [ANN, BOB], options={"access": "delegate"}) as world:
        outcomes = world.sync()
        assert outcomes[f"{KEY}#{ANN}"].status is PollStatus.DONE
        assert outcomes[f"{KEY}#{BOB}"].failure_class is FailureClass.MAILBOX
        assert len(world.comments()) == 10


def test_an_unknown_mailbox_is_a_mailbox_error(tmp_path: Path) -> None:
    with ews_world(tmp_path, _emulator(_mailbox_tree(tmp_path)), ["nobody@contoso.example"]) as world:
        outcome = world.sync()[f"{KEY}#nobody@contoso.example"]
        assert outcome.failure_class is FailureClass.MAILBOX
        assert "does not exist" in (outcome.error or "")


def test_a_wrong_password_fails_fast_as_an_integration_error_without_the_password(tmp_path: Path) -> None:
    # GIVEN the wrong NTLM password
    with ews_world(
        tmp_path,
        _emulator(_mailbox_tree(tmp_path)),
        [ANN],
        secret={"username": SERVICE_USER, "password": "not-the-password"},
    ) as world:
        started = time.monotonic()
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN it is refused at once, classed as the integration's problem, and the secret is not in the error
        assert time.monotonic() - started < 10
        assert outcome.failure_class is FailureClass.INTEGRATION
        assert "not-the-password" not in (outcome.error or "")


def test_basic_auth_works_too(tmp_path: Path) -> None:
    with ews_world(tmp_path, _emulator(_mailbox_tree(tmp_path)), [ANN], options={"auth": "basic"}) as world:
        assert world.sync()[f"{KEY}#{ANN}"].status is PollStatus.DONE
        assert len(world.comments()) == 10


def test_throttling_is_honoured_and_everything_arrives(tmp_path: Path) -> None:
    # GIVEN a server that answers half the requests with ErrorServerBusy (back off 50 ms)
    emulator = _emulator(_mailbox_tree(tmp_path))
    emulator.faults.set(ANN, throttle_ratio=0.5, back_off_ms=50, seed=7)
    with ews_world(tmp_path, emulator, [ANN], page_size=3) as world:
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN the poll waited as asked and finished
        assert outcome.status is PollStatus.DONE, outcome.error
        assert len(world.comments()) == 10


def test_a_back_off_longer_than_the_time_left_ends_the_poll_as_transient(tmp_path: Path) -> None:
    # GIVEN a server that asks for an hour's back-off, more than a poll's 15-minute budget
    emulator = _emulator(_mailbox_tree(tmp_path))
    emulator.faults.fail_next(ANN, count=1, error="ErrorServerBusy", back_off_ms=3_600_000)
    with ews_world(tmp_path, emulator, [ANN]) as world:
        started = time.monotonic()
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN it does not wait: the poll ends as transient, to be retried on the next one
        assert time.monotonic() - started < 10
        assert outcome.failure_class is FailureClass.TRANSIENT


def test_start_time_skips_older_email_without_fetching_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for n in range(4):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    emulator = _emulator(data)
    future = datetime(2100, 1, 1, tzinfo=UTC)
    with ews_world(tmp_path, emulator, [ANN], start_time=future) as world:
        world.sync()
        assert world.comments() == {}
        assert emulator.stats["op:GetItem"] == 0


def test_an_email_without_a_date_header_takes_its_time_from_the_server(tmp_path: Path) -> None:
    # GIVEN an email with no Date header (some scanners and old gateways send them)
    data = tmp_path / "data"
    raw = email_bytes(3).replace(b"Date: ", b"X-Original-Date: ")
    write_eml(data, ANN, "Inbox", "3.eml", raw)
    with ews_world(tmp_path, _emulator(data), [ANN]) as world:
        # WHEN it syncs
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN the comment's time is when the server received it, as plain UTC
        assert outcome.status is PollStatus.DONE, outcome.error
        (comment,) = world.comments().values()
        received = world.emulator.store.items(ANN, "Inbox")[0].received.astimezone(UTC)
        assert comment["timestamp"] == received.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_mailboxs_own_filters_select_what_becomes_a_comment(tmp_path: Path) -> None:
    # GIVEN a mailbox whose filters keep mail from fabrikam.example received in 2024 or later
    data = tmp_path / "data"
    for n in range(4):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    for n in range(4, 6):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n, sender="Bob <bob@fabrikam.example>"))
    rule = {"AND": [{"from": "fabrikam.example"}, {"after": "2024/01/01"}]}
    with ews_world(tmp_path, _emulator(data), [ANN], filters=rule) as world:
        # WHEN it syncs
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN only Bob's two emails are comments; the others are counted as filtered
        assert outcome.status is PollStatus.DONE, outcome.error
        assert (outcome.counts.created, outcome.counts.filtered) == (2, 4)
        senders = {c["messages"][0]["from"] for c in world.comments().values()}
        assert senders == {"Bob <bob@fabrikam.example>"}


def test_an_item_exchange_cannot_export_as_mime_still_becomes_a_comment(tmp_path: Path) -> None:
    # GIVEN an email whose MIME export fails on the server (ErrorMimeContentConversionFailed)
    data = tmp_path / "data"
    for n in range(3):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    emulator = _emulator(data)
    broken = next(
        i for i in emulator.store.items(ANN, "Inbox") if i.message_id == "<order-1@northwind.example>"
    )
    emulator.store.break_mime(ANN, broken.id)
    with ews_world(tmp_path, emulator, [ANN]) as world:
        # WHEN it syncs
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN the mailbox is not blocked: all three are comments, the broken one built from its properties
        assert outcome.status is PollStatus.DONE, outcome.error
        comments = {c["id"]: c for c in world.comments().values()}
        assert len(comments) == 3
        rebuilt = comments[b"<order-1@northwind.example>".hex()]
        assert rebuilt["messages"][0]["subject"]["text"] == "Order 1001 status"
        assert "order 1001 ships tomorrow" in rebuilt["messages"][0]["body"]["text"]
