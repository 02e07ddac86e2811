"""The OAuth framework shared by the Graph and Salesforce sources (issue 7).

authenticate -> `begin`: a single-use `state` bound to the integration, expiring after 10
minutes, kept server-side as its SHA-256 (with the PKCE verifier for Microsoft).
callback -> `finish`: the state is consumed by a conditional delete (a replay finds nothing),
the code is exchanged, and the refresh token goes to the secrets port, never to the table.
Sources renew access tokens with `refresh_access_token`, which stores a rotated refresh token
before it hands out the access token (RFC 6749 section 6; Entra rotates on every use).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from commsync.engine import Engine
from commsync.errors import IntegrationError, TransientError
from commsync.models import Integration
from commsync.models.access import token_sha256
from commsync.models.oauth import OAuthProvider, OAuthState
from commsync.observability import logger, redacting_filter
from commsync.ports import SecretStore
from commsync.services.oauth_providers import OAuthClient, OAuthConfigError, oauth_client

STATE_LIFETIME = timedelta(minutes=10)
TOKEN_TIMEOUT_SECONDS = 15.0
# The provider's own error codes go back to the return page; anything else is reduced to this set.
_REASON = re.compile(r"[^a-z0-9_.-]")


class OAuthStateError(Exception):
    """Missing, forged, expired or replayed state: the callback answers 400 and stores nothing."""


@dataclass(frozen=True)
class CallbackOutcome:
    integration: str
    return_page: str
    error: str | None = None  # None when the refresh token was stored


@dataclass(frozen=True)
class AccessToken:
    access_token: str = field(repr=False)
    expires_in: int | None = None
    instance_url: str | None = None  # Salesforce: where the data calls go


def begin(engine: Engine, integration: Integration, redirect_uri: str, return_page: str) -> str:
    """The provider's authorize URL for this integration; raises OAuthConfigError naming a field."""
    client = oauth_client(integration)
    if client.provider is OAuthProvider.SALESFORCE and not _client_secret(engine.secrets, client):
        raise OAuthConfigError(
            "secret", f"secret {client.secret_name!r} needs client_secret (consumer secret)"
        )
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48) if client.pkce else None  # 64 characters (RFC 7636: 43-128)
    engine.state.put_oauth_state(
        OAuthState(
            state_sha256=token_sha256(state),
            integration=integration.key,
            provider=client.provider,
            redirect_uri=redirect_uri,
            return_page=return_page,
            code_verifier=verifier,
            expires_at=engine.clock() + STATE_LIFETIME,
        )
    )
    query = {
        "client_id": client.client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": client.scopes,
        "state": state,
    }
    if verifier:
        query |= {
            "code_challenge": _s256(verifier),
            "code_challenge_method": "S256",
            "response_mode": "query",
        }
    return f"{client.authorize_url}?{urlencode(query)}"


def finish(engine: Engine, provider: str, params: Mapping[str, str]) -> CallbackOutcome:
    state = params.get("state")
    if not state:
        raise OAuthStateError("state is missing")
    record = engine.state.take_oauth_state(token_sha256(state), engine.clock())
    if record is None:
        raise OAuthStateError("state is unknown, expired or already used")
    if record.provider.value != provider:
        raise OAuthStateError("state was issued for another provider")
    integration = engine.state.get_integration(record.integration)
    outcome = CallbackOutcome(integration=record.integration, return_page=record.return_page)
    if integration is None:
        return _failed(outcome, "integration_deleted")
    if "error" in params:
        return _failed(outcome, params["error"])
    if not params.get("code"):
        return _failed(outcome, "missing_code")
    try:
        client = oauth_client(integration)
        tokens = _exchange(engine.secrets, client, params["code"], record)
    except OAuthConfigError:
        return _failed(outcome, "integration_changed")
    except (IntegrationError, TransientError) as exc:
        return _failed(outcome, str(exc))
    values = {"refresh_token": tokens["refresh_token"]}
    if isinstance(tokens.get("instance_url"), str):
        values["instance_url"] = tokens["instance_url"]
    engine.secrets.put(client.secret_name, values)
    logger.info("oauth connected", extra={"integration": integration.key, "provider": provider})
    return outcome


def refresh_access_token(secrets_port: SecretStore, integration: Integration) -> AccessToken:
    """A fresh access token from the stored refresh token, for the Graph and Salesforce sources.

    Raises IntegrationError when the refresh token is revoked or expired (reconnect through
    authenticate), TransientError when the provider is unreachable or busy.
    """
    client = oauth_client(integration)
    stored = secrets_port.get(client.secret_name)
    if "refresh_token" not in stored:
        raise IntegrationError(f"{integration.key} is not connected: run the OAuth authenticate flow")
    old = stored["refresh_token"].get_secret_value()
    form = {"grant_type": "refresh_token", "refresh_token": old, "client_id": client.client_id}
    if client.provider is OAuthProvider.MICROSOFT:
        form["scope"] = client.scopes
    tokens = _token_request(secrets_port, client, form)
    rotated = tokens.get("refresh_token")
    if isinstance(rotated, str) and rotated and rotated != old:
        # Stored before use: if we crashed after using the new token but before storing it,
        # the old one might already be dead and the integration lost.
        store_rotated_refresh_token(secrets_port, client.secret_name, rotated)
    instance_url = tokens.get("instance_url")
    expires_in = tokens.get("expires_in")
    return AccessToken(
        access_token=str(tokens["access_token"]),
        expires_in=int(expires_in)
        if isinstance(expires_in, int | str) and str(expires_in).isdigit()
        else None,
        instance_url=instance_url if isinstance(instance_url, str) else None,
    )


def store_rotated_refresh_token(secrets_port: SecretStore, secret_name: str, refresh_token: str) -> None:
    """Keep the newest refresh token beside the client secret; call before using its access token."""
    secrets_port.put(secret_name, {"refresh_token": refresh_token})


def _exchange(
    secrets_port: SecretStore, client: OAuthClient, code: str, record: OAuthState
) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": record.redirect_uri,
        "client_id": client.client_id,
    }
    if client.provider is OAuthProvider.MICROSOFT:
        form["scope"] = client.scopes
    if record.code_verifier:
        form["code_verifier"] = record.code_verifier
    tokens = _token_request(secrets_port, client, form)
    if not isinstance(tokens.get("refresh_token"), str):
        raise IntegrationError("no_refresh_token")
    return tokens


def _token_request(secrets_port: SecretStore, client: OAuthClient, form: dict[str, str]) -> dict[str, Any]:
    import requests  # only the OAuth routes and sources pay for importing requests

    client_secret = _client_secret(secrets_port, client)
    if client_secret:
        form = {**form, "client_secret": client_secret}
    try:
        response = requests.post(
            client.token_url,
            data=form,
            headers={"Accept": "application/json"},
            timeout=TOKEN_TIMEOUT_SECONDS,
            verify=client.verify,
        )
    except requests.RequestException as exc:
        from commsync.sources.network import unreachable  # imports requests too: only here

        # Name the token endpoint's host and the cause, as for the mail servers (issue 16).
        named = unreachable("the token endpoint", exc, client.token_url)
        raise named or TransientError(f"token_endpoint_unreachable ({type(exc).__name__})") from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientError(f"token_endpoint_busy ({response.status_code})")
    if response.status_code != 200 or not isinstance(body.get("access_token"), str):
        # invalid_grant: the code or the refresh token is used, expired or revoked; the
        # description is the provider's and never contains our secret.
        raise IntegrationError(str(body.get("error") or f"http_{response.status_code}"))
    for key in ("access_token", "refresh_token", "id_token"):
        if isinstance(body.get(key), str):
            redacting_filter.remember(body[key])
    return body


def _client_secret(secrets_port: SecretStore, client: OAuthClient) -> str | None:
    try:
        stored = secrets_port.get(client.secret_name)
    except IntegrationError:
        return None
    value = stored.get("client_secret")
    return value.get_secret_value() if value else None


def _failed(outcome: CallbackOutcome, reason: str) -> CallbackOutcome:
    cleaned = _REASON.sub("_", reason.strip().lower())[:64] or "unknown"
    return CallbackOutcome(integration=outcome.integration, return_page=outcome.return_page, error=cleaned)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
