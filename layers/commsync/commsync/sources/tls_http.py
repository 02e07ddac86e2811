"""The requests adapter every source's HTTP goes through: the integration's CA bundle and ciphers.

The CA bundle is applied per request in `send`, because requests lets REQUESTS_CA_BUNDLE
override a session's `verify` (psf/requests#3829); certificate checks always stay on. It lives
outside the sources' packages so that importing it never imports exchangelib.
"""

from __future__ import annotations

import ssl
from typing import Any

import requests
from requests.adapters import HTTPAdapter


class TlsHttpAdapter(HTTPAdapter):
    def __init__(self, ciphers: str | None = None, ca_bundle: str | None = None, **kwargs: Any) -> None:
        # Set before super().__init__, which builds the pool manager through init_poolmanager.
        self._ciphers = ciphers
        self._ca_bundle = ca_bundle
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._ciphers:
            context = ssl.create_default_context()
            # Raises ssl.SSLError for a list OpenSSL cannot use: a configuration error, reported as such.
            context.set_ciphers(self._ciphers)
            kwargs["ssl_context"] = context
        super().init_poolmanager(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        # requests picks the CA file per request (it keys its connection pools on it), so swap it here;
        # the configured bundle also wins over REQUESTS_CA_BUNDLE from the environment.
        if kwargs.get("verify", True) is not False and self._ca_bundle:
            kwargs["verify"] = self._ca_bundle
        return super().send(request, *args, **kwargs)
