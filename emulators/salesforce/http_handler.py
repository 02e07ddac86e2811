"""HTTP routing: the OAuth endpoints under /services/oauth2 and the REST API under /services/data."""

from __future__ import annotations

import logging
from typing import ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from emulators.salesforce.identity_url import handle_identity, handle_userinfo
from emulators.salesforce.oauth import handle_authorize, handle_revoke, handle_token
from emulators.salesforce.responses import HttpResponse, json_response
from emulators.salesforce.rest import RestRequest, handle_rest
from emulators.salesforce.state import SalesforceState
from emulators.server import EmulatorHandler

log = logging.getLogger("emulators.salesforce")
_DATA = "/services/data"


_TOO_LARGE = json_response(413, {"error": "invalid_request", "error_description": "body too large"})


class SalesforceHandler(EmulatorHandler):
    """Bound to one SalesforceState by `handler_for(state)`; one instance per connection."""

    server_version = "commsync-salesforce-emulator"
    salesforce: ClassVar[SalesforceState]

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        self.salesforce.stats.count("http_requests")
        url = urlsplit(self.path)
        # A POST under /services/data is JSON (Bulk API 2.0 jobs: bulk.py), not a form.
        data_post = method == "POST" and url.path.startswith(_DATA + "/")
        self.raw_body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if data_post else b""
        form = self.read_form(_TOO_LARGE) if method in {"POST", "PATCH"} and not data_post else {}
        if form is None:
            return
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            response = self._route(method, url.path, query, form)
        except Exception:  # an emulator bug: answer 500 as Salesforce would, keep the connection usable
            log.exception("salesforce emulator failed on %s %s", method, url.path)
            response = json_response(
                500, [{"message": "An unexpected error occurred", "errorCode": "UNKNOWN_EXCEPTION"}]
            )
        self.send(response)

    def _route(self, method: str, path: str, query: dict[str, str], form: dict[str, str]) -> HttpResponse:
        state = self.salesforce
        if path == "/services/oauth2/authorize" and method in {"GET", "POST"}:
            return handle_authorize(state, self.base_url, method, form if method == "POST" else query)
        if path == "/services/oauth2/token" and method == "POST":
            return handle_token(state, self.base_url, form, self.headers.get("Authorization"))
        if path == "/services/oauth2/userinfo":
            return handle_userinfo(state, self.base_url, self.headers.get("Authorization"))
        if path.startswith("/id/") and method == "GET":
            return handle_identity(state, self.base_url, path, self.headers.get("Authorization"))
        if path == "/services/oauth2/revoke":
            return handle_revoke(state, form if method == "POST" else query)
        if (path == _DATA or path.startswith(_DATA + "/")) and method in {"GET", "POST"}:
            # "/services/data/v60.0/query" -> ["v60.0", "query"]; "/services/data/" -> [""]
            parts = [unquote(p) for p in path[len(_DATA) :].split("/")][1:]
            request = RestRequest(
                state,
                parts,
                query,
                self.headers.get("Authorization"),
                self.headers.get("Sforce-Query-Options"),
                method,
                self.raw_body,
            )
            return handle_rest(request)
        if path.startswith(_DATA + "/"):
            # The emulator serves the read surface; writes answer as a resource that allows GET only.
            message = f"HTTP Method '{method}' not allowed. Allowed are GET"
            return json_response(405, [{"message": message, "errorCode": "METHOD_NOT_ALLOWED"}])
        return json_response(
            404, [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]
        )


def handler_for(state: SalesforceState) -> type[SalesforceHandler]:
    return type("BoundSalesforceHandler", (SalesforceHandler,), {"salesforce": state})
