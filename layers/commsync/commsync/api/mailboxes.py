"""Mailboxes of an integration: CRUD, start, stop, enable, and on-demand sync (issue 7)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from commsync.api.auth import BEARER, requires
from commsync.api.context import ApiContext
from commsync.api.errors import Conflict, FieldProblem, Invalid, NotFound
from commsync.api.managed import refuse_if_managed
from commsync.api.schemas import ADDRESS, SLUG, MailboxIn, MailboxOut, SyncRequest
from commsync.api.views import integration_or_404, mailbox_or_404, mailbox_out, mailbox_ref
from commsync.engine import Engine
from commsync.errors import DisableReason
from commsync.models import Integration, Mailbox, PollJob
from commsync.models.access import Permission
from commsync.models.address import address_problem
from commsync.models.job import JobReason
from commsync.services import manage

Project = Annotated[str, Path(pattern=SLUG)]
Name = Annotated[str, Path(pattern=SLUG)]
Address = Annotated[str, Path(pattern=ADDRESS)]
TAG = ["mailboxes"]
BASE = "/integrations/<project>/<name>/mailboxes"


def register(app: APIGatewayRestResolver, ctx: ApiContext) -> None:
    @app.get(BASE, tags=TAG, security=BEARER, summary="Mailboxes of an integration, with their status")
    @requires(Permission.VIEW)
    def list_mailboxes(project: Project, name: Name) -> list[MailboxOut]:
        integration = integration_or_404(ctx.engine, project, name)
        now = ctx.engine.clock()
        return [mailbox_out(m, s, now) for m, s in ctx.engine.state.list_mailboxes(integration.key)]

    @app.post(BASE, tags=TAG, security=BEARER, summary="Add a mailbox", status_code=201)
    @requires(Permission.MODIFY)
    def create_mailbox(project: Project, name: Name, body: Annotated[MailboxIn, Body()]) -> MailboxOut:
        integration = integration_or_404(ctx.engine, project, name)
        refuse_if_managed(ctx, integration.key)
        ref = mailbox_ref(project, name, body.address)
        if ctx.engine.state.get_mailbox(ref) is not None:
            raise Conflict(f"mailbox {ref.address} already exists in {integration.key}")
        return _save(ctx.engine, integration, body, default_enabled=True)

    @app.get(f"{BASE}/<address>", tags=TAG, security=BEARER, summary="One mailbox and its status")
    @requires(Permission.VIEW)
    def get_mailbox(project: Project, name: Name, address: Address) -> MailboxOut:
        mailbox, state = mailbox_or_404(ctx.engine, mailbox_ref(project, name, address))
        return mailbox_out(mailbox, state, ctx.engine.clock())

    @app.put(f"{BASE}/<address>", tags=TAG, security=BEARER, summary="Replace a mailbox's settings")
    @requires(Permission.MODIFY)
    def update_mailbox(
        project: Project, name: Name, address: Address, body: Annotated[MailboxIn, Body()]
    ) -> MailboxOut:
        ref = mailbox_ref(project, name, address)
        if body.address != ref.address:
            # 409: the body is valid, but it is not the resource the path names.
            raise Conflict(
                "the body names another mailbox", [FieldProblem("body.address", f"must be {ref.address!r}")]
            )
        integration = integration_or_404(ctx.engine, project, name)
        _, state = mailbox_or_404(ctx.engine, ref)
        refuse_if_managed(ctx, ref.integration)
        user_stopped = state.disabled is not None and state.disabled.reason is DisableReason.USER
        return _save(ctx.engine, integration, body, default_enabled=not user_stopped)

    @app.delete(
        f"{BASE}/<address>",
        tags=TAG,
        security=BEARER,
        summary="Remove a mailbox (its comments stay)",
        status_code=204,
    )
    @requires(Permission.MODIFY)
    def delete_mailbox(project: Project, name: Name, address: Address) -> Response[None]:
        ref = mailbox_ref(project, name, address)
        refuse_if_managed(ctx, ref.integration)
        if not manage.delete_mailbox(ctx.engine, ref):
            raise NotFound(f"mailbox {ref.address} does not exist in {ref.integration}")
        return Response(status_code=204, body=None)

    @app.post(f"{BASE}/<address>/start", tags=TAG, security=BEARER, summary="Switch this mailbox on")
    @requires(Permission.MODIFY)
    def start_mailbox(project: Project, name: Name, address: Address) -> MailboxOut:
        return _switched(ctx.engine, project, name, address, enabled=True)

    @app.post(f"{BASE}/<address>/stop", tags=TAG, security=BEARER, summary="Switch this mailbox off")
    @requires(Permission.MODIFY)
    def stop_mailbox(project: Project, name: Name, address: Address) -> MailboxOut:
        return _switched(ctx.engine, project, name, address, enabled=False)

    @app.post(f"{BASE}/<address>/enable", tags=TAG, security=BEARER, summary="Clear whatever disabled it")
    @requires(Permission.MODIFY)
    def enable_mailbox(project: Project, name: Name, address: Address) -> MailboxOut:
        ref = mailbox_ref(project, name, address)
        mailbox_or_404(ctx.engine, ref)
        manage.enable(ctx.engine, ref.integration, ref.address)
        mailbox, state = mailbox_or_404(ctx.engine, ref)
        return mailbox_out(mailbox, state, ctx.engine.clock())

    @app.post(
        f"{BASE}/<address>/sync",
        tags=TAG,
        security=BEARER,
        summary="Sync this mailbox now, optionally one folder and filtered (202: queued)",
        status_code=202,
    )
    @requires(Permission.MODIFY)
    def sync_mailbox(
        project: Project, name: Name, address: Address, body: Annotated[SyncRequest | None, Body()] = None
    ) -> PollJob:
        integration = integration_or_404(ctx.engine, project, name)
        ref = mailbox_ref(project, name, address)
        _, state = mailbox_or_404(ctx.engine, ref)
        if not integration.enabled or not state.enabled:
            raise Conflict(f"{ref} is disabled; start or enable it first")
        request = body or SyncRequest()
        job = PollJob(
            mailbox=ref,
            reason=JobReason.MANUAL,
            enqueued_at=ctx.engine.clock(),
            folder=request.folder,
            filters=request.filters,
        )
        ctx.engine.queue.send([job])
        return job


def _save(engine: Engine, integration: Integration, body: MailboxIn, default_enabled: bool) -> MailboxOut:
    problem = address_problem(integration.kind, body.address)
    if problem is not None:
        raise Invalid(f"body.address: {problem}", [FieldProblem("body.address", problem)])
    mailbox = Mailbox(integration=integration.key, **body.model_dump(exclude={"enabled"}))
    enabled = default_enabled if body.enabled is None else body.enabled
    state = manage.apply_mailbox(engine, mailbox, enabled=enabled)
    return mailbox_out(mailbox, state, engine.clock())


def _switched(engine: Engine, project: str, name: str, address: str, enabled: bool) -> MailboxOut:
    ref = mailbox_ref(project, name, address)
    state = manage.switch_mailbox(engine, ref, enabled)
    if state is None:
        raise NotFound(f"mailbox {ref.address} does not exist in {ref.integration}")
    mailbox, _ = mailbox_or_404(engine, ref)
    return mailbox_out(mailbox, state, engine.clock())
