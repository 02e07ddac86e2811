"""Server-side OAuth state (issue 7): single use, expiring, bound to one integration."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from commsync.models.common import DomainModel, UtcDatetime


class OAuthProvider(StrEnum):
    MICROSOFT = "microsoft"  # Microsoft identity platform v2.0, authorization code + PKCE (S256)
    SALESFORCE = "salesforce"  # OAuth 2.0 web-server flow of a Connected App, no PKCE


class OAuthState(DomainModel):
    # The `state` value itself travels only in the browser; the store keeps its SHA-256.
    state_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    integration: str
    provider: OAuthProvider
    redirect_uri: str
    return_page: str
    # RFC 7636: the verifier stays server-side; only its S256 challenge goes to the browser.
    code_verifier: str | None = Field(default=None, repr=False)
    expires_at: UtcDatetime
