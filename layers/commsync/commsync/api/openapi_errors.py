"""The OpenAPI document describes the error bodies the API really sends.

Powertools documents every operation's 422 with its own `HTTPValidationError` shape, while our
errors (api/errors.py) are `{"error", "message", "fields"}` for every 4xx and 5xx. A client
generated from the document would parse none of them. The resolver below rewrites the document
it generates, for /openapi.json and the Swagger UI alike: one `ApiError` schema, and per
operation the errors it can answer: 401 and 403 where a token is needed, 404 where the path
names something, 422 where there is input to validate, 500 always.
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
    "401": "no token, or an unknown one",
    "403": "the token lacks the route's permission",
    "404": "what the path names does not exist",
    "422": "the request is invalid; `fields` names each field at fault",
    "500": "our fault; quote the request id",
}


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
    codes = ["500"]
    if operation.get("security"):
        codes += ["401", "403"]
    if any(p.get("in") == "path" for p in params):
        codes.append("404")
    if params or "requestBody" in operation:
        codes.append("422")
    else:
        responses.pop("422", None)
    for code in codes:
        responses[code] = {
            "description": _DESCRIPTIONS[code],
            "content": {"application/json": {"schema": _REF}},
        }
