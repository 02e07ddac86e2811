"""An email's MIME bytes with the few facts EWS reports about it, each parsed only when first asked for.

Loading 10,000 files reads only each header block; bodies are read from disk when GetItem asks for
MimeContent and parsed fully only for attachments and bodies.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

_HEADER_CHUNK = 16 * 1024
_HEADER_LIMIT = 512 * 1024


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    content_id: str | None
    is_inline: bool
    size: int
    is_item: bool  # message/rfc822: an ItemAttachment in EWS


class MimeSource:
    """The bytes of one email: a file of the data directory, or bytes handed to the store."""

    def __init__(
        self,
        path: Path | None = None,
        data: bytes | None = None,
        size: int | None = None,
        mtime_ns: int | None = None,
    ) -> None:
        self._path, self._data = path, data
        self.mtime_ns = mtime_ns  # of the file, as last listed: persist.py compares it after a restart
        self.size = size if size is not None else len(data or b"")
        self._headers: Message | None = None
        self._attachments: list[Attachment] | None = None

    @property
    def path(self) -> Path | None:
        """The file of the data directory the bytes are read from (None: bytes in memory)."""
        return self._path

    def data(self) -> bytes:
        if self._data is not None:
            return self._data
        assert self._path is not None
        return self._path.read_bytes()

    def headers(self) -> Message:
        if self._headers is None:
            self._headers = BytesHeaderParser().parsebytes(self._header_block())
        return self._headers

    def _header_block(self) -> bytes:
        if self._data is not None or self._path is None:
            return self.data()
        block = b""
        with self._path.open("rb") as handle:
            while len(block) < _HEADER_LIMIT:
                chunk = handle.read(_HEADER_CHUNK)
                block += chunk
                if not chunk or b"\n\n" in block or b"\r\n\r\n" in block:
                    break
        return block

    def header(self, name: str) -> str | None:
        value = self.headers().get(name)
        if value is None:
            return None
        try:
            return str(make_header(decode_header(str(value)))).strip()
        except (LookupError, UnicodeError, ValueError):
            return str(value).strip()

    def addresses(self, name: str) -> list[tuple[str, str]]:
        values = self.headers().get_all(name) or []
        pairs = getaddresses([str(make_header(decode_header(str(v)))) for v in values])
        return [(display, address) for display, address in pairs if address]

    def sent(self) -> datetime | None:
        value = self.headers().get("Date")
        if not value:
            return None
        try:
            parsed = parsedate_to_datetime(str(value))
        except (TypeError, ValueError, IndexError):
            return None
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def attachments(self) -> list[Attachment]:
        if self._attachments is None:
            self._attachments = [_describe(part) for part in _attachment_parts(self.message())]
        return self._attachments

    def attachment_content(self, index: int) -> bytes:
        part = _attachment_parts(self.message())[index]
        if part.get_content_type() == "message/rfc822":
            return _rfc822_bytes(part)
        payload = part.get_payload(decode=True)
        return payload if isinstance(payload, bytes) else b""

    def body(self, body_type: str) -> tuple[str, str] | None:
        """(BodyType, text) for `t:Body`: HTML when asked for or Best and present, else Text."""
        preference = ("plain", "html") if body_type == "Text" else ("html", "plain")
        part = self.message().get_body(preferencelist=preference)
        if part is None:
            return None
        content = part.get_content()
        kind = "HTML" if part.get_content_subtype() == "html" else "Text"
        return kind, content if isinstance(content, str) else ""


def _attachment_parts(message: EmailMessage) -> list[EmailMessage]:
    """Leaves that Exchange lists in t:Attachments: anything but the text/HTML body parts.

    message/rfc822 parts are not descended into: their insides belong to that ItemAttachment.
    """
    found: list[EmailMessage] = []
    if message.is_multipart():
        _collect(message, found)
    return found


def _collect(container: EmailMessage, found: list[EmailMessage]) -> None:
    for part in container.iter_parts():
        assert isinstance(part, EmailMessage)
        kind = part.get_content_type()
        if kind == "message/rfc822":
            found.append(part)
        elif part.is_multipart():
            _collect(part, found)
        elif part.get_content_disposition() == "attachment" or part.get_filename():
            found.append(part)
        elif kind not in ("text/plain", "text/html"):
            found.append(part)  # inline images of multipart/related, unnamed binary parts


def _describe(part: EmailMessage) -> Attachment:
    is_item = part.get_content_type() == "message/rfc822"
    content_id = part.get("Content-ID")
    disposition = part.get_content_disposition()
    if is_item:
        size = len(_rfc822_bytes(part))
        inner = part.get_payload(0) if part.is_multipart() else None
        subject = str(inner.get("Subject", "")) if isinstance(inner, Message) else ""
        name = part.get_filename() or subject or "Attached message"
    else:
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
        name = part.get_filename() or "attachment"
    return Attachment(
        name=name,
        content_type=part.get_content_type(),
        content_id=str(content_id).strip().strip("<>") if content_id else None,
        is_inline=disposition == "inline" or (disposition is None and content_id is not None),
        size=size,
        is_item=is_item,
    )


def _rfc822_bytes(part: EmailMessage) -> bytes:
    inner = part.get_payload(0)
    return inner.as_bytes() if isinstance(inner, Message) else b""


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
