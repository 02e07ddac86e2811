"""The dispatcher sends one job per due, enabled mailbox and reschedules each one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from commsync.errors import DisableReason
from commsync.models import MailboxRef
from commsync.models.integration import Disabled
from commsync.services.dispatch import dispatch
from commsync.services.manage import enable
from tests.support.local import KEY, local_world

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def _drain_refs(world_queue: object) -> list[str]:
    refs = []
    while (job := world_queue.receive()) is not None:  # type: ignore[attr-defined]
        refs.append(job.mailbox.address)
    return refs


def test_new_mailboxes_are_due_at_once_and_then_after_their_interval(tmp_path: Path) -> None:
    world = local_world(tmp_path, ["a@x.example", "b@x.example"], poll_interval_seconds=600)
    engine, queue = world.runtime.engine, world.runtime.queue
    engine.clock = lambda: NOW

    first = dispatch(engine)
    again = dispatch(engine)
    engine.clock = lambda: NOW + timedelta(seconds=601)
    later = dispatch(engine)

    assert (first.sent, again.sent, later.sent) == (2, 0, 2)
    assert sorted(_drain_refs(queue)) == ["a@x.example", "a@x.example", "b@x.example", "b@x.example"]


def test_disabled_mailboxes_leave_the_due_index_and_return_when_enabled(tmp_path: Path) -> None:
    world = local_world(tmp_path, ["a@x.example", "b@x.example"])
    engine = world.runtime.engine
    engine.clock = lambda: NOW
    ref = MailboxRef(integration=KEY, address="b@x.example")
    found = engine.state.get_mailbox(ref)
    assert found is not None
    disabled = Disabled(reason=DisableReason.SYNC_ERROR, at=NOW, error="mailbox not found")
    engine.state.save_mailbox_state(ref, found[1].model_copy(update={"disabled": disabled}))

    assert [r.address for r, _ in engine.state.due_mailboxes(NOW, 10)] == ["a@x.example"]
    assert enable(engine, KEY, "b@x.example")
    assert sorted(r.address for r, _ in engine.state.due_mailboxes(NOW, 10)) == ["a@x.example", "b@x.example"]


def test_mailboxes_of_a_disabled_integration_are_skipped_and_rescheduled(tmp_path: Path) -> None:
    world = local_world(tmp_path, ["a@x.example"], poll_interval_seconds=300)
    engine = world.runtime.engine
    engine.clock = lambda: NOW
    engine.state.set_integration_disabled(KEY, Disabled(reason=DisableReason.USER, at=NOW))

    result = dispatch(engine)

    assert (result.sent, result.skipped) == (0, 1)
    assert engine.state.due_mailboxes(NOW, 10) == []
    assert len(engine.state.due_mailboxes(NOW + timedelta(seconds=300), 10)) == 1


def test_the_dispatcher_takes_at_most_its_limit_oldest_first(tmp_path: Path) -> None:
    world = local_world(tmp_path, [f"m{n}@x.example" for n in range(5)])
    engine = world.runtime.engine
    for n in range(5):
        engine.state.schedule_poll(
            MailboxRef(integration=KEY, address=f"m{n}@x.example"), NOW - timedelta(minutes=10 - n)
        )
    engine.clock = lambda: NOW

    assert dispatch(engine, limit=2).sent == 2
    assert _drain_refs(world.runtime.queue) == ["m0@x.example", "m1@x.example"]
