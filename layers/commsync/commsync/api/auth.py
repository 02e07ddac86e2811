"""Who may call what: every route declares one permission (or `public`), and one middleware
enforces it before the route runs (issue 7: view and modify).

Callers are authenticated by an `Authenticator`: on AWS from the API Gateway authorizer's
context (functions/authorizer validates the bearer token and passes `permissions`), in local
mode from the bearer token itself, checked against the config file's token hashes. A route
that declares nothing is refused: forgetting the decorator fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from commsync.api.context import Authenticator, Principal
from commsync.api.errors import ApiError, Forbidden, Unauthorized, error_response
from commsync.models.access import ApiToken, Permission, expand, token_sha256

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "__commsync_permission__"
PUBLIC = "public"
# Routes Powertools itself adds: the 404 fallback (anyone may learn a path does not exist) and
# the Swagger UI, public by choice (docs/api.md): the API's shape is no secret, its data is.
_POWERTOOLS_PUBLIC = frozenset({"not_found_handler", "swagger_handler"})
BEARER: list[dict[str, list[str]]] = [
    {"bearerAuth": []}
]  # the OpenAPI security requirement of every protected route


def requires(permission: Permission) -> Callable[[F], F]:
    def mark(func: F) -> F:
        setattr(func, ATTRIBUTE, permission)
        return func

    return mark


def public(func: F) -> F:
    setattr(func, ATTRIBUTE, PUBLIC)
    return func


def declared(func: Callable[..., Any]) -> Permission | str | None:
    return getattr(func, ATTRIBUTE, None) or (PUBLIC if func.__name__ in _POWERTOOLS_PUBLIC else None)


def authorize(app: APIGatewayRestResolver, authenticate: Authenticator) -> Principal | None:
    """Raises Unauthorized (no or unknown token) or Forbidden (permission missing)."""
    route = app.context.get("_route")
    needed = declared(route.func) if route is not None else None
    if needed == PUBLIC:
        return None
    if not isinstance(needed, Permission):
        raise Forbidden("this route declares no permission")
    principal = authenticate(app.current_event.raw_event)
    if principal is None:
        raise Unauthorized("a valid bearer token is required: Authorization: Bearer <token>")
    if needed not in principal.permissions:
        raise Forbidden(f"this needs the {needed.value} permission")
    return principal


def permission_middleware(authenticate: Authenticator) -> Callable[..., Response[Any]]:
    def enforce_permission(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
        try:
            authorize(app, authenticate)
        except ApiError as error:
            return denial(error)
        return next_middleware(app)

    return enforce_permission


def denial(error: ApiError) -> Response[Any]:
    headers = {"WWW-Authenticate": 'Bearer realm="commsync"'} if isinstance(error, Unauthorized) else None
    return error_response(error, headers)


def bearer_token(event: dict[str, Any]) -> str | None:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items() if isinstance(v, str)}
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


class TokenTable:
    """Local mode: bearer tokens checked against the SHA-256 hashes in the config file."""

    def __init__(self, tokens: Iterable[ApiToken]) -> None:
        self._by_hash = {t.sha256: t for t in tokens}

    def __call__(self, event: dict[str, Any]) -> Principal | None:
        token = bearer_token(event)
        found = self._by_hash.get(token_sha256(token)) if token else None
        return Principal(found.name, found.grants()) if found else None


def authorizer_context(event: dict[str, Any]) -> Principal | None:
    """AWS: what the API Gateway authorizer put in the request context.

    Our TOKEN authorizer sets `permissions` ("view modify"); a Cognito user-pool authorizer's
    claims work too when its `scope` holds `commsync/view` or `commsync/modify`.
    """
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    words = str(context.get("permissions") or "").replace(",", " ").split()
    claims = context.get("claims") or {}
    words += [
        s.removeprefix("commsync/") for s in str(claims.get("scope", "")).split() if s.startswith("commsync/")
    ]
    held = frozenset(Permission(w) for w in words if w in Permission.__members__.values())
    if not held:
        return None
    name = str(context.get("principalId") or claims.get("sub") or "authorizer")
    return Principal(name, expand(held))
