"""Exchange Online tokens from msal: app-only, or a delegated service user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from commsync.models.ews import EwsOptions
from commsync.sources.msal_apps import Credential, confidential_app, identity_call

EXCHANGE_SCOPE = "https://outlook.office365.com/.default"
EXCHANGE_USER_SCOPE = "https://outlook.office365.com/EWS.AccessAsUser.All"


def token_acquirer(options: EwsOptions, secret: dict[str, SecretStr]) -> Callable[[], dict[str, Any]]:
    app = confidential_app(
        options.authority,
        options.tenant or "",
        options.client_id or "",
        Credential.from_secret(secret, "oauth"),
        options.ca_bundle,
        options.ciphers,
    )
    if "username" in secret and "password" in secret:
        # A delegated service user (Exchange Online without an app-only grant).
        username, password = secret["username"].get_secret_value(), secret["password"].get_secret_value()
        return lambda: identity_call(
            options.authority,
            lambda: app.acquire_token_by_username_password(username, password, scopes=[EXCHANGE_USER_SCOPE]),
        )
    return lambda: identity_call(
        options.authority, lambda: app.acquire_token_for_client(scopes=[EXCHANGE_SCOPE])
    )
