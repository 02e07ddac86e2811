"""Crashes, competing pollers, time budgets and quota: still no loss and no duplicate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commsync.models import Checkpoint, MailboxRef, PollJob
from commsync.models.usage import usage_period
from commsync.ports import BlobStore, MailboxSnapshot
from commsync.services.poll import PollLimits, PollStatus, poll
from tests.support.local import KEY, PROJECT, local_world
from tests.support.mail import email_bytes, write_eml

ANN = "ann@northwind.example"
REF = MailboxRef(integration=KEY, address=ANN)
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


class Crash(Exception):
    """Stands for the process dying: nothing after it runs."""


class CrashingBlobs:
    """The real store, failing on the n-th write, like a Lambda killed mid-page."""

    def __init__(self, inner: BlobStore, crash_on_put: int) -> None:
        self.inner, self.left = inner, crash_on_put

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.left -= 1
        if self.left == 0:
            raise Crash(key)
        self.inner.put(key, data, content_type)

    def get(self, key: str) -> bytes | None:
        return self.inner.get(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        self.put(key, path.read_bytes(), content_type)

    def keys(self, prefix: str) -> Iterator[str]:
        return self.inner.keys(prefix)


def _job() -> PollJob:
    return PollJob(mailbox=REF, enqueued_at=datetime.now(UTC))


@pytest.mark.parametrize("crash_on_put", [1, 2, 3, 5, 8, 13, 17])
def test_given_a_crash_at_any_write_when_polled_again_then_each_email_is_one_comment(
    tmp_path: Path, crash_on_put: int
) -> None:
    world = local_world(tmp_path, [ANN], page_size=3)
    for n in range(7):
        write_eml(
            world.mail,
            ANN,
            "Inbox",
            f"{n}.eml",
            email_bytes(n, attachment=("a.pdf", b"%PDF") if n % 2 else None),
        )
    engine = world.runtime.engine
    real = engine.blobs
    engine.blobs = CrashingBlobs(real, crash_on_put)
    with pytest.raises(Crash):
        poll(engine, _job(), limits=PollLimits(page_size=3))
    engine.blobs = real

    outcome = poll(engine, _job(), limits=PollLimits(page_size=3))

    assert outcome.status is PollStatus.DONE
    comments = world.comments()
    assert sorted(comments) == sorted(f"<order-{n}@northwind.example>".encode().hex() for n in range(7))
    period = usage_period(datetime.now(UTC))
    assert engine.state.get_usage(PROJECT, period).ai_units == 7


def test_given_another_poller_moved_the_checkpoint_first_then_this_one_stops_without_writing(
    tmp_path: Path,
) -> None:
    # GIVEN a poller that read the mailbox's state, and another that moved its Inbox checkpoint since
    world = local_world(tmp_path, [ANN])
    write_eml(world.mail, ANN, "Inbox", "0.eml", email_bytes(0))
    engine = world.runtime.engine
    load = engine.state.load_mailbox

    def load_then_race(ref: MailboxRef) -> MailboxSnapshot | None:
        snapshot = load(ref)
        rival = Checkpoint(
            integration=KEY,
            mailbox=ANN,
            folder_id="Inbox",
            folder_path="Inbox",
            token="rival",
            updated_at=NOW,
        )
        assert engine.state.put_checkpoint(rival)
        return snapshot

    engine.state.load_mailbox = load_then_race  # type: ignore[method-assign]

    # WHEN it polls
    outcome = poll(engine, _job())

    # THEN it stops at its first write, refused, and the other poller's checkpoint stands; the
    # email it stored before that write is one comment, whoever stores it again
    assert outcome.status is PollStatus.SUPERSEDED
    stored = engine.state.get_checkpoint(REF, "Inbox")
    assert stored is not None and stored.token == "rival"
    assert len(world.comments()) == 1


def test_given_little_time_left_then_it_checkpoints_and_continues_without_redoing_work(
    tmp_path: Path,
) -> None:
    world = local_world(tmp_path, [ANN], page_size=2)
    for n in range(5):
        write_eml(world.mail, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    engine, queue = world.runtime.engine, world.runtime.queue
    # Less than the reserve is left once the first page is stored.
    first = poll(
        engine, _job(), remaining_seconds=lambda: 10.0, limits=PollLimits(page_size=2, reserve_seconds=30)
    )

    assert first.status is PollStatus.CONTINUED and first.counts.created == 2
    continuation = queue.receive()
    assert continuation is not None and continuation.reason == "continuation"
    second = poll(engine, continuation, limits=PollLimits(page_size=2))
    assert second.status is PollStatus.DONE
    assert (second.counts.created, second.counts.unchanged) == (3, 0)
    assert len(world.comments()) == 5


def test_given_a_quota_when_reached_then_the_project_is_disabled_with_reason_quota(tmp_path: Path) -> None:
    world = local_world(tmp_path, [ANN], quota=3, page_size=2)
    for n in range(6):
        write_eml(world.mail, ANN, "Inbox", f"{n}.eml", email_bytes(n))

    world.sync()

    integration = world.runtime.engine.state.get_integration(KEY)
    assert integration is not None and integration.disabled is not None
    assert integration.disabled.reason == "quota"
    assert len(world.comments()) < 6
    notifier = world.runtime.engine.notifier
    assert [n.reason for n in notifier.sent] == ["quota"]  # type: ignore[attr-defined]
    assert world.sync() == {}  # a disabled integration is not polled


def test_given_a_comment_then_its_raw_mime_and_attachments_are_stored_under_s3_style_keys(
    tmp_path: Path,
) -> None:
    world = local_world(tmp_path, [ANN])
    raw = email_bytes(3, attachment=("report.pdf", b"%PDF-1.4 test"))
    write_eml(world.mail, ANN, "Inbox", "3.eml", raw)

    world.sync()

    ((comment_id, doc),) = world.comments().items()
    comment = json.loads(doc)
    assert (world.store / "raw" / "acme-mail" / f"{comment_id}.eml").read_bytes() == raw
    (attachment,) = comment["attachments"]
    stored = world.store / "attachments" / "acme-mail" / attachment["attachment_reference"]
    assert stored.read_bytes() == b"%PDF-1.4 test"
    assert attachment["size"] == len(b"%PDF-1.4 test") and attachment["name"] == "report.pdf"
