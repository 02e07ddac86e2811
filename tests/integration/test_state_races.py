"""A poller saving a mailbox's state while the user stops that mailbox: neither write is lost
(services/mailbox_state.py; the state's revision makes the save conditional)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from commsync.errors import DisableReason
from commsync.models import MailboxRef
from commsync.services import manage
from emulators.ews import EwsEmulator
from tests.support.ews import KEY, SERVICE_PASSWORD, SERVICE_USER, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"
REF = MailboxRef(integration=KEY, address=ANN)


def test_a_stop_between_the_pollers_read_and_write_survives_and_so_do_the_pollers_counts(
    tmp_path: Path,
) -> None:
    # GIVEN Ann's mailbox with three emails, and a user who stops it at the worst moment: right
    # after the poller has read the state it is about to save
    data = tmp_path / "data"
    for n in range(3):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    with ews_world(tmp_path, emulator, [ANN]) as world:
        engine = world.runtime.engine
        load_mailbox = engine.state.load_mailbox
        reads: list[MailboxRef] = []

        def read_then_user_stops(ref: MailboxRef) -> Any:
            # The poll reads its whole state once (issue 17) and saves from what it read.
            found = load_mailbox(ref)
            reads.append(ref)
            if len(reads) == 1:
                manage.switch_mailbox(engine, ref, enabled=False)
            return found

        engine.state.load_mailbox = read_then_user_stops  # type: ignore[method-assign]

        # WHEN the poll ends and saves its state
        outcome = world.sync()[REF.key]

        # THEN the user's stop stands, and the poll's figures were added on top of it
        engine.state.load_mailbox = load_mailbox  # type: ignore[method-assign]
        found = engine.state.get_mailbox(REF)
        assert found is not None
        state = found[1]
        assert outcome.counts.created == 3
        assert state.disabled is not None and state.disabled.reason is DisableReason.USER
        assert state.counts.created == 3 and state.last_success_at is not None
        assert state.revision == 2  # the stop, then the poller's save applied again on top
