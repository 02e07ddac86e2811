"""Responses compared with the structure of Microsoft's published samples (tests/fixtures/ews/).

Raw SOAP requests (written after the samples' requests) go over HTTP with Basic auth; the answer's
Body must have the sample's elements, attributes and order. Where a sample shows only some of the
properties (GetAttachment), its children must appear in ours in the same order.
"""

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
    email_with_attachments,
    serve,
    write_mailboxes,
)

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ews"
SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
TYPES = "{http://schemas.microsoft.com/exchange/services/2006/types}"
ENVELOPE = """<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"
  xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
  <soap:Header><t:RequestServerVersion Version="Exchange2016"/></soap:Header>
  <soap:Body>{body}</soap:Body>
</soap:Envelope>"""
MAILBOX = f"<t:Mailbox><t:EmailAddress>{ANN}</t:EmailAddress></t:Mailbox>"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    write_mailboxes(tmp_path)
    (tmp_path / ANN / "Inbox" / "contract.eml").write_bytes(email_with_attachments())
    with serve(tmp_path) as running:
        yield running


def post(served: Served, body: str) -> tuple[int, ET.Element]:
    answer = requests.post(
        served.endpoint,
        data=ENVELOPE.format(body=body).encode(),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        auth=(SERVICE, PASSWORD),
        timeout=10,
    )
    return answer.status_code, ET.fromstring(answer.content)  # noqa: S314 - our own emulator's answer


def assert_like_sample(sample_name: str, ours: ET.Element, in_order_subset: bool = False) -> None:
    sample = ET.parse(FIXTURES / sample_name).getroot()  # noqa: S314 - a fixture of this repository
    _compare(sample.find(f"{SOAP}Body"), ours.find(f"{SOAP}Body"), in_order_subset, "Body")
    header = sample.find(f"{SOAP}Header/{TYPES}ServerVersionInfo")
    if header is not None:
        info = ours.find(f"{SOAP}Header/{TYPES}ServerVersionInfo")
        assert info is not None and set(header.attrib) <= set(info.attrib)


def _compare(sample: ET.Element | None, ours: ET.Element | None, subset: bool, path: str) -> None:
    assert sample is not None and ours is not None, path
    assert sample.tag == ours.tag, path
    for name, value in sample.attrib.items():
        assert name in ours.attrib and (not value or ours.attrib[name] == value), f"{path}/@{name}"
    expected_text = (sample.text or "").strip()
    if expected_text:
        assert (ours.text or "").strip() == expected_text, path
    theirs, mine = list(sample), list(ours)
    if not subset:
        assert [c.tag for c in theirs] == [c.tag for c in mine], path
        pairs = list(zip(theirs, mine, strict=True))
    else:
        pairs, rest = [], iter(mine)
        for child in theirs:
            match = next((c for c in rest if c.tag == child.tag), None)
            assert match is not None, f"{path}/{child.tag} missing or out of order"
            pairs.append((child, match))
    for theirs_child, my_child in pairs:
        _compare(theirs_child, my_child, subset, f"{path}/{theirs_child.tag.split('}')[-1]}")


def _distinguished(name: str) -> str:
    return f'<t:DistinguishedFolderId Id="{name}">{MAILBOX}</t:DistinguishedFolderId>'


def _fields(*uris: str) -> str:
    return "".join(f'<t:FieldURI FieldURI="{uri}"/>' for uri in uris)


def test_sync_folder_items_success_and_error_match_the_samples(served: Served) -> None:
    # GIVEN a folder with one email (Sent Items) and the sample request's shape
    shape = (
        "<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        f"{_fields('item:Subject', 'item:Sensitivity')}</t:AdditionalProperties></m:ItemShape>"
    )
    request = (
        f"<m:SyncFolderItems>{shape}<m:SyncFolderId>{_distinguished('sentitems')}</m:SyncFolderId>"
        "{state}<m:MaxChangesReturned>100</m:MaxChangesReturned></m:SyncFolderItems>"
    )
    # WHEN it is synced from scratch, and with a corrupt SyncState
    status, good = post(served, request.format(state=""))
    _, bad = post(served, request.format(state="<m:SyncState>AEbJ94eMOAAA=</m:SyncState>"))
    # THEN both answers have the samples' structure
    assert status == 200
    assert_like_sample("syncfolderitems-success.xml", good)
    assert_like_sample("syncfolderitems-error.xml", bad)


def test_sync_folder_hierarchy_matches_the_sample(served: Served) -> None:
    # GIVEN a mailbox whose Sent Items has no subfolder, and one new folder there
    served.emulator.store.add_folder(ANN, "Sent Items/NewFolder")
    names = ("ParentFolderId", "FolderClass", "DisplayName", "TotalCount", "ChildFolderCount", "UnreadCount")
    shape = (
        "<m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        f"{_fields(*(f'folder:{name}' for name in names))}</t:AdditionalProperties></m:FolderShape>"
    )
    # WHEN the Sent Items subtree is synchronised
    _, answer = post(
        served,
        f"<m:SyncFolderHierarchy>{shape}<m:SyncFolderId>{_distinguished('sentitems')}</m:SyncFolderId>"
        "</m:SyncFolderHierarchy>",
    )
    # THEN it has the sample's structure
    assert_like_sample("syncfolderhierarchy-success.xml", answer)


def test_get_folder_default_shape_and_malformed_id_match_the_samples(served: Served) -> None:
    # GIVEN the sample's Default shape
    request = (
        "<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>"
        "<m:FolderIds>{folder}</m:FolderIds></m:GetFolder>"
    )
    # WHEN the inbox, then a malformed FolderId, are asked for
    _, good = post(served, request.format(folder=_distinguished("inbox")))
    _, bad = post(served, request.format(folder='<t:FolderId Id="AQApA=" ChangeKey="AQAAAB"/>'))
    # THEN both have the samples' structure
    assert_like_sample("getfolder-success.xml", good)
    assert_like_sample("getfolder-error.xml", bad)


def test_get_item_matches_the_sample(served: Served) -> None:
    # GIVEN an email in the inbox and the sample's properties
    item_id = served.emulator.store.items(ANN, "Inbox")[0].id
    fields = _fields(
        *("item:Subject", "item:Sensitivity", "item:Body", "item:Size", "item:DateTimeSent"),
        *("item:DateTimeCreated", "item:HasAttachments", "message:ToRecipients"),
        *("message:IsReadReceiptRequested", "message:IsDeliveryReceiptRequested"),
        *("message:From", "message:IsRead"),
    )
    # WHEN it is fetched with its MIME content
    _, answer = post(
        served,
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent>"
        f"<t:AdditionalProperties>{fields}</t:AdditionalProperties></m:ItemShape>"
        f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>',
    )
    # THEN it has the sample's structure
    assert_like_sample("getitem-success.xml", answer)


def test_get_attachment_and_faults_match_the_samples(served: Served) -> None:
    # GIVEN the PDF attachment of the contract email
    store = served.emulator.store
    contract = next(i for i in store.items(ANN, "Inbox") if i.subject == "Q3 contract, signed")
    _, listing = post(
        served,
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        f"{_fields('item:Attachments')}</t:AdditionalProperties></m:ItemShape>"
        f'<m:ItemIds><t:ItemId Id="{contract.id}"/></m:ItemIds></m:GetItem>',
    )
    files = listing.iter(f"{TYPES}FileAttachment")
    pdf = next(a for a in files if a.findtext(f"{TYPES}Name") == "contract.pdf")
    attachment_id = pdf.find(f"{TYPES}AttachmentId").get("Id")  # type: ignore[union-attr]
    request = (
        f'<m:GetAttachment><m:AttachmentShape/><m:AttachmentIds><t:AttachmentId Id="{attachment_id}"/>'
        "</m:AttachmentIds></m:GetAttachment>"
    )

    # WHEN it is fetched, and then the mailbox is throttled
    _, attachment = post(served, request)
    served.emulator.faults.fail_next(ANN, 1, back_off_ms=1500)
    status, busy = post(served, request)

    # THEN the attachment and the throttling fault (HTTP 500) have the samples' structure
    assert_like_sample("getattachment-success.xml", attachment, in_order_subset=True)
    assert status == 500
    assert_like_sample("serverbusy-fault.xml", busy)
    assert busy.findtext(f".//{TYPES}Value") == "1500"


GET_INBOX = (
    "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
    '<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>'
)


def test_an_app_token_without_impersonation_gets_the_exchange_online_fault(tmp_path: Path) -> None:
    # GIVEN an emulator that accepts an application token
    write_mailboxes(tmp_path)
    claims = {"roles": ["full_access_as_app"], "appid": "daemon-1"}
    with serve(tmp_path, bearer=lambda token, audience: claims if token == "app" else None) as running:
        # WHEN the token is used without ExchangeImpersonation (plain HTTP is fine for a raw request)
        answer = requests.post(
            running.endpoint,
            data=ENVELOPE.format(body=GET_INBOX).encode(),
            headers={"Authorization": "Bearer app", "Content-Type": "text/xml; charset=utf-8"},
            timeout=10,
        )
        # THEN the fault is Exchange Online's
        assert answer.status_code == 500
        assert_like_sample("impersonation-header-fault.xml", ET.fromstring(answer.content))  # noqa: S314


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("<m:ResolveNames/>", "ErrorInvalidOperation"),
        ("<m:GetFolder>", "ErrorSchemaValidation"),
        ("<m:GetFolder/>", "ErrorSchemaValidation"),  # FolderIds is required
    ],
)
def test_unimplemented_operations_and_bad_xml_are_soap_faults(served: Served, body: str, code: str) -> None:
    # GIVEN an operation the emulator does not implement, or XML that does not parse
    answer = requests.post(
        served.endpoint,
        data=ENVELOPE.format(body=body).encode(),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        auth=(SERVICE, PASSWORD),
        timeout=10,
    )

    # WHEN / THEN the answer is an HTTP 500 SOAP fault carrying the EWS code, as Exchange sends faults
    fault = ET.fromstring(answer.content)  # noqa: S314 - our own emulator's answer
    assert answer.status_code == 500
    assert fault.findtext(f"{SOAP}Body/{SOAP}Fault/faultcode") == f"a:{code}"
    assert fault.find(f"{SOAP}Header/{TYPES}ServerVersionInfo") is not None
