"""Emails too big to hold whole: their properties as a small message, their attachments streamed.

`/$value` returns the whole MIME, which the poller would hold, parse and copy several times (the
EWS source measured ~9 MB of memory per MB of email). An email whose attachments add up to more
than LARGE_EMAIL_BYTES is read instead as its properties (subject, people, time, body) and its
file attachments, each of which the poller streams from `/attachments/{id}/$value` to storage.
The stand-in keeps the threading headers (conversation.py), so the email's thread_id is the one
its `/$value` gives, and the one EWS gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import Any

from commsync.ports import Change, StreamedAttachment
from commsync.sources.graph import conversation
from commsync.sources.graph.client import GraphClient

LARGE_EMAIL_BYTES = 10_000_000
_ATTACHMENT_FIELDS = "id,name,size,contentType,isInline"
_MESSAGE_FIELDS = "subject,from,toRecipients,ccRecipients,bccRecipients,sentDateTime,internetMessageId,body"
_FILE = "#microsoft.graph.fileAttachment"


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
        _streamed(client, f"{message_url}/attachments/{a['id']}/$value", a)
        for a in attachments
        if not a.get("isInline") and a.get("@odata.type", _FILE) == _FILE
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
