"""Idempotent comment writes (docs/architecture.md#flow and #the-comment).

Blobs first, index second: the index row is the commit point. A crash before it replays
the page and rewrites the same blobs; a crash after it finds the row and does nothing.
Usage is charged in the same transaction that creates the row, so exactly once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from enum import StrEnum
from pathlib import Path

from commsync.cleaning.attachments import ParsedAttachment
from commsync.cleaning.build import (
    CleanedComment,
    attachment_key,
    attachment_use_key,
    comment_key,
    raw_key,
    with_streamed,
)
from commsync.engine import Engine
from commsync.models import Comment, Integration, SourceKind
from commsync.models import comment as c
from commsync.models.comment import AttachmentRef
from commsync.models.usage import usage_period
from commsync.ports import Change, CommentEntry


class WriteOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def record(engine: Engine, integration: Integration, cleaned: CleanedComment) -> WriteOutcome:
    bucket, comment = integration.bucket, cleaned.comment
    entry = engine.state.get_comment_entry(bucket, comment.id)
    if entry is None:
        _store_blobs(engine, bucket, cleaned)
        new_entry = _entry_for(bucket, cleaned)
        period = usage_period(comment.created_at)
        if engine.state.create_comment_entry(new_entry, integration.project, period):
            return WriteOutcome.CREATED
        # Another poller created it between our read and our write: treat it as existing.
        entry = engine.state.get_comment_entry(bucket, comment.id)
        assert entry is not None
    if integration.kind is SourceKind.SALESFORCE:
        return _refresh(engine, integration, cleaned, entry)
    source = comment.source
    if (entry.integration, entry.mailbox, entry.folder) == (
        source.integration,
        source.mailbox,
        source.folder,
    ):
        return WriteOutcome.UNCHANGED
    _move(engine, bucket, entry, cleaned)
    return WriteOutcome.UPDATED


def _refresh(
    engine: Engine, integration: Integration, cleaned: CleanedComment, entry: CommentEntry
) -> WriteOutcome:
    """Issue 19: Salesforce hands a record out again only when it changed (its SystemModstamp
    moved). A changed property (Status New -> Escalated) rewrites the comment's user_properties at
    no AI unit; a changed subject or body is a text update and costs one, as
    docs/architecture.md#the-comment charges an update whose text changed."""
    bucket, comment = integration.bucket, cleaned.comment
    stored = _stored(engine, bucket, comment.id)
    text_changed = cleaned.text_hash != entry.text_hash
    if text_changed or stored is None:
        created = stored.created_at if stored else entry.created_at
        comment = comment.model_copy(update={"created_at": created})
        _store_blobs(engine, bucket, dataclasses.replace(cleaned, comment=comment))
    else:
        same = (entry.integration, entry.mailbox, entry.folder) == (
            comment.source.integration,
            comment.source.mailbox,
            comment.source.folder,
        )
        if same and stored.user_properties == comment.user_properties:
            return WriteOutcome.UNCHANGED
        update = {"user_properties": comment.user_properties, "source": comment.source}
        comment = stored.model_copy(update={**update, "updated_at": comment.updated_at})
        engine.blobs.put(comment_key(bucket, comment.id), comment.to_json().encode(), "application/json")
    row = dataclasses.replace(
        _entry_for(bucket, cleaned), text_hash=cleaned.text_hash, created_at=entry.created_at
    )
    charge = (integration.project, usage_period(comment.updated_at)) if text_changed else None
    engine.state.update_comment_entry(row, charge=charge)
    return WriteOutcome.UPDATED


def _stored(engine: Engine, bucket: str, comment_id: str) -> Comment | None:
    raw = engine.blobs.get(comment_key(bucket, comment_id))
    try:
        return Comment.model_validate_json(raw) if raw is not None else None
    except ValueError:
        return None  # damaged by hand: rewritten whole from this sync


def _store_blobs(engine: Engine, bucket: str, cleaned: CleanedComment) -> None:
    engine.blobs.put(raw_key(bucket, cleaned.comment.id), cleaned.raw, "message/rfc822")
    # Attachments are content-addressed (attachments/<bucket>/<sha256 hex>): a file carried by many
    # emails is one object, written once; on the versioned bucket every rewrite would also keep a
    # noncurrent copy for 30 days.
    for reference, attachment in dict(cleaned.attachments).items():
        store_attachment(engine, bucket, reference, attachment)
    mark_attachment_uses(engine, bucket, cleaned.comment)
    engine.blobs.put(
        comment_key(bucket, cleaned.comment.id), cleaned.comment.to_json().encode(), "application/json"
    )


def store_attachment(engine: Engine, bucket: str, reference: str, attachment: ParsedAttachment) -> None:
    key = attachment_key(bucket, reference)
    if not engine.blobs.exists(key):
        engine.blobs.put(key, attachment.data, attachment.content_type)


def mark_attachment_uses(engine: Engine, bucket: str, comment: Comment) -> None:
    """One marker per stored attachment the comment lists (streamed ones included)."""
    for attachment in comment.attachments:
        if attachment.attachment_reference:
            key = attachment_use_key(bucket, attachment.attachment_reference, comment.id)
            engine.blobs.put(key, b"", "application/octet-stream")


def _entry_for(bucket: str, cleaned: CleanedComment) -> CommentEntry:
    comment = cleaned.comment
    return CommentEntry(
        bucket=bucket,
        comment_id=comment.id,
        text_hash=cleaned.text_hash,
        integration=comment.source.integration,
        mailbox=comment.source.mailbox,
        folder=comment.source.folder,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
    )


def _move(engine: Engine, bucket: str, entry: CommentEntry, cleaned: CleanedComment) -> None:
    """A metadata-only change (docs/architecture.md#sources): folder and mailbox move, subject and body
    stay."""
    key = comment_key(bucket, entry.comment_id)
    stored = engine.blobs.get(key)
    now = cleaned.comment.updated_at
    if stored is None:
        # The index exists but the JSON is gone (deleted by hand): rebuild it from this sync.
        _store_blobs(engine, bucket, cleaned)
        stored = cleaned.comment.to_json().encode()
    current = Comment.model_validate_json(stored)
    source = cleaned.comment.source
    properties = {**current.user_properties, c.FOLDER: source.folder, c.MAILBOX: source.mailbox}
    moved = current.model_copy(update={"source": source, "user_properties": properties, "updated_at": now})
    engine.blobs.put(key, moved.to_json().encode(), "application/json")
    updated = CommentEntry(
        **{
            **entry.__dict__,
            "integration": source.integration,
            "mailbox": source.mailbox,
            "folder": source.folder,
            "updated_at": now,
        }
    )
    engine.state.update_comment_entry(updated, charge=None)


def store_streamed(engine: Engine, bucket: str, change: Change, store_bytes: bool) -> list[AttachmentRef]:
    """Attachments too big for memory: each goes to a temporary file while it is hashed, then into
    the blob store from disk (content-addressed like every attachment), so memory stays at one chunk."""
    refs = []
    with tempfile.TemporaryDirectory(prefix="commsync-attachment-") as directory:
        for number, attachment in enumerate(change.streamed):
            path = Path(directory) / str(number)
            digest, size = hashlib.sha256(), 0
            with path.open("wb") as out:
                for chunk in attachment.chunks():
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            reference = digest.hexdigest()
            key = attachment_key(bucket, reference)
            if store_bytes and not engine.blobs.exists(key):
                engine.blobs.put_file(key, path, attachment.content_type)
            path.unlink()
            refs.append(
                AttachmentRef(
                    name=attachment.name,
                    size=size,
                    content_type=attachment.content_type,
                    content_hash=f"sha256:{reference}",
                    attachment_reference=reference if store_bytes else None,
                )
            )
    return refs


def with_stored(cleaned: CleanedComment, change: Change, refs: list[AttachmentRef]) -> CleanedComment:
    """The comment with its streamed attachments listed, and what they have to say: a linked
    file's bytes live elsewhere (issue 19). Links alone (a small email's) do not make the email a
    large one, so only streamed files bring the large-email warning."""
    pairs = list(zip(change.streamed, refs, strict=True))
    files = [ref for streamed, ref in pairs if streamed.warning is None]
    links = [ref for streamed, ref in pairs if streamed.warning is not None]
    listed = with_streamed(cleaned, files, change.size) if files else cleaned
    if not links:
        return listed
    comment = listed.comment
    properties = {**comment.user_properties, c.ATTACHMENTS: len(comment.attachments) + len(links)}
    said = [streamed.warning for streamed, _ in pairs if streamed.warning]
    updated = comment.model_copy(
        update={
            "attachments": [*comment.attachments, *links],
            "user_properties": properties,
            "warnings": [*comment.warnings, *said],
        }
    )
    return dataclasses.replace(listed, comment=updated)
