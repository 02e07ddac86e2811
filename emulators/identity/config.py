"""The `--data` file: tenants, their applications and users (schema in the package docstring)."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from cryptography import x509
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

# Tenant and user object ids are derived from names when the file gives none, so a restarted
# emulator hands out the same `tid` / `oid` and tokens stay comparable across runs.
_ID_NAMESPACE = uuid.UUID("5b2f62f4-3c1c-4e63-9a55-6f0d3f0c9e31")


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(p.lower() for p in parts)))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SecretConfig(_Strict):
    value: SecretStr
    expires: datetime | None = None  # None: never expires


class AppConfig(_Strict):
    client_id: str = Field(min_length=1)
    display_name: str = ""
    secrets: list[SecretConfig] = []
    certificates: list[str] = []  # PEM; a client assertion's x5t / x5t#S256 picks one
    redirect_uris: list[str] = []
    # Application permissions per resource ("https://outlook.office365.com": ["full_access_as_app"]):
    # the `roles` claim of an app-only token for that resource.
    roles: dict[str, list[str]] = {}
    # Delegated permissions the tenant consented to, per resource; None consents to any scope.
    delegated: dict[str, list[str]] | None = None

    @property
    def is_public(self) -> bool:
        """No credential at all: a public client (desktop, device) as in the app registration."""
        return not self.secrets and not self.certificates

    @field_validator("certificates")
    @classmethod
    def _certificates_are_pem(cls, value: list[str]) -> list[str]:
        for pem in value:
            x509.load_pem_x509_certificate(pem.encode())  # ValueError names the bad entry
        return value

    @field_validator("roles", "delegated")
    @classmethod
    def _resources_without_trailing_slash(cls, value: dict[str, list[str]] | None) -> object:
        return None if value is None else {k.rstrip("/"): v for k, v in value.items()}


class UserConfig(_Strict):
    upn: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    password: SecretStr
    display_name: str = ""
    oid: str = ""  # derived from the upn when empty

    @model_validator(mode="after")
    def _defaults(self) -> UserConfig:
        if not self.oid:
            self.oid = derived_id("user", self.upn)
        if not self.display_name:
            self.display_name = self.upn.split("@", 1)[0].replace(".", " ").title()
        return self


class TenantConfig(_Strict):
    id: str = ""  # the tenant GUID (`tid`); derived from the tenant's name when empty
    domains: list[str] = []  # extra names the tenant answers to, e.g. "contoso.example"
    apps: list[AppConfig] = []
    users: list[UserConfig] = []


class IdentityConfig(_Strict):
    tenants: dict[str, TenantConfig] = {}
    token_lifetime_seconds: int = Field(default=3599, ge=1)
    refresh_token_lifetime_seconds: int = Field(default=90 * 24 * 3600, ge=1)
    # Microsoft identity platform: authorization codes live about 10 minutes.
    authorization_code_lifetime_seconds: int = Field(default=600, ge=1)
    # Entra leaves a refresh token valid after it was redeemed; True makes each one single-use,
    # which catches a client that keeps sending the old token instead of the rotated one.
    single_use_refresh_tokens: bool = False

    @model_validator(mode="after")
    def _tenant_ids(self) -> IdentityConfig:
        for name, tenant in self.tenants.items():
            if not tenant.id:
                tenant.id = derived_id("tenant", name)
            uuid.UUID(tenant.id)  # a tenant id is a GUID, as in Entra
        return self

    @classmethod
    def from_file(cls, path: Path) -> IdentityConfig:
        return cls.model_validate_json(path.read_bytes())
