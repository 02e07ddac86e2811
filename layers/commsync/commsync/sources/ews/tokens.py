"""msal applications for Exchange Online, one per app registration and credential, reused while warm."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import requests
from pydantic import SecretStr

from commsync.errors import IntegrationError
from commsync.models.ews import EwsOptions
from commsync.sources.ews.transport import EwsHttpAdapter

EXCHANGE_SCOPE = "https://outlook.office365.com/.default"
EXCHANGE_USER_SCOPE = "https://outlook.office365.com/EWS.AccessAsUser.All"
# Microsoft's own hosts, where msal's instance discovery applies; any other authority is one
# the user runs (a sovereign cloud proxy, or the project's identity emulator in tests).
_MICROSOFT_HOSTS = {
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.partner.microsoftonline.cn",
}


def token_acquirer(options: EwsOptions, secret: dict[str, SecretStr]) -> Callable[[], dict[str, Any]]:
    plain = {key: value.get_secret_value() for key, value in secret.items()}
    credential: str | dict[str, str]
    if "client_secret" in plain:
        credential = plain["client_secret"]
    elif "certificate" in plain and "thumbprint" in plain:
        credential = {"private_key": plain["certificate"], "thumbprint": plain["thumbprint"]}
    else:
        raise IntegrationError(
            "the integration's secret needs client_secret, or certificate and thumbprint, for auth 'oauth'"
        )
    app = _application(
        options.authority,
        options.tenant or "",
        options.client_id or "",
        _Credential(credential),
        options.ca_bundle,
    )
    if "username" in plain and "password" in plain:
        # A delegated service user (Exchange Online without an app-only grant).
        return lambda: app.acquire_token_by_username_password(
            plain["username"], plain["password"], scopes=[EXCHANGE_USER_SCOPE]
        )
    return lambda: app.acquire_token_for_client(scopes=[EXCHANGE_SCOPE])


class _Credential:
    """Hashable by a digest of the credential, so the cache key never holds the secret in clear."""

    def __init__(self, value: str | dict[str, str]) -> None:
        self.value = value
        self._digest = hashlib.sha256(repr(value).encode()).hexdigest()

    def __hash__(self) -> int:
        return hash(self._digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Credential) and other._digest == self._digest


@lru_cache(maxsize=32)
def _application(
    authority: str, tenant: str, client_id: str, credential: _Credential, ca_bundle: str | None
) -> Any:
    import msal  # imported here: only OAuth integrations pay for it

    host = urlsplit(authority).hostname or ""
    # Our adapter, not msal's `verify=`: requests lets REQUESTS_CA_BUNDLE override a session's
    # verify, while the adapter applies the integration's CA bundle to every request.
    session = requests.Session()
    session.mount("https://", EwsHttpAdapter(ca_bundle=ca_bundle))
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=credential.value,
        authority=f"{authority.rstrip('/')}/{tenant}",
        instance_discovery=host in _MICROSOFT_HOSTS,
        http_client=session,
    )
