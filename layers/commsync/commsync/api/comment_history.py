"""`GET /buckets/{bucket}/comments/{id}/history`: the quoted history of a comment's email (issue 12).

A comment keeps only the new text and the signature (docs/architecture.md#the-comment); the history it quoted
is separated out and dropped. The raw MIME stays in the store, so the history is separated again
on demand, by the same rules (cleaning.quotes) that took it out of the comment.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path

from commsync.api.auth import BEARER, requires
from commsync.api.context import ApiContext
from commsync.api.errors import NotFound
from commsync.api.schemas import COMMENT_ID, SLUG
from commsync.cleaning.build import comment_key, raw_key
from commsync.cleaning.mime import parse_email
from commsync.cleaning.quotes import split_quotes
from commsync.models.access import Permission
from commsync.models.common import DomainModel

Bucket = Annotated[str, Path(pattern=SLUG)]
CommentIdPath = Annotated[str, Path(pattern=COMMENT_ID)]


class QuotedHistory(DomainModel):
    # False when the raw email is not stored (e.g. deleted since): nothing can be told then.
    available: bool
    text: str | None = None


def register(app: APIGatewayRestResolver, ctx: ApiContext) -> None:
    @app.get(
        "/buckets/<bucket>/comments/<comment_id>/history",
        tags=["comments"],
        security=BEARER,
        summary="The quoted history the comment's email carried (separated again from its raw MIME)",
    )
    @requires(Permission.VIEW)
    def quoted_history(bucket: Bucket, comment_id: CommentIdPath) -> QuotedHistory:
        raw = ctx.engine.blobs.get(raw_key(bucket, comment_id))
        if raw is None:
            if ctx.engine.blobs.get(comment_key(bucket, comment_id)) is None:
                raise NotFound(f"comment {comment_id} does not exist in bucket {bucket}")
            return QuotedHistory(available=False)
        return QuotedHistory(available=True, text=quoted_text(raw))


def quoted_text(raw: bytes) -> str | None:
    text = parse_email(raw).text
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    quoted = "\n".join(line.rstrip() for line in split_quotes(lines).quoted).strip()
    return quoted or None
