"""The four grants of the token endpoint, each turning an authenticated request into tokens.

Response fields as Entra returns them: `token_type`, `expires_in`, `ext_expires_in`,
`access_token`; for users also `scope`, `refresh_token` (with `offline_access`), `id_token`
(with `openid`) and `client_info` (when the request carries `client_info=1`, as msal's do).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from emulators.identity import errors, scopes
from emulators.identity.claims import Minting
from emulators.identity.config import AppConfig, UserConfig
from emulators.identity.directory import Tenant
from emulators.identity.grants import UserGrant
from emulators.identity.state import IdentityState


@dataclass(frozen=True)
class GrantRequest:
    state: IdentityState
    base_url: str
    tenant: Tenant
    app: AppConfig
    client_auth: str
    form: dict[str, str]
    now: int

    def required(self, name: str) -> str:
        value = self.form.get(name)
        if not value:
            raise errors.missing_parameter(name)
        return value

    def minting(self) -> Minting:
        lifetime = self.state.settings.token_lifetime_seconds
        return Minting(self.base_url, self.tenant, self.app, self.client_auth, self.now, lifetime)

    def check_same_client_and_tenant(self, grant: UserGrant) -> None:
        if grant.client_id != self.app.client_id or grant.tenant != self.tenant.name:
            raise errors.bad_grant(errors.GRANT_MISMATCH, "Provided grant is invalid or malformed.")


def client_credentials(request: GrantRequest) -> dict[str, Any]:
    resource = scopes.app_only(request.form.get("scope"), request.tenant)
    minting = request.minting()
    return _bearer(minting, request.state.key.sign(minting.app_access_token(resource)))


def authorization_code(request: GrantRequest) -> dict[str, Any]:
    code = request.state.grants.redeem_code(request.required("code"), request.now)
    request.check_same_client_and_tenant(code.grant)
    if not hmac.compare_digest(request.form.get("redirect_uri", ""), code.redirect_uri):
        raise errors.bad_grant(
            errors.REPLY_MISMATCH,
            "The reply address does not match the one provided when requesting the authorization code.",
        )
    code.check_verifier(request.form.get("code_verifier"))
    grant = code.grant
    scope = request.form.get("scope") or grant.scope
    return _user_tokens(
        request, UserGrant(grant.tenant, grant.client_id, grant.upn, scope, grant.auth_time, grant.nonce)
    )


def refresh_token(request: GrantRequest) -> dict[str, Any]:
    settings = request.state.settings
    grant = request.state.grants.redeem_refresh_token(
        request.required("refresh_token"),
        request.app.client_id,
        request.now,
        settings.single_use_refresh_tokens,
    )
    request.check_same_client_and_tenant(grant)
    # A refresh token serves any resource the user consented to; no nonce outside the sign-in.
    scope = request.form.get("scope") or grant.scope
    return _user_tokens(request, UserGrant(grant.tenant, grant.client_id, grant.upn, scope, grant.auth_time))


def password(request: GrantRequest) -> dict[str, Any]:
    """Resource owner password credentials (ROPC), as exchangelib's legacy OAuth credentials use."""
    upn, secret = request.required("username"), request.required("password")
    user = request.tenant.user(upn)
    if user is None:
        raise errors.bad_grant(
            errors.UNKNOWN_USER, f"The user account {upn} does not exist in the directory."
        )
    if not hmac.compare_digest(user.password.get_secret_value().encode(), secret.encode()):
        raise errors.bad_grant(
            errors.BAD_PASSWORD, "Error validating credentials due to invalid username or password."
        )
    grant = UserGrant(
        request.tenant.name, request.app.client_id, user.upn, request.form.get("scope", ""), request.now
    )
    return _user_tokens(request, grant)


def _bearer(minting: Minting, access_token: str) -> dict[str, Any]:
    return {
        "token_type": "Bearer",
        "expires_in": minting.lifetime,
        "ext_expires_in": minting.lifetime,
        "access_token": access_token,
    }


def _user(request: GrantRequest, upn: str) -> UserConfig:
    user = request.tenant.user(upn)
    if user is None:  # removed since the sign-in
        raise errors.bad_grant(
            errors.UNKNOWN_USER, f"The user account {upn} does not exist in the directory."
        )
    return user


def _user_tokens(request: GrantRequest, grant: UserGrant) -> dict[str, Any]:
    user = _user(request, grant.upn)
    wanted = scopes.delegated(grant.scope, request.app, request.tenant)
    minting, key = request.minting(), request.state.key
    body = _bearer(minting, key.sign(minting.user_access_token(wanted.resource, wanted.permissions, user)))
    body["scope"] = wanted.granted()
    if wanted.wants_refresh_token:
        lifetime = request.state.settings.refresh_token_lifetime_seconds
        body["refresh_token"] = request.state.grants.issue_refresh_token(grant, request.now + lifetime)
    if wanted.wants_id_token:
        id_claims = minting.id_token(user, grant.nonce, grant.auth_time, with_email="email" in wanted.oidc)
        body["id_token"] = key.sign(id_claims)
    if request.form.get("client_info") == "1":
        body["client_info"] = minting.client_info(user)
    return body
