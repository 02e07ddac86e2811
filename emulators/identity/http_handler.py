"""HTTP routing for the identity emulator: Entra's paths, under `/{tenant}`.

GET      /{tenant}/v2.0/.well-known/openid-configuration
GET      /{tenant}/discovery/v2.0/keys
GET|POST /{tenant}/oauth2/v2.0/authorize
POST     /{tenant}/oauth2/v2.0/token
GET      /common/userrealm/{username}
"""

from __future__ import annotations

import logging
from typing import ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from emulators.identity import discovery, errors
from emulators.identity.authorize_endpoint import AuthorizeRequest, handle_authorize
from emulators.identity.responses import HttpResponse, json_response
from emulators.identity.state import IdentityState
from emulators.identity.token_endpoint import handle_token
from emulators.server import EmulatorHandler

log = logging.getLogger("emulators.identity")


_TOO_LARGE = json_response(413, {"error": "invalid_request", "error_description": "Request body too large"})


class IdentityHandler(EmulatorHandler):
    """Bound to one IdentityState by `handler_for(state)`; one instance per connection."""

    server_version = "commsync-identity-emulator"
    identity: ClassVar[IdentityState]

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        form = self.read_form(_TOO_LARGE) if method == "POST" else {}
        if form is None:
            return
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            response = self._route(method, parts, query, form)
        except errors.AadError as error:
            response = json_response(error.status, error.body(self.base_url))
        except Exception:  # an emulator bug: answer 500 as Entra would, keep the connection usable
            log.exception("identity emulator failed on %s %s", method, url.path)
            response = json_response(
                500, {"error": "server_error", "error_description": "AADSTS90033: internal"}
            )
        self.send(response)

    def _route(
        self, method: str, parts: list[str], query: dict[str, str], form: dict[str, str]
    ) -> HttpResponse:
        segment, rest = parts[0], "/".join(parts[1:])
        if rest == "v2.0/.well-known/openid-configuration" and method == "GET":
            return json_response(200, discovery.openid_configuration(self.identity, self.base_url, segment))
        if rest == "discovery/v2.0/keys" and method == "GET":
            return json_response(200, self.identity.key.jwks())
        if rest == "oauth2/v2.0/authorize":
            params = form if method == "POST" else query
            request = AuthorizeRequest(
                self.identity, self.base_url, segment, params, self.headers.get("Cookie")
            )
            return handle_authorize(request, method)
        if rest == "oauth2/v2.0/token" and method == "POST":
            injected = self.identity.faults.take()
            if injected is not None:
                error, retry_after = injected
                response = json_response(error.status, error.body(self.base_url))
                return (
                    response.with_header("Retry-After", str(round(retry_after))) if retry_after else response
                )
            result = handle_token(
                self.identity,
                self.base_url,
                segment,
                form,
                self.headers.get("Authorization"),
                self.headers.get("client-request-id"),
            )
            return json_response(result.status, result.body)
        if segment.lower() == "common" and len(parts) == 3 and parts[1] == "userrealm" and method == "GET":
            return json_response(200, discovery.user_realm(self.identity, parts[2]))
        return json_response(
            404, {"error": "not_found", "error_description": f"No endpoint at {method} /{'/'.join(parts)}"}
        )


def handler_for(state: IdentityState) -> type[IdentityHandler]:
    return type("BoundIdentityHandler", (IdentityHandler,), {"identity": state})
