"""Raw MIME to the fields of a comment (RFC 5322, RFC 2045-2049), never raising.

Parsing uses the compat32 policy plus targeted decoding of the few headers we need:
PROTOCOLS.md section 5 measured policy.default at ~6.5 ms per 20 KB email against ~1 ms for
compat32, and issue 8 budgets 2 ms for all of cleaning. Every problem becomes a human-readable
warning next to the best text we can still recover.
"""

from __future__ import annotations

import base64
import binascii
import email
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime

from commsync.cleaning.address_list import name_mismatch, parse_address_list
from commsync.cleaning.attachments import ParsedAttachment, read_attachments
from commsync.cleaning.body import read_body
from commsync.cleaning.headers import decode_header, raw_value, raw_values
from commsync.cleaning.identity import synthetic_message_id
from commsync.cleaning.participants import bare_address, domain_of_bare, participant
from commsync.cleaning.parts import layout, leaves
from commsync.cleaning.repair import repair
from commsync.cleaning.uuencode import extract_uuencoded

_MSG_ID = re.compile(r"<[^<>\s]*>")
# MS-CFB section 2.2: every OLE compound file, an Outlook .msg among them, starts so.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class ParsedEmail:
    message_id: str | None = None
    sender: str | None = None
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    subject: str = ""
    sent_at: datetime | None = None
    raw_date: str = ""  # the Date header as written: the content-derived id uses it when it is no date
    text: str = ""  # the whole body text: new text, signature and quoted history
    body_source: str = ""  # "plain", "html", "calendar" or "" (see body.py)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    thread_index: bytes | None = None
    attachments: list[ParsedAttachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The bare address of each sender/to/cc/bcc entry whose header parse already told it.
    known_addresses: dict[str, str] = field(default_factory=dict)
    # The address the sender's display name shows when it is not the sender's (issue 18).
    shown_sender: str | None = None

    def bare_address(self, formatted: str) -> str:
        """participants.bare_address of one of the entries above, read once (issue 8's 2 ms)."""
        known = self.known_addresses.get(formatted)
        return bare_address(formatted) if known is None else known

    def domain_of(self, formatted: str) -> str | None:
        return domain_of_bare(self.bare_address(formatted))


def parse_email(raw: bytes) -> ParsedEmail:
    parsed = ParsedEmail()
    if not raw.strip():
        parsed.warnings.append("the file is empty: no headers and no body")
        return parsed
    if raw.startswith(_OLE_MAGIC):
        return _outlook_msg(raw, parsed)
    try:
        message = email.message_from_bytes(raw)
        repair(message, parsed.warnings)
        _read_headers(message, parsed)
        _read_content(message, parsed)
        _report_defects(message, parsed)
    # A last guard: the poll must never stop on one email (docs/architecture.md#failure-classes).
    except Exception as exc:
        parsed.warnings.append(
            f"the email could not be fully parsed ({type(exc).__name__}); kept what was read"
        )
    return parsed


def _outlook_msg(raw: bytes, parsed: ParsedEmail) -> ParsedEmail:
    """Issue 18: an Outlook .msg is not MIME; reading it as MIME gives its binary as the body.
    It is kept whole as an attachment, its id from its bytes."""
    parsed.message_id = synthetic_message_id("outlook-msg", raw)
    parsed.attachments = [ParsedAttachment("message.msg", "application/vnd.ms-outlook", raw)]
    parsed.warnings.append(
        "the file is an Outlook .msg (an OLE compound file), not MIME: it is kept as an attachment and "
        "its text is not read; export it as .eml to sync its content"
    )
    return parsed


def _read_content(message: Message, parsed: ParsedEmail) -> None:
    shape = layout(message)
    body = read_body(shape)
    parsed.body_source = body.source
    parsed.warnings.extend(body.warnings)
    parsed.text, uuencoded = extract_uuencoded(body.text, parsed.warnings)
    parsed.attachments = read_attachments(message, shape, body.cids, parsed.warnings) + uuencoded
    if not message.keys():
        parsed.warnings.append("no headers found: the whole input was read as the body")
    if not shape.segments and message.get_content_maintype() not in ("multipart", "text"):
        parsed.warnings.append(f"no text body: the email is a single {message.get_content_type()} part")


def _report_defects(message: Message, parsed: ParsedEmail) -> None:
    seen: set[str] = set()
    for part in [message, *leaves(message)]:
        for defect in part.defects:
            name = type(defect).__name__
            if name in seen or name.startswith("InvalidBase64"):
                continue  # base64 damage is reported per part, where it was found
            seen.add(name)
            detail = (type(defect).__doc__ or "").strip().rstrip(".")
            parsed.warnings.append(f"MIME defect {name}: {detail}" if detail else f"MIME defect {name}")


def _text(message: Message, name: str, parsed: ParsedEmail) -> str:
    header = decode_header(name, raw_value(message, name))
    parsed.warnings.extend(header.warnings)
    return header.text


def _addresses(message: Message, name: str, parsed: ParsedEmail) -> list[str]:
    values = raw_values(message, name)
    if not values:
        return []
    out = []
    for raw_name, address in parse_address_list(values):
        if not address.strip():
            continue
        label = decode_header(name, raw_name)
        parsed.warnings.extend(label.warnings)
        person = participant(label.text, decode_header(name, address).text)
        if person.address is not None:
            parsed.known_addresses[person.formatted] = person.address
        out.append(person.formatted)
        if name == "From" and len(out) == 1:
            _check_display_name(label.text, parsed.bare_address(person.formatted), parsed)
    if not out and any(v.strip() for v in values):
        parsed.warnings.append(f"header {name} holds no valid address: {values[0][:200]!r}")
    return out


def _check_display_name(label: str, address: str, parsed: ParsedEmail) -> None:
    shown = name_mismatch(label, address)
    if shown:
        parsed.shown_sender = shown
        parsed.warnings.append(
            f"the sender's display name shows the address {shown!r}, but the email is from {address!r}"
        )


def _read_headers(message: Message, parsed: ParsedEmail) -> None:
    message_id = (raw_value(message, "Message-ID") or "").strip()
    parsed.message_id = message_id or None
    senders = _addresses(message, "From", parsed) or _addresses(message, "Sender", parsed)
    parsed.sender = senders[0] if senders else None
    if parsed.sender is None:
        parsed.warnings.append("no sender: the From header is missing or empty")
    parsed.to = _addresses(message, "To", parsed)
    parsed.cc = _addresses(message, "Cc", parsed)
    parsed.bcc = _addresses(message, "Bcc", parsed)
    parsed.subject = _text(message, "Subject", parsed)
    parsed.raw_date = raw_value(message, "Date") or ""
    parsed.sent_at = _sent_at(message, parsed)
    in_reply_to = raw_value(message, "In-Reply-To") or ""
    ids = _MSG_ID.findall(in_reply_to)
    parsed.in_reply_to = ids[0] if ids else in_reply_to.strip() or None
    references = raw_value(message, "References") or ""
    parsed.references = _MSG_ID.findall(references) or references.split()
    parsed.thread_index = _thread_index(raw_value(message, "Thread-Index") or "")


def _sent_at(message: Message, parsed: ParsedEmail) -> datetime | None:
    value = raw_value(message, "Date")
    if value is None:
        parsed.warnings.append("no Date header: the time the email was received is used")
        return None
    try:
        when = parsedate_to_datetime(str(value))
        if when.tzinfo is None:
            # RFC 5322 section 3.3: "-0000" means the zone is unknown; UTC is the least wrong reading.
            parsed.warnings.append("Date header has no time zone; read as UTC")
            when = when.replace(tzinfo=UTC)
        return when.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed.warnings.append(f"Date header is not a valid date: {' '.join(str(value).split())[:100]!r}")
        return None


def _thread_index(value: str) -> bytes | None:
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", value)
    if not cleaned:
        return None
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return None
