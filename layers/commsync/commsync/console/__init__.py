"""The web console (issue 12): static pages the API serves at `GET /console` and `/console/<asset>`.

The routes are public because the assets hold no data: the page asks for an API token, keeps it
in the tab's sessionStorage and calls the same routes as any client, with the same permissions.
The assets ship inside the package (static/), so the Lambda layer and `commsync serve` serve the
same files: no CDN, no build step.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from commsync.api.auth import public
from commsync.api.errors import NotFound

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
INDEX = "index.html"
# Everything the page loads comes from this API: no inline script, no third-party origin, no framing.
# The OAuth return lands here with a query: no-referrer keeps it from leaking to other sites.
_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
}


def register(app: APIGatewayRestResolver) -> None:
    @app.get("/console", include_in_schema=False)
    @public
    def console_page() -> Response[Any]:
        if app.current_event.path.endswith("/"):
            # The router ignores the trailing slash, but the page's relative asset URLs would not.
            return Response(status_code=301, body=None, headers={"Location": "../console"})
        return asset_response(INDEX)

    @app.get("/console/<asset>", include_in_schema=False)
    @public
    def console_asset(asset: str) -> Response[Any]:
        # The page names its assets relative to /console; the index itself lives only there.
        if asset == INDEX:
            raise NotFound("the console is at /console")
        return asset_response(asset)


def asset_response(name: str) -> Response[Any]:
    content_type, body = load_asset(name)
    return Response(status_code=200, content_type=content_type, body=body, headers=dict(_HEADERS))


@cache
def load_asset(name: str) -> tuple[str, str]:
    """(content type, text) of a shipped asset; NotFound for anything else, including any path."""
    suffix = name[name.rfind(".") :] if "." in name else ""
    if name.startswith(".") or "/" in name or "\\" in name or suffix not in CONTENT_TYPES:
        raise NotFound(f"no console asset {name}")
    asset = resources.files(__package__).joinpath("static", name)
    if not asset.is_file():
        raise NotFound(f"no console asset {name}")
    return CONTENT_TYPES[suffix], asset.read_text(encoding="utf-8")


def asset_names() -> list[str]:
    return sorted(p.name for p in resources.files(__package__).joinpath("static").iterdir() if p.is_file())
