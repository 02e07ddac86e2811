"""The dispatcher sends every enabled mailbox once per interval, from a listing, writing nothing
per mailbox per poll (design section 3, issue 17)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from commsync.adapters.aws.sqs_queue import deduplication_id, group_id
from commsync.adapters.local.memory_queue import MemoryQueue
from commsync.errors import DisableReason
from commsync.models import MailboxRef, PollJob
from commsync.models.integration import Disabled
from commsync.schedule import due_slot, next_due, offset_seconds
from commsync.services.dispatch import dispatch
from commsync.services.manage import enable
from tests.support.local import KEY, local_world

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


def _drain(queue: MemoryQueue) -> list[PollJob]:
    jobs = []
    while (job := queue.receive()) is not None:
        jobs.append(job)
    return jobs


def _runs(engine: object, start: datetime, count: int, window: timedelta = WINDOW) -> None:
    for n in range(1, count + 1):
        dispatch(engine, until=start + n * window, window=window)  # type: ignore[arg-type]


def test_new_mailboxes_are_sent_at_once_and_then_once_in_each_interval(tmp_path: Path) -> None:
    # GIVEN two new mailboxes polled every 10 minutes
    world = local_world(tmp_path, ["a@x.example", "b@x.example"], poll_interval_seconds=600)
    engine, queue = world.runtime.engine, world.runtime.queue

    # WHEN the dispatcher runs once, then every 5 minutes for an hour
    first = dispatch(engine, until=NOW, window=WINDOW)
    _drain(queue)
    _runs(engine, NOW, 12)

    # THEN the first run sent both (new mailboxes are due at once), and the hour six of each
    assert first.sent == 2
    assert Counter(j.mailbox.address for j in _drain(queue)) == {"a@x.example": 6, "b@x.example": 6}


def test_every_mailbox_is_sent_once_per_interval_whatever_their_number(tmp_path: Path) -> None:
    # GIVEN 400 mailboxes polled every 5 minutes whose one-off first polls are behind them
    addresses = [f"m{n}@x.example" for n in range(400)]
    world = local_world(tmp_path, addresses, poll_interval_seconds=300)
    engine, queue = world.runtime.engine, world.runtime.queue
    dispatch(engine, until=NOW, window=WINDOW)
    _drain(queue)

    # WHEN the dispatcher runs each minute for 5 minutes
    _runs(engine, NOW, 5, timedelta(minutes=1))

    # THEN each mailbox was sent exactly once, spread over the runs by its offset
    jobs = _drain(queue)
    assert Counter(j.mailbox.address for j in jobs) == dict.fromkeys(addresses, 1)
    per_run = Counter(j.enqueued_at.replace(second=0) for j in jobs)
    assert len(per_run) >= 5 and max(per_run.values()) < 200


def test_a_run_repeated_for_its_window_sends_the_same_jobs_which_the_queue_deduplicates(
    tmp_path: Path,
) -> None:
    world = local_world(tmp_path, ["a@x.example"], poll_interval_seconds=300)
    engine, queue = world.runtime.engine, world.runtime.queue
    dispatch(engine, until=NOW, window=WINDOW)
    _drain(queue)

    dispatch(engine, until=NOW + WINDOW, window=WINDOW)
    dispatch(engine, until=NOW + WINDOW, window=WINDOW)  # EventBridge delivers at least once

    once, twice = _drain(queue)
    assert once == twice
    assert deduplication_id(once) == deduplication_id(twice) and group_id(once) == group_id(twice)
    # AND jobs that are not a slot's (continuations, on-demand) are never taken for repeats
    manual = once.model_copy(update={"folder": "Inbox"})
    assert deduplication_id(manual) != deduplication_id(manual)


def test_disabled_mailboxes_are_not_listed_and_return_when_enabled(tmp_path: Path) -> None:
    world = local_world(tmp_path, ["a@x.example", "b@x.example"])
    engine = world.runtime.engine
    ref = MailboxRef(integration=KEY, address="b@x.example")
    found = engine.state.get_mailbox(ref)
    assert found is not None
    disabled = Disabled(reason=DisableReason.SYNC_ERROR, at=NOW, error="mailbox not found")
    engine.state.save_mailbox_state(ref, found[1].model_copy(update={"disabled": disabled}))

    assert [e.ref.address for e in engine.state.schedule_listing()] == ["a@x.example"]
    assert enable(engine, KEY, "b@x.example")
    assert [e.ref.address for e in engine.state.schedule_listing()] == ["a@x.example", "b@x.example"]


def test_mailboxes_of_a_disabled_integration_are_skipped(tmp_path: Path) -> None:
    world = local_world(tmp_path, ["a@x.example"], poll_interval_seconds=300)
    engine = world.runtime.engine
    engine.state.set_integration_disabled(KEY, Disabled(reason=DisableReason.USER, at=NOW))

    result = dispatch(engine, until=NOW, window=WINDOW)

    assert (result.sent, result.skipped, result.mailboxes) == (0, 1, 1)
    assert len(world.runtime.queue) == 0


def test_a_one_off_poll_is_sent_once_and_the_shown_next_poll_is_the_next_slot(tmp_path: Path) -> None:
    world = local_world(tmp_path, ["a@x.example"], poll_interval_seconds=3600)
    engine, queue = world.runtime.engine, world.runtime.queue
    ref = MailboxRef(integration=KEY, address="a@x.example")
    dispatch(engine, until=NOW, window=WINDOW)
    _drain(queue)
    soon = NOW + timedelta(minutes=2)
    engine.state.schedule_poll(ref, soon)

    _runs(engine, NOW, 2)

    # THEN the first run after it sent it (stamped with that run's time), and it is gone
    assert NOW + WINDOW in [j.enqueued_at for j in _drain(queue)]
    assert [e.poll_at for e in engine.state.schedule_listing()] == [None]
    found = engine.state.get_mailbox(ref)
    assert found is not None and found[1].next_poll_at is not None
    assert found[1].next_poll_at <= datetime.now(UTC) + timedelta(seconds=3600)


def test_slots_are_stable_per_mailbox_and_a_long_window_sends_one_poll() -> None:
    key = f"{KEY}#a@x.example"
    assert offset_seconds(key, 300) == offset_seconds(key, 300) < 300
    due = next_due(key, 300, NOW)
    assert NOW < due <= NOW + timedelta(seconds=300)
    assert due_slot(key, 300, due - timedelta(seconds=1), due) is not None
    assert due_slot(key, 300, due, due + timedelta(seconds=299)) is None
    # A dispatcher that missed an hour sends one poll, not twelve.
    assert due_slot(key, 300, NOW, NOW + timedelta(hours=1)) is not None
