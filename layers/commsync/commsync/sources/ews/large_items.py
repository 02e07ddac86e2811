"""Emails too big to fetch whole: properties and text by GetItem, attachments streamed one by one.

MimeContent arrives base64-encoded inside the SOAP response, and exchangelib parses a
response whole: a 50 MB attachment cost ~700 MB of poller memory (`make bench`, scenario 5),
enough to kill a 512 MB Lambda again on every retry and stall the mailbox. Above a size
threshold we ask GetItem for the headers, body and attachment list only (MS-OXWSCORE), build a
small RFC 5322 message from them for cleaning, and let each file attachment be read later
through GetAttachment's streaming path (exchangelib's stream_file_content, 64 KB at a time).
An attached email (ItemAttachment) is read by GetAttachment with IncludeMimeContent and listed as
the MIME path lists it (sources/attached.py, issue 19).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import Any

from exchangelib import Account
from exchangelib.attachments import FileAttachment, ItemAttachment
from exchangelib.errors import ErrorItemNotFound
from exchangelib.fields import FieldPath
from exchangelib.items import ID_ONLY, Message
from exchangelib.properties import HTMLBody, ItemId
from exchangelib.services import GetAttachment, GetItem
from exchangelib.util import TNS

from commsync.ports import Change, StreamedAttachment
from commsync.sources.attached import attached_email
from commsync.sources.ews.errors import translated

_FIELDS = {
    FieldPath(field=Message.get_field_by_fieldname(name))
    for name in (
        "subject",
        "author",
        "to_recipients",
        "cc_recipients",
        "bcc_recipients",
        "datetime_sent",
        "message_id",
        "in_reply_to",
        "references",
        "conversation_index",
        "body",
        "attachments",
    )
}
# Marks the stand-in message, so a reader of raw/<id>.eml knows the attachments live elsewhere.
STREAMED_HEADER = "X-Commsync-Attachments-Streamed"


def fetch_large(account: Account, wanted: list[tuple[str, str | None, datetime | None, int]]) -> list[Change]:
    if not wanted:
        return []
    ids = [ItemId(id=item_id, changekey=changekey) for item_id, changekey, _, _ in wanted]
    # One item per request: each response carries an email's whole text body.
    service = _InOrder(account=account, chunk_size=1)
    out = []
    for (item_id, _, received, size), item in zip(
        wanted, service.call(items=ids, additional_fields=_FIELDS, shape=ID_ONLY), strict=True
    ):
        if isinstance(item, ErrorItemNotFound):
            continue
        if isinstance(item, Exception):
            raise item
        streamed = tuple(
            _attached(account, a) if isinstance(a, ItemAttachment) else _streamed(account, a)
            for a in item.attachments or []
            if _listed(a)
        )
        out.append(
            Change(
                kind="upsert",
                item_key=item_id,
                mime=stand_in_message(item, len(streamed)),
                received_at=received,
                streamed=streamed,
                size=size,
            )
        )
    return out


class _InOrder(GetItem):  # type: ignore[misc]
    """GetItem whose items list their attachments in t:Attachments order, the message's own, as
    the MIME path lists them: exchangelib's AttachmentField collects ItemAttachments first and
    FileAttachments after them (issue 19)."""

    def _elem_to_obj(self, elem: Any) -> Any:
        # Read before parsing: exchangelib clears each element it has turned into an object.
        container = elem.find(f"{{{TNS}}}Attachments")
        ids = (
            [] if container is None else [str(c.find(f"{{{TNS}}}AttachmentId").get("Id")) for c in container]
        )
        item = super()._elem_to_obj(elem)
        if item.attachments and ids:
            place = {attachment_id: n for n, attachment_id in enumerate(ids)}
            item.attachments = sorted(item.attachments, key=lambda a: place.get(a.attachment_id.id, len(ids)))
        return item


def _listed(attachment: Any) -> bool:
    # Inline images are part of the HTML, not attachments (the MIME path skips them too).
    return isinstance(attachment, ItemAttachment) or (
        isinstance(attachment, FileAttachment) and not attachment.is_inline
    )


def _attached(account: Account, attachment: ItemAttachment) -> StreamedAttachment:
    """MS-OXWSATT 3.1.4.3: GetAttachment of an item attachment returns the item, with its
    MimeContent when the shape asks for it."""
    with translated():
        found = GetAttachment(account=account).get(
            items=[attachment.attachment_id],
            include_mime_content=True,
            body_type=None,
            filter_html_content=None,
            additional_fields=None,
        )
    item = getattr(found, "item", None)
    mime = getattr(item, "mime_content", None) or b""
    return attached_email(attachment.name, mime if isinstance(mime, bytes) else str(mime).encode())


def _streamed(account: Account, attachment: FileAttachment) -> StreamedAttachment:
    attachment_id = attachment.attachment_id

    def chunks() -> Iterator[bytes]:
        # Read while the poller stores it, outside the source's own calls: classify errors here too.
        with translated():
            yield from GetAttachment(account=account).stream_file_content(attachment_id=attachment_id)

    return StreamedAttachment(
        name=attachment.name or "attachment",
        content_type=attachment.content_type or "application/octet-stream",
        chunks=chunks,
    )


def stand_in_message(item: Any, streamed: int) -> bytes:
    message = EmailMessage(policy=SMTP)
    if item.author:
        message["From"] = _address(item.author)
    for header, people in (
        ("To", item.to_recipients),
        ("Cc", item.cc_recipients),
        ("Bcc", item.bcc_recipients),
    ):
        if people:
            message[header] = ", ".join(_address(p) for p in people)
    message["Subject"] = item.subject or ""
    if item.datetime_sent:
        message["Date"] = format_datetime(datetime.fromtimestamp(item.datetime_sent.timestamp(), tz=UTC))
    for header, value in (("Message-ID", item.message_id), ("In-Reply-To", item.in_reply_to)):
        if value:
            message[header] = value
    if item.references:
        message["References"] = item.references
    if item.conversation_index:
        # Outlook threads by it alone when a client sent no References (cleaning/thread.py).
        message["Thread-Index"] = base64.b64encode(item.conversation_index).decode()
    message[STREAMED_HEADER] = str(streamed)
    body = str(item.body or "")
    message.set_content(body, subtype="html" if isinstance(item.body, HTMLBody) else "plain")
    return bytes(message)


def _address(mailbox: Any) -> str:
    return formataddr((mailbox.name or "", mailbox.email_address or ""))
