"""Integrations: create, read, update, delete, start, stop, enable, status (issue 7)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from commsync.api.auth import BEARER, requires
from commsync.api.context import ApiContext
from commsync.api.errors import Conflict, FieldProblem, NotFound
from commsync.api.managed import refuse_if_managed
from commsync.api.schemas import SLUG, IntegrationIn, IntegrationOut, IntegrationStatusOut
from commsync.api.views import integration_or_404, integration_out, mailbox_status_out
from commsync.engine import Engine
from commsync.errors import DisableReason
from commsync.models import Integration
from commsync.models.access import Permission
from commsync.services import manage

Project = Annotated[str, Path(pattern=SLUG)]
Name = Annotated[str, Path(pattern=SLUG)]
TAG = ["integrations"]


def register(app: APIGatewayRestResolver, ctx: ApiContext) -> None:
    def out(integration: Integration, with_keys: bool = False) -> IntegrationOut:
        return integration_out(ctx.engine, integration, with_keys, ctx.managed.get(integration.key))

    @app.get("/integrations", tags=TAG, security=BEARER, summary="List integrations")
    @requires(Permission.VIEW)
    def list_integrations() -> list[IntegrationOut]:
        return [out(i) for i in ctx.engine.state.list_integrations()]

    @app.post("/integrations", tags=TAG, security=BEARER, summary="Create an integration", status_code=201)
    @requires(Permission.MODIFY)
    def create_integration(body: Annotated[IntegrationIn, Body()]) -> IntegrationOut:
        if ctx.engine.state.get_integration(body.key) is not None:
            raise Conflict(f"integration {body.key} already exists; PUT /integrations/{body.key} updates it")
        stored = _save(ctx.engine, body, existing=None)
        return out(stored, with_keys=True)

    @app.get("/integrations/<project>/<name>", tags=TAG, security=BEARER, summary="One integration")
    @requires(Permission.VIEW)
    def get_integration(project: Project, name: Name) -> IntegrationOut:
        return out(integration_or_404(ctx.engine, project, name), with_keys=True)

    @app.put("/integrations/<project>/<name>", tags=TAG, security=BEARER, summary="Replace its settings")
    @requires(Permission.MODIFY)
    def update_integration(
        project: Project, name: Name, body: Annotated[IntegrationIn, Body()]
    ) -> IntegrationOut:
        wrong = [
            FieldProblem(f"body.{field}", f"must be {value!r} as in the path")
            for field, value in (("project", project), ("name", name))
            if getattr(body, field) != value
        ]
        if wrong:
            # 409: the body is valid, but it is not the resource the path names.
            raise Conflict("the body names another integration than the path", wrong)
        existing = integration_or_404(ctx.engine, project, name)
        refuse_if_managed(ctx, existing.key)
        if body.kind is not existing.kind:
            raise Conflict(
                f"kind cannot change from {existing.kind} to {body.kind}; create a new integration"
            )
        return out(_save(ctx.engine, body, existing), with_keys=True)

    @app.delete(
        "/integrations/<project>/<name>",
        tags=TAG,
        security=BEARER,
        summary="Delete it and its mailboxes",
        status_code=204,
    )
    @requires(Permission.MODIFY)
    def delete_integration(project: Project, name: Name) -> Response[None]:
        refuse_if_managed(ctx, f"{project}/{name}")
        if not manage.delete_integration(ctx.engine, f"{project}/{name}"):
            raise NotFound(f"integration {project}/{name} does not exist")
        return Response(status_code=204, body=None)

    @app.post("/integrations/<project>/<name>/start", tags=TAG, security=BEARER, summary="Switch syncing on")
    @requires(Permission.MODIFY)
    def start_integration(project: Project, name: Name) -> IntegrationOut:
        return _switched(ctx, project, name, enabled=True)

    @app.post("/integrations/<project>/<name>/stop", tags=TAG, security=BEARER, summary="Switch syncing off")
    @requires(Permission.MODIFY)
    def stop_integration(project: Project, name: Name) -> IntegrationOut:
        return _switched(ctx, project, name, enabled=False)

    @app.post(
        "/integrations/<project>/<name>/enable",
        tags=TAG,
        security=BEARER,
        summary="Clear whatever disabled it (user, quota or sync error)",
    )
    @requires(Permission.MODIFY)
    def enable_integration(project: Project, name: Name) -> IntegrationOut:
        integration_or_404(ctx.engine, project, name)
        manage.enable(ctx.engine, f"{project}/{name}")
        return out(integration_or_404(ctx.engine, project, name))

    @app.get("/status", tags=TAG, security=BEARER, summary="Every integration and mailbox at a glance")
    @requires(Permission.VIEW)
    def status_all() -> list[IntegrationStatusOut]:
        return [_status(ctx.engine, s.integration) for s in manage.status(ctx.engine)]

    @app.get(
        "/integrations/<project>/<name>/status", tags=TAG, security=BEARER, summary="Its mailboxes' status"
    )
    @requires(Permission.VIEW)
    def status_one(project: Project, name: Name) -> IntegrationStatusOut:
        return _status(ctx.engine, integration_or_404(ctx.engine, project, name))


def _save(engine: Engine, body: IntegrationIn, existing: Integration | None) -> Integration:
    secret = body.secret or (existing.secret if existing else None)
    if body.secret_values:
        secret = secret or f"{body.project}/{body.name}"
        # The secret first: a failure here leaves no integration pointing at a missing secret.
        engine.secrets.put(secret, {k: v.get_secret_value() for k, v in body.secret_values.items()})
    settings = body.model_dump(exclude={"secret_values", "enabled"}) | {"secret": secret}
    integration = Integration(**settings)
    if body.enabled is not None:
        enabled = body.enabled
    else:
        enabled = (
            existing is None
            or existing.disabled is None
            or existing.disabled.reason is not DisableReason.USER
        )
    return manage.apply_integration(engine, integration, enabled=enabled)


def _switched(ctx: ApiContext, project: str, name: str, enabled: bool) -> IntegrationOut:
    switched = manage.switch_integration(ctx.engine, f"{project}/{name}", enabled)
    if switched is None:
        raise NotFound(f"integration {project}/{name} does not exist")
    return integration_out(ctx.engine, switched, managed_by=ctx.managed.get(switched.key))


def _status(engine: Engine, integration: Integration) -> IntegrationStatusOut:
    now = engine.clock()
    return IntegrationStatusOut(
        key=integration.key,
        kind=integration.kind,
        enabled=integration.enabled,
        disabled=integration.disabled,
        mailboxes=[mailbox_status_out(m, s, now) for m, s in engine.state.list_mailboxes(integration.key)],
    )
