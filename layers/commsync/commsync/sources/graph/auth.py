"""Access tokens for Microsoft Graph: app-only through msal (client credentials), or delegated
from the refresh token the API's OAuth routes stored (services/oauth.py), one provider each."""

from __future__ import annotations

import hashlib
import time
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import SecretStr

from commsync.errors import IntegrationError, TransientError
from commsync.models import Integration
from commsync.models.graph import GraphOptions
from commsync.observability import redacting_filter
from commsync.ports import SecretStore
from commsync.sources.graph.transport import session

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# Microsoft's own hosts, where msal's instance discovery applies (see sources/ews/tokens.py).
_MICROSOFT_HOSTS = {
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.partner.microsoftonline.cn",
}
# msal's error codes that mean the app's credentials or consent are wrong, not that the platform is busy.
_INTEGRATION_ERRORS = {
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "invalid_scope",
    "invalid_request",
}


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
        self._app = _application(
            options.authority,
            options.tenant,
            options.client_id,
            _Credential(_credential(secret)),
            options.ca_bundle,
            options.ciphers,
        )
        self._forced = False

    def token(self) -> str:
        if self._forced:
            # msal would hand back the cached token the server just refused; drop it first.
            cache = self._app.token_cache
            for entry in list(cache.search(cache.CredentialType.ACCESS_TOKEN)):
                cache.remove_at(entry)
            self._forced = False
        return _access_token(self._app.acquire_token_for_client(scopes=[GRAPH_SCOPE]))

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


def _credential(secret: dict[str, SecretStr]) -> str | dict[str, str]:
    plain = {key: value.get_secret_value() for key, value in secret.items()}
    if "client_secret" in plain:
        return plain["client_secret"]
    if "certificate" in plain and "thumbprint" in plain:
        return {"private_key": plain["certificate"], "thumbprint": plain["thumbprint"]}
    raise IntegrationError(
        "the integration's secret needs client_secret, or certificate and thumbprint, for auth 'app'"
    )


def _access_token(result: dict[str, Any]) -> str:
    if "access_token" not in result:
        error = str(result.get("error", "unknown_error"))
        # The description names the AADSTS code and the cause; it never contains the secret.
        description = str(result.get("error_description", "")).splitlines()[0:1]
        text = f"the identity platform refused the token request: {error} {' '.join(description)}".strip()
        raise IntegrationError(text) if error in _INTEGRATION_ERRORS else TransientError(text)
    token = str(result["access_token"])
    redacting_filter.remember(token)
    return token


class _Credential:
    """Hashable by a digest, so the msal app cache key never holds the secret in clear."""

    def __init__(self, value: str | dict[str, str]) -> None:
        self.value = value
        self._digest = hashlib.sha256(repr(value).encode()).hexdigest()

    def __hash__(self) -> int:
        return hash(self._digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Credential) and other._digest == self._digest


@lru_cache(maxsize=32)
def _application(
    authority: str,
    tenant: str,
    client_id: str,
    credential: _Credential,
    ca_bundle: str | None,
    ciphers: str | None,
) -> Any:
    """One msal app per registration and credential, reused while the Lambda is warm (its token cache too)."""
    import msal  # imported here: delegated integrations never need it

    host = urlsplit(authority).hostname or ""
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=credential.value,
        authority=f"{authority.rstrip('/')}/{tenant}",
        instance_discovery=host in _MICROSOFT_HOSTS,
        http_client=session(ciphers, ca_bundle),
    )
