"""Comment ids: the hex of the Message-ID, or a content-derived one when there is none.

Without a Message-ID (scanners, some ticket systems, drafts), the id is derived from what does
not change between two copies of the same email, in any mailbox or folder, and what a
different email would change:

    sha256( len-prefixed: From address (lower case), Date header (whitespace collapsed),
            Subject header (raw, whitespace collapsed), body bytes (everything after the
            header block, line ends as CRLF, trailing blank lines dropped) )

and the comment id is the hex of "<{first 40 hex digits}@no-message-id.commsync>", so such ids
have the same shape as real ones. Headers added in transit (Received, X-*) are left out, and
the raw bytes are hashed rather than decoded text, so a change in our decoding never changes an id.
"""

from __future__ import annotations

import hashlib
import re

_HEADER_END = re.compile(rb"\r?\n\r?\n")


def comment_id_for(message_id: str) -> str:
    """docs/architecture.md#the-comment: hex of the Internet Message-ID exactly as given, angle brackets
    included.

    Whitespace is removed: around the id (header folding) and inside a folded one."""
    return "".join(message_id.split()).encode("utf-8", "surrogateescape").hex()


def synthetic_message_id(*parts: str | bytes) -> str:
    """A stable stand-in Message-ID built from the given parts (see the module's recipe)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return f"<{digest.hexdigest()[:40]}@no-message-id.commsync>"


def raw_body(raw: bytes) -> bytes:
    """The bytes after the header block, with line ends as CRLF and no trailing blank lines."""
    match = _HEADER_END.search(raw)
    body = raw[match.end() :] if match else b""
    return b"\r\n".join(body.splitlines()).rstrip(b"\r\n")


def content_message_id(sender: str, date: str, subject: str, raw: bytes) -> str:
    return synthetic_message_id(
        sender.lower(), " ".join(date.split()), " ".join(subject.split()), raw_body(raw)
    )
