"""Bulk schedule update: one poll interval for up to 100 mailboxes, by source kind or ALL (issue 7)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import Field

from commsync.api.auth import BEARER, requires
from commsync.api.context import ApiContext
from commsync.api.schemas import MailboxKey, ScheduleUpdate
from commsync.models import Integration, MailboxRef
from commsync.models.access import Permission
from commsync.models.common import DomainModel
from commsync.services.manage import set_poll_interval


class ScheduleResult(DomainModel):
    updated: list[MailboxKey]
    skipped: list[MailboxKey]  # of a kind the request did not select
    not_found: list[MailboxKey]
    # Defined in the config file of `commsync serve`, which would undo the change (api/managed.py).
    managed: list[MailboxKey] = Field(default_factory=list)


def register(app: APIGatewayRestResolver, ctx: ApiContext) -> None:
    @app.post(
        "/schedules", tags=["schedules"], security=BEARER, summary="Set one poll interval for many mailboxes"
    )
    @requires(Permission.MODIFY)
    def update_schedules(body: Annotated[ScheduleUpdate, Body()]) -> ScheduleResult:
        result = ScheduleResult(updated=[], skipped=[], not_found=[])
        integrations: dict[str, Integration | None] = {}
        for key in body.mailboxes:
            if key.integration not in integrations:
                integrations[key.integration] = ctx.engine.state.get_integration(key.integration)
            integration = integrations[key.integration]
            found = ctx.engine.state.get_mailbox(
                MailboxRef(integration=key.integration, address=key.address.lower())
            )
            if integration is None or found is None:
                result.not_found.append(key)
            elif body.kinds != "ALL" and integration.kind not in body.kinds:
                result.skipped.append(key)
            elif key.integration in ctx.managed:
                result.managed.append(key)
            else:
                set_poll_interval(ctx.engine, found[0], found[1], body.poll_interval_seconds)
                result.updated.append(key)
        return result
