"""A mailbox's last polls, kept bounded in its state for the console (issue 23)."""

from __future__ import annotations

import shutil
from pathlib import Path

from commsync.models import MailboxRef
from commsync.models.mailbox import RECENT_POLLS, PollRecord
from tests.support.local import KEY, LocalWorld, local_world
from tests.support.mail import email_bytes, write_eml

ANN = "ann@northwind.example"


def _polls(world: LocalWorld) -> list[PollRecord]:
    found = world.runtime.engine.state.get_mailbox(MailboxRef(integration=KEY, address=ANN))
    assert found is not None
    return found[1].recent_polls


def test_each_poll_is_recorded_newest_first_with_counts_and_error(tmp_path: Path) -> None:
    # GIVEN a mailbox with two emails that syncs once
    world = local_world(tmp_path, [ANN])
    for n in range(2):
        write_eml(world.mail, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    world.sync()
    # WHEN its directory disappears and the next poll fails
    shutil.rmtree(world.mail / ANN)
    world.sync()

    # THEN the history has both, the failure first, with its error in words
    failed, done = _polls(world)
    assert done.status == "done" and done.created == 2 and done.error is None
    assert failed.status == "failed" and "no directory" in str(failed.error)
    assert failed.at >= done.at and done.duration_seconds >= 0
    world.runtime.close()


def test_the_history_is_bounded(tmp_path: Path) -> None:
    # GIVEN more polls that found mail than the history holds
    world = local_world(tmp_path, [ANN])
    for n in range(RECENT_POLLS + 3):
        write_eml(world.mail, ANN, "Inbox", f"{n}.eml", email_bytes(n))
        world.sync()

    # THEN only the newest are kept
    polls = _polls(world)
    assert len(polls) == RECENT_POLLS and polls[-1].status == "done"
    assert [p.created for p in polls] == [1] * RECENT_POLLS
    world.runtime.close()


def test_an_idle_poll_writes_nothing_so_it_adds_no_history(tmp_path: Path) -> None:
    # GIVEN a synced mailbox (issue 17: an idle poll writes nothing, its history included)
    world = local_world(tmp_path, [ANN])
    write_eml(world.mail, ANN, "Inbox", "0.eml", email_bytes(0))
    world.sync()
    # WHEN it is polled again with nothing new
    world.sync()
    world.sync()
    # THEN the history still holds the one poll that found mail
    assert [p.created for p in _polls(world)] == [1]
    world.runtime.close()
