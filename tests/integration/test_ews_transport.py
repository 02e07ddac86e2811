"""The one documented fix under exchangelib: responses are read in 64 KB chunks (issue 8's finding).

exchangelib 5.6 reads each response through `iter_content()` with requests' default of one
byte per chunk. Our adapter's responses default to 64 KB. If an exchangelib upgrade starts
passing its own chunk size, or reads responses some other way, these tests fail and the
hook in sources/ews/transport.py must move.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
import requests
from exchangelib.protocol import CachingProtocol
from exchangelib.services.common import EWSService

from commsync.models import Integration, SourceKind
from commsync.sources.ews import transport
from commsync.sources.ews.connect import connect
from commsync.sources.ews.items import item_pages
from emulators.ews import EwsEmulator
from emulators.server import running
from tests.support.ews import SERVICE_PASSWORD, SERVICE_USER, endpoint
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"


class RecordingAdapter(transport.EwsHttpAdapter):
    seen: list[requests.Response] = []

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = super().build_response(req, resp)
        self.seen.append(response)
        return response


def test_exchangelib_still_reads_responses_through_iter_content_without_a_chunk_size() -> None:
    # The premise of the fix, read from the installed library's source.
    source = inspect.getsource(EWSService._get_soap_parts)
    assert "response.iter_content()" in source


def test_a_megabyte_getitem_response_is_read_in_big_chunks(tmp_path: Path) -> None:
    # GIVEN an email with a 1 MB attachment
    data = tmp_path / "data"
    write_eml(
        data, ANN, "Inbox", "big.eml", email_bytes(1, attachment=("scan.pdf", b"%PDF" + b"x" * 1_000_000))
    )
    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    with running(emulator.server(port=0)) as server:
        integration = Integration(
            project="acme",
            name="exchange",
            kind=SourceKind.EWS,
            endpoint=endpoint(server),
            bucket="acme",
            secret="svc",
            options={"allow_insecure_loopback": True},
        )
        secret = {"username": _secret(SERVICE_USER), "password": _secret(SERVICE_PASSWORD)}
        connection = connect(integration, ANN, secret, lambda: 60.0)
        RecordingAdapter.seen = []
        connection.protocol.adapter_factory = lambda: RecordingAdapter(
            pool_block=True, pool_connections=1, pool_maxsize=1, max_retries=0
        )
        try:
            # WHEN the item is synced and fetched
            inbox = _inbox_id(connection)
            pages = list(item_pages(connection.account, inbox, None, 10, 10, None))
        finally:
            connection.close()
            CachingProtocol.clear_cache()

    # THEN its MIME arrived whole, and exchangelib consumed the 1.4 MB response in a few dozen chunks
    assert len(pages[0].changes[0].mime or b"") > 1_000_000
    biggest = max(RecordingAdapter.seen, key=lambda r: len(r.content))
    assert len(biggest.content) > 1_000_000
    assert isinstance(biggest, transport.ChunkedResponse)
    assert biggest.chunks_read < 300  # one byte per chunk would be over a million


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


def _inbox_id(connection: Any) -> str:
    from commsync.sources.ews.folders import list_folders

    listing = list_folders(connection.account, None)
    return next(f.id for f in listing.folders if f.path == "Inbox")
