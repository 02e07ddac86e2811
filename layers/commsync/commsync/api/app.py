"""`build_app`: the one management API, served by the Lambda (functions/api) and by `commsync serve`.

Routes live in one module per resource; this factory wires them, the permission middleware,
the OpenAPI document (`/openapi.json`) and Swagger UI (`/docs`), and the error bodies.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
    ResponseValidationError,
)
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from commsync import __version__, console
from commsync.api import (
    attachments,
    comment_history,
    comments,
    connection,
    integrations,
    mailboxes,
    me,
    metrics,
    notifications,
    oauth,
    schedules,
)
from commsync.api.auth import authorize, denial, permission_middleware, public
from commsync.api.context import ApiContext
from commsync.api.errors import ApiError, Conflict, Invalid, UnsupportedMediaType, error_response, problems
from commsync.api.resolver import GuardedResolver
from commsync.api.schemas import Health
from commsync.errors import CommsyncError, TransientError
from commsync.observability import logger

OPENAPI: dict[str, Any] = {
    "title": "commsync management API",
    "version": __version__,
    "description": (
        "Integrations, mailboxes, status, on-demand sync, comments, attachments, schedules, "
        "notifications and OAuth connect flows. Send `Authorization: Bearer <token>`; a token "
        "holds `view` or `modify` (which includes view)."
    ),
    "security_schemes": {"bearerAuth": HTTPBearer(description="an API token (docs/api.md: creating tokens)")},
}


def build_app(ctx: ApiContext) -> APIGatewayRestResolver:
    app = GuardedResolver(
        ctx.authenticate,
        enable_validation=True,
        # A response that does not match its declared model is our bug: 500, never a 422.
        response_validation_error_http_code=HTTPStatus.INTERNAL_SERVER_ERROR,
    )
    app.use([permission_middleware(ctx.authenticate)])
    for resource in (integrations, mailboxes, comments, attachments, schedules, notifications, oauth):
        resource.register(app, ctx)
    for figures in (
        metrics,
        me,
        comment_history,
        connection,
    ):  # what the console needs beyond the above (issue 12)
        figures.register(app, ctx)
    _public_routes(app, ctx)
    console.register(app)
    _error_bodies(app, ctx)
    return app


def _public_routes(app: APIGatewayRestResolver, ctx: ApiContext) -> None:
    @app.get("/health", tags=["meta"], summary="Liveness and version; `degraded` says what does not sync")
    @public
    def health() -> Health:
        problem = ctx.health()
        if problem is None:
            return Health(status="ok", version=__version__)
        return Health(status="degraded", version=__version__, reason=problem)

    @app.get("/openapi.json", include_in_schema=False)
    @public
    def openapi_document() -> Response[Any]:
        document = app.get_openapi_json_schema(**OPENAPI)
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=document)

    app.enable_swagger(path="/docs", **OPENAPI)


def _error_bodies(app: APIGatewayRestResolver, ctx: ApiContext) -> None:
    def api_error(error: ApiError) -> Response[Any]:
        return error_response(error)

    def request_invalid(error: RequestValidationError) -> Response[Any]:
        # Validation runs before the middleware: without this check, a caller without a token
        # would learn about our schemas (and get 422 where 401 is due).
        try:
            authorize(app, ctx.authenticate)
        except ApiError as denied:
            return denial(denied)
        found = problems(error.errors())
        return error_response(Invalid("; ".join(f"{p.field}: {p.message}" for p in found), found))

    def unsupported(error: RequestUnsupportedContentType) -> Response[Any]:
        return error_response(UnsupportedMediaType("send the body as application/json"))

    def service_error(error: ServiceError) -> Response[Any]:
        body = {"error": HTTPStatus(error.status_code).phrase.lower().replace(" ", "_"), "message": error.msg}
        return Response(status_code=error.status_code, content_type=content_types.APPLICATION_JSON, body=body)

    def domain_error(error: CommsyncError) -> Response[Any]:
        if isinstance(error, TransientError):
            return _internal(HTTPStatus.SERVICE_UNAVAILABLE, "unavailable", f"{error}; try again shortly")
        return error_response(Conflict(str(error)))

    def response_invalid(error: ResponseValidationError) -> Response[Any]:
        logger.error("response does not match its model", extra={"errors": problems(error.errors())})
        return _internal(
            HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "the server failed; quote the request id"
        )

    def unexpected(error: Exception) -> Response[Any]:
        logger.exception("unhandled error in the API")
        return _internal(
            HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "the server failed; quote the request id"
        )

    def _internal(status: HTTPStatus, code: str, message: str) -> Response[Any]:
        request_id = (app.current_event.raw_event.get("requestContext") or {}).get("requestId")
        body = {"error": code, "message": message, "request_id": request_id}
        return Response(status_code=status.value, content_type=content_types.APPLICATION_JSON, body=body)

    # Looked up along each exception's MRO: the specific handlers win over `Exception`.
    app.exception_handler_manager.update_exception_handlers(
        {
            ApiError: api_error,
            RequestValidationError: request_invalid,
            RequestUnsupportedContentType: unsupported,
            ServiceError: service_error,
            CommsyncError: domain_error,
            ResponseValidationError: response_invalid,
            Exception: unexpected,
        }
    )
