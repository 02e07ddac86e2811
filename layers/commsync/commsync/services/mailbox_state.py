"""Read-change-write of a mailbox's state that loses no concurrent write.

The poller, the API (enable, stop, start) and the CLI all rewrite the state document. Each
change is a function of the state as read; it is saved only if no one saved since (the state's
revision), else it is applied again to what is there now.
"""

from __future__ import annotations

from collections.abc import Callable

from commsync.engine import Engine
from commsync.errors import TransientError
from commsync.models import MailboxRef, MailboxState

ATTEMPTS = 10


def update_mailbox_state(
    engine: Engine, ref: MailboxRef, change: Callable[[MailboxState], MailboxState]
) -> MailboxState | None:
    """The state as saved, or None when the mailbox no longer exists. `change` may run more than
    once: it must not act on anything but the state it is given."""
    for _ in range(ATTEMPTS):
        found = engine.state.get_mailbox(ref)
        if found is None:
            return None
        current = found[1]
        updated = change(current)
        if updated == current:
            return current
        if engine.state.save_mailbox_state(ref, updated, expected_revision=current.revision):
            return updated.model_copy(update={"revision": current.revision + 1})
    raise TransientError(f"the state of mailbox {ref} kept changing while being saved; try again")
