"""HTTP sessions for Graph and its identity platform, on the sources' TLS adapter."""

from __future__ import annotations

import requests

from commsync.sources.tls_http import TlsHttpAdapter


def session(ciphers: str | None, ca_bundle: str | None) -> requests.Session:
    http = requests.Session()
    # Pool size 4: Outlook serves at most 4 concurrent requests per mailbox (PROTOCOLS.md section 2).
    http.mount("https://", TlsHttpAdapter(ciphers, ca_bundle, pool_maxsize=4, max_retries=0))
    http.mount("http://", TlsHttpAdapter(ciphers, ca_bundle, pool_maxsize=4, max_retries=0))
    return http
