"""The responses an endpoint hands back to the HTTP handler, in the vendor's own headers."""

from __future__ import annotations

import json
from typing import Any

from emulators.server import HttpResponse

__all__ = ["HttpResponse", "html_response", "json_response", "redirect"]


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
