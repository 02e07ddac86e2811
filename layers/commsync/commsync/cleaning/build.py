"""Assemble a Comment from a parsed email and where it was found."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from commsync.cleaning.identity import comment_id_for, synthetic_message_id
from commsync.cleaning.mime import ParsedAttachment, ParsedEmail, parse_email
from commsync.cleaning.participants import bare_address, domain_of
from commsync.models import comment as c
from commsync.models.comment import AttachmentRef, Comment, CommentSource, Message, Text


@dataclass(frozen=True)
class Origin:
    """Where an email was found; becomes the comment's source metadata."""

    integration: str
    kind: str
    bucket: str
    mailbox: str
    folder: str
    received_at: datetime | None = None
    sync_attachments: bool = True


@dataclass
class CleanedComment:
    comment: Comment
    raw: bytes
    attachments: list[tuple[str, ParsedAttachment]] = field(default_factory=list)
    addresses: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)

    @property
    def text_hash(self) -> str:
        """What usage is charged on: the text that NLP reads, not the metadata."""
        message = self.comment.messages[0]
        blob = "\x00".join([message.subject.text, message.body.text])
        return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def raw_key(bucket: str, comment_id: str) -> str:
    return f"raw/{bucket}/{comment_id}.eml"


def comment_key(bucket: str, comment_id: str) -> str:
    return f"comments/{bucket}/{comment_id}.json"


def attachment_key(bucket: str, reference: str) -> str:
    return f"attachments/{bucket}/{reference}"


def clean(raw: bytes, origin: Origin, now: datetime) -> CleanedComment:
    parsed = parse_email(raw)
    message_id = parsed.message_id
    if not message_id:
        message_id = synthetic_message_id(
            parsed.sender or "",
            parsed.sent_at.isoformat() if parsed.sent_at else "",
            parsed.subject,
            parsed.text,
        )
        parsed.warnings.append("no Message-ID header: the comment id is derived from the email's content")
    comment_id = comment_id_for(message_id)
    thread_root = parsed.references[0] if parsed.references else parsed.in_reply_to or message_id
    refs = _attachment_refs(parsed, origin, comment_id)
    comment = Comment(
        id=comment_id,
        thread_id=comment_id_for(thread_root),
        timestamp=parsed.sent_at or origin.received_at or now,
        messages=[_message(parsed)],
        user_properties=_properties(parsed, origin),
        attachments=[ref for ref, _ in refs],
        source=CommentSource(
            integration=origin.integration, kind=origin.kind, mailbox=origin.mailbox, folder=origin.folder
        ),
        warnings=parsed.warnings,
        created_at=now,
        updated_at=now,
    )
    people = [a for a in [parsed.sender, *parsed.to, *parsed.cc, *parsed.bcc] if a]
    addresses = {bare_address(a) for a in people}
    stored = [(ref.attachment_reference, att) for ref, att in refs if ref.attachment_reference]
    return CleanedComment(
        comment=comment,
        raw=raw,
        attachments=stored,
        addresses=addresses,
        domains={d for a in people if (d := domain_of(a))},
    )


def _message(parsed: ParsedEmail) -> Message:
    return Message(
        from_=parsed.sender,
        to=parsed.to,
        cc=parsed.cc,
        bcc=parsed.bcc,
        sent_at=parsed.sent_at,
        subject=Text(text=parsed.subject),
        body=Text(text=parsed.text),
    )


def _properties(parsed: ParsedEmail, origin: Origin) -> dict[str, str | int | float]:
    props: dict[str, str | int | float] = {
        c.FOLDER: origin.folder,
        c.MAILBOX: origin.mailbox,
        c.ATTACHMENTS: len(parsed.attachments),
    }
    if parsed.sender and (domain := domain_of(parsed.sender)):
        props[c.SENDER_DOMAIN] = domain
    return props


def _attachment_refs(
    parsed: ParsedEmail, origin: Origin, comment_id: str
) -> list[tuple[AttachmentRef, ParsedAttachment]]:
    out = []
    for index, att in enumerate(parsed.attachments):
        ref = AttachmentRef(
            name=att.name,
            size=len(att.data),
            content_type=att.content_type,
            content_hash="sha256:" + hashlib.sha256(att.data).hexdigest(),
            attachment_reference=f"{comment_id}/{index}" if origin.sync_attachments else None,
        )
        out.append((ref, att))
    return out
