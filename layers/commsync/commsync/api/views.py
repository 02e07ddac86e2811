"""Domain objects -> response bodies, and the lookups every route shares (404 for unknown names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import BaseModel

from commsync.api.errors import NotFound
from commsync.api.schemas import IntegrationOut, MailboxOut, MailboxStatus, MailboxStatusOut, SecretInfo
from commsync.engine import Engine
from commsync.errors import CommsyncError
from commsync.models import Integration, Mailbox, MailboxRef, MailboxState
from commsync.services.manage import lag_seconds


def integration_or_404(engine: Engine, project: str, name: str) -> Integration:
    integration = engine.state.get_integration(f"{project}/{name}")
    if integration is None:
        raise NotFound(f"integration {project}/{name} does not exist")
    return integration


def mailbox_ref(project: str, name: str, address: str) -> MailboxRef:
    # API Gateway and `serve` hand over the path decoded once; decoding it again would make
    # an address holding '%' unreachable (issue 16).
    return MailboxRef(integration=f"{project}/{name}", address=address.strip().lower())


def mailbox_or_404(engine: Engine, ref: MailboxRef) -> tuple[Mailbox, MailboxState]:
    found = engine.state.get_mailbox(ref)
    if found is None:
        raise NotFound(f"mailbox {ref.address} does not exist in {ref.integration}")
    return found


def secret_info(engine: Engine, integration: Integration, with_keys: bool) -> SecretInfo | None:
    if not integration.secret:
        return None
    if not with_keys:
        return SecretInfo(name=integration.secret, set=True)
    try:
        keys = sorted(engine.secrets.get(integration.secret))
    except CommsyncError:
        return SecretInfo(name=integration.secret, set=False, keys=[])
    return SecretInfo(name=integration.secret, set=bool(keys), keys=keys)


def integration_out(
    engine: Engine, integration: Integration, with_keys: bool = False, managed_by: str | None = None
) -> IntegrationOut:
    return IntegrationOut(
        key=integration.key,
        project=integration.project,
        name=integration.name,
        kind=integration.kind,
        endpoint=integration.endpoint,
        bucket=integration.bucket,
        options=integration.options,
        secret=secret_info(engine, integration, with_keys),
        enabled=integration.enabled,
        disabled=integration.disabled,
        managed_by=managed_by,
    )


def mailbox_status(state: MailboxState, now: datetime) -> MailboxStatus:
    return MailboxStatus(
        enabled=state.enabled,
        disabled=state.disabled,
        last_sync_at=state.last_sync_at,
        last_success_at=state.last_success_at,
        lag_seconds=lag_seconds(state, now),
        next_poll_at=state.next_poll_at,
        last_error=state.last_error,
        counts=state.counts,
        recent_polls=state.recent_polls,
    )


def mailbox_out(mailbox: Mailbox, state: MailboxState, now: datetime) -> MailboxOut:
    return MailboxOut(**mailbox.model_dump(), status=mailbox_status(state, now))


def mailbox_status_out(mailbox: Mailbox, state: MailboxState, now: datetime) -> MailboxStatusOut:
    return MailboxStatusOut(address=mailbox.address, **mailbox_status(state, now).model_dump())


def json_response(status: int, body: BaseModel | dict[str, Any]) -> Response[Any]:
    payload = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=payload)
