"""What a `graph` integration's `options` may say (docs/architecture.md#sources; issue 10); checked when
saved.

The OAuth framework (services/oauth_providers.py) reads `client_id`, `tenant`, `authority`,
`scopes`, `ca_bundle`, `oauth_return_page` and `oauth_provider` from the same options, so they
are declared here too.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from commsync.models.common import DomainModel


class GraphAuth(StrEnum):
    # Client credentials: the app's own Mail.Read application permission reaches every mailbox
    # (narrowed by an application access policy). Secret keys: client_secret, or certificate + thumbprint.
    APP = "app"
    # Authorisation code + refresh token through the API's OAuth routes: one user's own mailbox.
    # Secret keys: client_secret (confidential app) and the refresh_token the callback stores.
    DELEGATED = "delegated"


class GraphOptions(DomainModel):
    auth: GraphAuth = GraphAuth.APP
    tenant: str | None = Field(default=None, max_length=200)
    # Required to sync and to connect; optional when saved, so an integration can be set up in steps.
    client_id: str | None = Field(default=None, min_length=1, max_length=200)
    authority: str = Field(default="https://login.microsoftonline.com", pattern=r"^https?://[^\s]+$")
    # Delegated only: what the consent asks for (offline_access is always added by the OAuth framework).
    scopes: str | None = Field(default=None, max_length=1000)
    ca_bundle: str | None = Field(default=None, min_length=1, max_length=1024)
    ciphers: str | None = Field(default=None, min_length=1, max_length=2000)
    oauth_return_page: str | None = Field(default=None, max_length=2048)
    oauth_provider: str | None = Field(default=None, pattern="^microsoft$")
    allow_insecure_loopback: bool = False
    request_timeout_seconds: int = Field(default=60, ge=5, le=600)
    # JSON batching takes at most 20 requests (graph/json-batching).
    batch_size: int = Field(default=20, ge=1, le=20)
