"""The sign-in pages: the login form, the error page, and the form_post auto-submit page.

The form keeps every query parameter of the authorization request as a hidden field, so the
POST back to the same URL carries the whole request plus `username`, `password` and `action`
(`login` or `cancel`). Every value is HTML-escaped: parameters come from the client.
"""

from __future__ import annotations

from html import escape

from emulators.identity.errors import AadError

_STYLE = (
    "body{font-family:sans-serif;max-width:28em;margin:3em auto}"
    "label,input,button{display:block;margin:.4em 0}"
)


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _hidden(fields: dict[str, str]) -> str:
    return "".join(f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>" for k, v in fields.items())


def login_form(action_url: str, params: dict[str, str], app_name: str, error: AadError | None = None) -> str:
    kept = {k: v for k, v in params.items() if k not in {"username", "password", "action"}}
    message = f"<p id='error' role='alert'>AADSTS{error.code}: {escape(error.message)}</p>" if error else ""
    username = params.get("username") or params.get("login_hint", "")
    return _page(
        "Sign in to your account",
        f"<h1>Sign in</h1><p>to continue to {escape(app_name)}</p>{message}"
        f"<form method='post' action='{escape(action_url)}'>{_hidden(kept)}"
        f"<label>Email or phone <input name='username' type='email' value='{escape(username)}'></label>"
        "<label>Password <input name='password' type='password'></label>"
        "<button name='action' value='login' type='submit'>Sign in</button>"
        "<button name='action' value='cancel' type='submit'>Cancel</button></form>",
    )


def error_page(error: AadError) -> str:
    """Entra shows these instead of redirecting when the redirect target cannot be trusted."""
    return _page(
        "Sign in",
        f"<h1>Sorry, but we're having trouble signing you in.</h1>"
        f"<p id='error'>AADSTS{error.code}: {escape(error.message)}</p><p>error: {escape(error.error)}</p>",
    )


def form_post(redirect_uri: str, fields: dict[str, str]) -> str:
    """`response_mode=form_post`: the browser POSTs the response to the redirect URI itself."""
    return _page(
        "Working...",
        f"<form method='post' name='hiddenform' action='{escape(redirect_uri)}'>{_hidden(fields)}"
        "<noscript><button type='submit'>Continue</button></noscript></form>"
        "<script>document.forms[0].submit()</script>",
    )
