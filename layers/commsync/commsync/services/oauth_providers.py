"""Where each OAuth provider's endpoints are and how it is asked (issue 7; PROTOCOLS.md 2 and 3).

Endpoints come from the integration's options so tests can point them at the emulators:
- microsoft: `{authority}/{tenant}/oauth2/v2.0/authorize` and `/token` (Microsoft identity
  platform v2.0), authorization code with PKCE S256 (RFC 7636), scopes such as
  `offline_access openid User.Read Mail.Read`.
- salesforce: `{login_url}/services/oauth2/authorize` and `/token`, the web-server flow of a
  Connected App without PKCE (as its users configure it), scopes `api refresh_token offline_access`.
"""

from __future__ import annotations

from dataclasses import dataclass

from commsync.models import Integration, SourceKind
from commsync.models.oauth import OAuthProvider

MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
SALESFORCE_LOGIN = "https://login.salesforce.com"
DEFAULT_SCOPES = {
    OAuthProvider.MICROSOFT: "offline_access openid User.Read Mail.Read",
    OAuthProvider.SALESFORCE: "api refresh_token offline_access",
}
# The scope without which the provider returns no refresh token, and the flow would be useless.
REFRESH_SCOPE = {OAuthProvider.MICROSOFT: "offline_access", OAuthProvider.SALESFORCE: "refresh_token"}
KIND_PROVIDER = {SourceKind.GRAPH: OAuthProvider.MICROSOFT, SourceKind.SALESFORCE: OAuthProvider.SALESFORCE}
LOOPBACK_HTTP = ("http://127.0.0.1:", "http://localhost:", "http://[::1]:")


class OAuthConfigError(Exception):
    """The integration is not set up for the OAuth flow; `field` names what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class OAuthClient:
    provider: OAuthProvider
    client_id: str
    authorize_url: str
    token_url: str
    scopes: str
    pkce: bool
    verify: str | bool  # requests' `verify`: a CA bundle path for a private authority, else True
    secret_name: str


def provider_for(integration: Integration) -> OAuthProvider | None:
    named = integration.options.get("oauth_provider")
    if isinstance(named, str):
        try:
            return OAuthProvider(named)
        except ValueError:
            raise OAuthConfigError("options.oauth_provider", "must be microsoft or salesforce") from None
    return KIND_PROVIDER.get(integration.kind)


def oauth_client(integration: Integration) -> OAuthClient:
    provider = provider_for(integration)
    if provider is None:
        raise OAuthConfigError("kind", f"{integration.kind} integrations do not connect through OAuth")
    options = integration.options
    client_id = _text(options, "client_id")
    if not client_id:
        raise OAuthConfigError("options.client_id", "is required to connect through OAuth")
    if not integration.secret:
        raise OAuthConfigError("secret", "name a secret: the refresh token is stored there")
    if provider is OAuthProvider.MICROSOFT:
        tenant = _text(options, "tenant") or "organizations"
        base = f"{_base(integration, 'authority', MICROSOFT_AUTHORITY)}/{tenant}/oauth2/v2.0"
        authorize, token = f"{base}/authorize", f"{base}/token"
    else:
        base = f"{_base(integration, 'login_url', SALESFORCE_LOGIN)}/services/oauth2"
        authorize, token = f"{base}/authorize", f"{base}/token"
    scopes = (_text(options, "scopes") or DEFAULT_SCOPES[provider]).split()
    if REFRESH_SCOPE[provider] not in scopes:
        scopes.append(REFRESH_SCOPE[provider])
    return OAuthClient(
        provider=provider,
        client_id=client_id,
        authorize_url=authorize,
        token_url=token,
        scopes=" ".join(scopes),
        pkce=provider is OAuthProvider.MICROSOFT,
        verify=_text(options, "ca_bundle") or True,
        secret_name=integration.secret,
    )


def _text(options: dict[str, str | int | bool], key: str) -> str | None:
    value = options.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _base(integration: Integration, key: str, default: str) -> str:
    url = (_text(integration.options, key) or default).rstrip("/")
    # HTTPS only (docs/architecture.md#sources); plain HTTP only for loopback test servers that opt in.
    insecure_ok = bool(integration.options.get("allow_insecure_loopback")) and url.startswith(LOOPBACK_HTTP)
    if not url.startswith("https://") and not insecure_ok:
        raise OAuthConfigError(f"options.{key}", "must be an https:// URL")
    return url
