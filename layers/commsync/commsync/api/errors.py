"""Errors the routes raise and the bodies the caller sees: a code, a message, and the fields at fault.

Never a stack trace: unexpected exceptions are logged (through the redacting filter) and the
caller gets 500 with the request id to quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import ValidationError


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class ApiError(Exception):
    status = HTTPStatus.BAD_REQUEST
    code = "bad_request"

    def __init__(self, message: str, fields: Sequence[FieldProblem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.fields = list(fields)


class BadRequest(ApiError):
    pass


class Unauthorized(ApiError):
    status, code = HTTPStatus.UNAUTHORIZED, "unauthorized"


class Forbidden(ApiError):
    status, code = HTTPStatus.FORBIDDEN, "forbidden"


class NotFound(ApiError):
    status, code = HTTPStatus.NOT_FOUND, "not_found"


class Conflict(ApiError):
    status, code = HTTPStatus.CONFLICT, "conflict"


class TooLarge(ApiError):
    status, code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large"


class UnsupportedMediaType(ApiError):
    status, code = HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"


class Invalid(ApiError):
    status, code = HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error"


def error_response(error: ApiError, headers: dict[str, str] | None = None) -> Response[Any]:
    body: dict[str, Any] = {"error": error.code, "message": error.message}
    if error.fields:
        body["fields"] = [{"field": f.field, "message": f.message} for f in error.fields]
    return Response(
        status_code=error.status.value,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers=headers,
    )


# Union branch tags from discriminated unions (models.filters) say nothing to a caller.
_TAGS = frozenset({"term", "key-value", "group"})


def field_name(loc: Sequence[str | int], prefix: Sequence[str] = ()) -> str:
    parts = [*prefix, *(str(p) for p in loc if p not in _TAGS)]
    return ".".join(parts) or "body"


# Model-level validators name their fields in the message: "endpoint: needs https; options.x: ...".
_NAMED = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[a-z0-9_()]+)*): (.+)$")


def problems(errors: Sequence[Any], prefix: Sequence[str] = ()) -> list[FieldProblem]:
    """Pydantic's errors without their `input`: a rejected secret is never echoed back."""
    found: list[FieldProblem] = []
    for error in errors:
        where = field_name(error["loc"], prefix)
        message = str(error.get("msg") or error.get("type") or "invalid").removeprefix("Value error, ")
        parts = [_NAMED.match(part) for part in message.split("; ")]
        if all(parts):
            found += [FieldProblem(f"{where}.{m.group(1)}", m.group(2)) for m in parts if m]
        else:
            found.append(FieldProblem(where, message))
    return found


def invalid(exc: ValidationError, prefix: Sequence[str] = ("body",)) -> Invalid:
    found = problems(exc.errors(include_input=False, include_url=False), prefix)
    return Invalid("; ".join(f"{p.field}: {p.message}" for p in found), found)
