"""GetItem and GetAttachment: MIME round trip, attachments, only the properties asked for."""

from __future__ import annotations

from pathlib import Path

import pytest
from exchangelib.attachments import FileAttachment, ItemAttachment
from exchangelib.errors import ErrorItemNotFound
from exchangelib.items import Message

from tests.integration.emulators.test_ews_support import ANN, email_with_attachments, serve, write_mailboxes
from tests.support.mail import write_eml

pytestmark = pytest.mark.integration


def test_mime_content_round_trips_byte_for_byte(tmp_path: Path) -> None:
    # GIVEN an email with an inline image, a PDF and a forwarded email, as an .eml file
    write_mailboxes(tmp_path)
    eml = write_eml(tmp_path, ANN, "Inbox/Contracts", "contract.eml", email_with_attachments())
    with serve(tmp_path) as served:
        account = served.account()
        [info] = served.emulator.store.items(ANN, "Inbox/Contracts")

        # WHEN exchangelib fetches it with its MIME content
        [item] = account.fetch(
            [(info.id, None)], only_fields=["mime_content", "message_id", "has_attachments"]
        )

        # THEN the bytes are exactly the file's, and the summary properties match
        assert isinstance(item, Message)
        assert item.mime_content == eml.read_bytes()
        assert item.message_id == "<contract-q3@northwind.example>" and item.has_attachments is True


def test_attachments_are_listed_and_their_content_fetched(tmp_path: Path) -> None:
    # GIVEN the email with three attachments
    write_mailboxes(tmp_path)
    write_eml(tmp_path, ANN, "Inbox", "contract.eml", email_with_attachments())
    with serve(tmp_path) as served:
        account = served.account()
        info = next(
            i for i in served.emulator.store.items(ANN, "Inbox") if i.subject == "Q3 contract, signed"
        )

        # WHEN the attachments are listed (GetItem) and read (GetAttachment, streamed by exchangelib)
        [item] = account.fetch([(info.id, None)], only_fields=["attachments"])
        files = {a.name: a for a in item.attachments if isinstance(a, FileAttachment)}
        [forwarded] = [a for a in item.attachments if isinstance(a, ItemAttachment)]

        # THEN the PDF and the inline logo are file attachments with their EWS metadata and bytes
        pdf = files["contract.pdf"]
        assert (pdf.content_type, pdf.size, pdf.is_inline) == ("application/pdf", 9 + 256 * 40, False)
        assert pdf.content == b"%PDF-1.7\n" + bytes(range(256)) * 40
        logo = next(a for a in files.values() if a.content_id == "logo@northwind")
        assert logo.is_inline and logo.content == b"\x89PNG\r\n\x1a\nlogo"
        # AND the forwarded email is an item attachment carrying the attached message
        assert forwarded.content_type == "message/rfc822"
        assert forwarded.item.subject == "Draft terms"
        assert forwarded.item.message_id == "<draft@contoso.example>"
        assert served.emulator.stats["op:GetAttachment"] == 3


def test_only_requested_properties_come_back_and_unknown_ids_are_item_not_found(tmp_path: Path) -> None:
    # GIVEN two emails, one of which is then moved (its old id no longer exists)
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        account, store = served.account(), served.emulator.store
        first, second, _ = store.items(ANN, "Inbox")
        store.move(ANN, second.id, "Deleted Items")

        # WHEN both ids are fetched asking for the subject only
        fetched = list(account.fetch([(first.id, None), (second.id, None)], only_fields=["subject"]))

        # THEN the first has its subject and nothing else; the moved one is ErrorItemNotFound
        assert isinstance(fetched[0], Message) and fetched[0].subject == "Order 1000 status"
        assert fetched[0].message_id is None and fetched[0].mime_content is None
        assert isinstance(fetched[1], ErrorItemNotFound)
