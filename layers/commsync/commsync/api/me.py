"""`GET /me`: who the caller is and what it may do (issue 12).

The console hides the controls a view-only token may not use; it learns that here rather than by
trying a change and reading the 403. The API refuses such calls anyway (auth.py).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from commsync.api.auth import BEARER, requires
from commsync.api.context import ApiContext
from commsync.api.errors import Unauthorized
from commsync.models.access import Permission
from commsync.models.common import DomainModel


class Caller(DomainModel):
    name: str
    permissions: list[Permission]


def register(app: APIGatewayRestResolver, ctx: ApiContext) -> None:
    @app.get("/me", tags=["meta"], security=BEARER, summary="The caller's name and permissions")
    @requires(Permission.VIEW)
    def me() -> Caller:
        principal = ctx.authenticate(app.current_event.raw_event)
        if principal is None:  # the middleware let it through, so only a revoked token lands here
            raise Unauthorized("a valid bearer token is required: Authorization: Bearer <token>")
        return Caller(name=principal.name, permissions=sorted(principal.permissions))
