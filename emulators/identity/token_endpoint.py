"""`POST /{tenant}/oauth2/v2.0/token`: find the tenant and the app, authenticate it, run the grant.

The order follows Entra's: tenant (AADSTS90002), then the app (AADSTS700016), then its
credential (AADSTS7000215 / 7000222 / 7000216), then the grant itself, so a wrong secret never
burns an authorization code or a single-use refresh token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulators.identity import errors, token_grants
from emulators.identity.claims import issuer
from emulators.identity.client_auth import PresentedCredentials, authenticate
from emulators.identity.directory import MULTI_TENANT, Tenant
from emulators.identity.state import IdentityState

_GRANTS = {
    "client_credentials": token_grants.client_credentials,
    "authorization_code": token_grants.authorization_code,
    "refresh_token": token_grants.refresh_token,
    "password": token_grants.password,
}


@dataclass(frozen=True)
class TokenResponse:
    status: int
    body: dict[str, Any]


def handle_token(
    state: IdentityState,
    base_url: str,
    segment: str,
    form: dict[str, str],
    authorization: str | None,
    correlation_id: str | None = None,
) -> TokenResponse:
    """`correlation_id`: msal's `client-request-id` header, echoed in errors as Entra does."""
    try:
        body = _token(state, base_url, segment, form, authorization)
    except errors.AadError as error:
        return TokenResponse(error.status, error.body(base_url, correlation_id))
    return TokenResponse(200, body)


def _token(
    state: IdentityState, base_url: str, segment: str, form: dict[str, str], authorization: str | None
) -> dict[str, Any]:
    grant_type = form.get("grant_type")
    if not grant_type:
        raise errors.missing_parameter("grant_type")
    grant = _GRANTS.get(grant_type)
    if grant is None:
        raise errors.unsupported_grant(grant_type)
    presented = PresentedCredentials.from_request(form, authorization)
    if not presented.client_id:
        raise errors.missing_parameter("client_id")
    tenant = _tenant(state, segment, presented.client_id, grant_type)
    app = tenant.app(presented.client_id)
    if app is None:
        raise errors.unknown_app(presented.client_id, tenant.id)
    now = state.now()
    client_auth = authenticate(
        presented, app, grant_type, _assertion_audiences(base_url, segment, tenant), now
    )
    request = token_grants.GrantRequest(state, base_url, tenant, app, client_auth, form, int(now))
    body = grant(request)
    state.count(grant_type)
    return body


def _tenant(state: IdentityState, segment: str, client_id: str, grant_type: str) -> Tenant:
    if segment.lower() in MULTI_TENANT:
        # App-only tokens need a named tenant; user grants resolve to the app's home tenant
        # (this emulator registers each app in one tenant only).
        found = None if grant_type == "client_credentials" else state.directory.tenant_of_app(client_id)
        if found is None:
            raise errors.no_tenant(segment)
        return found
    tenant = state.directory.tenant(segment)
    if tenant is None:
        raise errors.unknown_tenant(segment, "invalid_request")
    return tenant


def _assertion_audiences(base_url: str, segment: str, tenant: Tenant) -> set[str]:
    """A client assertion's `aud`: the token endpoint (v2, v1) under any name of the tenant, or its issuer."""
    names = tenant.aliases() | {segment.lower()}
    endpoints = {f"{base_url}/{n}/oauth2/v2.0/token" for n in names} | {
        f"{base_url}/{n}/oauth2/token" for n in names
    }
    return {e.lower() for e in endpoints} | {issuer(base_url, tenant).lower()}
