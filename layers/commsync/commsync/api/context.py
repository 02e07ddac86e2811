"""What every route needs: the engine, how callers are authenticated, how attachments are
linked, and where OAuth flows return (one object, built by the Lambda or by `commsync serve`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from commsync.engine import Engine
from commsync.models.access import Permission


@dataclass(frozen=True)
class Principal:
    name: str
    permissions: frozenset[Permission]


# The raw API Gateway REST proxy event -> the caller, or None when not authenticated.
Authenticator = Callable[[dict[str, Any]], Principal | None]


class AttachmentLinks(Protocol):
    """Short-lived download URLs for blobs: presigned S3 URLs, or signed `commsync serve` URLs."""

    def url(self, key: str, event: dict[str, Any]) -> str | None:
        """None when there is no such blob."""
        ...


@dataclass(frozen=True)
class OAuthPages:
    # Absolute URLs the OAuth callback may redirect to; an integration may name one of them
    # (options.oauth_return_page). Empty: the console of this API (`<base>/console`).
    return_pages: list[str] = field(default_factory=list)
    # Public base URL of the API (what providers redirect to); None: derived from the request.
    base_url: str | None = None


@dataclass
class ApiContext:
    # Built on first use: a cold start that only answers /health (or a 401) creates no AWS client.
    engine_factory: Callable[[], Engine]
    authenticate: Authenticator
    links: AttachmentLinks
    oauth: OAuthPages = field(default_factory=OAuthPages)
    link_seconds: int = 300
    # Local mode: integration key -> the config file that defines it. The file is applied at
    # every start, so the API refuses edits it would undo (issue 23, api/managed.py).
    managed: dict[str, str] = field(default_factory=dict)
    # What keeps this process from syncing, for /health (`commsync serve`'s loop); None: nothing.
    health: Callable[[], str | None] = lambda: None

    @cached_property
    def engine(self) -> Engine:
        return self.engine_factory()

    def base_url(self, event: dict[str, Any]) -> str:
        if self.oauth.base_url:
            return self.oauth.base_url.rstrip("/")
        context = event.get("requestContext") or {}
        host = context.get("domainName") or (event.get("headers") or {}).get("Host", "localhost")
        stage = context.get("stage")
        return f"https://{host}/{stage}" if stage and stage != "$default" else f"https://{host}"
