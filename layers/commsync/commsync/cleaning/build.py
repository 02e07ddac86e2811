"""Assemble a Comment from a parsed email and where it was found (docs/architecture.md#the-comment)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from commsync.cleaning.attachments import ParsedAttachment
from commsync.cleaning.identity import comment_id_for, content_message_id
from commsync.cleaning.language import detect_language
from commsync.cleaning.mime import ParsedEmail, parse_email
from commsync.cleaning.separate import Separated, separate
from commsync.cleaning.thread import thread_id_for
from commsync.models import comment as c
from commsync.models.comment import AttachmentRef, Comment, CommentSource, Message, Text

# Issue 18: the address a sender's display name shows when it is not the sender's own.
DISPLAY_NAME_MISMATCH = "string:Display Name Mismatch"


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
    # The source's own user properties (ports.Change.properties).
    properties: Mapping[str, str | int | float] = field(default_factory=dict)


@dataclass
class CleanedComment:
    comment: Comment
    raw: bytes
    # (attachment_reference, attachment), one per distinct content: stored once per bucket
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


def attachment_use_key(bucket: str, reference: str, comment_id: str) -> str:
    """An empty marker: this comment uses that attachment. Deleting a comment may delete the
    attachment's bytes only when no other comment's marker remains."""
    return f"attachment-uses/{bucket}/{reference}/{comment_id}"


def attachment_key(bucket: str, reference: str) -> str:
    """Content-addressed: the reference is the sha256 hex of the bytes, so one copy per bucket
    however many emails (or mailboxes) carry the same file."""
    return f"attachments/{bucket}/{reference}"


def clean(raw: bytes, origin: Origin, now: datetime) -> CleanedComment:
    parsed = parse_email(raw)
    message_id = parsed.message_id
    if not message_id:
        sender = parsed.bare_address(parsed.sender) if parsed.sender else ""
        message_id = content_message_id(sender, parsed.sent_at, parsed.raw_date, parsed.subject, parsed.text)
        parsed.warnings.append("no Message-ID header: the comment id is derived from the email's content")
    comment_id = comment_id_for(message_id)
    refs = _attachment_refs(parsed, origin)
    comment = Comment(
        id=comment_id,
        thread_id=thread_id_for(message_id, parsed.references, parsed.in_reply_to, parsed.thread_index),
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
    stored = {ref.attachment_reference: att for ref, att in refs if ref.attachment_reference}
    return CleanedComment(
        comment=comment,
        raw=raw,
        attachments=list(stored.items()),
        addresses={parsed.bare_address(a) for a in people},
        domains={d for a in people if (d := parsed.domain_of(a))},
    )


def _separated(parsed: ParsedEmail) -> Separated:
    try:
        return separate(parsed.text)
    except Exception as exc:  # a last guard: keep the whole text rather than lose the email
        parsed.warnings.append(f"quoted history could not be separated ({type(exc).__name__})")
        return Separated(parsed.text, None)


def _message(parsed: ParsedEmail) -> Message:
    separated = _separated(parsed)
    return Message(
        from_=parsed.sender,
        to=parsed.to,
        cc=parsed.cc,
        bcc=parsed.bcc,
        sent_at=parsed.sent_at,
        subject=Text(text=parsed.subject),
        body=Text(text=separated.text),
        signature=Text(text=separated.signature) if separated.signature else None,
        language=detect_language(separated.text),
    )


def _properties(parsed: ParsedEmail, origin: Origin) -> dict[str, str | int | float]:
    props: dict[str, str | int | float] = {
        **origin.properties,
        c.FOLDER: origin.folder,
        c.MAILBOX: origin.mailbox,
        c.ATTACHMENTS: len(parsed.attachments),
    }
    if parsed.sender and (domain := parsed.domain_of(parsed.sender)):
        props[c.SENDER_DOMAIN] = domain
    if parsed.shown_sender:
        props[DISPLAY_NAME_MISMATCH] = parsed.shown_sender
    recipients = sorted({d for a in [*parsed.to, *parsed.cc, *parsed.bcc] if (d := parsed.domain_of(a))})
    if recipients:
        props[c.RECIPIENT_DOMAINS] = ", ".join(recipients)
    return props


def _attachment_refs(parsed: ParsedEmail, origin: Origin) -> list[tuple[AttachmentRef, ParsedAttachment]]:
    out = []
    for att in parsed.attachments:
        digest = hashlib.sha256(att.data).hexdigest()
        ref = AttachmentRef(
            name=att.name,
            size=len(att.data),
            content_type=att.content_type,
            content_hash=f"sha256:{digest}",
            attachment_reference=digest if origin.sync_attachments else None,
        )
        out.append((ref, att))
    return out


def with_streamed(cleaned: CleanedComment, refs: list[AttachmentRef], size: int | None) -> CleanedComment:
    """Add attachments that were streamed to storage beside the email (a large email's stand-in
    message carries its headers and text only)."""
    comment = cleaned.comment
    megabytes = f"{size / 1_000_000:.0f} MB" if size else "large"
    warning = (
        f"the email is {megabytes}: its {len(refs)} attachment(s) were streamed to storage one by one, "
        "and the stored raw MIME holds its headers and text only"
    )
    properties = {**comment.user_properties, c.ATTACHMENTS: len(comment.attachments) + len(refs)}
    updated = comment.model_copy(
        update={
            "attachments": [*comment.attachments, *refs],
            "user_properties": properties,
            "warnings": [*comment.warnings, warning],
        }
    )
    return dataclasses.replace(cleaned, comment=updated)
