"""The claims of access tokens and id tokens ("Access token claims reference", "ID token claims").

App-only tokens carry `roles` and no `scp`; delegated tokens carry `scp` (space separated short
names) and the user (`upn`, `preferred_username`, `oid`, `name`). Both name the client twice,
as v1 (`appid`, `appidacr`) and v2 (`azp`, `azpacr`) tokens do, so either reader finds it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from emulators.identity.config import AppConfig, UserConfig, derived_id
from emulators.identity.directory import Tenant
from emulators.identity.keys import b64url

# `appidacr`: how the client proved itself. 0 public client, 1 secret, 2 certificate.
PUBLIC, SECRET, CERTIFICATE = "0", "1", "2"


def issuer(base_url: str, tenant: Tenant) -> str:
    return f"{base_url}/{tenant.id}/v2.0"


@dataclass(frozen=True)
class Minting:
    """Who is asking, for whom, and when: what every token of one response shares."""

    base_url: str
    tenant: Tenant
    app: AppConfig
    client_auth: str  # PUBLIC, SECRET or CERTIFICATE
    now: int
    lifetime: int

    def _times(self) -> dict[str, Any]:
        return {"iat": self.now, "nbf": self.now, "exp": self.now + self.lifetime}

    def _common(self, audience: str) -> dict[str, Any]:
        return {
            "aud": audience,
            "iss": issuer(self.base_url, self.tenant),
            **self._times(),
            "tid": self.tenant.id,
            "appid": self.app.client_id,
            "azp": self.app.client_id,
            "appidacr": self.client_auth,
            "azpacr": self.client_auth,
            "app_displayname": self.app.display_name or self.app.client_id,
            "uti": uuid.uuid4().hex[:22],
            "ver": "2.0",
        }

    def app_access_token(self, resource: str) -> dict[str, Any]:
        principal = derived_id("service-principal", self.tenant.id, self.app.client_id)
        claims = {**self._common(resource), "oid": principal, "sub": principal, "idtyp": "app"}
        roles = self.app.roles.get(resource, [])
        if roles:  # Entra omits `roles` when the app holds none for this resource
            claims["roles"] = list(roles)
        return claims

    def user_access_token(
        self, resource: str, permissions: tuple[str, ...], user: UserConfig
    ) -> dict[str, Any]:
        return {
            **self._common(resource),
            "scp": " ".join(permissions),
            "oid": user.oid,
            "sub": self._pairwise_sub(user),
            "upn": user.upn,
            "unique_name": user.upn,
            "preferred_username": user.upn,
            "name": user.display_name,
            "idtyp": "user",
        }

    def id_token(
        self, user: UserConfig, nonce: str | None, auth_time: int, with_email: bool
    ) -> dict[str, Any]:
        claims: dict[str, Any] = {
            "aud": self.app.client_id,
            "iss": issuer(self.base_url, self.tenant),
            **self._times(),
            "auth_time": auth_time,
            "tid": self.tenant.id,
            "oid": user.oid,
            "sub": self._pairwise_sub(user),
            "preferred_username": user.upn,
            "name": user.display_name,
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        if with_email:
            claims["email"] = user.upn
        return claims

    def client_info(self, user: UserConfig) -> str:
        """`client_info=1` asks for it; msal builds the account's home_account_id `uid.utid` from it."""
        return b64url(json.dumps({"uid": user.oid, "utid": self.tenant.id}).encode())

    def _pairwise_sub(self, user: UserConfig) -> str:
        # OIDC `sub` is pairwise in Entra: stable per user and application, different across apps.
        return b64url(uuid.uuid5(uuid.UUID(user.oid), self.app.client_id).bytes)
