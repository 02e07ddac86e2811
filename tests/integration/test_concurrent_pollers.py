"""Two pollers on one mailbox (a FIFO message redelivered past its visibility timeout, two
runners): no lease, yet no comment lost or doubled, AI units counted once, and a poller that
stalled never moves a checkpoint back, because every checkpoint write compares and sets the
revision it read (design 3, issues 6 and 17)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commsync.engine import Engine
from commsync.models import Checkpoint, MailboxRef, PollJob
from commsync.models.usage import usage_period
from commsync.services.poll import PollLimits, PollOutcome, PollStatus, poll
from emulators.ews import EwsEmulator
from tests.support.ews import KEY, SERVICE_PASSWORD, SERVICE_USER, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"
REF = MailboxRef(integration=KEY, address=ANN)


def _emulator(tmp: Path, count: int) -> EwsEmulator:
    data = tmp / "data"
    for n in range(count):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    return EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})


def _in_thread(
    engine: Engine, limits: PollLimits, results: dict[str, PollOutcome], name: str
) -> threading.Thread:
    job = PollJob(mailbox=REF, enqueued_at=engine.clock())
    thread = threading.Thread(
        target=lambda: results.__setitem__(name, poll(engine, job, limits=limits)), name=name
    )
    thread.start()
    return thread


def _ai_units(engine: Engine) -> int:
    project = KEY.split("/")[0]
    return engine.state.get_usage(project, usage_period(datetime.now(UTC))).ai_units


def test_two_pollers_receiving_the_same_mailbox_store_each_email_once(tmp_path: Path) -> None:
    # GIVEN a slow server, so that both polls of the same mailbox run at once
    emulator = _emulator(tmp_path, 8)
    emulator.faults.set(ANN, delay_seconds=0.05)
    with ews_world(tmp_path, emulator, [ANN]) as world:
        engine = world.runtime.engine
        results: dict[str, PollOutcome] = {}

        # WHEN two pollers receive it together
        threads = [_in_thread(engine, PollLimits(page_size=2), results, name) for name in ("one", "two")]
        for thread in threads:
            thread.join(120)

        # THEN each email is one comment, charged once; at least one went to the end, the other
        # either did too (the same pages, idempotently) or stopped when its write was refused
        statuses = {results["one"].status, results["two"].status}
        assert PollStatus.DONE in statuses and statuses <= {PollStatus.DONE, PollStatus.SUPERSEDED}
        assert len(world.comments()) == 8 and _ai_units(engine) == 8
        # AND the checkpoints stored are complete: the next poll finds nothing to do
        emulator.faults.clear(ANN)
        again = poll(engine, PollJob(mailbox=REF, enqueued_at=engine.clock()))
        assert again.status is PollStatus.DONE and again.counts.created == 0


def test_a_poller_that_stalled_while_another_went_on_never_moves_a_checkpoint_back(tmp_path: Path) -> None:
    # GIVEN a first poller held back at its first checkpoint write until a second poll has finished
    emulator = _emulator(tmp_path, 6)
    with ews_world(tmp_path, emulator, [ANN]) as world:
        engine = world.runtime.engine
        results: dict[str, PollOutcome] = {}
        writes: list[tuple[str, str, bool]] = []
        second_done = threading.Event()
        put_checkpoint = engine.state.put_checkpoint

        def stalling(checkpoint: Checkpoint) -> bool:
            name = threading.current_thread().name
            if name == "first":
                assert second_done.wait(60)
            written = put_checkpoint(checkpoint)
            writes.append((name, checkpoint.folder_id, written))
            return written

        engine.state.put_checkpoint = stalling  # type: ignore[method-assign]
        first = _in_thread(engine, PollLimits(page_size=3), results, "first")

        # WHEN the second poller syncs everything meanwhile, and then the first comes back
        second = _in_thread(engine, PollLimits(page_size=3), results, "second")
        second.join(60)
        second_done.set()
        first.join(60)

        # THEN the second is done; the first's write was refused and it stopped there
        assert results["second"].status is PollStatus.DONE
        assert results["first"].status is PollStatus.SUPERSEDED
        assert [w for w in writes if w[0] == "first"] == [("first", writes[-1][1], False)]
        snapshot = engine.state.load_mailbox(REF)
        assert snapshot is not None
        inbox = next(c for c in snapshot.checkpoints.values() if c.folder_path == "Inbox")
        # every stored revision is one of the second's writes
        assert inbox.revision == sum(1 for w in writes if w[1] == inbox.folder_id and w[2])
        assert len(world.comments()) == 6 and _ai_units(engine) == 6
