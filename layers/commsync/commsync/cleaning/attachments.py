"""The attachments of an email: every leaf that is neither body text nor an inline image.

Not listed: the parts the body was read from, images the HTML shows inline (a Content-ID
that the HTML references as "cid:"), and the detached signature of multipart/signed (RFC 1847;
smime.p7s / signature.asc are proofs, not documents). An attached email (message/rfc822) is
one attachment, its text is not mixed into the body. winmail.dat and opaque S/MIME are listed
whole, with a warning that says what could not be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from commsync.cleaning import tnef
from commsync.cleaning.body import part_bytes
from commsync.cleaning.charsets import decode_bytes
from commsync.cleaning.headers import decode_header, raw_value
from commsync.cleaning.parts import Layout, leaves

_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "message/delivery-status": ".txt",
    "text/rfc822-headers": ".txt",
}
_DEFAULT_NAMES = {
    "text/calendar": "invite.ics",
    "application/ms-tnef": "winmail.dat",
    "application/pkcs7-mime": "smime.p7m",
    "application/x-pkcs7-mime": "smime.p7m",
}
_SMIME = ("application/pkcs7-mime", "application/x-pkcs7-mime")


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content_type: str
    data: bytes


def read_attachments(
    message: Message, layout: Layout, cids: set[str], warnings: list[str]
) -> list[ParsedAttachment]:
    skip = layout.body_parts() | {id(part) for part in layout.signatures}
    out: list[ParsedAttachment] = []
    for number, part in enumerate(leaves(message), start=1):
        if id(part) in skip or (part.is_multipart() and part.get_content_type() != "message/rfc822"):
            continue
        content_id = str(part.get("Content-ID") or "").strip().strip("<>").lower()
        if content_id and content_id in cids and part.get_content_disposition() != "attachment":
            continue
        attachment = _attachment(part, number, warnings)
        if attachment is not None:
            out.append(attachment)
    return out


def _attachment(part: Message, number: int, warnings: list[str]) -> ParsedAttachment | None:
    ctype = part.get_content_type()
    name = file_name(part, warnings)
    if ctype == "message/rfc822":
        default, data = _attached_email(part, warnings)
        return ParsedAttachment(name or default, ctype, data)
    named = name is not None
    name = name or _DEFAULT_NAMES.get(ctype) or f"attachment-{number}{_EXTENSIONS.get(ctype, '')}"
    data = part_bytes(part, warnings, f"attachment {name!r}")
    if not data and not named and part.get_content_maintype() in ("text", "multipart"):
        return None  # an empty, unnamed text leaf (an empty body) is nothing to list
    if ctype == "application/ms-tnef" or name.lower() == "winmail.dat":
        warnings.append(_tnef_warning(name, data))
    elif ctype in _SMIME:
        kind = str(part.get_param("smime-type") or "").lower()
        what = "encrypted" if kind == "enveloped-data" else "opaque-signed"
        warnings.append(f"S/MIME {what} content ({name}) is not readable here; it is listed as an attachment")
    return ParsedAttachment(name, ctype, data)


def file_name(part: Message, warnings: list[str]) -> str | None:
    """RFC 2183 filename, else the Content-Type name (RFC 2045); RFC 2231 or RFC 2047 encoded."""
    try:
        value = part.get_param("filename", header="content-disposition") or part.get_param("name")
    except Exception as exc:  # malformed parameter syntax
        warnings.append(f"an attachment file name could not be read ({type(exc).__name__})")
        return None
    if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded text as latin-1)
        charset, _, text = value
        decoded = decode_bytes(text.encode("latin-1", "replace"), charset or None, "attachment file name")
        if decoded.warning:
            warnings.append(decoded.warning)
        value = decoded.text
    if not value:
        return None
    if "\ufffd" in str(value):
        value = _raw_param(part) or value  # 8-bit bytes in the header: read them from the raw value
    header = decode_header("attachment file name", str(value).strip('"'))
    warnings.extend(header.warnings)
    return header.text or None


_RAW_NAME = re.compile(r"""(?:file)?name\s*=\s*(?:"([^"]*)"|([^\s;]+))""", re.IGNORECASE)


def _raw_param(part: Message) -> str | None:
    for header in ("Content-Disposition", "Content-Type"):
        match = _RAW_NAME.search(raw_value(part, header) or "")
        if match:
            return match.group(1) if match.group(1) is not None else match.group(2)
    return None


def _attached_email(part: Message, warnings: list[str]) -> tuple[str, bytes]:
    inner = part.get_payload()
    message = inner[0] if isinstance(inner, list) and inner else None
    if not isinstance(message, Message):
        return "attached-email.eml", b""
    subject = decode_header("Subject", raw_value(message, "Subject")).text or "attached email"
    try:
        data = message.as_bytes()
    except Exception as exc:  # re-serialising hostile headers can fail; the name is still worth listing
        warnings.append(f"the attached email {subject!r} could not be re-serialised ({type(exc).__name__})")
        data = b""
    return f"{subject}.eml", data


def _tnef_warning(name: str, data: bytes) -> str:
    names = tnef.attachment_names(data)
    if names:
        inside = ", ".join(names)
        return f"{name} (Outlook TNEF) holds {inside}; listed as one attachment, its files are not unpacked"
    return f"{name} (Outlook TNEF) is listed as one attachment; its content is not decoded"
