"""Emails too big to hold whole: their properties as a small message, their attachments streamed.

`/$value` returns the whole MIME, which the poller would hold, parse and copy several times (the
EWS source measured ~9 MB of memory per MB of email). An email whose attachments add up to more
than LARGE_EMAIL_BYTES is read instead as its properties (subject, people, time, body) and its
file attachments, each of which the poller streams from `/attachments/{id}/$value` to storage.
The stand-in keeps the threading headers (conversation.py), so the email's thread_id is the one
its `/$value` gives, and the one EWS gives. Attached emails (itemAttachment, whose `$value` is its
MIME) and links (referenceAttachment) are listed too, as the MIME path lists them (issue 19).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import Any

from commsync.ports import Change, StreamedAttachment
from commsync.sources import attached
from commsync.sources.graph import conversation
from commsync.sources.graph.client import GraphClient

LARGE_EMAIL_BYTES = 10_000_000
_ATTACHMENT_FIELDS = "id,name,size,contentType,isInline"
_MESSAGE_FIELDS = "subject,from,toRecipients,ccRecipients,bccRecipients,sentDateTime,internetMessageId,body"
_FILE = "#microsoft.graph.fileAttachment"
_ITEM = "#microsoft.graph.itemAttachment"
_REFERENCE = "#microsoft.graph.referenceAttachment"


def listed_attachments(client: GraphClient, message_url: str) -> list[dict[str, Any]]:
    body = client.get_json(f"{message_url}/attachments", params={"$select": _ATTACHMENT_FIELDS})
    return [a for a in body.get("value", []) if isinstance(a, dict)]


def is_large(attachments: list[dict[str, Any]]) -> bool:
    return sum(int(a.get("size") or 0) for a in attachments) > LARGE_EMAIL_BYTES


def large_change(
    client: GraphClient,
    message_url: str,
    message_id: str,
    received: datetime | None,
    attachments: list[dict[str, Any]],
) -> Change:
    params = {"$select": f"{_MESSAGE_FIELDS},{conversation.SELECT}", "$expand": conversation.EXPAND}
    message = client.get_json(message_url, params=params)
    streamed = tuple(
        one
        for a in attachments
        if (one := listed(client, f"{message_url}/attachments/{a['id']}", a)) is not None
    )
    size = sum(int(a.get("size") or 0) for a in attachments)
    return Change(
        kind="upsert",
        item_key=message_id,
        mime=stand_in_message(message, len(streamed)),
        received_at=received,
        streamed=streamed,
        size=size,
    )


def listed(client: GraphClient, url: str, attachment: dict[str, Any]) -> StreamedAttachment | None:
    """What the MIME path would list for this attachment; None for an inline image."""
    kind = attachment.get("@odata.type", _FILE)
    if kind == _ITEM:
        return attached.attached_email(attachment.get("name"), client.get_bytes(f"{url}/$value"))
    if kind == _REFERENCE:
        # sourceUrl belongs to the derived type: the base collection's $select cannot name it.
        link = client.get_json(url)
        return attached.reference(link.get("name"), str(link.get("sourceUrl") or ""))
    if attachment.get("isInline") or kind != _FILE:
        return None
    return _streamed(client, f"{url}/$value", attachment)


def linked_files(
    client: GraphClient, message_url: str, attachments: list[dict[str, Any]]
) -> tuple[StreamedAttachment, ...]:
    """The referenceAttachments among them (a small email's MIME carries no trace of them)."""
    return tuple(
        one
        for a in attachments
        if a.get("@odata.type") == _REFERENCE
        and (one := listed(client, f"{message_url}/attachments/{a['id']}", a)) is not None
    )


def _streamed(client: GraphClient, url: str, attachment: dict[str, Any]) -> StreamedAttachment:
    def chunks() -> Iterator[bytes]:
        yield from client.stream_bytes(url)

    return StreamedAttachment(
        name=str(attachment.get("name") or "attachment"),
        content_type=str(attachment.get("contentType") or "application/octet-stream"),
        chunks=chunks,
    )


def stand_in_message(message: dict[str, Any], streamed: int) -> bytes:
    out = EmailMessage(policy=SMTP)
    sender = _address(message.get("from"))
    if sender:
        out["From"] = sender
    for header, key in (("To", "toRecipients"), ("Cc", "ccRecipients"), ("Bcc", "bccRecipients")):
        people = [a for a in (_address(p) for p in message.get(key) or []) if a]
        if people:
            out[header] = ", ".join(people)
    out["Subject"] = str(message.get("subject") or "")
    sent = message.get("sentDateTime")
    if isinstance(sent, str) and sent:
        out["Date"] = format_datetime(datetime.fromisoformat(sent.replace("Z", "+00:00")))
    if message.get("internetMessageId"):
        out["Message-ID"] = str(message["internetMessageId"])
    for name, value in conversation.threading_headers(message):
        out[name] = value
    out["X-Commsync-Attachments-Streamed"] = str(streamed)
    body = message.get("body") or {}
    subtype = "html" if str(body.get("contentType", "")).lower() == "html" else "plain"
    out.set_content(str(body.get("content") or ""), subtype=subtype)
    return bytes(out)


def _address(recipient: Any) -> str:
    if not isinstance(recipient, dict):
        return ""
    email = recipient.get("emailAddress") or {}
    address = str(email.get("address") or "")
    return formataddr((str(email.get("name") or ""), address)) if address else ""
