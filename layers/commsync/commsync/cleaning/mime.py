"""MIME decoding with the standard library's modern policy (RFC 5322 / RFC 2045-2049).

Nothing here raises on bad input: every problem becomes a human-readable warning and
the best text we can still recover.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

from commsync.cleaning.html_text import html_to_text
from commsync.cleaning.participants import format_address, split_addresses


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedEmail:
    message_id: str | None = None
    sender: str | None = None
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    subject: str = ""
    sent_at: datetime | None = None
    text: str = ""
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_email(raw: bytes) -> ParsedEmail:
    parsed = ParsedEmail()
    if not raw.strip():
        parsed.warnings.append("the file is empty: no headers and no body")
        return parsed
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    parsed.warnings.extend(_describe(d) for d in msg.defects)
    _read_headers(msg, parsed)
    body_part = _read_body(msg, parsed)
    _read_attachments(msg, body_part, parsed)
    if not msg.keys():
        parsed.warnings.append("no headers found: the whole input was read as the body")
    return parsed


def _describe(defect: Exception) -> str:
    name = type(defect).__name__
    detail = str(defect) or (type(defect).__doc__ or "").strip()
    return f"MIME defect {name}: {detail}" if detail else f"MIME defect {name}"


def _header(msg: EmailMessage, name: str, parsed: ParsedEmail) -> object | None:
    try:
        return msg.get(name)
    except Exception as exc:  # the header registry can fail on hostile input; keep the raw text
        parsed.warnings.append(f"header {name} could not be parsed ({type(exc).__name__}); raw value kept")
        raw = [v for k, v in msg.raw_items() if k.lower() == name.lower()]
        return str(raw[0]) if raw else None


def _addresses(msg: EmailMessage, name: str, parsed: ParsedEmail) -> list[str]:
    value = _header(msg, name, parsed)
    if value is None:
        return []
    addresses = getattr(value, "addresses", None)
    if addresses is None:
        return split_addresses(str(value))
    out = [format_address(a) for a in addresses if a.addr_spec]
    if not out and str(value).strip():
        parsed.warnings.append(f"header {name} holds no valid address: {str(value)[:200]!r}")
    return out


def _read_headers(msg: EmailMessage, parsed: ParsedEmail) -> None:
    message_id = _header(msg, "Message-ID", parsed)
    parsed.message_id = str(message_id).strip() or None if message_id is not None else None
    senders = _addresses(msg, "From", parsed) or _addresses(msg, "Sender", parsed)
    parsed.sender = senders[0] if senders else None
    if parsed.sender is None:
        parsed.warnings.append("no sender: the From header is missing or empty")
    parsed.to = _addresses(msg, "To", parsed)
    parsed.cc = _addresses(msg, "Cc", parsed)
    parsed.bcc = _addresses(msg, "Bcc", parsed)
    subject = _header(msg, "Subject", parsed)
    parsed.subject = " ".join(str(subject).split()) if subject is not None else ""
    parsed.sent_at = _sent_at(msg, parsed)
    in_reply_to = _header(msg, "In-Reply-To", parsed)
    parsed.in_reply_to = str(in_reply_to).strip() or None if in_reply_to is not None else None
    references = _header(msg, "References", parsed)
    parsed.references = str(references).split() if references is not None else []


def _sent_at(msg: EmailMessage, parsed: ParsedEmail) -> datetime | None:
    value = _header(msg, "Date", parsed)
    if value is None:
        parsed.warnings.append("no Date header: the time the email was received is used")
        return None
    when = getattr(value, "datetime", None)
    if not isinstance(when, datetime):
        parsed.warnings.append(f"Date header is not a valid date: {str(value)[:100]!r}")
        return None
    if when.tzinfo is None:
        # RFC 5322 section 3.3: "-0000" means the zone is unknown; UTC is the least wrong reading.
        parsed.warnings.append("Date header has no time zone; read as UTC")
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _read_body(msg: EmailMessage, parsed: ParsedEmail) -> Message | None:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        if msg.get_content_maintype() not in ("multipart", "text"):
            parsed.warnings.append(f"no text body: the email is a single {msg.get_content_type()} part")
        return None
    # RFC 5322 mail ends lines in CRLF; comments use "\n" so the same text hashes the same everywhere.
    text = _decoded_text(part, parsed).replace("\r\n", "\n").replace("\r", "\n")
    parsed.text = html_to_text(text) if part.get_content_subtype() == "html" else text.strip()
    return part


def _decoded_text(part: Message, parsed: ParsedEmail) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        return content if isinstance(content, str) else content.decode("utf-8", "replace")
    except (LookupError, UnicodeError, ValueError, AssertionError) as exc:
        charset = part.get_content_charset() or "unknown"
        parsed.warnings.append(
            f"body charset {charset!r} could not be decoded ({type(exc).__name__}); "
            "read as UTF-8 with replacement characters"
        )
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


def _leaves(part: Message) -> Iterator[Message]:
    """Leaf parts in order; an attached email (message/rfc822) is one leaf, not opened up."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    for child in payload if isinstance(payload, list) else []:
        if isinstance(child, Message):
            yield from _leaves(child)


def _attached_email(part: Message) -> tuple[str, bytes]:
    inner = part.get_payload()
    message = inner[0] if isinstance(inner, list) and inner else None
    if not isinstance(message, Message):
        return "attached-email.eml", b""
    subject = " ".join(str(message.get("Subject", "")).split()) or "attached email"
    return f"{subject}.eml", message.as_bytes(policy=policy.default)


def _read_attachments(msg: EmailMessage, body_part: Message | None, parsed: ParsedEmail) -> None:
    for number, part in enumerate(_leaves(msg), start=1):
        if part is body_part:
            continue
        filename = _filename(part, parsed)
        if part.get_content_type() == "message/rfc822":
            default_name, data = _attached_email(part)
            filename = filename or default_name
        elif part.get_content_disposition() != "attachment" and filename is None:
            continue
        else:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
        parsed.attachments.append(
            ParsedAttachment(
                name=filename or f"attachment-{number}",
                content_type=part.get_content_type(),
                data=data,
            )
        )


def _filename(part: Message, parsed: ParsedEmail) -> str | None:
    try:
        name = part.get_filename()
    except Exception as exc:  # malformed RFC 2231 parameters
        parsed.warnings.append(f"attachment file name could not be decoded ({type(exc).__name__})")
        return None
    return " ".join(name.split()) if name else None
