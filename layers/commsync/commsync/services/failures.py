"""When a failure is persistent, and what stops then (docs/architecture.md#failure-classes).

A transient failure is retried forever (the next poll), an item failure never blocks a
mailbox. An integration or mailbox failure stops something only after it has repeated on
`after_failures` consecutive polls spanning at least `after_minutes`: one bad minute on the
server must not cost a user a re-enable, a week of wrong passwords must not go unnoticed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from commsync.engine import Engine
from commsync.errors import DisableReason, FailureClass
from commsync.models import Integration, Mailbox, MailboxState, Notification
from commsync.models.integration import Disabled
from commsync.observability import logger
from commsync.sources.network import UNREACHABLE


def persistent(engine: Engine, state: MailboxState, now: datetime) -> bool:
    policy = engine.disable_policy
    since = state.failing_since or now
    return state.failures >= policy.after_failures and now - since >= timedelta(minutes=policy.after_minutes)


def record_success(state: MailboxState) -> MailboxState:
    return state.model_copy(update={"failures": 0, "failing_since": None})


def record_failure(
    engine: Engine, state: MailboxState, failure_class: FailureClass | None, error: str
) -> tuple[MailboxState, Disabled | None]:
    """Count the failure; once it is persistent, the Disabled that stops the integration or the
    mailbox (the mailbox's is in the state returned). Pure: `announce_disable` acts on it once
    the state is saved, so a save retried after a concurrent write notifies once."""
    now = engine.clock()
    state = state.with_failed_poll(now).model_copy(
        update={"failures": state.failures + 1, "failing_since": state.failing_since or now}
    )
    if (
        failure_class is FailureClass.TRANSIENT
        and error.startswith(UNREACHABLE)
        and state.last_success_at is None
    ):
        # Never reached since it was configured: a mistyped endpoint, not an outage, so it stops
        # the integration once persistent; one that answered before stays transient (issue 16).
        failure_class = FailureClass.INTEGRATION
    if failure_class not in (FailureClass.INTEGRATION, FailureClass.MAILBOX):
        return state, None
    if not persistent(engine, state, now):
        return state, None
    disabled = Disabled(
        reason=DisableReason.SYNC_ERROR, at=now, failure_class=failure_class, error=error[:2000]
    )
    if failure_class is FailureClass.INTEGRATION:
        return state, disabled
    return state.model_copy(update={"disabled": disabled}), disabled


def announce_disable(
    engine: Engine, integration: Integration, mailbox: Mailbox, state: MailboxState, disabled: Disabled
) -> None:
    """Stop the integration when the failure is the integration's, and tell the subscribers."""
    if disabled.failure_class is FailureClass.INTEGRATION:
        engine.state.set_integration_disabled(integration.key, disabled)
        engine.notifier.publish(_integration_notice(integration, state, disabled))
        logger.warning(
            "integration disabled", extra={"integration": integration.key, "error": disabled.error}
        )
        return
    engine.notifier.publish(_mailbox_notice(integration, mailbox, state, disabled))
    logger.warning("mailbox disabled", extra={"mailbox": str(mailbox.ref), "error": disabled.error})


def _since(state: MailboxState) -> str:
    since = state.failing_since
    return since.strftime("%Y-%m-%d %H:%M UTC") if since else "now"


def _integration_notice(integration: Integration, state: MailboxState, disabled: Disabled) -> Notification:
    return Notification(
        subject=f"commsync: {integration.key} stopped: it cannot reach or sign in to its server",
        message=(
            f"Syncing of integration {integration.key} ({integration.kind}, {integration.endpoint}) failed "
            f"{state.failures} times in a row since {_since(state)}: {disabled.error}. "
            "Every mailbox of this integration is paused; nothing has been lost and the sync resumes where "
            f"it stopped. Fix the cause, then re-enable: `commsync enable {integration.key}` or "
            f"POST /integrations/{integration.project}/{integration.name}/enable."
        ),
        integration=integration.key,
        reason=disabled.reason,
        failure_class=disabled.failure_class,
        at=disabled.at,
    )


def _mailbox_notice(
    integration: Integration, mailbox: Mailbox, state: MailboxState, disabled: Disabled
) -> Notification:
    return Notification(
        subject=f"commsync: mailbox {mailbox.address} of {integration.key} stopped",
        message=(
            f"Syncing of mailbox {mailbox.address} in integration {integration.key} failed {state.failures} "
            f"times in a row since {_since(state)}: {disabled.error}. Only this mailbox is paused; the "
            "integration's other mailboxes go on, and nothing has been lost. Fix the cause, then re-enable: "
            f"`commsync enable {integration.key} --mailbox {mailbox.address}` or POST "
            f"/integrations/{integration.project}/{integration.name}/mailboxes/{mailbox.address}/enable."
        ),
        integration=integration.key,
        mailbox=mailbox.address,
        reason=disabled.reason,
        failure_class=disabled.failure_class,
        at=disabled.at,
    )
