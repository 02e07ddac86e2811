"""Exchange Online tokens from msal, handed to exchangelib through its documented extension point.

exchangelib's own OAuth classes fetch tokens from a hard-coded login.microsoftonline.com and
cannot use certificates; its docs suggest subclassing OAuth2AuthorizationCodeCredentials and
implementing refresh() when the application gets tokens itself, which is what we do with msal
(client credentials with a secret or a certificate, or a service user's password).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from exchangelib.credentials import OAuth2AuthorizationCodeCredentials

from commsync.errors import IntegrationError, TransientError
from commsync.observability import redacting_filter

# msal reports failures as dicts; these error codes mean the credentials or consent are wrong.
_INTEGRATION_ERRORS = {
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "invalid_scope",
    "invalid_request",
}


class MsalTokenCredentials(OAuth2AuthorizationCodeCredentials):  # type: ignore[misc]
    def __init__(self, acquire: Callable[[], dict[str, Any]], client_id: str) -> None:
        super().__init__(client_id=client_id, access_token=None)
        self._acquire = acquire
        self.refresh(session=None)

    def refresh(self, session: Any) -> None:
        self.access_token = token_from(self._acquire())

    def session_params(self) -> dict[str, Any]:
        # A session is created after an expiry or a long back-off: give it a token that is still good.
        token = self.access_token
        if token is None or token.get("expires_at", 0) <= time.time():
            self.refresh(session=None)
        return {"token": self.access_token}


def token_from(result: dict[str, Any]) -> dict[str, Any]:
    """msal's result -> the token dict requests-oauthlib expects, or a classified error."""
    if "access_token" not in result:
        error = str(result.get("error", "unknown_error"))
        # The description names the AADSTS code and the cause; it never contains the secret.
        description = str(result.get("error_description", "")).splitlines()[0:1]
        text = f"the identity platform refused the token request: {error} {' '.join(description)}".strip()
        if error in _INTEGRATION_ERRORS:
            raise IntegrationError(text)
        raise TransientError(text)
    access_token = str(result["access_token"])
    redacting_filter.remember(access_token)
    lifetime = float(result.get("expires_in", 3600))
    # Renew a little early so a token never expires between our check and the server's.
    margin = min(60.0, lifetime / 2)
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_at": time.time() + lifetime - margin,
    }
