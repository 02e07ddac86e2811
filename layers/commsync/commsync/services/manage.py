"""Configure integrations and mailboxes, enable and disable them, and report their status."""

from __future__ import annotations

from dataclasses import dataclass

from commsync.engine import Engine
from commsync.errors import DisableReason
from commsync.models import Integration, Mailbox, MailboxRef, MailboxState
from commsync.models.integration import Disabled


def _user_toggle(current: Disabled | None, enabled: bool, engine: Engine) -> Disabled | None:
    """`enabled` switches only the user's own flag; a quota or sync-error stop needs `enable`."""
    if not enabled:
        return current or Disabled(reason=DisableReason.USER, at=engine.clock())
    return None if current and current.reason is DisableReason.USER else current


def apply_integration(engine: Engine, integration: Integration, enabled: bool = True) -> Integration:
    existing = engine.state.get_integration(integration.key)
    disabled = _user_toggle(existing.disabled if existing else None, enabled, engine)
    stored = integration.model_copy(update={"disabled": disabled})
    engine.state.put_integration(stored)
    return stored


def apply_mailbox(engine: Engine, mailbox: Mailbox, enabled: bool = True) -> MailboxState:
    engine.state.put_mailbox(mailbox)
    found = engine.state.get_mailbox(mailbox.ref)
    assert found is not None
    state = found[1]
    disabled = _user_toggle(state.disabled, enabled, engine)
    if disabled != state.disabled:
        state = state.model_copy(update={"disabled": disabled})
        engine.state.save_mailbox_state(mailbox.ref, state)
    return state


def enable(engine: Engine, integration_key: str, address: str | None = None) -> bool:
    """Clear whatever stopped the integration (or one mailbox); False when it is unknown."""
    integration = engine.state.get_integration(integration_key)
    if integration is None:
        return False
    if address is None:
        engine.state.set_integration_disabled(integration_key, None)
        return True
    found = engine.state.get_mailbox(MailboxRef(integration=integration_key, address=address.lower()))
    if found is None:
        return False
    mailbox, state = found
    engine.state.save_mailbox_state(mailbox.ref, state.model_copy(update={"disabled": None}))
    return True


@dataclass(frozen=True)
class IntegrationStatus:
    integration: Integration
    mailboxes: list[tuple[Mailbox, MailboxState]]


def status(engine: Engine) -> list[IntegrationStatus]:
    return [
        IntegrationStatus(integration, engine.state.list_mailboxes(integration.key))
        for integration in engine.state.list_integrations()
    ]
