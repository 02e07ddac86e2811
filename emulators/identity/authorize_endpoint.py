"""`/{tenant}/oauth2/v2.0/authorize`: the browser leg of the authorization code flow.

Microsoft identity platform "authorization code flow": until the client and its redirect URI
are known good, errors are shown as a page and never redirected (an open redirector otherwise);
after that, errors go back to the redirect URI as `error`, `error_description`, `state`.
GET shows the sign-in form (or, with `prompt=none`, answers from the sign-in cookie); POST
checks the password and redirects with `code` and `state`. PKCE: RFC 7636, S256 or plain.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from emulators.identity import errors, login_page, scopes
from emulators.identity.config import AppConfig
from emulators.identity.directory import MULTI_TENANT, Tenant
from emulators.identity.grants import AuthorizationCode, UserGrant
from emulators.identity.responses import HttpResponse, html_response, redirect
from emulators.identity.state import IdentityState, SignInSession

SESSION_COOKIE = "ESTSAUTH"


@dataclass(frozen=True)
class AuthorizeRequest:
    state: IdentityState
    base_url: str
    segment: str
    params: dict[str, str]
    cookie_header: str | None


@dataclass(frozen=True)
class _Client:
    tenant: Tenant
    app: AppConfig
    redirect_uri: str


def handle_authorize(request: AuthorizeRequest, method: str) -> HttpResponse:
    try:
        client = _trusted_client(request)
    except errors.AadError as error:
        return html_response(error.status, login_page.error_page(error))
    try:
        _check_request(request.params, client)
        if method == "POST":
            return _sign_in(request, client)
        return _show_form_or_answer_silently(request, client)
    except errors.AadError as error:
        return _respond(
            request.params,
            client,
            {"error": error.error, "error_description": f"AADSTS{error.code}: {error.message}"},
        )


def _trusted_client(request: AuthorizeRequest) -> _Client:
    params, directory = request.params, request.state.directory
    client_id = params.get("client_id")
    if not client_id:
        raise errors.missing_parameter("client_id")
    if request.segment.lower() in MULTI_TENANT:
        tenant = directory.tenant_of_app(client_id)
        if tenant is None:
            raise errors.unknown_app(client_id, request.segment)
    else:
        found = directory.tenant(request.segment)
        if found is None:
            raise errors.unknown_tenant(request.segment)
        tenant = found
    app = tenant.app(client_id)
    if app is None:
        raise errors.unknown_app(client_id, tenant.id)
    redirect_uri = params.get("redirect_uri") or next(iter(app.redirect_uris), "")
    if redirect_uri not in app.redirect_uris:
        raise errors.AadError(
            "invalid_request",
            50011,
            f"The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs "
            f"configured for the application '{client_id}'.",
        )
    return _Client(tenant, app, redirect_uri)


def _check_request(params: dict[str, str], client: _Client) -> None:
    if params.get("response_type") != "code":
        raise errors.AadError(
            "unsupported_response_type", 700054, "response_type must be 'code' for this application."
        )
    if params.get("code_challenge_method", "plain") not in {"plain", "S256"}:
        raise errors.AadError("invalid_request", 501491, "Invalid code_challenge_method; use S256 or plain.")
    if not params.get("scope"):
        raise errors.missing_parameter("scope")
    scopes.delegated(params["scope"], client.app, client.tenant)


def _show_form_or_answer_silently(request: AuthorizeRequest, client: _Client) -> HttpResponse:
    if request.params.get("prompt") == "none":
        session = _session(request, client.tenant)
        if session is None:
            raise errors.AadError(
                "login_required", 50058, "A silent sign-in request was sent but no user is signed in."
            )
        return _issue_code(request, client, session)
    page = login_page.login_form(
        _action_url(request), request.params, client.app.display_name or client.app.client_id
    )
    return html_response(200, page)


def _sign_in(request: AuthorizeRequest, client: _Client) -> HttpResponse:
    params = request.params
    if params.get("action") == "cancel":
        raise errors.AadError("access_denied", 65004, "User declined to consent to access the app.")
    user = client.tenant.user(params.get("username", ""))
    failure: errors.AadError | None = None
    if user is None:
        failure = errors.AadError("invalid_grant", errors.UNKNOWN_USER, "This username may be incorrect.")
    elif not secrets.compare_digest(
        user.password.get_secret_value().encode(), params.get("password", "").encode()
    ):
        failure = errors.AadError(
            "invalid_grant", errors.BAD_PASSWORD, "Your account or password is incorrect."
        )
    if failure is not None or user is None:
        page = login_page.login_form(
            _action_url(request), params, client.app.display_name or client.app.client_id, failure
        )
        return html_response(200, page)
    session = SignInSession(client.tenant.name, user.upn, int(request.state.now()))
    cookie_value = secrets.token_urlsafe(32)
    request.state.sessions[cookie_value] = session
    cookie = f"{SESSION_COOKIE}={cookie_value}; Path=/; Secure; HttpOnly; SameSite=None"
    return _issue_code(request, client, session, [("Set-Cookie", cookie)])


def _issue_code(
    request: AuthorizeRequest,
    client: _Client,
    session: SignInSession,
    headers: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    params, state = request.params, request.state
    challenge = params.get("code_challenge") or None
    grant = UserGrant(
        client.tenant.name,
        client.app.client_id,
        session.upn,
        params["scope"],
        session.auth_time,
        params.get("nonce"),
    )
    lifetime = state.settings.authorization_code_lifetime_seconds
    code = AuthorizationCode(
        grant,
        client.redirect_uri,
        challenge,
        params.get("code_challenge_method", "plain"),
        state.now() + lifetime,
    )
    fields = {"code": state.grants.issue_code(code), "session_state": str(uuid.uuid4())}
    return _respond(params, client, fields, headers)


def _respond(
    params: dict[str, str],
    client: _Client,
    fields: dict[str, str],
    headers: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """Deliver the response by `response_mode`: query (default), fragment or form_post."""
    if "state" in params:
        fields = {**fields, "state": params["state"]}
    mode = params.get("response_mode", "query")
    if mode == "form_post":
        return html_response(200, login_page.form_post(client.redirect_uri, fields), headers)
    separator = "#" if mode == "fragment" else ("&" if "?" in client.redirect_uri else "?")
    return redirect(f"{client.redirect_uri}{separator}{urlencode(fields)}", headers)


def _session(request: AuthorizeRequest, tenant: Tenant) -> SignInSession | None:
    cookies: SimpleCookie = SimpleCookie()
    cookies.load(request.cookie_header or "")
    morsel = cookies.get(SESSION_COOKIE)
    session = request.state.sessions.get(morsel.value) if morsel else None
    return session if session is not None and session.tenant == tenant.name else None


def _action_url(request: AuthorizeRequest) -> str:
    return f"{request.base_url}/{request.segment}/oauth2/v2.0/authorize"
