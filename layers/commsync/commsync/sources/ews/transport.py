"""The HTTP layer under exchangelib: TLS settings per integration, and reading responses in big chunks.

exchangelib 5.6 parses every non-streamed EWS response through `response.iter_content()`
(services/common.py, `EWSService._get_soap_parts`), and requests' default there is
`chunk_size=1`: a 2 MB GetItem response is re-sliced one byte at a time, which capped a
plain MIME fetch near 80 items/s on a 2-core machine (PROTOCOLS.md section 5). This is the
one place we fix it: responses built by our adapter default to 64 KB chunks. Nothing in
exchangelib is patched; tests/integration/test_ews_transport.py fails if a library upgrade
stops reading through this hook.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from commsync.sources.tls_http import TlsHttpAdapter

READ_CHUNK_BYTES = 64 * 1024


class ChunkedResponse(requests.Response):
    """A Response whose iter_content() reads 64 KB at a time unless told otherwise."""

    chunks_read = 0

    def iter_content(
        self, chunk_size: int | None = READ_CHUNK_BYTES, decode_unicode: bool = False
    ) -> Iterator[Any]:
        # Counted so a test can prove exchangelib still reads through this default.
        for chunk in super().iter_content(chunk_size, decode_unicode):  # type: ignore[call-overload]
            self.chunks_read += 1
            yield chunk


class EwsHttpAdapter(TlsHttpAdapter):
    """The sources' TLS adapter, building responses that exchangelib reads in 64 KB chunks."""

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = super().build_response(req, resp)
        # The narrowest hook for the chunk size: same object, a subclass with one default changed.
        response.__class__ = ChunkedResponse
        return response
