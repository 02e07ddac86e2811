"""OpenID Connect discovery (`/{tenant}/v2.0/.well-known/openid-configuration`) and user realm.

msal reads `authorization_endpoint` and `token_endpoint` from the discovery document and
takes the tenant of its token cache from the token endpoint's path, so a named tenant answers
with its GUID there, as Entra does. `/common` and `/organizations` keep their name in the
endpoints and show the `{tenantid}` placeholder in `issuer`.
"""

from __future__ import annotations

from typing import Any

from emulators.identity import errors
from emulators.identity.directory import MULTI_TENANT
from emulators.identity.state import IdentityState

_CLAIMS = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "preferred_username",
    "name",
    "tid",
    "oid",
    "ver",
    "email",
]


def openid_configuration(state: IdentityState, base_url: str, segment: str) -> dict[str, Any]:
    if segment.lower() in MULTI_TENANT:
        path, tenant_id = segment.lower(), "{tenantid}"
    else:
        tenant = state.directory.tenant(segment)
        if tenant is None:
            raise errors.unknown_tenant(segment)
        path = tenant_id = tenant.id
    root = f"{base_url}/{path}"
    return {
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{root}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base_url}/{tenant_id}/v2.0",
        "request_uri_parameter_supported": False,
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "claims_supported": _CLAIMS,
        "code_challenge_methods_supported": ["plain", "S256"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "msgraph_host": "graph.microsoft.com",
    }


def user_realm(state: IdentityState, username: str) -> dict[str, Any]:
    """`/common/userrealm/{upn}`: msal asks before a password grant; every known user is Managed."""
    tenant = state.directory.tenant_of_user(username)
    domain = username.rpartition("@")[2]
    return {
        "ver": "1.0",
        "account_type": "Managed" if tenant else "Unknown",
        "domain_name": domain,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_audience_urn": "urn:federation:MicrosoftOnline",
    }
