"""Attachments that are not files, on the large-item paths (issue 19), listed exactly as the MIME
path lists them (cleaning/attachments.py), so a comment's attachment list does not depend on
which path built it.

- An attached email (EWS ItemAttachment, Graph itemAttachment) is the server's MIME of that item,
  `message/rfc822`, named after its file name or its subject + `.eml`. The MIME path hashes the
  attached message as the compat32 parser re-serialises it, so the bytes here go through the same
  parse and serialisation before they are hashed and stored.
- A reference attachment (Graph referenceAttachment: a link to OneDrive or SharePoint) has no
  bytes in the mailbox. It is listed as `text/uri-list` (RFC 2483) whose content is its URL, with
  a warning that its bytes live elsewhere and were not copied.
"""

from __future__ import annotations

import email
from collections.abc import Iterator

from commsync.cleaning.headers import decode_header, raw_value
from commsync.ports import StreamedAttachment

EMAIL_TYPE = "message/rfc822"
LINK_TYPE = "text/uri-list"


def attached_email(server_name: str | None, mime: bytes) -> StreamedAttachment:
    """`server_name`: what the server calls it: the part's file name, else the email's subject."""
    message = email.message_from_bytes(mime)  # compat32, as cleaning/mime.py parses
    subject = decode_header("Subject", raw_value(message, "Subject")).text
    data = message.as_bytes()
    named = server_name and server_name.strip() not in ("", (subject or "").strip())
    name = server_name if named and server_name else f"{subject or 'attached email'}.eml"
    return StreamedAttachment(name=name, content_type=EMAIL_TYPE, chunks=lambda: _once(data))


def reference(name: str | None, url: str) -> StreamedAttachment:
    """The listed link, with the warning that says where its bytes are."""
    label = name or url.rsplit("/", 1)[-1] or "linked file"
    data = f"{url}\r\n".encode()
    warning = f"the attachment {label!r} is a link to {url}: its bytes live there and were not copied"
    return StreamedAttachment(label, LINK_TYPE, lambda: _once(data), warning)


def _once(data: bytes) -> Iterator[bytes]:
    yield data
