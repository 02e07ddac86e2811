"""The API's resolver: exact routes, the caller authenticated before the body is read (issue 16).

Powertools, as it comes, (a) lets `/a/b/` match the route `/a/b` — so a client that normalises
`.../mailboxes/..` to `.../<name>/` deletes the integration instead of a mailbox — and (b) runs
request validation, which parses the body, before any middleware, so an undecodable body
answered 500 to callers without a token. Here a route matches its exact path, a path parameter
is one whole segment (checked by the route's own pattern, so `..` gets a 422 naming the field),
and before the route runs the caller is authorized and then the body checked: 415 unless JSON,
400 unless UTF-8 JSON, 422 when nested beyond any request model.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from re import Pattern
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder, Route

from commsync.api.auth import authorize, denial
from commsync.api.context import Authenticator
from commsync.api.errors import (
    ApiError,
    BadRequest,
    FieldProblem,
    Invalid,
    UnsupportedMediaType,
    error_response,
)
from commsync.api.openapi_errors import DocumentedErrorsResolver

# No request model nests deeper than a filter (models/filters.py: 6 groups, each a dict and a list)
# inside a body: anything past this is refused before pydantic, whose recursion it could exhaust.
MAX_JSON_DEPTH = 24
_PARAM = re.compile(r"<(\w+)>")


class GuardedResolver(DocumentedErrorsResolver):
    def __init__(self, authenticate: Authenticator, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._authenticate = authenticate

    @staticmethod
    def _compile_regex(rule: str, base_regex: str = "^{}$") -> Pattern[str]:
        # Exactly the rule (no trailing slash), each parameter exactly one non-empty segment.
        return re.compile("^" + _PARAM.sub(r"(?P<\1>[^/]+)", rule) + "$")

    def _resolve(self) -> ResponseBuilder[Any]:
        # A page read with a trailing slash (/console/) is sent to its own URL; nothing else
        # matches a path it is not exactly, so a DELETE never reaches the parent (issue 16).
        method, path = self.current_event.http_method.upper(), self.current_event.path
        if method in ("GET", "HEAD") and len(path) > 1 and path.endswith("/"):
            exact = path.rstrip("/")
            routes = self._static_routes + self._dynamic_routes
            if exact and any(r.method == method and r.rule.match(exact) for r in routes):
                location = {"Location": "../" + exact.rsplit("/", 1)[-1]}
                moved: Response[None] = Response(status_code=301, body=None, headers=location)
                return self._response_builder_class(response=moved, serializer=self._serializer)
        return super()._resolve()

    def _call_route(self, route: Route, route_arguments: dict[str, str]) -> ResponseBuilder[Any]:
        try:
            authorize(self, self._authenticate)
        except ApiError as refused:
            return self._answer(route, denial(refused))
        try:
            check_body(self.current_event.raw_event)
        except ApiError as bad:
            return self._answer(route, error_response(bad))
        return super()._call_route(route, route_arguments)

    def _answer(self, route: Route, response: Response[Any]) -> ResponseBuilder[Any]:
        return self._response_builder_class(response=response, serializer=self._serializer, route=route)


def check_body(event: dict[str, Any]) -> None:
    """Raises the ApiError a bad request body deserves; returns when there is none or it is fine."""
    raw = event.get("body")
    if not raw:
        return
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        raise UnsupportedMediaType("send the body as application/json")
    text = _text(str(raw), bool(event.get("isBase64Encoded")))
    too_deep = Invalid(
        f"body: nested deeper than {MAX_JSON_DEPTH} levels",
        [FieldProblem("body", f"nested deeper than {MAX_JSON_DEPTH} levels")],
    )
    try:
        document = json.loads(text)
    except RecursionError:
        raise too_deep from None
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if json_depth(document) > MAX_JSON_DEPTH:
        raise too_deep


def _text(raw: str, encoded: bool) -> str:
    try:
        data = base64.b64decode(raw, validate=True) if encoded else raw.encode("utf-8", "surrogatepass")
        return data.decode("utf-8")
    except (binascii.Error, UnicodeError):
        raise BadRequest("the body is not UTF-8 text") from None


def json_depth(document: Any, stop: int = MAX_JSON_DEPTH) -> int:
    """Nesting depth of a parsed JSON document, iteratively; stops counting once past `stop`."""
    deepest, stack = 0, [(document, 1)]
    while stack and deepest <= stop:
        node, depth = stack.pop()
        children: Callable[[], Any] | None = None
        if isinstance(node, dict):
            children = node.values
        elif isinstance(node, list):
            children = node.copy
        if children is not None:
            deepest = max(deepest, depth)
            stack += [(child, depth + 1) for child in children()]
    return deepest
