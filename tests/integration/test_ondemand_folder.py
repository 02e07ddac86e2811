"""An on-demand sync of a folder the mailbox does not have says so where the user looks next:
the mailbox's status, not only the log (issue 10)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from commsync.local_mode import drain
from commsync.models import MailboxRef, PollJob
from commsync.models.job import JobReason
from commsync.services.poll import PollStatus
from emulators.ews import EwsEmulator
from tests.support.ews import KEY, SERVICE_PASSWORD, SERVICE_USER, EwsWorld, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"
REF = MailboxRef(integration=KEY, address=ANN)


def _on_demand(world: EwsWorld, folder: str) -> str | None:
    job = PollJob(mailbox=REF, reason=JobReason.MANUAL, enqueued_at=datetime.now(UTC), folder=folder)
    world.runtime.engine.queue.send([job])
    outcome = drain(world.runtime)[REF.key]
    assert outcome.status is PollStatus.DONE, outcome.error
    found = world.runtime.engine.state.get_mailbox(REF)
    assert found is not None
    assert found[1].failures == 0  # a wrong folder name is the request's fault, not the mailbox's
    return found[1].last_error


def test_an_unknown_or_ambiguous_folder_is_reported_in_the_status_and_cleared_by_the_next_sync(
    tmp_path: Path,
) -> None:
    # GIVEN Ann's mailbox with Inbox, Inbox/Projects and Archive/Projects
    data = tmp_path / "data"
    for n, folder in enumerate(["Inbox", "Inbox/Projects", "Archive/Projects"]):
        write_eml(data, ANN, folder, f"{n}.eml", email_bytes(n))
    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    with ews_world(tmp_path, emulator, [ANN]) as world:
        # WHEN an on-demand sync asks for "Archiv", a folder she does not have
        unknown = _on_demand(world, "Archiv")

        # THEN nothing is synced, and the status names the folder and the folders there are
        assert world.comments() == {}
        assert unknown is not None and "no folder 'Archiv'" in unknown
        assert "Archive/Projects" in unknown and "Inbox/Projects" in unknown

        # WHEN it asks for "Projects", which two folders are named
        ambiguous = _on_demand(world, "Projects")

        # THEN the status asks for the path, naming both
        assert ambiguous is not None and "several folders are named 'Projects'" in ambiguous
        assert "Archive/Projects, Inbox/Projects" in ambiguous

        # WHEN it gives the path, and then the scheduled sync runs
        assert _on_demand(world, "archive/projects") is None
        assert len(world.comments()) == 1
        world.sync()

        # THEN all three emails are comments and the status is clean
        assert len(world.comments()) == 3
        found = world.runtime.engine.state.get_mailbox(REF)
        assert found is not None and found[1].last_error is None
