"""requests adapter for Graph and its identity platform: the integration's CA bundle and ciphers.

The CA bundle is applied per request in `send`, because requests lets REQUESTS_CA_BUNDLE
override a session's `verify` (psf/requests#3829); certificate checks always stay on.
(The EWS source has the same adapter; this copy keeps exchangelib out of a Graph Lambda's imports.)
"""

from __future__ import annotations

import ssl
from typing import Any

import requests
from requests.adapters import HTTPAdapter


class GraphHttpAdapter(HTTPAdapter):
    def __init__(self, ciphers: str | None = None, ca_bundle: str | None = None, **kwargs: Any) -> None:
        self._ciphers = ciphers
        self._ca_bundle = ca_bundle
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._ciphers:
            context = ssl.create_default_context()
            context.set_ciphers(self._ciphers)  # ssl.SSLError for an unusable list: a configuration error
            kwargs["ssl_context"] = context
        super().init_poolmanager(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("verify", True) is not False and self._ca_bundle:
            kwargs["verify"] = self._ca_bundle
        return super().send(request, *args, **kwargs)


def session(ciphers: str | None, ca_bundle: str | None) -> requests.Session:
    http = requests.Session()
    # Pool size 4: Outlook serves at most 4 concurrent requests per mailbox (PROTOCOLS.md section 2).
    http.mount("https://", GraphHttpAdapter(ciphers, ca_bundle, pool_maxsize=4, max_retries=0))
    http.mount("http://", GraphHttpAdapter(ciphers, ca_bundle, pool_maxsize=4, max_retries=0))
    return http
