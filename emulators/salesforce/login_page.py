"""The login page of the authorize endpoint, and the page shown for an untrusted client.

The form keeps every parameter of the authorization request as a hidden field, so the POST
back to /services/oauth2/authorize carries the request plus `username`, `pw` and `action`
(`login` or `deny`). Every value is HTML-escaped: parameters come from the client.
"""

from __future__ import annotations

from html import escape

_STYLE = (
    "body{font-family:sans-serif;max-width:28em;margin:3em auto}"
    "label,input,button{display:block;margin:.4em 0}"
)


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def login_form(action_url: str, params: dict[str, str], app_name: str, error: str | None = None) -> str:
    kept = {k: v for k, v in params.items() if k not in {"username", "pw", "action"}}
    hidden = "".join(f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>" for k, v in kept.items())
    message = f"<p id='error' role='alert'>{escape(error)}</p>" if error else ""
    return _page(
        "Login | Salesforce",
        f"<h1>Log in</h1><p>Allow access for {escape(app_name)}</p>{message}"
        f"<form method='post' action='{escape(action_url)}'>{hidden}"
        f"<label>Username <input name='username' type='email' value='{escape(params.get('username', ''))}'>"
        "</label><label>Password <input name='pw' type='password'></label>"
        "<button name='action' value='login' type='submit'>Allow</button>"
        "<button name='action' value='deny' type='submit'>Deny</button></form>",
    )


def error_page(error: str, description: str) -> str:
    """Salesforce shows these instead of redirecting when the client or its callback is unknown."""
    return _page(
        "Error | Salesforce",
        f"<h1>OAuth Error</h1><p id='error'>error={escape(error)}&amp;error_description="
        f"{escape(description)}</p>",
    )
