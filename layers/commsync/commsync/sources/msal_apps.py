"""msal confidential-client applications for the Microsoft sources (EWS on Exchange Online, Graph).

One application per registration and credential, reused while a Lambda is warm, so msal's token
cache serves repeated polls. msal itself is imported only by the integrations that use it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import SecretStr

from commsync.errors import CommsyncError, IntegrationError, TransientError
from commsync.observability import redacting_filter
from commsync.sources.network import unreachable
from commsync.sources.tls_http import TlsHttpAdapter

T = TypeVar("T")
IDENTITY = "the identity platform"

# Microsoft's own hosts, where msal's instance discovery applies; any other authority is one
# the user runs (a sovereign cloud proxy, or the project's identity emulator in tests).
_MICROSOFT_HOSTS = {
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.partner.microsoftonline.cn",
}
# msal reports failures as dicts; these error codes mean the credentials or consent are wrong.
_INTEGRATION_ERRORS = {
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "invalid_scope",
    "invalid_request",
}


class Credential:
    """An app's client secret or certificate, hashable by a digest so that the application
    cache's keys never hold the secret in clear."""

    def __init__(self, value: str | dict[str, str]) -> None:
        self.value = value
        self._digest = hashlib.sha256(repr(value).encode()).hexdigest()

    @classmethod
    def from_secret(cls, secret: dict[str, SecretStr], auth_name: str) -> Credential:
        plain = {key: value.get_secret_value() for key, value in secret.items()}
        if "client_secret" in plain:
            return cls(plain["client_secret"])
        if "certificate" in plain and "thumbprint" in plain:
            return cls({"private_key": plain["certificate"], "thumbprint": plain["thumbprint"]})
        raise IntegrationError(
            "the integration's secret needs client_secret, or certificate and thumbprint, "
            f"for auth '{auth_name}'"
        )

    def __hash__(self) -> int:
        return hash(self._digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Credential) and other._digest == self._digest


@lru_cache(maxsize=32)
def confidential_app(
    authority: str,
    tenant: str,
    client_id: str,
    credential: Credential,
    ca_bundle: str | None,
    ciphers: str | None = None,
) -> Any:
    import msal

    host = urlsplit(authority).hostname or ""
    # Our adapter, not msal's `verify=`: requests lets REQUESTS_CA_BUNDLE override a session's
    # verify, while the adapter applies the integration's CA bundle to every request.
    session = requests.Session()
    session.mount("https://", TlsHttpAdapter(ciphers=ciphers, ca_bundle=ca_bundle))
    # msal reads the authority's OpenID configuration here: the first call that can meet the network.
    return identity_call(
        authority,
        lambda: msal.ConfidentialClientApplication(
            client_id,
            client_credential=credential.value,
            authority=f"{authority.rstrip('/')}/{tenant}",
            instance_discovery=host in _MICROSOFT_HOSTS,
            http_client=session,
        ),
    )


def identity_call(authority: str, call: Callable[[], T]) -> T:
    """An msal call whose network failure names the identity host and the cause (DNS, refused,
    TLS verify, timeout), as sources/network.py does for the mail servers (issue 16); msal
    itself lets requests' exception out, which named neither."""
    try:
        return call()
    except requests.RequestException as exc:
        named = unreachable(IDENTITY, exc, authority)
        host = urlsplit(authority).hostname or authority
        raise named or TransientError(f"{IDENTITY} at {host} failed: {type(exc).__name__}") from None


def access_token(result: dict[str, Any]) -> str:
    """msal's result -> the access token (remembered for log redaction), or a classified error."""
    if "access_token" not in result:
        raise token_error(result)
    token = str(result["access_token"])
    redacting_filter.remember(token)
    return token


def token_error(result: dict[str, Any]) -> CommsyncError:
    error = str(result.get("error", "unknown_error"))
    # The description names the AADSTS code and the cause; it never contains the secret.
    description = str(result.get("error_description", "")).splitlines()[0:1]
    text = f"the identity platform refused the token request: {error} {' '.join(description)}".strip()
    return IntegrationError(text) if error in _INTEGRATION_ERRORS else TransientError(text)
