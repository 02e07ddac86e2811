"""Reading the emulators' sign-in pages in tests: the form's action, its hidden fields, its error."""

from __future__ import annotations

from html.parser import HTMLParser


class SignInError(RuntimeError):
    """The emulator answered with a page instead of a redirect (wrong password, error page)."""


class LoginForm(HTMLParser):
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


def parse_login_page(page: str) -> LoginForm:
    form = LoginForm()
    form.feed(page)
    return form
