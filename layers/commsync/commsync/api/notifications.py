"""Notification subscriptions per integration (issue 7; docs/architecture.md#failure-classes: `view`
includes being
notified). On AWS an SNS subscription filtered on the integration; locally a logged record."""

from __future__ import annotations

import uuid
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from commsync.api.auth import BEARER, requires
from commsync.api.context import ApiContext
from commsync.api.errors import NotFound
from commsync.api.schemas import SLUG, SubscriptionIn
from commsync.api.views import integration_or_404
from commsync.models.access import Permission
from commsync.models.subscription import Subscription

Project = Annotated[str, Path(pattern=SLUG)]
Name = Annotated[str, Path(pattern=SLUG)]
SubscriptionId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
TAG = ["notifications"]
BASE = "/integrations/<project>/<name>/subscriptions"


def register(app: APIGatewayRestResolver, ctx: ApiContext) -> None:
    @app.get(BASE, tags=TAG, security=BEARER, summary="Who is told when this integration stops")
    @requires(Permission.VIEW)
    def list_subscriptions(project: Project, name: Name) -> list[Subscription]:
        return ctx.engine.state.list_subscriptions(integration_or_404(ctx.engine, project, name).key)

    @app.post(BASE, tags=TAG, security=BEARER, summary="Subscribe an address or endpoint", status_code=201)
    @requires(Permission.VIEW)
    def subscribe(project: Project, name: Name, body: Annotated[SubscriptionIn, Body()]) -> Subscription:
        key = integration_or_404(ctx.engine, project, name).key
        external_id = ctx.engine.notifier.subscribe(key, body.protocol.value, body.endpoint)
        subscription = Subscription(
            id=uuid.uuid4().hex,
            integration=key,
            protocol=body.protocol,
            endpoint=body.endpoint,
            external_id=external_id,
            created_at=ctx.engine.clock(),
        )
        ctx.engine.state.put_subscription(subscription)
        return subscription

    @app.delete(
        f"{BASE}/<subscription_id>", tags=TAG, security=BEARER, summary="Unsubscribe", status_code=204
    )
    @requires(Permission.VIEW)
    def unsubscribe(project: Project, name: Name, subscription_id: SubscriptionId) -> Response[None]:
        key = integration_or_404(ctx.engine, project, name).key
        removed = ctx.engine.state.delete_subscription(key, subscription_id)
        if removed is None:
            raise NotFound(f"subscription {subscription_id} does not exist for {key}")
        ctx.engine.notifier.unsubscribe(removed.external_id)
        return Response(status_code=204, body=None)
