"""A scripted browser for the login page, for tests of code that starts the web server flow.

`sign_in(authorize_url, username, password)` opens the URL the app produced, fills the form and
returns the parameters of the redirect to the callback (`code` and `state`, or `error`).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import requests

from emulators.login_form import SignInError, parse_login_page


def sign_in(
    authorize_url: str, username: str, password: str, *, verify: str | bool = True, deny: bool = False
) -> dict[str, str]:
    http = requests.Session()
    page = http.get(authorize_url, allow_redirects=False, verify=verify, timeout=10)
    if page.status_code == 302:
        return dict(parse_qsl(urlsplit(page.headers["Location"]).query))
    form = parse_login_page(page.text)
    if not form.action:
        raise SignInError(form.error or f"no login form (HTTP {page.status_code})")
    data = {**form.fields, "username": username, "pw": password, "action": "deny" if deny else "login"}
    posted = http.post(form.action, data=data, allow_redirects=False, verify=verify, timeout=10)
    if posted.status_code != 302:
        raise SignInError(parse_login_page(posted.text).error or f"HTTP {posted.status_code}")
    return dict(parse_qsl(urlsplit(posted.headers["Location"]).query))
