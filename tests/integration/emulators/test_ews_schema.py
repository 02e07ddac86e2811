"""The EWS emulator validates requests as Exchange does (issue 21): values outside the schema's
types fail schema validation, unknown properties and bad paging parameters are per-message
errors, a sync of a missing folder is ErrorSyncFolderNotFound, the Default shape carries Body,
the 401 offers Negotiate, and a chunked request body is read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.integration.emulators.test_ews_support import (
    ANN,
    PASSWORD,
    SERVICE,
    Served,
    serve,
    write_mailboxes,
)

pytestmark = pytest.mark.integration
SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
M = "{http://schemas.microsoft.com/exchange/services/2006/messages}"
T = "{http://schemas.microsoft.com/exchange/services/2006/types}"
ENVELOPE = """<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"
  xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
  <soap:Header><t:RequestServerVersion Version="Exchange2016"/></soap:Header>
  <soap:Body>{body}</soap:Body>
</soap:Envelope>"""
INBOX = (
    f'<t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>{ANN}</t:EmailAddress></t:Mailbox>'
    "</t:DistinguishedFolderId>"
)
ID_ONLY = "<t:BaseShape>IdOnly</t:BaseShape>"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    write_mailboxes(tmp_path)
    with serve(tmp_path) as running:
        yield running


def _post(served: Served, body: str, **options: object) -> tuple[int, ET.Element]:
    answer = requests.post(
        served.endpoint,
        data=ENVELOPE.format(body=body).encode(),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        auth=(SERVICE, PASSWORD),
        timeout=10,
        **options,  # type: ignore[arg-type]
    )
    return answer.status_code, ET.fromstring(answer.content)  # noqa: S314 - our own emulator's answer


def _codes(root: ET.Element) -> list[str]:
    return [code.text or "" for code in root.iter(f"{M}ResponseCode")]


def _fault(root: ET.Element) -> str | None:
    return root.findtext(f"{SOAP}Body/{SOAP}Fault/faultcode")


def _find_item(view: str) -> str:
    return (
        f'<m:FindItem Traversal="Shallow"><m:ItemShape>{ID_ONLY}</m:ItemShape>{view}'
        f"<m:ParentFolderIds>{INBOX}</m:ParentFolderIds></m:FindItem>"
    )


def test_a_non_integer_page_size_fails_schema_validation(served: Served) -> None:
    view = '<m:IndexedPageFolderView MaxEntriesReturned="ten" Offset="0" BasePoint="Beginning"/>'
    body = (
        f'<m:FindFolder Traversal="Deep"><m:FolderShape>{ID_ONLY}</m:FolderShape>{view}'
        '<m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderIds></m:FindFolder>'
    )
    status, root = _post(served, body)
    assert (status, _fault(root)) == (500, "a:ErrorSchemaValidation")


def test_a_negative_offset_is_refused_rather_than_counted_from_the_end(served: Served) -> None:
    view = '<m:IndexedPageItemView MaxEntriesReturned="2" Offset="-1" BasePoint="Beginning"/>'
    status, root = _post(served, _find_item(view))
    assert (status, _codes(root)) == (200, ["ErrorInvalidIndexedPagingParameters"])


def test_find_item_pages_from_the_end_and_reports_the_total(served: Served) -> None:
    view = '<m:IndexedPageItemView MaxEntriesReturned="2" Offset="0" BasePoint="End"/>'
    status, root = _post(served, _find_item(view))
    folder = root.find(f".//{M}RootFolder")
    assert status == 200 and folder is not None
    assert (folder.get("TotalItemsInView"), folder.get("IncludesLastItemInRange")) == ("3", "true")
    assert len(folder.findall(f"{T}Items/{T}Message")) == 2


def test_an_unknown_field_uri_is_an_invalid_property_request(served: Served) -> None:
    shape = (
        f'{ID_ONLY}<t:AdditionalProperties><t:FieldURI FieldURI="folder:Colour"/></t:AdditionalProperties>'
    )
    body = (
        f"<m:GetFolder><m:FolderShape>{shape}</m:FolderShape><m:FolderIds>{INBOX}</m:FolderIds></m:GetFolder>"
    )
    assert _codes(_post(served, body)[1]) == ["ErrorInvalidPropertyRequest"]


def test_a_sync_of_a_missing_folder_is_error_sync_folder_not_found(served: Served) -> None:
    body = (
        f"<m:SyncFolderItems><m:ItemShape>{ID_ONLY}</m:ItemShape>"
        f"<m:SyncFolderId>{INBOX.replace('inbox', 'archiveinbox', 1)}</m:SyncFolderId>"
        "<m:MaxChangesReturned>10</m:MaxChangesReturned></m:SyncFolderItems>"
    )
    assert _codes(_post(served, body)[1]) == ["ErrorSyncFolderNotFound"]


def test_the_default_shape_carries_the_body_and_a_chunked_request_is_read(served: Served) -> None:
    status, found = _post(served, _find_item(""))
    item_id = found.find(f".//{T}ItemId")
    assert status == 200 and item_id is not None
    body = (
        "<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape>"
        f'<m:ItemIds><t:ItemId Id="{item_id.get("Id")}"/></m:ItemIds></m:GetItem>'
    )
    payload = ENVELOPE.format(body=body).encode()
    # A generator body makes requests send Transfer-Encoding: chunked.
    answer = requests.post(
        served.endpoint,
        data=(payload[i : i + 100] for i in range(0, len(payload), 100)),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        auth=(SERVICE, PASSWORD),
        timeout=10,
    )
    message = ET.fromstring(answer.content).find(f".//{T}Message")  # noqa: S314
    assert answer.request.headers.get("Transfer-Encoding") == "chunked"
    assert message is not None and "ships tomorrow" in (message.findtext(f"{T}Body") or "")


def test_the_401_offers_negotiate_ntlm_and_basic(served: Served) -> None:
    answer = requests.post(served.endpoint, data=b"", timeout=10)
    offered = [v.split()[0] for v in answer.raw.headers.getlist("WWW-Authenticate")]
    assert answer.status_code == 401 and offered[:3] == ["Negotiate", "NTLM", "Basic"]
