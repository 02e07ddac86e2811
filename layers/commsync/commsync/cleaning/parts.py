"""Walking a compat32 MIME tree: which parts make the body, which are attachments.

RFC 2046 section 5.1: in multipart/alternative the last part is the richest, so we take the
last text/html and the first text/plain; multipart/related shows its root (RFC 2387 "start",
else the first part); multipart/signed shows its first part (RFC 1847); every other multipart
(mixed, report, digest, unknown subtypes) is read in order, and each inline text part in it is
a piece of the body (Apple Mail splits text around inline images).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

# Text parts that are data, not prose: without a file name they are still attachments.
_NOT_BODY_TEXT = frozenset(
    {
        "csv",
        "vcard",
        "x-vcard",
        "directory",
        "rfc822-headers",
        "xml",
        "x-patch",
        "x-diff",
        "tab-separated-values",
    }
)


@dataclass
class Segment:
    """One piece of the body: a plain and/or an HTML rendering of the same text."""

    plain: Message | None = None
    html: Message | None = None
    calendar: Message | None = None


@dataclass
class Layout:
    segments: list[Segment] = field(default_factory=list)
    signatures: list[Message] = field(default_factory=list)  # multipart/signed detached signatures

    def body_parts(self) -> set[int]:
        return {id(p) for s in self.segments for p in (s.plain, s.html) if p is not None}


def is_attachment(part: Message) -> bool:
    if part.get_content_disposition() == "attachment":
        return True
    try:
        return bool(part.get_param("filename", header="content-disposition") or part.get_param("name"))
    except Exception:  # hostile parameter syntax: treat as a named part, it is listed either way
        return True


def children(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [c for c in payload if isinstance(c, Message)] if isinstance(payload, list) else []


def layout(message: Message) -> Layout:
    out = Layout()
    _collect(message, out, depth=0)
    return out


def _collect(part: Message, out: Layout, depth: int) -> None:
    if depth > 50:  # a hostile nesting depth: what we have is enough
        return
    ctype = part.get_content_type()
    if ctype == "message/rfc822" or is_attachment(part):
        return
    if part.get_content_maintype() == "text":
        _add_text(part, out)
        return
    if not part.is_multipart():
        if part.get_content_maintype() == "multipart":
            out.segments.append(Segment(plain=part))  # no boundary (a defect): its raw text is all we have
        return
    kids = children(part)
    subtype = part.get_content_subtype()
    if subtype == "alternative":
        out.segments.append(_alternative(kids, depth))
    elif subtype == "related" and kids:
        _collect(_related_root(part, kids), out, depth + 1)
    elif subtype == "signed" and kids:
        _collect(kids[0], out, depth + 1)
        out.signatures.extend(kids[1:])
    else:
        for kid in kids:
            _collect(kid, out, depth + 1)


def _add_text(part: Message, out: Layout) -> None:
    subtype = part.get_content_subtype()
    if subtype == "html":
        out.segments.append(Segment(html=part))
    elif subtype == "calendar":
        out.segments.append(Segment(calendar=part))
    elif subtype not in _NOT_BODY_TEXT:
        out.segments.append(Segment(plain=part))


def _alternative(kids: list[Message], depth: int) -> Segment:
    segment = Segment()
    for kid in kids:
        inner = Layout()
        _collect(kid, inner, depth + 1)
        for piece in inner.segments:
            segment.plain = segment.plain or piece.plain
            segment.html = piece.html or segment.html
            segment.calendar = segment.calendar or piece.calendar
    return segment


def _related_root(part: Message, kids: list[Message]) -> Message:
    start = part.get_param("start")
    if isinstance(start, str):
        for kid in kids:
            if (kid.get("Content-ID") or "").strip() == start.strip():
                return kid
    return kids[0]


def leaves(part: Message, depth: int = 0) -> Iterator[Message]:
    """Leaf parts in order; an attached email (message/rfc822) is one leaf, not opened up."""
    if depth > 50:
        return
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    for child in children(part):
        yield from leaves(child, depth + 1)
