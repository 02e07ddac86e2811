"""What an `ews` integration's `options` may say (docs/architecture.md#sources); checked when it is saved."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from commsync.models.common import DomainModel


class EwsAuth(StrEnum):
    NTLM = "ntlm"  # on-prem 2010-2019: secret keys username ('DOMAIN\\name'), password
    BASIC = "basic"  # on-prem over HTTPS: secret keys username, password
    OAUTH = "oauth"  # Exchange Online: secret client_secret, or certificate + thumbprint


class EwsAccess(StrEnum):
    # A service account reads other mailboxes either as their delegate (Full Access granted per
    # mailbox) or by impersonating them (the ApplicationImpersonation role); app-only OAuth
    # tokens can only impersonate.
    DELEGATE = "delegate"
    IMPERSONATION = "impersonation"


# The builds exchangelib needs to skip its version-guessing round trip (MS-OXWSCDATA RequestServerVersion).
EXCHANGE_VERSIONS: dict[str, tuple[int, int, int]] = {
    "2010": (14, 0, 0),
    "2010_sp1": (14, 1, 0),
    "2010_sp2": (14, 2, 0),
    "2013": (15, 0, 0),
    "2013_sp1": (15, 0, 847),
    "2016": (15, 1, 0),
    "2019": (15, 2, 0),
    "online": (15, 20, 0),
}


class EwsOptions(DomainModel):
    auth: EwsAuth = EwsAuth.NTLM
    access: EwsAccess = EwsAccess.IMPERSONATION
    exchange_version: str = Field(default="2016", pattern="^(" + "|".join(EXCHANGE_VERSIONS) + ")$")
    # OAuth only: the Entra tenant and application, and the identity platform to ask for tokens.
    tenant: str | None = Field(default=None, max_length=200)
    client_id: str | None = Field(default=None, max_length=200)
    authority: str = Field(default="https://login.microsoftonline.com", pattern=r"^https://[^\s]+$")
    # An OpenSSL cipher list for servers that demand (or must not be offered) particular suites.
    ciphers: str | None = Field(default=None, min_length=1, max_length=2000)
    # A PEM bundle of the CAs that signed an on-prem server's certificate; verification stays on.
    ca_bundle: str | None = Field(default=None, min_length=1, max_length=1024)
    max_connections: int = Field(default=1, ge=1, le=10)
    request_timeout_seconds: int = Field(default=120, ge=5, le=600)
    items_per_request: int = Field(default=100, ge=1, le=100)
    # Emails bigger than this are not fetched whole: their attachments are streamed one by one.
    stream_items_over_bytes: int = Field(default=10_000_000, ge=100_000)
    # Memory is bounded by bytes, not item counts (issue 17): one GetItem asks for at most this many
    # bytes of email (the sizes SyncFolderItems reports), and a page holds at most this much
    # (8 MB: 179 MB peak for a page of 4 MB emails, `make bench` page_memory; 16 MB: 225 MB).
    max_bytes_per_request: int = Field(default=8_000_000, ge=1_000_000)
    allow_insecure_loopback: bool = False

    @model_validator(mode="after")
    def _oauth_needs_app(self) -> EwsOptions:
        if self.auth is EwsAuth.OAUTH and not (self.tenant and self.client_id):
            raise ValueError("auth 'oauth' needs tenant and client_id")
        return self
