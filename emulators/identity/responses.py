"""The responses an endpoint hands back to the HTTP handler, in the vendor's own headers."""

from __future__ import annotations

import json
from typing import Any

from emulators.server import HttpResponse

__all__ = ["HttpResponse", "html_response", "json_response", "redirect"]


def json_response(status: int, payload: dict[str, Any]) -> HttpResponse:
    # Entra forbids caching of token responses (RFC 6749 5.1: Cache-Control: no-store).
    headers = [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store, no-cache")]
    return HttpResponse(status, json.dumps(payload).encode(), headers)


def html_response(status: int, page: str, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
    return HttpResponse(
        status, page.encode(), [("Content-Type", "text/html; charset=utf-8"), *(headers or [])]
    )


def redirect(location: str, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
    return HttpResponse(302, b"", [("Location", location), *(headers or [])])
