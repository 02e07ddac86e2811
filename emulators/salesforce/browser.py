"""A scripted browser for the login page, for tests of code that starts the web server flow.

`sign_in(authorize_url, username, password)` opens the URL the app produced, fills the form and
returns the parameters of the redirect to the callback (`code` and `state`, or `error`).
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import requests


class SignInError(RuntimeError):
    """The emulator answered with a page instead of a redirect (wrong password, error page)."""


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.error = ""
        self._in_error = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = named.get("action", "")
        elif tag == "input" and named.get("type") == "hidden":
            self.fields[named.get("name", "")] = named.get("value", "")
        self._in_error = named.get("id") == "error"

    def handle_data(self, data: str) -> None:
        if self._in_error:
            self.error += data


def _parse(page: str) -> _FormParser:
    parser = _FormParser()
    parser.feed(page)
    return parser


def sign_in(
    authorize_url: str, username: str, password: str, *, verify: str | bool = True, deny: bool = False
) -> dict[str, str]:
    http = requests.Session()
    page = http.get(authorize_url, allow_redirects=False, verify=verify, timeout=10)
    if page.status_code == 302:
        return dict(parse_qsl(urlsplit(page.headers["Location"]).query))
    form = _parse(page.text)
    if not form.action:
        raise SignInError(form.error or f"no login form (HTTP {page.status_code})")
    data = {**form.fields, "username": username, "pw": password, "action": "deny" if deny else "login"}
    posted = http.post(form.action, data=data, allow_redirects=False, verify=verify, timeout=10)
    if posted.status_code != 302:
        raise SignInError(_parse(posted.text).error or f"HTTP {posted.status_code}")
    return dict(parse_qsl(urlsplit(posted.headers["Location"]).query))
