"""A bucket's comments: the change feed, one comment, resync and delete (issue 7)."""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BeforeValidator

from commsync.api.auth import BEARER, requires
from commsync.api.context import ApiContext
from commsync.api.errors import FieldProblem, Invalid, NotFound
from commsync.api.schemas import (
    COMMENT_ID,
    SLUG,
    CommentChange,
    CommentChanges,
    CommentIds,
    DeleteComments,
    ResyncQueued,
    rfc3339_text,
)
from commsync.cleaning.build import attachment_key, attachment_use_key, comment_key, raw_key
from commsync.engine import Engine
from commsync.models import Comment, MailboxRef, PollJob
from commsync.models.access import Permission
from commsync.models.comment_feed import feed_time
from commsync.models.job import JobReason

Bucket = Annotated[str, Path(pattern=SLUG)]
CommentIdPath = Annotated[str, Path(pattern=COMMENT_ID)]
TAG = ["comments"]


def register(app: APIGatewayRestResolver, ctx: ApiContext) -> None:
    @app.get(
        "/buckets/<bucket>/comments",
        tags=TAG,
        security=BEARER,
        summary="Comments changed since a cursor (or a time), oldest change first",
    )
    @requires(Permission.VIEW)
    def list_changes(
        bucket: Bucket,
        since: Annotated[
            datetime | None,
            BeforeValidator(rfc3339_text),
            Query(description="start at this time (RFC 3339) when no cursor"),
        ] = None,
        cursor: Annotated[
            str | None, Query(max_length=8200, description="`cursor` of the previous page")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> CommentChanges:
        after = _decode(cursor) if cursor else (_since_key(since) if since else "")
        entries = ctx.engine.state.comment_changes(bucket, after, limit)
        last = entries[-1][0] if entries else after
        changes = [
            CommentChange(
                id=e.comment_id,
                updated_at=e.updated_at,
                created_at=e.created_at,
                integration=e.integration,
                mailbox=e.mailbox,
                folder=e.folder,
            )
            for _, e in entries
        ]
        # The cursor is returned even on the last page: poll with it later to get what changes next.
        return CommentChanges(changes=changes, cursor=_encode(last), more=len(entries) == limit)

    @app.get("/buckets/<bucket>/comments/<comment_id>", tags=TAG, security=BEARER, summary="One comment")
    @requires(Permission.VIEW)
    def get_comment(bucket: Bucket, comment_id: CommentIdPath) -> dict[str, Any]:
        """The comment record as stored (docs/architecture.md#the-comment)."""
        stored = ctx.engine.blobs.get(comment_key(bucket, comment_id))
        if stored is None:
            raise NotFound(f"comment {comment_id} does not exist in bucket {bucket}")
        loaded: dict[str, Any] = json.loads(stored)
        return loaded

    @app.post(
        "/buckets/<bucket>/comments/resync",
        tags=TAG,
        security=BEARER,
        summary="Fetch these comments' emails again and rebuild them (202: queued per mailbox)",
        status_code=202,
    )
    @requires(Permission.MODIFY)
    def resync_comments(bucket: Bucket, body: Annotated[CommentIds, Body()]) -> ResyncQueued:
        by_mailbox: dict[tuple[str, str], list[str]] = defaultdict(list)
        missing = []
        for comment_id in dict.fromkeys(body.ids):
            entry = ctx.engine.state.get_comment_entry(bucket, comment_id)
            if entry is None:
                missing.append(comment_id)
            else:
                by_mailbox[(entry.integration, entry.mailbox)].append(comment_id)
        now = ctx.engine.clock()
        refs = {key: MailboxRef(integration=key[0], address=key[1]) for key in by_mailbox}
        jobs = [
            PollJob(mailbox=refs[key], reason=JobReason.MANUAL, enqueued_at=now, resync_ids=ids)
            for key, ids in by_mailbox.items()
            if ctx.engine.state.get_mailbox(refs[key]) is not None
        ]
        queued = {i for job in jobs for i in job.resync_ids}
        ctx.engine.queue.send(jobs)
        orphaned = [i for ids in by_mailbox.values() for i in ids if i not in queued]
        return ResyncQueued(jobs=jobs, not_found=missing, orphaned=orphaned)

    @app.post("/buckets/<bucket>/comments/delete", tags=TAG, security=BEARER, summary="Delete these comments")
    @requires(Permission.MODIFY)
    def delete_comments(bucket: Bucket, body: Annotated[DeleteComments, Body()]) -> dict[str, list[str]]:
        deleted: list[str] = []
        missing: list[str] = []
        for comment_id in dict.fromkeys(body.ids):
            (deleted if _delete(ctx.engine, bucket, comment_id, body.purge_attachments) else missing).append(
                comment_id
            )
        return {"deleted": deleted, "not_found": missing}


def _delete(engine: Engine, bucket: str, comment_id: str, purge_attachments: bool) -> bool:
    """Blobs first, the index row last (the reverse of record): a crash leaves a row that a
    repeated delete finds again, never blobs that nothing points at."""
    if engine.state.get_comment_entry(bucket, comment_id) is None:
        return False
    key = comment_key(bucket, comment_id)
    stored = engine.blobs.get(key)
    if purge_attachments and stored is not None:
        for attachment in Comment.model_validate_json(stored).attachments:
            if attachment.attachment_reference:
                _release_attachment(engine, bucket, attachment.attachment_reference, comment_id)
    engine.blobs.delete(raw_key(bucket, comment_id))
    engine.blobs.delete(key)
    return engine.state.delete_comment_entry(bucket, comment_id)


def _release_attachment(engine: Engine, bucket: str, reference: str, comment_id: str) -> None:
    """Content-addressed bytes are shared: they go only with the last comment that uses them."""
    engine.blobs.delete(attachment_use_key(bucket, reference, comment_id))
    prefix = attachment_use_key(bucket, reference, "")
    if next(iter(engine.blobs.keys(prefix)), None) is None:
        engine.blobs.delete(attachment_key(bucket, reference))


def _encode(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii").rstrip("=")


def _decode(cursor: str) -> str:
    try:
        key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        key = ""
    if "#" not in key:
        raise Invalid("cursor is not one this API returned", [FieldProblem("query.cursor", "not a cursor")])
    return key


def _since_key(since: datetime) -> str:
    # The bare time sorts before every "<time>#<id>" of that second and after any earlier one.
    if since.tzinfo is None:
        raise Invalid("since needs a time zone", [FieldProblem("query.since", "add Z or an offset")])
    return feed_time(since)
