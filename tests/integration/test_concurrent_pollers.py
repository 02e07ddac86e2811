"""Two pollers on one mailbox: the lease lets one work, and a poller that lost its lease (stalled past
it) writes no checkpoint, so the stored checkpoint never goes back (issue 6)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from commsync.engine import Engine
from commsync.models import Checkpoint, MailboxRef, PollJob
from commsync.services.poll import PollLimits, PollOutcome, PollStatus, poll
from emulators.ews import EwsEmulator
from tests.support.ews import KEY, SERVICE_PASSWORD, SERVICE_USER, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"


def _emulator(tmp: Path, count: int) -> EwsEmulator:
    data = tmp / "data"
    for n in range(count):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    return EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})


def _in_thread(
    engine: Engine, limits: PollLimits, results: dict[str, PollOutcome], name: str
) -> threading.Thread:
    job = PollJob(mailbox=MailboxRef(integration=KEY, address=ANN), enqueued_at=engine.clock())
    thread = threading.Thread(
        target=lambda: results.__setitem__(name, poll(engine, job, limits=limits)), name=name
    )
    thread.start()
    return thread


def test_a_second_poller_on_a_leased_mailbox_leaves_without_work(tmp_path: Path) -> None:
    # GIVEN a slow server, so that the first poll is still running when the second starts
    emulator = _emulator(tmp_path, 8)
    emulator.faults.set(ANN, delay_seconds=0.1)
    with ews_world(tmp_path, emulator, [ANN]) as world:
        engine = world.runtime.engine
        results: dict[str, PollOutcome] = {}
        limits = PollLimits(page_size=2, lease_seconds=60)

        # WHEN a second poller starts once the first holds the lease (waited for, not timed, so a
        # slow machine cannot start the second first)
        leased = threading.Event()
        acquire_lease = engine.state.acquire_lease

        def signalling(*args: Any) -> bool:
            taken = acquire_lease(*args)
            if taken:
                leased.set()
            return taken

        engine.state.acquire_lease = signalling  # type: ignore[method-assign,assignment]
        first = _in_thread(engine, limits, results, "first")
        assert leased.wait(30)
        second = _in_thread(engine, limits, results, "second")
        first.join(60)
        second.join(60)

        # THEN one did all the work and the other left without any
        assert results["first"].status is PollStatus.DONE and results["first"].counts.created == 8
        assert results["second"].status is PollStatus.BUSY and results["second"].counts.created == 0
        assert len(world.comments()) == 8


def test_a_poller_that_lost_its_lease_never_moves_the_checkpoint_back(tmp_path: Path) -> None:
    # GIVEN a first poller that stalls past its one-second lease on its first page
    emulator = _emulator(tmp_path, 6)
    with ews_world(tmp_path, emulator, [ANN]) as world:
        engine = world.runtime.engine
        results: dict[str, PollOutcome] = {}
        writes: list[tuple[str, str]] = []
        put_checkpoint_leased = engine.state.put_checkpoint_leased

        def recording(checkpoint: Checkpoint, *lease: Any) -> bool:
            written = put_checkpoint_leased(checkpoint, *lease)
            if written:
                writes.append((threading.current_thread().name, checkpoint.folder_id))
            return written

        engine.state.put_checkpoint_leased = recording  # type: ignore[method-assign,assignment]
        emulator.faults.set(ANN, delay_seconds=1.5)
        first = _in_thread(engine, PollLimits(page_size=3, lease_seconds=1), results, "first")
        time.sleep(1.2)

        # WHEN a second poller comes after the lease expired, on a server that is fast again
        emulator.faults.clear(ANN)
        second = _in_thread(engine, PollLimits(page_size=3, lease_seconds=60), results, "second")
        second.join(60)
        first.join(60)

        # THEN the second synced everything; the first stopped as lease-lost and wrote no checkpoint
        # after the second's (nothing written by "first" follows anything written by "second")
        assert results["second"].status is PollStatus.DONE
        assert results["first"].status is PollStatus.LEASE_LOST
        names = [name for name, _ in writes]
        assert "second" in names
        assert "first" not in names[names.index("second") :]
        assert len(world.comments()) == 6
