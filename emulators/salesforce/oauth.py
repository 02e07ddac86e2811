"""OAuth 2.0 web server flow of a connected app (Salesforce Help: "OAuth 2.0 Web Server Flow for
Web App Integration"), without PKCE:

GET|POST /services/oauth2/authorize   login page; redirects to the callback with `code` and `state`
POST     /services/oauth2/token       grant_type authorization_code, refresh_token or
                                      client_credentials ("OAuth 2.0 Client Credentials Flow":
                                      the app's run-as user, `client_credentials_user`)
POST     /services/oauth2/revoke      token=<refresh or access token>

Until the client and its callback URL are known good, errors are a page, never a redirect.
Consumer key and secret are checked on every token request, in the form or in an HTTP Basic
`Authorization` header (RFC 6749 2.3.1; simple-salesforce sends the client credentials flow so).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlencode

from emulators.salesforce import login_page
from emulators.salesforce.config import ConnectedAppConfig
from emulators.salesforce.errors import OAuthError
from emulators.salesforce.grants import Code, Grant
from emulators.salesforce.responses import HttpResponse, html_response, json_response, redirect
from emulators.salesforce.state import SalesforceState

REFRESH_SCOPES = {"refresh_token", "offline_access"}


def handle_authorize(
    state: SalesforceState, base_url: str, method: str, params: dict[str, str]
) -> HttpResponse:
    state.stats.count("op:authorize")
    app = state.apps.get(params.get("client_id", ""))
    if app is None:
        return html_response(400, login_page.error_page("invalid_client_id", "client identifier invalid"))
    callback = params.get("redirect_uri", "")
    if callback not in app.callback_urls:
        return html_response(
            400, login_page.error_page("redirect_uri_mismatch", "redirect_uri must match configuration")
        )
    scopes = params.get("scope", "").split() or list(app.scopes)
    if params.get("response_type") != "code":
        return _back(
            params, {"error": "unsupported_response_type", "error_description": "response type not supported"}
        )
    if not set(scopes) <= set(app.scopes):
        return _back(
            params, {"error": "invalid_scope", "error_description": "the requested scope is not allowed"}
        )
    form_url = f"{base_url}/services/oauth2/authorize"
    if method == "GET":
        return html_response(200, login_page.login_form(form_url, params, app.consumer_key))
    return _sign_in(state, app, form_url, params, scopes)


def _sign_in(
    state: SalesforceState, app: ConnectedAppConfig, form_url: str, params: dict[str, str], scopes: list[str]
) -> HttpResponse:
    """The login form posted back: deny, a wrong password (the form again), or a code."""
    if params.get("action") == "deny":
        return _back(params, {"error": "access_denied", "error_description": "end-user denied authorization"})
    found = state.find_user(params.get("username", ""))
    password = params.get("pw", "").encode()
    if found is None or not secrets.compare_digest(found[1].password.get_secret_value().encode(), password):
        error = (
            "Please check your username and password. If you still can't log in, contact your administrator."
        )
        return html_response(200, login_page.login_form(form_url, params, app.consumer_key, error))
    org, user = found
    lifetime = timedelta(seconds=state.config.authorization_code_seconds)
    grant = Grant(org, user, app.consumer_key, scopes)
    challenge = params.get("code_challenge") or None
    code = Code(grant, params["redirect_uri"], state.now() + lifetime, challenge)
    return _back(params, {"code": state.grants.issue_code(code)})


def _back(params: dict[str, str], fields: dict[str, str]) -> HttpResponse:
    if "state" in params:
        fields = {**fields, "state": params["state"]}
    callback = params["redirect_uri"]
    return redirect(f"{callback}{'&' if '?' in callback else '?'}{urlencode(fields)}")


def handle_token(
    state: SalesforceState, base_url: str, form: dict[str, str], authorization: str | None = None
) -> HttpResponse:
    state.stats.count("op:token")
    try:
        form = {**form, **_basic_credentials(authorization)}
        app = _client(state, form)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            body = _redeem_code(state, base_url, app, form)
        elif grant_type == "refresh_token":
            body = _refresh(state, base_url, app, form)
        elif grant_type == "client_credentials":
            body = _client_credentials(state, base_url, app)
        else:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
    except OAuthError as error:
        return json_response(error.status, error.body())
    state.stats.count(f"issued:{form['grant_type']}")
    return json_response(200, body)


def _basic_credentials(authorization: str | None) -> dict[str, str]:
    if not authorization or not authorization.startswith("Basic "):
        return {}
    try:
        decoded = base64.b64decode(authorization.removeprefix("Basic ").strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise OAuthError("invalid_client", "invalid client credentials") from None
    client_id, _, secret = decoded.partition(":")
    return {"client_id": unquote(client_id), "client_secret": unquote(secret)}


def _client_credentials(state: SalesforceState, base_url: str, app: ConnectedAppConfig) -> dict[str, Any]:
    """The app acts as its run-as user; no refresh token (Salesforce issues none in this flow)."""
    found = state.find_user(app.client_credentials_user or "")
    if found is None:
        raise OAuthError("invalid_grant", "no client credentials user enabled")
    grant = Grant(found[0], found[1], app.consumer_key, [s for s in app.scopes if s not in REFRESH_SCOPES])
    return _tokens(state, base_url, app, grant, None, include_refresh=False)


def _client(state: SalesforceState, form: dict[str, str]) -> ConnectedAppConfig:
    app = state.apps.get(form.get("client_id", ""))
    if app is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    expected = app.consumer_secret.get_secret_value().encode()
    if not secrets.compare_digest(expected, form.get("client_secret", "").encode()):
        raise OAuthError("invalid_client", "invalid client credentials")
    return app


def _redeem_code(
    state: SalesforceState, base_url: str, app: ConnectedAppConfig, form: dict[str, str]
) -> dict[str, Any]:
    code = state.grants.take_code(form.get("code", ""), state.now())
    if code is None or code.grant.client_id != app.consumer_key:
        raise OAuthError("invalid_grant", "invalid authorization code")
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
    if not _verifier_matches(code.code_challenge, form.get("code_verifier")):
        raise OAuthError("invalid_grant", "invalid code verifier")
    refresh = (
        state.grants.issue_refresh_token(code.grant) if REFRESH_SCOPES & set(code.grant.scopes) else None
    )
    return _tokens(state, base_url, app, code.grant, refresh, include_refresh=True)


def _verifier_matches(challenge: str | None, verifier: str | None) -> bool:
    """PKCE (RFC 7636, S256) when the authorize request had a challenge; else no verifier at all."""
    if challenge is None:
        return verifier is None
    digest = hashlib.sha256((verifier or "").encode("ascii", "replace")).digest()
    return secrets.compare_digest(base64.urlsafe_b64encode(digest).rstrip(b"=").decode(), challenge)


def _refresh(
    state: SalesforceState, base_url: str, app: ConnectedAppConfig, form: dict[str, str]
) -> dict[str, Any]:
    token = form.get("refresh_token", "")
    grant = state.grants.refresh_grant(token)
    if grant is None or grant.client_id != app.consumer_key:
        raise OAuthError("invalid_grant", "expired access/refresh token")
    if app.rotate_refresh_tokens:
        rotated = state.grants.rotate(token)
        if rotated is None:
            raise OAuthError("invalid_grant", "expired access/refresh token")
        return _tokens(state, base_url, app, grant, rotated, include_refresh=True)
    return _tokens(state, base_url, app, grant, token, include_refresh=False)


def _tokens(
    state: SalesforceState,
    base_url: str,
    app: ConnectedAppConfig,
    grant: Grant,
    refresh: str | None,
    include_refresh: bool,
) -> dict[str, Any]:
    now = state.now()
    identity = f"{base_url}/id/{grant.org.id}/{grant.org.user_id(grant.user)}"
    issued_at = str(int(now.timestamp() * 1000))
    # The signature lets a client check `id` and `issued_at` came from Salesforce: HMAC-SHA256
    # keyed with the consumer secret, base64.
    mac = hmac.new(
        app.consumer_secret.get_secret_value().encode(), (identity + issued_at).encode(), hashlib.sha256
    )
    body: dict[str, Any] = {
        "access_token": state.grants.issue_session(grant, state.session_lifetime(), now, refresh),
        "signature": base64.b64encode(mac.digest()).decode(),
        "scope": " ".join(grant.scopes),
        "instance_url": base_url,
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
    }
    if include_refresh and refresh is not None:
        body["refresh_token"] = refresh
    return body


def handle_revoke(state: SalesforceState, form: dict[str, str]) -> HttpResponse:
    state.stats.count("op:revoke")
    if not state.grants.revoke(form.get("token", "")):
        return json_response(400, OAuthError("invalid_token", "invalid token").body())
    return HttpResponse(200)
