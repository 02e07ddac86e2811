"""Read-change-write of a mailbox's state that loses no concurrent write.

The poller, the API (enable, stop, start) and the CLI all rewrite the state document. Each
change is a function of the state as read; it is saved only if no one saved since (the state's
revision), else it is applied again to what is there now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from commsync.engine import Engine
from commsync.errors import TransientError
from commsync.models import Integration, Mailbox, MailboxRef, MailboxState, SyncCounts
from commsync.models.integration import Disabled
from commsync.models.mailbox import POLL_ERROR_CHARS, PollRecord
from commsync.services.failures import announce_disable, record_failure, record_success
from commsync.services.poll_outcome import PollOutcome, PollStatus

ATTEMPTS = 10
# Issue 17: an idle poll writes nothing, so "last sync" of a mailbox with nothing new is
# refreshed this often, not at every poll (one write per mailbox per hour, in the cost model).
LAST_SYNC_REFRESH = timedelta(hours=1)


def _unremarkable(base: MailboxState, outcome: PollOutcome, now: datetime) -> bool:
    """A successful poll that found nothing, after one that succeeded too and not long ago."""
    return (
        outcome.status is PollStatus.DONE
        and outcome.counts == SyncCounts()
        and outcome.notice == base.last_error
        and base.failures == 0
        and base.last_sync_at is not None
        and base.last_success_at == base.last_sync_at
        and now - base.last_sync_at < LAST_SYNC_REFRESH
    )


def update_mailbox_state(
    engine: Engine,
    ref: MailboxRef,
    change: Callable[[MailboxState], MailboxState],
    known: MailboxState | None = None,
) -> MailboxState | None:
    """The state as saved, or None when the mailbox no longer exists. `change` may run more than
    once: it must not act on anything but the state it is given. `known`, the state just read,
    saves the first read (a stale one only costs a retry: the save compares revisions)."""
    for attempt in range(ATTEMPTS):
        if attempt == 0 and known is not None:
            current = known
        else:
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


def save_outcome(
    engine: Engine,
    integration: Integration,
    mailbox: Mailbox,
    outcome: PollOutcome,
    known: MailboxState | None = None,
    started_at: datetime | None = None,
) -> None:
    """Record a poll's outcome in the mailbox's state; a disable it decides is announced once saved."""
    disabled: Disabled | None = None

    def change(base: MailboxState) -> MailboxState:
        # Applied to the state as it is now: the API or the dispatcher may have written meanwhile.
        nonlocal disabled
        now = engine.clock()
        if _unremarkable(base, outcome, now):
            return base
        update: dict[str, object] = {"last_sync_at": now, "counts": base.counts.add(outcome.counts)}
        if outcome.status is PollStatus.FAILED:
            update["last_error"] = f"{outcome.failure_class}: {outcome.error}"
            base, disabled = record_failure(engine, base, outcome.failure_class, outcome.error or "")
        elif outcome.status is PollStatus.SUPERSEDED:
            update["last_error"] = "another poller of this mailbox went on from the same checkpoint"
        else:
            update["last_success_at"] = now
            update["last_error"] = outcome.notice
            base = record_success(base)
        return base.model_copy(update=update).with_poll(_record(outcome, started_at or now, now))

    saved = update_mailbox_state(engine, mailbox.ref, change, known)
    if outcome.status is PollStatus.FAILED:
        engine.forget_integration(integration.key)  # a failure may have disabled it
    if saved is not None and disabled is not None:
        announce_disable(engine, integration, mailbox, saved, disabled)


def _record(outcome: PollOutcome, started_at: datetime, now: datetime) -> PollRecord:
    error = (
        f"{outcome.failure_class}: {outcome.error}" if outcome.status is PollStatus.FAILED else outcome.notice
    )
    return PollRecord(
        at=now,
        status=outcome.status.value,
        created=outcome.counts.created,
        updated=outcome.counts.updated,
        filtered=outcome.counts.filtered,
        duration_seconds=max(0.0, round((now - started_at).total_seconds(), 3)),
        error=error[: POLL_ERROR_CHARS - 1] + "…" if error and len(error) > POLL_ERROR_CHARS else error,
    )
