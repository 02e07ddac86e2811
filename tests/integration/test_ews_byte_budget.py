"""Memory bounded by bytes, not item counts (issues 17 and 20): through real exchangelib against
the EWS emulator, a page and each GetItem hold at most `max_bytes_per_request` of email."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from exchangelib.protocol import CachingProtocol
from pydantic import SecretStr

from commsync.models import Integration, SourceKind
from commsync.sources.ews import transport
from commsync.sources.ews.connect import Connection, connect
from commsync.sources.ews.folders import list_folders
from commsync.sources.ews.items import item_pages
from emulators.ews import EwsEmulator
from emulators.server import running
from tests.support.ews import SERVICE_PASSWORD, SERVICE_USER, endpoint
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"
BUDGET = 1_000_000
EMAILS = 12


class RecordingAdapter(transport.EwsHttpAdapter):
    bodies: list[bytes] = []

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = super().build_response(req, resp)
        RecordingAdapter.bodies.append(req.body if isinstance(req.body, bytes) else b"")
        return response


@pytest.fixture
def inbox(tmp_path: Path) -> Iterator[tuple[Connection, str, list[int]]]:
    """Twelve emails of ~410 KB each (a 300 KB attachment): about two fit in the budget."""
    data = tmp_path / "data"
    sizes = []
    for n in range(EMAILS):
        attachment = ("scan.pdf", random.Random(n).randbytes(300_000))
        sizes.append(
            len(
                write_eml(
                    data, ANN, "Inbox", f"{n:02d}.eml", email_bytes(n, attachment=attachment)
                ).read_bytes()
            )
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
        secret = {"username": SecretStr(SERVICE_USER), "password": SecretStr(SERVICE_PASSWORD)}
        connection = connect(integration, ANN, secret, lambda: 60.0)
        RecordingAdapter.bodies = []
        connection.protocol.adapter_factory = lambda: RecordingAdapter(
            pool_block=True, pool_connections=1, pool_maxsize=1, max_retries=0
        )
        try:
            folder = next(f.id for f in list_folders(connection.account, None).folders if f.path == "Inbox")
            yield connection, folder, sizes
        finally:
            connection.close()
            CachingProtocol.clear_cache()


def test_no_page_and_no_getitem_holds_more_than_the_byte_budget(
    inbox: tuple[Connection, str, list[int]],
) -> None:
    connection, folder, sizes = inbox
    RecordingAdapter.bodies = []

    # WHEN the folder is synced with pages of up to 100 changes and a 1 MB budget
    pages = list(item_pages(connection.account, folder, None, 100, 100, None, max_bytes=BUDGET))

    # THEN every email came once, in pages that each hold at most the budget (not one page of 12)
    mimes = [c.mime or b"" for p in pages for c in p.changes]
    assert sorted(len(m) for m in mimes) == sorted(sizes)
    assert len({c.item_key for p in pages for c in p.changes}) == EMAILS
    assert all(sum(len(c.mime or b"") for c in p.changes) <= BUDGET for p in pages)
    assert len(pages) >= sum(sizes) // BUDGET + 1
    assert [p.last for p in pages] == [False] * (len(pages) - 1) + [True]
    # and no GetItem asked for more items than fit in the budget
    getitems = [b for b in RecordingAdapter.bodies if b"<m:GetItem" in b]
    assert getitems and max(b.count(b"<t:ItemId ") for b in getitems) <= BUDGET // min(sizes)


def test_a_page_cut_by_the_budget_resumes_from_its_own_sync_state(
    inbox: tuple[Connection, str, list[int]],
) -> None:
    connection, folder, _ = inbox
    first = next(item_pages(connection.account, folder, None, 100, 100, None, max_bytes=BUDGET))

    # WHEN a later poll resumes from the first page's checkpoint
    rest = list(item_pages(connection.account, folder, first.token, 100, 100, None, max_bytes=BUDGET))

    # THEN it gets exactly the emails the first page did not hold
    seen = [c.item_key for c in first.changes] + [c.item_key for p in rest for c in p.changes]
    assert len(seen) == len(set(seen)) == EMAILS
