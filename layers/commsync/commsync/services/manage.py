"""Configure integrations and mailboxes, enable and disable them, and report their status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from commsync.engine import Engine
from commsync.errors import DisableReason
from commsync.models import Integration, Mailbox, MailboxRef, MailboxState
from commsync.models.integration import Disabled
from commsync.services.mailbox_state import update_mailbox_state


def _user_toggle(current: Disabled | None, enabled: bool, engine: Engine) -> Disabled | None:
    """`enabled` switches only the user's own flag; a quota or sync-error stop needs `enable`."""
    if not enabled:
        return current or Disabled(reason=DisableReason.USER, at=engine.clock())
    return None if current and current.reason is DisableReason.USER else current


def apply_integration(engine: Engine, integration: Integration, enabled: bool = True) -> Integration:
    existing = engine.state.get_integration(integration.key)
    previous = existing.disabled if existing else None
    if previous is not None and previous.unreadable:
        previous = None  # this replacement is the fix the error asked for (issue 16)
    disabled = _user_toggle(previous, enabled, engine)
    stored = integration.model_copy(update={"disabled": disabled})
    engine.state.put_integration(stored)
    return stored


def apply_mailbox(engine: Engine, mailbox: Mailbox, enabled: bool = True) -> MailboxState:
    engine.state.put_mailbox(mailbox)
    state = _toggled(engine, mailbox.ref, enabled)
    assert state is not None
    return state


def enable(engine: Engine, integration_key: str, address: str | None = None) -> bool:
    """Clear whatever stopped the integration (or one mailbox); False when it is unknown."""
    integration = engine.state.get_integration(integration_key)
    if integration is None:
        return False
    if address is None:
        engine.state.set_integration_disabled(integration_key, None)
        # Re-enabling also clears the failure counts (issue 6): the next failure starts a new run.
        for mailbox, state in engine.state.list_mailboxes(integration_key):
            if state.failures:
                update_mailbox_state(engine, mailbox.ref, lambda s: s.model_copy(update=_NO_FAILURES))
        return True
    ref = MailboxRef(integration=integration_key, address=address.lower())
    cleared = update_mailbox_state(
        engine, ref, lambda s: s.model_copy(update={"disabled": None, **_NO_FAILURES})
    )
    return cleared is not None


_NO_FAILURES: dict[str, object] = {"failures": 0, "failing_since": None}


@dataclass(frozen=True)
class IntegrationStatus:
    integration: Integration
    mailboxes: list[tuple[Mailbox, MailboxState]]


def status(engine: Engine) -> list[IntegrationStatus]:
    return [
        IntegrationStatus(integration, engine.state.list_mailboxes(integration.key))
        for integration in engine.state.list_integrations()
    ]


# The management API (issue 7).


def switch_integration(engine: Engine, key: str, enabled: bool) -> Integration | None:
    """Start or stop: only the user's own flag moves; None when the integration is unknown."""
    integration = engine.state.get_integration(key)
    if integration is None:
        return None
    disabled = _user_toggle(integration.disabled, enabled, engine)
    if disabled != integration.disabled:
        engine.state.set_integration_disabled(key, disabled)
    return integration.model_copy(update={"disabled": disabled})


def switch_mailbox(engine: Engine, ref: MailboxRef, enabled: bool) -> MailboxState | None:
    return _toggled(engine, ref, enabled)


def _toggled(engine: Engine, ref: MailboxRef, enabled: bool) -> MailboxState | None:
    """Start or stop a mailbox: only the user's own flag moves."""
    return update_mailbox_state(
        engine, ref, lambda s: s.model_copy(update={"disabled": _user_toggle(s.disabled, enabled, engine)})
    )


def delete_mailbox(engine: Engine, ref: MailboxRef) -> bool:
    """Configuration, runtime state and checkpoints go; the bucket's comments stay."""
    return engine.state.delete_mailbox(ref)


def delete_integration(engine: Engine, key: str) -> bool:
    """Mailboxes first, the integration row last: an interrupted delete can simply be repeated."""
    integration = engine.state.get_integration(key)
    if integration is None:
        return False
    for mailbox, _ in engine.state.list_mailboxes(key):
        engine.state.delete_mailbox(mailbox.ref)
    for subscription in engine.state.list_subscriptions(key):
        engine.notifier.unsubscribe(subscription.external_id)
        engine.state.delete_subscription(key, subscription.id)
    if owns_its_secret(engine, integration):
        # Its passwords and refresh tokens would otherwise outlive it, readable by the poller.
        engine.secrets.delete(key)
    return engine.state.delete_integration(key)


def owns_its_secret(engine: Engine, integration: Integration) -> bool:
    """The secret the API named after it, and no other integration names it too. A secret
    named by hand (a local secrets-file table, shared by several) is the user's to remove."""
    if integration.secret != integration.key:
        return False
    others = (i for i in engine.state.list_integrations() if i.key != integration.key)
    return all(other.secret != integration.secret for other in others)


def set_poll_interval(engine: Engine, mailbox: Mailbox, state: MailboxState, seconds: int) -> None:
    """A shorter interval takes effect now rather than after the poll already scheduled."""
    engine.state.put_mailbox(mailbox.model_copy(update={"poll_interval_seconds": seconds}))
    sooner = engine.clock() + timedelta(seconds=seconds)
    if state.enabled and state.next_poll_at is not None and state.next_poll_at > sooner:
        engine.state.schedule_poll(mailbox.ref, sooner)


def lag_seconds(state: MailboxState, now: datetime) -> int | None:
    """How old the newest successful sync is; None before the first one."""
    if state.last_success_at is None:
        return None
    return max(0, int((now - state.last_success_at).total_seconds()))
