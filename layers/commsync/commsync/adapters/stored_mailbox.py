"""Reading a stored mailbox that may not validate, for every state adapter (issue 16).

A row written by an older version, or by hand, may no longer pass today's validation (a
filter nested past the bound, an address the kind refuses). Such a row must fail only its own
mailbox, visibly, never every listing: it is read as a mailbox disabled with a sync error that
says why and how to fix it, and nothing polls it until it is replaced or deleted.
"""

from __future__ import annotations

from pydantic import ValidationError

from commsync.errors import DisableReason, FailureClass
from commsync.models import Mailbox, MailboxState
from commsync.models.common import utc_now
from commsync.models.integration import UNREADABLE_SETTINGS, Disabled
from commsync.observability import logger


def mailbox_row(integration: str, address: str, config: str, state: str) -> tuple[Mailbox, MailboxState]:
    try:
        return Mailbox.model_validate_json(config), MailboxState.model_validate_json(state)
    except (ValidationError, ValueError, RecursionError) as exc:
        problem = first_problem(exc)
    logger.error(
        "a stored mailbox cannot be read",
        extra={"integration": integration, "mailbox": address, "problem": problem},
    )
    unreadable = Disabled(
        reason=DisableReason.SYNC_ERROR,
        at=utc_now(),
        failure_class=FailureClass.MAILBOX,
        error=f"{UNREADABLE_SETTINGS} ({problem}); replace them (PUT) or delete the mailbox",
    )
    # Built without validation: the address itself may be what no longer validates. The state
    # keeps its revision, so a conditional save (enable, stop) still applies to it.
    mailbox = Mailbox.model_construct(integration=integration, address=address)
    try:
        stored = MailboxState.model_validate_json(state)
    except (ValidationError, ValueError, RecursionError):
        stored = MailboxState()
    return mailbox, stored.model_copy(update={"disabled": unreadable})


def first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        error = exc.errors()[0]
        where = (
            ".".join(str(p) for p in error["loc"] if p not in ("term", "key-value", "group")) or "settings"
        )
        return f"{where}: {str(error['msg']).removeprefix('Value error, ')}"[:300]
    return type(exc).__name__
