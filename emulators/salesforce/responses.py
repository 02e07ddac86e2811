"""What an endpoint hands back to the HTTP handler: status, headers, body."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def with_header(self, name: str, value: str) -> HttpResponse:
        return HttpResponse(self.status, self.body, [*self.headers, (name, value)])


def json_response(status: int, payload: Any) -> HttpResponse:
    # Token responses must not be cached (RFC 6749 5.1); harmless on the data responses.
    headers = [
        ("Content-Type", "application/json;charset=UTF-8"),
        ("Cache-Control", "no-cache,must-revalidate"),
    ]
    return HttpResponse(status, json.dumps(payload).encode(), headers)


def html_response(status: int, page: str) -> HttpResponse:
    return HttpResponse(status, page.encode(), [("Content-Type", "text/html;charset=UTF-8")])


def redirect(location: str) -> HttpResponse:
    return HttpResponse(302, b"", [("Location", location)])
