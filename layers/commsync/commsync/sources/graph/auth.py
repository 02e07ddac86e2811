"""Access tokens for Microsoft Graph: app-only through msal (client credentials), or delegated
from the refresh token the API's OAuth routes stored (services/oauth.py), one provider each."""

from __future__ import annotations

import time
from typing import Protocol

from pydantic import SecretStr

from commsync.errors import IntegrationError
from commsync.models import Integration
from commsync.models.graph import GraphOptions
from commsync.ports import SecretStore
from commsync.sources.msal_apps import Credential, access_token, confidential_app, identity_call

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class Tokens(Protocol):
    def token(self) -> str: ...
    def invalidate(self) -> None:
        """The server refused the current token (revoked, clock skew): get a new one next time."""
        ...


class AppTokens:
    """Client credentials; msal keeps the token in its in-memory cache until shortly before expiry."""

    def __init__(self, options: GraphOptions, secret: dict[str, SecretStr]) -> None:
        if not (options.tenant and options.client_id):
            raise IntegrationError("auth 'app' needs options.tenant and options.client_id")
        self._app = confidential_app(
            options.authority,
            options.tenant,
            options.client_id,
            Credential.from_secret(secret, "app"),
            options.ca_bundle,
            options.ciphers,
        )
        self._forced = False
        self._authority = options.authority

    def token(self) -> str:
        if self._forced:
            # msal would hand back the cached token the server just refused; drop it first.
            cache = self._app.token_cache
            for entry in list(cache.search(cache.CredentialType.ACCESS_TOKEN)):
                cache.remove_at(entry)
            self._forced = False
        result = identity_call(
            self._authority, lambda: self._app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
        )
        return access_token(result)

    def invalidate(self) -> None:
        self._forced = True


class DelegatedTokens:
    """A user's token from the stored refresh token; renewed a little before it expires."""

    def __init__(self, secrets: SecretStore, integration: Integration) -> None:
        self._secrets, self._integration = secrets, integration
        self._token: str | None = None
        self._expires_at = 0.0

    def token(self) -> str:
        if self._token is None or time.monotonic() >= self._expires_at:
            from commsync.services.oauth import refresh_access_token

            fresh = refresh_access_token(self._secrets, self._integration)
            lifetime = float(fresh.expires_in or 3600)
            self._token = fresh.access_token
            self._expires_at = time.monotonic() + lifetime - min(60.0, lifetime / 2)
        return self._token

    def invalidate(self) -> None:
        self._token = None
