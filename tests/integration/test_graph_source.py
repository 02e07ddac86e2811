"""The Graph source through msal and requests against the identity and Graph emulators (issue 10):
app-only sync, delta with adds, moves and deletes, paging with a checkpoint per page, throttling,
expired delta tokens, the idle poll's $batch, and errors in their failure classes."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commsync.errors import FailureClass
from commsync.local_mode import drain, run_once
from commsync.models import MailboxRef, PollJob
from commsync.services.poll import PollStatus
from emulators.tls import TlsFiles, self_signed
from tests.integration.test_graph_support import (
    ANN,
    BUCKET,
    CLIENT_ID,
    KEY,
    graph_world,
    identity_with_app,
    message,
    write_corpus,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def tls(tmp_path: Path) -> TlsFiles:
    return self_signed(tmp_path / "tls")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    write_corpus(tmp_path / "data", count=20)
    return tmp_path / "data"


def _folders(comments: dict[str, dict[str, object]]) -> dict[str, str]:
    return {cid: c["user_properties"]["string:Folder"] for cid, c in comments.items()}  # type: ignore[index]


def test_app_only_backfill_then_delta_sees_adds_moves_and_deletes(
    tmp_path: Path, data: Path, tls: TlsFiles
) -> None:
    with graph_world(tmp_path, data, tls, page_size=3) as world:
        # GIVEN a mailbox synced once, in pages of 3 (a checkpoint after each page)
        first = world.sync()
        assert first.status is PollStatus.DONE, first.error
        assert first.counts.created == 20
        inbox = world.emulator.store.messages(ANN, "Inbox")

        # WHEN an email arrives, one moves to Archive and one is deleted on the server
        added = message(99, "Gus Hale <gus@fabrikam.example>")
        world.emulator.store.add(ANN, "Inbox", added)
        moved_id = world.emulator.store.move(ANN, inbox[0].id, "Archive")
        world.emulator.store.delete(ANN, inbox[1].id)
        world.emulator.stats.reset()
        second = world.sync()

        # THEN the new email is a comment, the moved one keeps its comment with the new folder,
        # the deleted one's comment stays (comments outlive their emails), and the moved email's
        # immutable id did not change
        assert second.status is PollStatus.DONE, second.error
        assert (second.counts.created, second.counts.updated) == (1, 1)
        comments = world.comments()
        assert len(comments) == 21
        folders = _folders(comments)
        moved_comment = inbox[0].internet_message_id.encode().hex()  # type: ignore[union-attr]
        assert folders[moved_comment] == "Archive"
        assert inbox[1].internet_message_id.encode().hex() in comments  # type: ignore[union-attr]
        assert moved_id == inbox[0].id
        # AND only the new email and the moved one were fetched ($batch sub-requests count too)
        assert world.emulator.stats["op:message.$value"] == 2


def test_a_large_folder_resumes_at_the_last_stored_page(tmp_path: Path, data: Path, tls: TlsFiles) -> None:
    with graph_world(tmp_path, data, tls, page_size=2) as world:
        # GIVEN a sync that stops after three pages (the invocation's time ran out)
        engine = world.runtime.engine
        ref = MailboxRef(integration=KEY, address=ANN)
        pages = 0

        def stop_after_three(_ref: MailboxRef, _counts: object) -> None:
            nonlocal pages
            pages += 1
            if pages == 3:
                raise KeyboardInterrupt  # a crash after the third page's checkpoint

        with pytest.raises(KeyboardInterrupt):
            engine.queue.send([PollJob(mailbox=ref, enqueued_at=datetime.now(UTC))])
            drain(world.runtime, progress=stop_after_three)
        stored = len(world.comments())
        world.emulator.stats.reset()

        # WHEN it syncs again
        outcome = world.sync()

        # THEN it resumed from the stored nextLink: nothing fetched twice, nothing missed
        assert outcome.status is PollStatus.DONE, outcome.error
        assert 0 < stored < 20
        assert len(world.comments()) == 20
        assert outcome.counts.created == 20 - stored and outcome.counts.unchanged == 0


def test_throttling_is_honoured_within_the_time_left(tmp_path: Path, data: Path, tls: TlsFiles) -> None:
    with graph_world(tmp_path, data, tls) as world:
        # GIVEN Graph throttles the next three requests with Retry-After: 1
        world.emulator.faults.fail_next(ANN, 3, status=429, retry_after=1)
        started = time.monotonic()
        outcome = world.sync()
        # THEN the sync waited and finished
        assert outcome.status is PollStatus.DONE, outcome.error
        assert len(world.comments()) == 20
        assert time.monotonic() - started >= 3
        assert world.emulator.stats["status:429"] == 3


def test_a_retry_after_longer_than_the_time_left_goes_to_the_next_poll(
    tmp_path: Path, data: Path, tls: TlsFiles
) -> None:
    with graph_world(tmp_path, data, tls) as world:
        # GIVEN Graph asks for an hour's pause (longer than the poll's 15-minute budget)
        world.emulator.faults.fail_next(ANN, 1, status=503, retry_after=3600)
        started = time.monotonic()
        outcome = world.sync()
        # THEN the poll fails fast as transient, carrying no wait of its own
        assert outcome.failure_class is FailureClass.TRANSIENT
        assert "busy or unavailable" in (outcome.error or "") or "longer than the time left" in (
            outcome.error or ""
        )
        assert time.monotonic() - started < 5
        # AND the next poll syncs everything
        assert world.sync().status is PollStatus.DONE
        assert len(world.comments()) == 20


def test_an_expired_delta_token_restarts_the_folder_without_duplicates(
    tmp_path: Path, data: Path, tls: TlsFiles
) -> None:
    with graph_world(tmp_path, data, tls) as world:
        assert world.sync().status is PollStatus.DONE
        # GIVEN every delta token of the mailbox expired (410 syncStateNotFound)
        world.emulator.store.invalidate_delta_tokens(ANN)
        world.emulator.store.add(ANN, "Inbox", message(77, "Gus Hale <gus@fabrikam.example>"))
        # WHEN it syncs
        outcome = world.sync()
        # THEN the folders were read again, the new email arrived, nothing was created twice
        assert outcome.status is PollStatus.DONE, outcome.error
        assert outcome.counts.created == 1
        assert outcome.counts.unchanged == 20
        assert world.emulator.stats["status:410"] >= 1


def test_an_idle_poll_asks_every_folder_in_one_batch(tmp_path: Path, data: Path, tls: TlsFiles) -> None:
    with graph_world(tmp_path, data, tls) as world:
        assert world.sync().status is PollStatus.DONE
        world.emulator.stats.reset()
        # WHEN nothing changed and it polls again
        outcome = world.sync()
        stats = world.emulator.stats.snapshot()
        # THEN one folder delta and one $batch of the folders' deltaLinks did it (8 mail folders)
        assert outcome.status is PollStatus.DONE and outcome.counts.created == 0
        assert stats["op:messages.delta"] == 8
        assert stats["http_requests"] == 2, stats
        assert stats["batch_requests"] == 1
        assert world.emulator.concurrency.peak  # the batch stayed within 4 per mailbox:
        assert max(world.emulator.concurrency.peak.values()) <= 4


def test_an_unknown_mailbox_is_a_mailbox_failure(tmp_path: Path, data: Path, tls: TlsFiles) -> None:
    with graph_world(tmp_path, data, tls, mailboxes=["nobody@contoso.example"]) as world:
        result = run_once(world.runtime)[f"{KEY}#nobody@contoso.example"]
        assert result.failure_class is FailureClass.MAILBOX
        assert "does not exist" in (result.error or "")


def test_an_app_without_mail_read_is_an_integration_failure(
    tmp_path: Path, data: Path, tls: TlsFiles
) -> None:
    with graph_world(tmp_path, data, tls, identity=identity_with_app(roles=["User.Read.All"])) as world:
        outcome = world.sync()
        assert outcome.failure_class is FailureClass.INTEGRATION
        assert "Mail.Read" in (outcome.error or "")


def test_a_mailbox_withheld_by_an_access_policy_is_a_mailbox_failure(
    tmp_path: Path, data: Path, tls: TlsFiles
) -> None:
    with graph_world(tmp_path, data, tls) as world:
        world.emulator.deny.add((CLIENT_ID, ANN))
        outcome = world.sync()
        assert outcome.failure_class is FailureClass.MAILBOX
        assert "denied" in (outcome.error or "")


def test_a_wrong_client_secret_is_an_integration_failure_that_never_shows_the_secret(
    tmp_path: Path, data: Path, tls: TlsFiles
) -> None:
    with graph_world(tmp_path, data, tls, secret={"client_secret": "not-the-secret-42"}) as world:
        outcome = world.sync()
        assert outcome.failure_class is FailureClass.INTEGRATION
        assert "invalid_client" in (outcome.error or "")
        assert "not-the-secret-42" not in (outcome.error or "")
        assert not (world.store / "comments" / BUCKET).exists()
