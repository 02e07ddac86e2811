"""The OpenAPI document describes the error bodies the API really sends.

Powertools documents every operation's 422 with its own `HTTPValidationError` shape, while our
errors (api/errors.py) are `{"error", "message", "fields"}` for every 4xx and 5xx. A client
generated from the document would parse none of them. The resolver below rewrites the document
it generates, for /openapi.json and the Swagger UI alike: one `ApiError` schema, and per
operation the errors it can answer: 401 and 403 where a token is needed (and 409 and 503, which
any domain error of the store or a source becomes: api/app.py), 404 where the path names
something, 400, 413 and 415 where there is a body (api/resolver.py), 422 where there is input
to validate, 500 always. A route adds what only it answers (a 302, a 400) with `answers()`, and a
204 carries no body (issue 16: the document is the truth a client is generated from).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.models import OpenAPI

ERROR_SCHEMA = "ApiError"
_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
_BODY: dict[str, Any] = {
    "title": ERROR_SCHEMA,
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "a stable code: validation_error, not_found, ..."},
        "message": {"type": "string"},
        "fields": {
            "type": "array",
            "description": "the fields at fault, by their path in the request (body.options.x)",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "request_id": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "to quote when reporting a 500",
        },
    },
}
_DESCRIPTIONS = {
    "302": "a redirect to `Location`",
    "400": "the request cannot be read: a body that is not UTF-8 JSON, or a refused query",
    "401": "no token, or an unknown one",
    "403": "the token lacks the route's permission",
    "404": "what the path names does not exist",
    "409": "the current state forbids it (it exists already, it is disabled, it is misconfigured)",
    "413": "the body is too large",
    "414": "the request line (path and query) is too long",
    "415": "the body is not application/json",
    "422": "the request is invalid; `fields` names each field at fault",
    "500": "our fault; quote the request id",
    "503": "a store or server is unavailable for now; try again shortly",
}
# Set on a route by `answers()`: what only it answers, beyond the errors above.
EXTRA = "x-commsync-answers"
ONLY = "x-commsync-answers-only"


def answers(*codes: int, only: bool = False) -> dict[str, Any]:
    """`openapi_extensions` of a route: statuses it answers beyond the shared ones; with `only`,
    its declared success status is never answered (a route that always redirects)."""
    return {EXTRA: [str(c) for c in codes], ONLY: only}


class DocumentedErrorsResolver(APIGatewayRestResolver):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPI:
        generated = super().get_openapi_schema(**kwargs)
        document = generated.model_dump(mode="json", by_alias=True, exclude_none=True)
        return OpenAPI.model_validate(with_error_bodies(document))


def with_error_bodies(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for replaced in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(replaced, None)
    schemas[ERROR_SCHEMA] = _BODY
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                _describe(operation)
    return document


def _describe(operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    params = operation.get("parameters", [])
    extra = operation.pop(EXTRA, [])
    if operation.pop(ONLY, False):
        for success in [c for c in responses if c.startswith("2")]:
            responses.pop(success)
    codes = ["414", "500", *extra]
    if operation.get("security"):
        codes += ["401", "403", "409", "503"]
    if any(p.get("in") == "path" for p in params):
        codes.append("404")
    if "requestBody" in operation:
        codes += ["400", "413", "415"]
    if params or "requestBody" in operation:
        codes.append("422")
    else:
        responses.pop("422", None)
    for code in codes:
        if code == "302":
            responses[code] = {
                "description": _DESCRIPTIONS[code],
                "headers": {"Location": {"schema": {"type": "string"}}},
            }
            continue
        responses[code] = {
            "description": _DESCRIPTIONS[code],
            "content": {"application/json": {"schema": _REF}},
        }
    if "204" in responses:
        responses["204"] = {"description": responses["204"].get("description", "done; no body")}
