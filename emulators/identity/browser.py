"""A scripted browser for the sign-in form, for tests of code that starts an authorization code flow.

`sign_in(auth_uri, upn, password, verify=cert)` opens the URI msal (or the app) produced, fills
the form, and returns the query parameters of the redirect: msal's `auth_response`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests

from emulators.login_form import LoginForm, SignInError, parse_login_page


def trusting_session(ca_file: Path) -> requests.Session:
    """A session that trusts `ca_file` whatever the environment says: msal's `http_client=`.

    requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace a *session's* `verify` (psf/requests
    #3829), so `msal.ClientApplication(verify=cert)` is silently ignored where they are set; only a
    per-request `verify` or `trust_env = False` holds.
    """
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxies or CA bundles from the environment
    session.verify = str(ca_file)
    return session


_AUTHORIZE_PATH = "/oauth2/v2.0/authorize"


def redirect_params(location: str) -> dict[str, str]:
    """The parameters of a redirect, from its query or (response_mode=fragment) its fragment."""
    parts = urlsplit(location)
    return dict(parse_qsl(parts.fragment or parts.query))


def sign_in(
    auth_uri: str,
    upn: str,
    password: str,
    *,
    verify: str | bool,
    session: requests.Session | None = None,
    cancel: bool = False,
) -> dict[str, str]:
    http = session or requests.Session()
    page = http.get(auth_uri, allow_redirects=False, verify=verify, timeout=10)
    form = parse_login_page(page.text)
    answer = _authorization_response(page, form)  # prompt=none answers at once
    if answer is not None:
        return answer
    if not form.action:
        raise SignInError(form.error or f"no sign-in form (HTTP {page.status_code})")
    data = {**form.fields, "username": upn, "password": password, "action": "cancel" if cancel else "login"}
    posted = http.post(form.action, data=data, allow_redirects=False, verify=verify, timeout=10)
    after = parse_login_page(posted.text)
    answer = _authorization_response(posted, after)
    if answer is None:
        raise SignInError(after.error or f"HTTP {posted.status_code}")
    return answer


def _authorization_response(response: requests.Response, page: LoginForm) -> dict[str, str] | None:
    """The redirect's parameters, or a form_post page's fields; None for the sign-in form itself."""
    if response.status_code == 302:
        return redirect_params(response.headers["Location"])
    if response.status_code == 200 and page.action and not page.action.endswith(_AUTHORIZE_PATH):
        return page.fields
    return None
