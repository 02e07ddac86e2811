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

from commsync.sources.msal_apps import access_token


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
    token = access_token(result)
    lifetime = float(result.get("expires_in", 3600))
    # Renew a little early so a token never expires between our check and the server's.
    margin = min(60.0, lifetime / 2)
    return {"access_token": token, "token_type": "Bearer", "expires_at": time.time() + lifetime - margin}
