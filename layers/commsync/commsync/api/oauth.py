"""OAuth routes (issue 7; INTERFACES.md): authenticate sends the browser to the provider,
the callback stores the refresh token and sends the browser back to a configured page.

The callback is public (the browser comes from the provider without our token): the single-use
`state` is its credential. It redirects only to the page recorded with that state, which was
chosen from the configured return pages: never to a URL the request names (no open redirect).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from commsync.api.auth import BEARER, public, requires
from commsync.api.context import ApiContext
from commsync.api.errors import BadRequest, Conflict, FieldProblem
from commsync.api.openapi_errors import answers
from commsync.api.schemas import SLUG
from commsync.api.views import integration_or_404
from commsync.models import Integration
from commsync.models.access import Permission
from commsync.services import oauth
from commsync.services.oauth_providers import OAuthConfigError, oauth_client

Project = Annotated[str, Path(pattern=SLUG)]
Name = Annotated[str, Path(pattern=SLUG)]
Provider = Annotated[str, Path(pattern=r"^(microsoft|salesforce)$")]
QueryText = Annotated[str | None, Query(max_length=4096)]
TAG = ["oauth"]


def register(app: APIGatewayRestResolver, ctx: ApiContext) -> None:
    @app.get(
        "/integrations/<project>/<name>/oauth2/authenticate",
        tags=TAG,
        security=BEARER,
        summary="Start connecting: 302 to the provider's sign-in (or its URL as JSON with response=json)",
        openapi_extensions=answers(302),
    )
    @requires(Permission.MODIFY)
    def authenticate(
        project: Project,
        name: Name,
        response: Annotated[Literal["redirect", "json"], Query()] = "redirect",
    ) -> Response[dict[str, str] | None]:
        integration = integration_or_404(ctx.engine, project, name)
        base = ctx.base_url(app.current_event.raw_event)
        try:
            provider = oauth_client(integration).provider
            redirect_uri = f"{base}/external/{provider.value}/oauth2/callback"
            url = oauth.begin(ctx.engine, integration, redirect_uri, _return_page(ctx, integration, base))
        except OAuthConfigError as exc:
            raise Conflict(
                f"{integration.key} cannot connect: {exc}", [FieldProblem(exc.field, str(exc))]
            ) from None
        if response == "json":
            # A browser page holding the bearer token cannot follow a 302 it did not navigate to.
            return Response(status_code=200, body={"authorize_url": url}, content_type="application/json")
        return _redirect(url)

    @app.get(
        "/external/<provider>/oauth2/callback",
        tags=TAG,
        summary="Where the provider sends the browser back; 302 to the return page with oauth=success|error",
        openapi_extensions=answers(302, 400, 409, 503, only=True),
    )
    @public
    def callback(
        provider: Provider,
        state: QueryText = None,
        code: QueryText = None,
        error: QueryText = None,
    ) -> Response[dict[str, str] | None]:
        params = {k: v for k, v in (("state", state), ("code", code), ("error", error)) if v is not None}
        try:
            outcome = oauth.finish(ctx.engine, provider, params)
        except oauth.OAuthStateError as exc:
            raise BadRequest(
                f"OAuth callback refused: {exc}", [FieldProblem("query.state", str(exc))]
            ) from None
        notice = {
            "oauth": "success" if outcome.error is None else "error",
            "integration": outcome.integration,
        }
        if outcome.error is not None:
            notice["reason"] = outcome.error
        return _redirect(_with_query(outcome.return_page, notice))


def _return_page(ctx: ApiContext, integration: Integration, base: str) -> str:
    allowed = ctx.oauth.return_pages or [f"{base}/console"]
    wanted = integration.options.get("oauth_return_page")
    if wanted is None:
        return allowed[0]
    if wanted not in allowed:
        raise OAuthConfigError("options.oauth_return_page", "is not one of the configured return pages")
    return str(wanted)


def _with_query(page: str, extra: dict[str, str]) -> str:
    parts = urlsplit(page)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *extra.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _redirect(location: str) -> Response[Any]:
    # no-store: neither the authorize URL (state) nor the notice belongs in a cache.
    return Response(status_code=302, body=None, headers={"Location": location, "Cache-Control": "no-store"})
